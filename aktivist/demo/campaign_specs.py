"""What the demo campaigns are: this year's priorities, national, district and local
campaigns (one lifted from a local initiative) with actions of every kind in Swedish and
English, their letters and targets. ``aktivist.demo.campaigns`` loads them. Everything is
invented: no real person is named, letters go to addresses at example.org only."""

from __future__ import annotations

from dataclasses import dataclass

from aktivist.campaigns.models import Action, Campaign

OWN_LETTERS = (
    "Jag har själv kommit hit som flykting och vet hur mycket ett tryggt mottagande betyder. "
    "Jag ber er att ta ansvar.",
    "Som lärare möter jag varje dag unga som lever i oro. Gör det ni kan för dem.",
    "Jag skriver som förälder och som medborgare: mänskliga rättigheter gäller alla.",
    "I am writing from Malmö, where I have lived for twelve years. Please act now.",
    "Detta är inte en fråga om politik utan om människovärde. Jag räknar med ert svar.",
)


@dataclass(frozen=True)
class ActionSpec:
    slug: str
    kind: str
    title_sv: str
    title_en: str
    text_sv: str
    text_en: str
    opened_days_ago: int
    closes_in_days: int | None  # negative: closed that many days ago
    goal: int
    weight: float  # share of the demo's participations
    target_name: str = ""
    target_email: str = ""
    target_address: str = ""
    letter_subject: str = ""
    letter_sv: str = ""
    letter_en: str = ""
    letter_delivery: str = ""
    burst_days: float = 10.0  # how fast the launch burst fades


@dataclass(frozen=True)
class CampaignSpec:
    key: str
    name: str
    description: str
    priority: str | None
    scope: str
    unit: str  # "national" or a unit name
    kind: str
    started_days_ago: int
    ends_in_days: int | None
    goal: int | None
    actions: tuple[ActionSpec, ...]
    origin: str = Campaign.Origin.SECRETARIAT
    elevation: str = ""
    elevation_note: str = ""
    elevated_from: str = ""  # key of the local initiative it was lifted from
    last_year: bool = False


# (name, description, last year?)
PRIORITIES = (
    ("Flyktingars rättigheter", "Rätten att söka asyl och ett värdigt mottagande.", False),
    (
        "Yttrandefrihet",
        "Journalister, bloggare och människorättsförsvarare ska kunna verka utan hot.",
        False,
    ),
    (
        "Kvinnors rättigheter",
        "Mot våld mot kvinnor; för sexuella och reproduktiva rättigheter.",
        False,
    ),
    ("Unga och mänskliga rättigheter", "Fler unga som agerar, i skolan och på nätet.", False),
    ("Stoppa tortyr", "Tortyr är förbjuden överallt och alltid.", True),
    ("Flyktingars rättigheter", "Rätten att söka asyl.", True),
)

LETTER_MINISTER_SV = (
    "Till migrationsministern,\n\n"
    "Människor som flytt från krig och förföljelse har rätt att få sina skäl prövade på ett "
    "rättssäkert sätt. I dag utvisas unga som levt större delen av sina liv i Sverige till "
    "länder där de riskerar sina liv.\n\n"
    "Jag uppmanar regeringen att stoppa utvisningar till länder i väpnad konflikt och att "
    "låta barnets bästa väga tyngst i varje beslut som rör barn.\n\n"
    "Med vänliga hälsningar"
)
LETTER_MINISTER_EN = (
    "To the Minister for Migration,\n\n"
    "People who have fled war and persecution have the right to a fair examination of their "
    "grounds for protection. Today, young people who have lived most of their lives in Sweden "
    "are deported to countries where their lives are at risk.\n\n"
    "I urge the government to stop deportations to countries in armed conflict and to let the "
    "best interests of the child weigh heaviest in every decision concerning children.\n\n"
    "Kind regards"
)

CAMPAIGNS: tuple[CampaignSpec, ...] = (
    CampaignSpec(
        key="summer",
        name="Sommarkampanjen: Rätten att söka skydd",
        description="Sommarens stora kampanj på festivaler, torg och nätet: alla som flyr har "
        "rätt att söka skydd.",
        priority="Flyktingars rättigheter",
        scope=Campaign.Scope.NATIONAL,
        unit="national",
        kind=Campaign.Kind.SUMMER,
        started_days_ago=0,  # 1 June – 31 August: dated by CampaignDemoLoader._summer
        ends_in_days=0,
        goal=60_000,
        actions=(
            ActionSpec(
                slug="ratten-att-soka-skydd",
                kind=Action.Kind.PETITION,
                title_sv="Värna rätten att söka asyl",
                title_en="Protect the right to seek asylum",
                text_sv="Alla som flyr från krig och förföljelse har rätt att söka skydd. Skriv "
                "under och kräv att regeringen värnar asylrätten.",
                text_en="Everyone fleeing war and persecution has the right to seek protection. "
                "Sign and call on the government to protect the right to asylum.",
                opened_days_ago=48,
                closes_in_days=40,
                goal=50_000,
                weight=0.26,
                target_name="Regeringen",
            ),
            ActionSpec(
                slug="brev-till-migrationsministern",
                kind=Action.Kind.LETTER,
                title_sv="Skriv till migrationsministern",
                title_en="Write to the Minister for Migration",
                text_sv="Skicka ett personligt brev: stoppa utvisningar till länder i krig.",
                text_en="Send a personal letter: stop deportations to countries at war.",
                opened_days_ago=40,
                closes_in_days=30,
                goal=10_000,
                weight=0.07,
                target_name="Migrationsministern",
                target_email="migrationsministern@example.org",
                letter_subject="Stoppa utvisningarna till länder i krig",
                letter_sv=LETTER_MINISTER_SV,
                letter_en=LETTER_MINISTER_EN,
                letter_delivery=Action.LetterDelivery.EMAIL,
            ),
            ActionSpec(
                slug="dela-asylratten",
                kind=Action.Kind.SOCIAL_SHARE,
                title_sv="Dela: Rätten att söka skydd",
                title_en="Share: The right to seek protection",
                text_sv="Dela kampanjfilmen med dina vänner och visa att du står upp för "
                "asylrätten.",
                text_en="Share the campaign film with your friends and show that you stand up "
                "for the right to asylum.",
                opened_days_ago=45,
                closes_in_days=40,
                goal=20_000,
                weight=0.08,
            ),
        ),
    ),
    CampaignSpec(
        key="election",
        name="Valkampanjen: Mänskliga rättigheter på valsedeln",
        description="Inför valet: vi frågar partierna och kandidaterna var de står.",
        priority="Unga och mänskliga rättigheter",
        scope=Campaign.Scope.NATIONAL,
        unit="national",
        kind=Campaign.Kind.ELECTION,
        started_days_ago=55,
        ends_in_days=120,
        goal=30_000,
        actions=(
            ActionSpec(
                slug="fraga-din-kandidat",
                kind=Action.Kind.E_ACTION,
                title_sv="Fråga din kandidat om mänskliga rättigheter",
                title_en="Ask your candidate about human rights",
                text_sv="Skicka våra fem frågor till kandidaterna i din kommun och dela svaren.",
                text_en="Send our five questions to the candidates in your municipality and "
                "share their answers.",
                opened_days_ago=52,
                closes_in_days=120,
                goal=15_000,
                weight=0.09,
            ),
            ActionSpec(
                slug="brev-till-partiledarna",
                kind=Action.Kind.LETTER,
                title_sv="Brev till partiledarna",
                title_en="A letter to the party leaders",
                text_sv="Be partiledarna lova att mänskliga rättigheter styr nästa mandatperiod.",
                text_en="Ask the party leaders to promise that human rights will guide the next "
                "term of office.",
                opened_days_ago=30,
                closes_in_days=100,
                goal=5_000,
                weight=0.04,
                target_name="Partiledarna i riksdagen",
                target_address="Sveriges riksdag\n100 12 Stockholm",
                letter_subject="Låt mänskliga rättigheter styra nästa mandatperiod",
                letter_sv="Till partiledarna,\n\nJag ber er lova att mänskliga rättigheter ska "
                "vägleda varje beslut under nästa mandatperiod – i migrationspolitiken, i "
                "skolan och i rättsväsendet.\n\nMed vänliga hälsningar",
                letter_en="To the party leaders,\n\nI ask you to promise that human rights will "
                "guide every decision in the next term of office – in migration policy, in "
                "schools and in the justice system.\n\nKind regards",
                letter_delivery=Action.LetterDelivery.PDF,
            ),
        ),
    ),
    CampaignSpec(
        key="journalists",
        name="Frige de fängslade journalisterna",
        description="Journalister sitter fängslade för att de granskat makten. Vi kräver att de "
        "släpps.",
        priority="Yttrandefrihet",
        scope=Campaign.Scope.NATIONAL,
        unit="national",
        kind=Campaign.Kind.STANDARD,
        started_days_ago=35,
        ends_in_days=60,
        goal=25_000,
        actions=(
            ActionSpec(
                slug="frige-journalisterna",
                kind=Action.Kind.PETITION,
                title_sv="Frige journalisterna som fängslats för sitt arbete",
                title_en="Free the journalists jailed for their work",
                text_sv="Att granska makten är inget brott. Kräv att de fängslade journalisterna "
                "släpps omedelbart och villkorslöst.",
                text_en="Scrutinising those in power is not a crime. Demand the immediate and "
                "unconditional release of the jailed journalists.",
                opened_days_ago=34,
                closes_in_days=60,
                goal=25_000,
                weight=0.15,
                target_name="Ambassadören",
                target_email="ambassaden@example.org",
            ),
        ),
    ),
    CampaignSpec(
        key="urgent",
        name="Blixtaktioner",
        description="Snabba insatser när en människa är i akut fara.",
        priority="Yttrandefrihet",
        scope=Campaign.Scope.NATIONAL,
        unit="national",
        kind=Campaign.Kind.URGENT,
        started_days_ago=200,
        ends_in_days=None,
        goal=None,
        actions=(
            ActionSpec(
                slug="blixt-stoppa-avrattningen",
                kind=Action.Kind.URGENT,
                title_sv="Blixtaktion: Stoppa avrättningen av en ung man dömd som minderårig",
                title_en="Urgent action: Stop the execution of a young man sentenced as a child",
                text_sv="Han var 16 år när han greps och dömdes efter en orättvis rättegång. "
                "Avrättningen kan ske inom några dagar. Agera nu.",
                text_en="He was 16 when he was arrested and sentenced after an unfair trial. The "
                "execution could take place within days. Act now.",
                opened_days_ago=6,
                closes_in_days=8,
                goal=15_000,
                weight=0.12,
                target_name="Justitieministern",
                target_email="justitieministern@example.org",
                burst_days=1.5,
            ),
            ActionSpec(
                slug="blixt-frige-forsvararen",
                kind=Action.Kind.URGENT,
                title_sv="Blixtaktion: Frige den fängslade människorättsförsvararen",
                title_en="Urgent action: Release the detained human rights defender",
                text_sv="En kvinnorättsaktivist hålls isolerad utan åtal. Kräv att hon släpps.",
                text_en="A women's rights activist is held incommunicado without charge. Demand "
                "her release.",
                opened_days_ago=25,
                closes_in_days=-5,
                goal=10_000,
                weight=0.07,
                burst_days=2.5,
            ),
        ),
    ),
    CampaignSpec(
        key="women",
        name="Min kropp, mina rättigheter",
        description="För sexuella och reproduktiva rättigheter och mot våld mot kvinnor.",
        priority="Kvinnors rättigheter",
        scope=Campaign.Scope.NATIONAL,
        unit="national",
        kind=Campaign.Kind.STANDARD,
        started_days_ago=58,
        ends_in_days=30,
        goal=20_000,
        actions=(
            ActionSpec(
                slug="ratt-till-saker-abort",
                kind=Action.Kind.PETITION,
                title_sv="Alla ska ha rätt till säker abort",
                title_en="Everyone has the right to a safe abortion",
                text_sv="Ingen ska behöva riskera sitt liv. Skriv under för rätten till säker "
                "och laglig abort.",
                text_en="No one should have to risk their life. Sign for the right to safe and "
                "legal abortion.",
                opened_days_ago=56,
                closes_in_days=30,
                goal=15_000,
                weight=0.08,
            ),
            ActionSpec(
                slug="aktionsdag-samtycke",
                kind=Action.Kind.ACTION_DAY,
                title_sv="Aktionsdag: Samtycke på schemat",
                title_en="Action day: Consent on the timetable",
                text_sv="Anmäl dig till aktionsdagen och ordna en aktivitet om samtycke på din "
                "skola eller i din stad.",
                text_en="Sign up for the action day and hold an activity about consent at your "
                "school or in your town.",
                opened_days_ago=20,
                closes_in_days=10,
                goal=1_000,
                weight=0.02,
            ),
        ),
    ),
    CampaignSpec(
        key="skane",
        name="Skåne välkomnar",
        description="Distriktets kampanj för ett värdigt mottagande i Skånes kommuner.",
        priority="Flyktingars rättigheter",
        scope=Campaign.Scope.DISTRICT,
        unit="Distrikt Skåne",
        kind=Campaign.Kind.STANDARD,
        started_days_ago=40,
        ends_in_days=50,
        goal=3_000,
        actions=(
            ActionSpec(
                slug="skane-valkomnar",
                kind=Action.Kind.PETITION,
                title_sv="Ett värdigt mottagande i Skånes kommuner",
                title_en="A dignified reception in Skåne's municipalities",
                text_sv="Kommunerna i Skåne kan göra mer. Skriv under för trygga boenden, "
                "svenskundervisning från första dagen och en väg in i arbetslivet.",
                text_en="Skåne's municipalities can do more. Sign for safe housing, Swedish "
                "lessons from day one and a way into working life.",
                opened_days_ago=38,
                closes_in_days=50,
                goal=3_000,
                weight=0.03,
            ),
        ),
    ),
    CampaignSpec(
        key="malmo",
        name="Malmö: Trygga boenden för ensamkommande unga",
        description="Lokalgruppens initiativ efter att flera unga flyttats mitt i skolåret.",
        priority="Flyktingars rättigheter",
        scope=Campaign.Scope.LOCAL,
        unit="Grupp Malmö",
        kind=Campaign.Kind.STANDARD,
        origin=Campaign.Origin.LOCAL_INITIATIVE,
        started_days_ago=30,
        ends_in_days=30,
        goal=2_000,
        elevation=Campaign.Elevation.PROPOSED,
        elevation_note="Nästan 2 000 underskrifter på några veckor, och grupperna i Göteborg och "
        "Stockholm hör av sig om samma problem. Frågan passar som nationell kampanj.",
        actions=(
            ActionSpec(
                slug="malmo-trygga-boenden",
                kind=Action.Kind.PETITION,
                title_sv="Låt ensamkommande unga bo kvar under skolåret",
                title_en="Let unaccompanied young people stay put during the school year",
                text_sv="Ingen ung ska behöva flytta till en annan kommun mitt i skolåret. Skriv "
                "under till Malmö stad.",
                text_en="No young person should have to move to another municipality in the "
                "middle of the school year. Sign to the City of Malmö.",
                opened_days_ago=28,
                closes_in_days=30,
                goal=2_000,
                weight=0.025,
                target_name="Kommunstyrelsen i Malmö",
            ),
            ActionSpec(
                slug="malmo-brev-kommunstyrelsen",
                kind=Action.Kind.LETTER,
                title_sv="Skriv till kommunstyrelsen i Malmö",
                title_en="Write to Malmö's municipal board",
                text_sv="Berätta med egna ord varför trygga boenden betyder något.",
                text_en="Tell them in your own words why a safe home matters.",
                opened_days_ago=21,
                closes_in_days=30,
                goal=500,
                weight=0.008,
                target_name="Kommunstyrelsen i Malmö",
                target_email="kommunstyrelsen.malmo@example.org",
                letter_subject="Trygga boenden för ensamkommande unga",
                letter_sv="Till kommunstyrelsen i Malmö,\n\nLåt ensamkommande unga bo kvar i "
                "Malmö under skolåret. Att flyttas mitt i terminen slår sönder allt de byggt "
                "upp.\n\nMed vänliga hälsningar",
                letter_en="To Malmö's municipal board,\n\nLet unaccompanied young people stay "
                "in Malmö during the school year. Being moved mid-term breaks everything they "
                "have built.\n\nKind regards",
                letter_delivery=Action.LetterDelivery.EMAIL,
            ),
        ),
    ),
    CampaignSpec(
        key="umea",
        name="Umeå: Skolor fria från hat",
        description="Gymnasiegruppernas initiativ mot hat och hot i skolan.",
        priority="Unga och mänskliga rättigheter",
        scope=Campaign.Scope.LOCAL,
        unit="Grupp Umeå",
        kind=Campaign.Kind.STANDARD,
        origin=Campaign.Origin.LOCAL_INITIATIVE,
        started_days_ago=57,
        ends_in_days=None,
        goal=1_000,
        elevation=Campaign.Elevation.ELEVATED,
        elevation_note="Eleverna i Umeå har fått stort gensvar; fler skolor vill vara med.",
        actions=(
            ActionSpec(
                slug="umea-skolor-fria-fran-hat",
                kind=Action.Kind.PETITION,
                title_sv="Skolor fria från hat i Umeå",
                title_en="Schools free from hate in Umeå",
                text_sv="Alla elever ska kunna gå till skolan utan att hotas för vem de är.",
                text_en="Every student should be able to go to school without being threatened "
                "for who they are.",
                opened_days_ago=55,
                closes_in_days=-20,
                goal=1_000,
                weight=0.015,
            ),
        ),
    ),
    CampaignSpec(
        key="schools",
        name="Skolor fria från hat",
        description="Lyft från Umeå-gruppernas initiativ: nu i hela landet.",
        priority="Unga och mänskliga rättigheter",
        scope=Campaign.Scope.NATIONAL,
        unit="national",
        kind=Campaign.Kind.STANDARD,
        started_days_ago=19,
        ends_in_days=150,
        goal=20_000,
        elevated_from="umea",
        actions=(
            ActionSpec(
                slug="skolor-fria-fran-hat",
                kind=Action.Kind.PETITION,
                title_sv="Skolor fria från hat",
                title_en="Schools free from hate",
                text_sv="Kräv en plan mot hat och hot på varje skola. Alla elever ska känna sig "
                "trygga.",
                text_en="Demand a plan against hate and threats at every school. Every student "
                "should feel safe.",
                opened_days_ago=18,
                closes_in_days=150,
                goal=20_000,
                weight=0.05,
                target_name="Utbildningsministern",
            ),
        ),
    ),
    CampaignSpec(
        key="torture",
        name="Stoppa tortyr",
        description="Förra höstens kampanj mot tortyr i förvar.",
        priority="Stoppa tortyr",
        scope=Campaign.Scope.NATIONAL,
        unit="national",
        kind=Campaign.Kind.STANDARD,
        started_days_ago=0,  # dated by CampaignDemoLoader._last_year
        ends_in_days=0,
        goal=30_000,
        last_year=True,
        actions=(
            ActionSpec(
                slug="stoppa-tortyr",
                kind=Action.Kind.PETITION,
                title_sv="Stoppa tortyr i förvar",
                title_en="Stop torture in detention",
                text_sv="Tortyr är aldrig tillåtet. Kräv oberoende inspektioner av alla förvar.",
                text_en="Torture is never allowed. Demand independent inspections of all "
                "detention centres.",
                opened_days_ago=0,
                closes_in_days=0,
                goal=30_000,
                weight=0.06,
            ),
        ),
    ),
)
