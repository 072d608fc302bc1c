"""Demo campaigns: this year's priorities, national, district and local campaigns with
actions of every kind in Swedish and English, and N participations of the demo people.

``load_campaign_demo(participations=N, seed=S)`` runs after the people demo
(``manage.py demo_data``). Everything is invented: no real person is named, letters go to
addresses at example.org only, and nothing but counts is printed.

Participations are a bulk path like the people demo: generated in memory chunk by chunk
and written with COPY on PostgreSQL (``aktivist.demo.people.BulkWriter``), with one
``executemany`` per chunk elsewhere (``bulk_create`` would overwrite ``created_at``). Each
action gets its share of N as distinct people (one participation per person and action),
spread over the last 60 days of the action's life — the launch brings a burst, evenings
and weekends more than office hours — and written in time order, so ids follow signing
order as they do for real signatures. Five million load in a few minutes on PostgreSQL.
"""

from __future__ import annotations

import array
import bisect
import datetime as dt
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, models, transaction
from django.utils import timezone

from aktivist.accounts.models import User
from aktivist.campaigns.channels import channel_create
from aktivist.campaigns.models import Action, Campaign, Channel, Participation, Priority
from aktivist.demo.people import BulkWriter
from aktivist.organisation.models import Unit
from aktivist.people.models import Person

ZONE = ZoneInfo("Europe/Stockholm")
WINDOW_DAYS = 60
CHUNK = 50_000
DEFAULT_PER_PERSON = 4  # default participations: 4 per demo person …
DEFAULT_MAX = 200_000  # … up to this many (pass --participations for more)
LETTERS_SENT_HOUR = 7  # the daily letters job's hour

# Share of each source, and of the signers who agree to be named at hand-over.
SOURCES = (("web", 0.62), ("embed", 0.18), ("api", 0.16), ("staff", 0.04))
NAMED_SHARE = 0.38
OWN_LETTER_SHARE = 0.12
# Activity by local hour (evenings highest) and weekday (Mon..Sun; weekends higher).
HOUR_WEIGHTS = (
    0.15, 0.08, 0.05, 0.04, 0.04, 0.08, 0.25, 0.55, 0.75, 0.8, 0.8, 0.85,
    1.1, 1.05, 0.8, 0.8, 0.9, 1.1, 1.5, 1.9, 2.1, 2.0, 1.5, 0.7,
)  # fmt: skip
WEEKDAY_WEIGHTS = (1.0, 0.95, 0.95, 1.0, 0.9, 1.3, 1.45)

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


@dataclass
class CampaignSummary:
    priorities: int = 0
    campaigns: int = 0
    actions: int = 0
    channels: int = 0
    participations: int = 0
    named: int = 0
    young: int = 0  # participations by signers aged 13–25
    requested: int = 0
    capped: bool = False
    skipped: bool = False
    seconds: float = 0.0
    by_action: dict[str, int] = field(default_factory=dict)


def default_participations(people: int) -> int:
    return min(people * DEFAULT_PER_PERSON, DEFAULT_MAX)


class CampaignDemoLoader:
    def __init__(self, *, participations: int, seed: int, out: Callable[[str], None]) -> None:
        self.n = participations
        self.seed = seed
        self.out = out
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.summary = CampaignSummary(requested=participations)

    def run(self) -> CampaignSummary:
        started = time.monotonic()
        if Campaign.objects.exists():
            self.out("Campaigns already exist; demo campaigns not loaded.")
            self.summary.skipped = True
            return self.summary
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            self.staff = User.objects.filter(email="staff@example.org").first()
            actions = self._campaigns()
            self.channels = self._channels()
            self._participations(actions)
        self.summary.seconds = time.monotonic() - started
        return self.summary

    # -- priorities, campaigns, actions

    def _days(self, days: int) -> dt.date:
        return self.today + dt.timedelta(days=days)

    def _at(self, days: int, hour: int) -> dt.datetime:
        day = self._days(days)
        return dt.datetime.combine(day, dt.time(hour), tzinfo=ZONE)

    def _unit(self, name: str) -> Unit:
        national = Unit.objects.filter(kind=Unit.Kind.NATIONAL, parent=None).order_by("pk").first()
        if national is None:
            raise RuntimeError("The demo organisation has no national unit.")
        if name == "national":
            return national
        return Unit.objects.filter(name=name).order_by("depth", "pk").first() or national

    def _summer(self, spec: CampaignSpec) -> CampaignSpec:
        """The summer campaign runs 1 June – 31 August: this summer's once it has begun,
        else last summer's (then closed, with its signatures from back then)."""
        year = self.today.year if self.today >= dt.date(self.today.year, 6, 1) else None
        year = year or self.today.year - 1
        start = (dt.date(year, 6, 1) - self.today).days
        end = (dt.date(year, 8, 31) - self.today).days
        actions = tuple(
            replace(a, opened_days_ago=-start - 2 - 3 * n, closes_in_days=end)
            for n, a in enumerate(spec.actions)
        )
        return replace(spec, started_days_ago=-start, ends_in_days=end, actions=actions)

    def _last_year(self, spec: CampaignSpec) -> CampaignSpec:
        """Last year's campaign ran in the autumn (1 September – 10 December)."""
        year = self.today.year - 1
        start = (dt.date(year, 9, 1) - self.today).days
        end = (dt.date(year, 12, 10) - self.today).days
        actions = tuple(
            replace(a, opened_days_ago=-start - 2, closes_in_days=end) for a in spec.actions
        )
        return replace(spec, started_days_ago=-start, ends_in_days=end, actions=actions)

    def _campaigns(self) -> list[tuple[Action, ActionSpec]]:
        year = self.today.year
        priorities: dict[tuple[str, bool], Priority] = {}
        for name, description, last_year in PRIORITIES:
            priority, _ = Priority.objects.get_or_create(
                name=name,
                year=year - 1 if last_year else year,
                defaults={"description": description},
            )
            priorities[name, last_year] = priority
        self.summary.priorities = len(priorities)
        by_key: dict[str, Campaign] = {}
        actions: list[tuple[Action, ActionSpec]] = []
        for spec in CAMPAIGNS:
            if spec.kind == Campaign.Kind.SUMMER:
                spec = self._summer(spec)
            elif spec.last_year:
                spec = self._last_year(spec)
            unit = self._unit(spec.unit)
            scope = spec.scope if unit.name == spec.unit or spec.unit == "national" else "national"
            campaign = Campaign(
                name=spec.name,
                description=spec.description,
                priority=priorities.get((spec.priority or "", spec.last_year)),
                scope=scope,
                unit=unit,
                origin=spec.origin,
                kind=spec.kind,
                starts_on=self._days(-spec.started_days_ago),
                ends_on=None if spec.ends_in_days is None else self._days(spec.ends_in_days),
                goal=spec.goal,
                elevation=spec.elevation,
                elevation_note=spec.elevation_note,
                created_by=self.staff if spec.origin == Campaign.Origin.SECRETARIAT else None,
            )
            if spec.elevation:
                campaign.elevation_proposed_at = self._at(-21, 10)
            if spec.elevation == Campaign.Elevation.ELEVATED:
                campaign.elevation_decided_at = self._at(-19, 9)
                campaign.elevation_decided_by = self.staff
            if spec.elevated_from:
                campaign.elevated_from = by_key[spec.elevated_from]
            campaign.full_clean()
            campaign.save()
            by_key[spec.key] = campaign
            for a in spec.actions:
                action = Action(
                    campaign=campaign,
                    kind=a.kind,
                    slug=a.slug,
                    title_sv=a.title_sv,
                    title_en=a.title_en,
                    text_sv=a.text_sv,
                    text_en=a.text_en,
                    opens_at=self._at(-a.opened_days_ago, 8),
                    closes_at=None
                    if a.closes_in_days is None
                    else self._at(a.closes_in_days, 23 if a.closes_in_days >= 0 else 18),
                    goal=a.goal,
                    target_name=a.target_name,
                    target_email=a.target_email,
                    target_address=a.target_address,
                    letter_subject=a.letter_subject,
                    letter_text_sv=a.letter_sv,
                    letter_text_en=a.letter_en,
                    letter_delivery=a.letter_delivery or Action.LetterDelivery.EMAIL,
                    created_by=campaign.created_by,
                )
                action.full_clean()
                action.save()
                actions.append((action, a))
        self.summary.campaigns = len(by_key)
        self.summary.actions = len(actions)
        self.out(
            f"Campaigns: {self.summary.priorities} priorities, {self.summary.campaigns} "
            f"campaigns, {self.summary.actions} actions."
        )
        return actions

    def _channels(self) -> list[int]:
        ids = []
        for name, origins in (
            ("Organisationens webbplats", "https://www.example.org"),
            ("Partnerkampanj (API)", ""),
        ):
            channel = Channel.objects.filter(name=name).first()
            if channel is None:
                # The key is never shown: the demo channels only label demo signatures.
                channel, _key = channel_create(actor=None, name=name, allowed_origins=origins)
            ids.append(channel.pk)
        self.summary.channels = len(ids)
        return ids

    # -- participations

    def _people(self) -> tuple[array.array, array.array]:
        """Person ids and birth years (0 when unknown) of the active people, in id order."""
        ids, years = array.array("q"), array.array("H")
        rows = Person.objects.filter(is_active=True).order_by("pk").values_list("pk", "birth_year")
        for pk, year in rows.iterator(chunk_size=20_000):
            ids.append(pk)
            years.append(year or 0)
        return ids, years

    def _shares(self, actions: Sequence[tuple[Action, ActionSpec]], people: int) -> list[int]:
        """N split over the actions by weight; no action gets more than everyone once."""
        capacity = people * len(actions)
        total = min(self.n, capacity)
        self.summary.capped = total < self.n
        counts = [0] * len(actions)
        open_ = list(range(len(actions)))
        left = total
        while left > 0 and open_:
            weight = sum(actions[i][1].weight for i in open_)
            given = 0
            for i in list(open_):
                want = max(1, math.floor(left * actions[i][1].weight / weight))
                take = min(want, people - counts[i], left - given)
                counts[i] += take
                given += take
                if counts[i] >= people:
                    open_.remove(i)
                if given >= left:
                    break
            left -= given
        return counts

    def _buckets(self, action: Action, spec: ActionSpec) -> tuple[list[float], list[float], float]:
        """Hourly buckets over the last WINDOW_DAYS of the action's life: (start timestamps,
        cumulative weights, end timestamp)."""
        # In UTC: arithmetic on Stockholm times would follow the wall clock across DST.
        end = min(action.closes_at or self.now, self.now).astimezone(dt.UTC)
        start = max(action.opens_at, end - dt.timedelta(days=WINDOW_DAYS)).astimezone(dt.UTC)
        opened = action.opens_at.timestamp()
        starts: list[float] = []
        cumulative: list[float] = []
        total = 0.0
        moment = start.replace(minute=0, second=0, microsecond=0)
        while moment < end:
            local = moment.astimezone(ZONE)
            age_days = max(0.0, (moment.timestamp() - opened) / 86_400)
            weight = (
                HOUR_WEIGHTS[local.hour]
                * WEEKDAY_WEIGHTS[local.weekday()]
                * (0.3 + math.exp(-age_days / spec.burst_days))
            )
            total += weight
            starts.append(max(moment, start).timestamp())
            cumulative.append(total)
            moment += dt.timedelta(hours=1)
        return starts, cumulative, end.timestamp()

    def _participations(self, actions: Sequence[tuple[Action, ActionSpec]]) -> None:
        if self.n <= 0:
            return
        rng = random.Random(f"aktivist-demo:{self.seed}:participations")  # noqa: S311 - demo
        r = rng.random
        ids, years = self._people()
        if not ids:
            return
        counts = self._shares(actions, len(ids))
        if self.summary.capped:
            self.out(
                f"  {self.n:,} participations asked for, but {len(ids):,} people × "
                f"{len(actions)} actions allow only {sum(counts):,} (one per person and action)."
            )
        writer = _ParticipationWriter(self.now)
        year = self.today.year
        today_sent = dt.datetime.combine(self.today, dt.time(LETTERS_SENT_HOUR), tzinfo=ZONE)
        channels = self.channels
        source_names = [s for s, _ in SOURCES]
        source_cum: list[float] = []
        acc = 0.0
        for _, share in SOURCES:
            acc += share
            source_cum.append(acc)
        brackets = Participation.AgeBracket.values
        started = time.monotonic()
        last_report = started
        s = self.summary
        for (action, spec), count in zip(actions, counts, strict=True):
            if count <= 0:
                continue
            starts, cumulative, end = self._buckets(action, spec)
            if not starts:
                continue
            whole = cumulative[-1]
            times = sorted(
                min(starts[j] + r() * 3600, end - 1)
                for j in (bisect.bisect_right(cumulative, r() * whole) for _ in range(count))
            )
            signers = rng.sample(range(len(ids)), count)
            emailed = (
                action.kind == Action.Kind.LETTER
                and action.letter_delivery == Action.LetterDelivery.EMAIL
            )
            is_letter = action.kind == Action.Kind.LETTER
            rows: list[tuple] = []
            for stamp, index in zip(times, signers, strict=True):
                created = dt.datetime.fromtimestamp(stamp, tz=dt.UTC)
                source = source_names[bisect.bisect_right(source_cum, r() * acc)]
                channel = channels[int(r() * len(channels))] if source == "api" else None
                birth_year = years[index]
                if birth_year:
                    age = year - birth_year
                    bracket = _bracket(age, brackets)
                    if age <= 25:
                        s.young += 1
                else:
                    bracket = brackets[int(r() * len(brackets))] if r() < 0.5 else ""
                    if bracket in ("13-17", "18-25"):
                        s.young += 1
                named = r() < NAMED_SHARE
                s.named += named
                letter = ""
                if is_letter and r() < OWN_LETTER_SHARE:
                    letter = OWN_LETTERS[int(r() * len(OWN_LETTERS))]
                sent = None
                if emailed:
                    local = created.astimezone(ZONE)
                    due = dt.datetime.combine(
                        local.date() + dt.timedelta(days=1), dt.time(LETTERS_SENT_HOUR), tzinfo=ZONE
                    )
                    if due <= today_sent and due <= self.now:
                        sent = due + dt.timedelta(seconds=int(r() * 900))
                rows.append(
                    (ids[index], action.pk, source, channel, bracket, named, letter, sent, created)
                )
                if len(rows) >= CHUNK:
                    writer.write(rows)
                    s.participations += len(rows)
                    rows = []
                    clock = time.monotonic()
                    if clock - last_report > 10:
                        last_report = clock
                        self.out(
                            f"  participations {s.participations:,}/{sum(counts):,} "
                            f"({clock - started:.0f} s)"
                        )
            writer.write(rows)
            s.participations += len(rows)
            s.by_action[action.slug] = count
        self.out(f"  participations {s.participations:,} ({time.monotonic() - started:.0f} s)")


def _bracket(age: int, brackets: Sequence[str]) -> str:
    if age < 13:
        return ""
    if age <= 17:
        return brackets[0]
    if age <= 25:
        return brackets[1]
    if age <= 39:
        return brackets[2]
    if age <= 64:
        return brackets[3]
    return brackets[4]


PARTICIPATION_COLUMNS = (
    "person_id",
    "action_id",
    "source",
    "channel_id",
    "age_bracket",
    "named",
    "letter_text",
    "letter_sent_at",
    "created_at",
    "updated_at",
    "tracking_token",
)


class _ParticipationWriter:
    """COPY on PostgreSQL (the people demo's writer); one executemany elsewhere, with the
    values adapted as Django would (bulk_create would overwrite created_at)."""

    def __init__(self, now: dt.datetime) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.bulk = BulkWriter(now)
        if not self.postgres:
            fields = {f.attname: f for f in Participation._meta.concrete_fields}
            quote = connection.ops.quote_name
            # Table and column names come from the model and are quoted; values are parameters.
            # The other text columns (the COPY path fills them from the model's defaults).
            self.blank = tuple(
                f.attname
                for f in fields.values()
                if f.attname not in PARTICIPATION_COLUMNS
                and isinstance(f, models.CharField | models.TextField)
                and not f.null
                and not f.primary_key
            )
            columns = (*PARTICIPATION_COLUMNS, *self.blank)
            self.sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
                quote(Participation._meta.db_table),
                ", ".join(quote(str(fields[c].column)) for c in columns),
                ", ".join(["%s"] * len(columns)),
            )

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        full = [(*row, row[8], "") for row in rows]  # updated_at = created_at; no token
        if self.postgres:
            self.bulk.write(Participation, PARTICIPATION_COLUMNS, full)
            return
        adapt = connection.ops.adapt_datetimefield_value
        values: list[Any] = [
            (
                *row[:7],
                adapt(row[7]) if row[7] else None,
                adapt(row[8]),
                adapt(row[9]),
                row[10],
                *[""] * len(self.blank),
            )
            for row in full
        ]
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, values)


def load_campaign_demo(
    *, participations: int, seed: int = 1, out: Callable[[str], None] = print
) -> CampaignSummary:
    return CampaignDemoLoader(participations=participations, seed=seed, out=out).run()
