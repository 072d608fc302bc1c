"""The fixed lists behind the demo data: regions, towns, postcode prefixes, schools, networks,
role types, tags, Swedish names, streets and neutral interaction notes.

Nothing here is personal data: town and region names are public geography, the names are
common Swedish first and last names, combined at random by ``aktivist.demo.person_rows``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DistrictSpec:
    region: str
    weight: int  # population in thousands, rounded: people are spread in proportion
    prefixes: tuple[str, ...]  # the 2-digit postcode areas the district covers
    area_codes: tuple[str, ...]  # landline area codes (without the leading 0)
    groups: tuple[tuple[str, str], ...]  # local groups: (town, own 3-digit prefix)
    schools: tuple[str, ...]  # towns with a school group ("<town> gymnasium")

    @property
    def unit_name(self) -> str:
        return f"Distrikt {self.region}"


NATIONAL_NAME = "Sverige"

# Every 2-digit prefix 10–98 belongs to exactly one district; every group's 3-digit prefix
# starts with one of its own district's prefixes (checked by the tests).
DISTRICTS: tuple[DistrictSpec, ...] = (
    DistrictSpec(
        "Stockholm",
        2450,
        ("10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "76"),
        ("8",),
        (
            ("Stockholm", "111"),
            ("Södermalm", "118"),
            ("Kungsholmen", "112"),
            ("Östermalm", "114"),
            ("Bromma", "168"),
            ("Farsta", "123"),
            ("Solna", "171"),
            ("Sundbyberg", "172"),
            ("Lidingö", "181"),
            ("Nacka", "131"),
            ("Haninge", "136"),
            ("Huddinge", "141"),
            ("Botkyrka", "147"),
            ("Södertälje", "151"),
            ("Järfälla", "175"),
            ("Sollentuna", "191"),
            ("Täby", "183"),
            ("Österåker", "184"),
            ("Norrtälje", "761"),
            ("Tyresö", "135"),
        ),
        ("Stockholm", "Solna", "Nacka", "Huddinge", "Södertälje", "Täby"),
    ),
    DistrictSpec(
        "Uppsala",
        400,
        ("74", "75"),
        ("18", "171", "173"),
        (
            ("Uppsala", "753"),
            ("Enköping", "745"),
            ("Östhammar", "742"),
            ("Knivsta", "741"),
            ("Bålsta", "746"),
        ),
        ("Uppsala", "Enköping"),
    ),
    DistrictSpec(
        "Södermanland",
        300,
        ("61", "63", "64"),
        ("16", "155", "150"),
        (
            ("Eskilstuna", "632"),
            ("Nyköping", "611"),
            ("Katrineholm", "641"),
            ("Strängnäs", "645"),
            ("Flen", "642"),
            ("Trosa", "619"),
        ),
        ("Eskilstuna", "Nyköping"),
    ),
    DistrictSpec(
        "Östergötland",
        470,
        ("58", "59", "60"),
        ("13", "11", "141"),
        (
            ("Linköping", "582"),
            ("Norrköping", "602"),
            ("Motala", "591"),
            ("Mjölby", "595"),
            ("Vadstena", "592"),
            ("Åtvidaberg", "597"),
            ("Kisa", "590"),
        ),
        ("Linköping", "Norrköping"),
    ),
    DistrictSpec(
        "Jönköping",
        370,
        ("32", "33", "55", "56", "57"),
        ("36", "370", "380"),
        (
            ("Jönköping", "553"),
            ("Huskvarna", "561"),
            ("Värnamo", "331"),
            ("Gislaved", "332"),
            ("Nässjö", "571"),
            ("Eksjö", "575"),
            ("Vetlanda", "574"),
            ("Tranås", "573"),
        ),
        ("Jönköping", "Värnamo"),
    ),
    DistrictSpec(
        "Kronoberg",
        200,
        ("34", "35", "36"),
        ("470", "372", "476"),
        (
            ("Växjö", "352"),
            ("Ljungby", "341"),
            ("Älmhult", "343"),
            ("Alvesta", "342"),
            ("Tingsryd", "362"),
        ),
        ("Växjö",),
    ),
    DistrictSpec(
        "Kalmar",
        245,
        ("38", "39"),
        ("480", "481", "485"),
        (
            ("Kalmar", "392"),
            ("Nybro", "382"),
            ("Borgholm", "387"),
            ("Mönsterås", "383"),
            ("Torsås", "385"),
        ),
        ("Kalmar",),
    ),
    DistrictSpec(
        "Gotland",
        60,
        ("62",),
        ("498",),
        (("Visby", "621"), ("Hemse", "623")),
        ("Visby",),
    ),
    DistrictSpec(
        "Blekinge",
        160,
        ("37",),
        ("455", "457", "454"),
        (("Karlskrona", "371"), ("Ronneby", "372"), ("Karlshamn", "374")),
        ("Karlskrona",),
    ),
    DistrictSpec(
        "Skåne",
        1420,
        ("20", "21", "22", "23", "24", "25", "26", "27", "28", "29"),
        ("40", "46", "42", "44", "411", "451"),
        (
            ("Malmö", "211"),
            ("Limhamn", "216"),
            ("Lund", "222"),
            ("Helsingborg", "252"),
            ("Kristianstad", "291"),
            ("Ystad", "271"),
            ("Trelleborg", "231"),
            ("Landskrona", "261"),
            ("Hässleholm", "281"),
            ("Eslöv", "241"),
            ("Ängelholm", "262"),
            ("Höganäs", "263"),
            ("Simrishamn", "272"),
            ("Staffanstorp", "245"),
            ("Vellinge", "235"),
            ("Kävlinge", "244"),
            ("Lomma", "234"),
            ("Höör", "243"),
            ("Sjöbo", "275"),
            ("Osby", "283"),
            ("Båstad", "269"),
            ("Klippan", "264"),
            ("Bromölla", "295"),
            ("Svedala", "233"),
        ),
        ("Malmö", "Lund", "Helsingborg", "Kristianstad", "Ystad", "Landskrona"),
    ),
    DistrictSpec(
        "Halland",
        340,
        ("30", "31", "43"),
        ("35", "340", "346", "300"),
        (
            ("Halmstad", "302"),
            ("Varberg", "432"),
            ("Falkenberg", "311"),
            ("Kungsbacka", "434"),
            ("Laholm", "312"),
        ),
        ("Halmstad", "Varberg"),
    ),
    DistrictSpec(
        "Västra Götaland",
        1750,
        ("40", "41", "42", "44", "45", "46", "47", "48", "49", "50", "51", "52", "53", "54"),
        ("31", "33", "520", "500", "510", "522"),
        (
            ("Göteborg", "411"),
            ("Majorna", "414"),
            ("Hisingen", "417"),
            ("Angered", "424"),
            ("Kungälv", "442"),
            ("Alingsås", "441"),
            ("Lerum", "443"),
            ("Stenungsund", "444"),
            ("Uddevalla", "451"),
            ("Strömstad", "452"),
            ("Lysekil", "453"),
            ("Trollhättan", "461"),
            ("Vänersborg", "462"),
            ("Borås", "503"),
            ("Ulricehamn", "523"),
            ("Falköping", "521"),
            ("Skövde", "541"),
            ("Lidköping", "531"),
            ("Mariestad", "542"),
            ("Tjörn", "471"),
        ),
        ("Göteborg", "Borås", "Trollhättan", "Skövde", "Uddevalla"),
    ),
    DistrictSpec(
        "Värmland",
        280,
        ("65", "66", "67", "68"),
        ("54", "570", "550"),
        (
            ("Karlstad", "652"),
            ("Arvika", "671"),
            ("Kristinehamn", "681"),
            ("Säffle", "661"),
            ("Sunne", "686"),
            ("Hagfors", "683"),
        ),
        ("Karlstad",),
    ),
    DistrictSpec(
        "Örebro",
        305,
        ("69", "70", "71"),
        ("19", "586", "581"),
        (
            ("Örebro", "702"),
            ("Karlskoga", "691"),
            ("Kumla", "692"),
            ("Lindesberg", "711"),
            ("Hallsberg", "694"),
            ("Askersund", "696"),
        ),
        ("Örebro",),
    ),
    DistrictSpec(
        "Västmanland",
        280,
        ("72", "73"),
        ("21", "221", "224"),
        (
            ("Västerås", "722"),
            ("Köping", "731"),
            ("Sala", "733"),
            ("Arboga", "732"),
            ("Fagersta", "737"),
        ),
        ("Västerås",),
    ),
    DistrictSpec(
        "Dalarna",
        290,
        ("77", "78", "79"),
        ("23", "243", "240", "250"),
        (
            ("Falun", "791"),
            ("Borlänge", "784"),
            ("Mora", "792"),
            ("Ludvika", "771"),
            ("Avesta", "774"),
            ("Leksand", "793"),
        ),
        ("Falun",),
    ),
    DistrictSpec(
        "Gävleborg",
        290,
        ("80", "81", "82"),
        ("26", "650", "270", "278"),
        (
            ("Gävle", "802"),
            ("Sandviken", "811"),
            ("Hudiksvall", "824"),
            ("Söderhamn", "826"),
            ("Bollnäs", "821"),
            ("Ljusdal", "827"),
        ),
        ("Gävle",),
    ),
    DistrictSpec(
        "Västernorrland",
        245,
        ("85", "86", "87", "88", "89"),
        ("60", "611", "660", "620"),
        (
            ("Sundsvall", "852"),
            ("Härnösand", "871"),
            ("Örnsköldsvik", "891"),
            ("Kramfors", "872"),
            ("Timrå", "861"),
            ("Sollefteå", "881"),
        ),
        ("Sundsvall",),
    ),
    DistrictSpec(
        "Jämtland",
        132,
        ("83", "84"),
        ("63", "647", "680"),
        (("Östersund", "831"), ("Åre", "837"), ("Strömsund", "833"), ("Sveg", "842")),
        ("Östersund",),
    ),
    DistrictSpec(
        "Västerbotten",
        275,
        ("90", "91", "92", "93"),
        ("90", "910", "950"),
        (
            ("Umeå", "903"),
            ("Skellefteå", "931"),
            ("Lycksele", "921"),
            ("Vilhelmina", "912"),
            ("Vännäs", "911"),
        ),
        ("Umeå",),
    ),
    DistrictSpec(
        "Norrbotten",
        250,
        ("94", "95", "96", "97", "98"),
        ("920", "911", "921", "980"),
        (
            ("Luleå", "972"),
            ("Piteå", "941"),
            ("Boden", "961"),
            ("Kiruna", "981"),
            ("Gällivare", "982"),
            ("Kalix", "952"),
        ),
        ("Luleå",),
    ),
)

# Networks and youth networks sit under the national unit.
NETWORKS: tuple[tuple[str, str], ...] = (
    ("Nätverket för flyktingars rättigheter", "network"),
    ("Nätverket för kvinnors rättigheter", "network"),
    ("Nätverket mot dödsstraff", "network"),
    ("HBTQI-nätverket", "network"),
    ("Ungdomsnätverket", "youth_network"),
    ("Ungdomsnätverket för klimat och rättigheter", "youth_network"),
)
REFUGEE_NETWORK = NETWORKS[0][0]

# (slug, Swedish name, English name)
ROLE_TYPES: tuple[tuple[str, str, str], ...] = (
    ("district-representative", "Distriktsombud", "District representative"),
    ("group-contact", "Gruppkontakt", "Group contact"),
    ("group-secretary", "Gruppsekreterare", "Group secretary"),
    ("treasurer", "Kassör", "Treasurer"),
    ("local-campaign-coordinator", "Lokal kampanjsamordnare", "Local campaign coordinator"),
    (
        "refugee-migration-coordinator",
        "Flykting- och migrationssamordnare",
        "Refugee and migration coordinator",
    ),
    ("youth-coordinator", "Ungdomssamordnare", "Youth coordinator"),
    ("school-contact", "Skolkontakt", "School contact"),
    ("board-member", "Styrelseledamot", "Board member"),
    ("trainer", "Utbildare", "Trainer"),
)

# (name, description)
TAGS: tuple[tuple[str, str], ...] = (
    ("Sommarkampanj 2026", "Deltog i eller anmälde intresse för sommarkampanjen"),
    ("Skolturné", "Har träffat oss under skolturnén"),
    ("Flykting", "Engagerad i flykting- och migrationsfrågor"),
    ("Volontär", "Vill hjälpa till som volontär"),
    ("Talare", "Kan tala på möten och i skolor"),
    ("Blixtaktion", "Svarar ofta på blixtaktioner"),
    ("Insamlare", "Samlar namn och pengar på stan"),
    ("Översättare", "Kan översätta material"),
    ("Fotograf", "Fotograferar på aktioner"),
    ("Valkampanj 2026", "Engagerad i valkampanjen"),
    ("Julkampanj 2025", "Skrev brev under julkampanjen"),
    ("Pride 2026", "Gick med i Pride-tåget"),
)
YOUTH_TAGS = ("Skolturné", "Blixtaktion", "Pride 2026")

# Common Swedish first names, most frequent first (weights fall with the rank). Young people
# (born after 2000) get names from the lists that were popular when they were born.
FEMALE_NAMES: tuple[str, ...] = tuple(
    """
Anna Eva Maria Karin Sara Kristina Lena Kerstin Emma Ingrid Marie Malin Jenny Birgitta Hanna
Linda Annika Susanne Elin Monica Sofia Johanna Inger Cecilia Carina Elisabeth Ulla Margareta
Gunilla Åsa Helena Camilla Therese Louise Ulrika Petra Agneta Siv Britt Mona Ylva Frida
Amanda Matilda Sanna Linnéa Märta Stina Tove Renée Fatima Amina Leila Yasmin Noor Gun Majken
Solveig Göta Ingegerd Åse Marianne Katarina Charlotte
""".split()
)
MALE_NAMES: tuple[str, ...] = tuple(
    """
Lars Mikael Anders Johan Erik Per Karl Peter Thomas Jan Daniel Fredrik Hans Andreas Stefan
Mohammed Bengt Mats Magnus Marcus Jonas Bo Niklas Björn Martin Göran Leif Henrik Sven Åke
Ulf Kjell Rolf Tomas Roger Jörgen Håkan Örjan Kent Jesper Sebastian Patrik Mattias Tobias
Robert Joakim Gunnar Ali Ahmed Omar Yusuf Hassan André Stig Lennart Bertil Gösta Ragnar
Sören Östen Torbjörn Jonny
""".split()
)
YOUNG_FEMALE_NAMES: tuple[str, ...] = tuple(
    """
Emma Maja Ella Wilma Alice Alva Ebba Saga Freja Elsa Julia Ida Klara Agnes Vera Selma Stella
Olivia Astrid Tyra Lova Moa Linnéa Elin Matilda Hanna Nora Ellen Alma Meja Signe Ines Lea
Tindra Minna Märta Sigrid Nour Amira Hedda
""".split()
)
YOUNG_MALE_NAMES: tuple[str, ...] = tuple(
    """
Lucas William Liam Elias Hugo Oliver Noah Adam Axel Isak Ludvig Nils Olle Gustav Arvid Filip
Emil Oscar Viktor Leo Alexander Vincent Theo Melvin Albin Anton Edvin Love Sixten Mohammed
Alfred Viggo Harry Frans Sigge Måns Ebbe Elliot Malte Colin
""".split()
)
LAST_NAMES: tuple[str, ...] = tuple(
    """
Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson
Pettersson Jonsson Jansson Hansson Bengtsson Jönsson Lindberg Jakobsson Magnusson Lindström
Olofsson Lindqvist Lindgren Berg Axelsson Bergström Lundberg Lind Lundgren Lundqvist
Mattsson Berglund Fredriksson Sandberg Henriksson Forsberg Sjöberg Ali Wallin Mohammed
Engström Eklund Danielsson Lundin Håkansson Björk Bergman Gunnarsson Holm Wikström
Samuelsson Isaksson Fransson Bergqvist Nyström Holmberg Arvidsson Löfgren Söderberg Nyberg
Blomqvist Claesson Nordström Ahmed Mårtensson Lundström Hassan Viklund Björklund Eliasson
Pålsson Berggren Sandström Lund Nordin Ström Åberg Falk Ekström Hermansson Holmgren
Hellström Dahlberg Hedlund Sundberg Sjögren Ek Blom Abrahamsson Martinsson Öberg Andreasson
Strömberg Månsson Åkesson Dahl Lindholm Norberg Holmqvist Göransson Östlund Åström Bäckström
Hägglund Söderström Nordqvist Nguyen Yilmaz Khalil Öztürk Lönnqvist Sjöström Wästlund
Törnqvist Grönlund Jönåker
""".split()
)

STREETS: tuple[str, ...] = tuple(
    street.strip()
    for street in """
Storgatan, Kyrkogatan, Drottninggatan, Skolgatan, Järnvägsgatan, Parkvägen, Björkvägen,
Ringvägen, Åsgatan, Industrigatan, Trädgårdsgatan, Kungsgatan, Nygatan, Östra vägen,
Västra Långgatan, Södra Förstadsgatan, Ängsvägen, Tallvägen, Granvägen, Lärkvägen,
Hamngatan, Stationsgatan, Älvgatan, Kvarngatan, Skogsvägen, Lillgatan, Fabriksgatan,
Bäckvägen, Sjövägen
""".split(",")
)

# Neutral notes: about the organisation's work, never about the person's private life.
NOTES: tuple[tuple[str, str, str], ...] = (
    ("call", "Ringde om sommarkampanjen.", "Vill samla namn på lördag"),
    ("call", "Ringde om nästa aktionsdag.", "Kommer"),
    ("call", "Ringde upp efter blixtaktionen.", "Skickade vidare till vänner"),
    ("call", "Försökte nå angående utbildningen.", "Inget svar"),
    ("meeting", "Träffades på rekryteringsmötet.", "Vill gå grundutbildningen"),
    ("meeting", "Fika om att starta en skolgrupp.", "Pratar med rektorn"),
    ("meeting", "Möte om verksamhetsstöd till gruppen.", "Skickar ansökan"),
    ("note", "Erbjöd sig att tala i skolor under hösten.", ""),
    ("note", "Kan hjälpa till med översättning av material.", ""),
    ("note", "Intresserad av flykting- och migrationsnätverket.", ""),
    ("email", "Skickade information om ledarskapsprogrammet.", "Svarade positivt"),
    ("email", "Tackade för insatsen på aktionsdagen.", ""),
)
FOLLOW_UP_NOTES: tuple[str, ...] = (
    "Ring tillbaka om passet på aktionsdagen.",
    "Följ upp anmälan till utbildningen.",
    "Skicka material till skolturnén.",
    "Bjud in till nästa gruppmöte.",
    "Fråga om rollen som kassör.",
)

ASCII_FOLD = str.maketrans(
    {"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "Å": "a", "Ä": "a", "Ö": "o"}
)
