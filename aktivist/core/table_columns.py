"""Which column of an uploaded table of people holds what, guessed from its headers and a
sample of its rows; and a full name split into first and last name.

``guess_mapping(headers, sample_rows)`` proposes ``{header: field}`` (``""`` for a column
that is ignored) from the file's headers — Swedish and English, case, space, punctuation
and accent insensitive, as other tools write them (docs/peer-exports.md) — and, where a
keyword inside a header is not enough, from its values. The import of people
(``imports/columns.py``: the fields and their labels, checking a corrected mapping) and the
attendance upload (``programmes/attendance_upload.py``: email, mobile and names) read files
with the same guess, so a file that imports as people uploads as attendance.

Swedish personal identity numbers (personnummer, and samordningsnummer) are recognised by
header or by their values (a valid date and the Luhn check digit, ``lib/personnummer.py``)
and mapped to the pseudo-field ``"personnummer"``: such a column is never stored. Unlike
other fields, ``"personnummer"`` may be given to several columns, and so may ``"tags"``, the
opt-out columns and the phone fields: every phone column is a source of numbers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from aktivist.lib.normalise import is_mobile, is_valid_email, normalise_phone, se_mobile_fast
from aktivist.lib.personnummer import is_personnummer

PERSONNUMMER = "personnummer"
# The copy of a file an import keeps carries the birth year taken from a dropped personnummer
# column under this header (see imports/reading.py, write_sanitised_csv); it maps to birth_year.
BIRTH_YEAR_COLUMN = "_birth_year"
# Pseudo-fields that say whether a row is a person at all (CiviCRM's "Contact Type" and
# "Organization Name", docs/peer-exports.md 4). A company or organisation column of a
# person's row (Eventbrite "Company", Action Network's custom "Organization") is not one.
CONTACT_TYPE = "contact_type"
ORGANISATION_NAME = "organisation_name"

# The opt-out columns (imports/optouts.py reads their values) by header, written as _key()
# leaves them (lower case, no accents, letters and digits only). Sources: docs/peer-exports.md
# sections 1 (Action Network), 2 (NationBuilder), 3 (Mailchimp) and 4 (CiviCRM). CiviCRM's
# "Do Not Phone" and NationBuilder's do_not_call are about calls, "Do Not Mail" about post:
# Aktivist sends neither, so they are not guessed.
OPT_OUT_HEADERS: dict[str, tuple[str, ...]] = {
    "email_opt_out": (
        "can2subscriptionstatus",  # Action Network: subscribed, unsubscribed, bouncing …
        "donotemail",  # CiviCRM
        "nobulkemailsuseroptout",  # CiviCRM "No Bulk Emails (User Opt Out)"
        "nobulkemails",
        "isoptout",  # CiviCRM's API name for it
        "unsubtime",  # Mailchimp's unsubscribed file
        "unsubscribedat",  # NationBuilder
        "emailunsubscribed",
        "unsubscribed",
        "emailoptout",
        "optedout",
        "optout",
        "noemail",
        "donotemailme",
        "emailstatus",
        "subscriptionstatus",
        "avregistrerad",
        "avregistreradfranepost",
        "epostavregistrerad",
        "avanmald",
        "avprenumererad",
        "villintehaepost",
        "ejepost",
        "ingenepost",
        "nejtillepost",
        "nejtillutskick",
        "ejutskick",
        "ingautskick",
        "epostsparr",
        "sparrepost",
    ),
    "sms_opt_out": (
        "can2smsstatus",  # Action Network
        "donotsms",  # CiviCRM
        "smsoptout",
        "smsunsubscribed",
        "nosms",
        "donotsmsme",
        "donottext",
        "smsstatus",
        "ejsms",
        "ingetsms",
        "ingasms",
        "villintehasms",
        "nejtillsms",
        "smsavregistrerad",
        "avregistreradsms",
        "avregistreradfransms",
        "smssparr",
        "sparrsms",
    ),
    "contact_opt_out": (
        "donotcontact",  # NationBuilder
        "kontaktaej",
        "kontaktainte",
        "farejkontaktas",
        "farintekontaktas",
        "ejkontakt",
    ),
    "email_opt_in": ("emailoptin", "villhaepost", "epostoptin"),  # NationBuilder
    "sms_opt_in": ("mobileoptin", "smsoptin", "villhasms"),  # NationBuilder
    "email_bounced": (
        "cleantime",  # Mailchimp's cleaned file
        "onhold",  # CiviCRM (the address bounces)
        "email1isbad",  # NationBuilder
        "emailisbad",
        "emailbounced",
        "bounced",
        "hardbounce",
        "epoststudsar",
        "studsar",
        "studsad",
        "ogiltigepost",
    ),
    "mobile_bad": ("ismobilebad", "mobilebad", "ogiltigtmobilnummer", "mobilnummerfungerarinte"),
}

# Header synonyms, written as _key() leaves them: lower case, accents and everything that
# is not a letter or digit removed ("E-post" -> "epost", "Födelseår" -> "fodelsear").
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": ("fornamn", "firstname", "givenname", "forename", "tilltalsnamn", "fname"),
    "last_name": ("efternamn", "lastname", "surname", "familyname", "lname"),
    "full_name": (
        "namn",
        "name",
        "fullstandigtnamn",
        "fulltnamn",
        "fullname",
        "hela namnet",
        "kontaktnamn",
        "contactname",
        # Google Forms: the question's text is the header (docs/peer-exports.md 7).
        "yourname",
        "yourfullname",
        "firstandlastname",
        "dittnamn",
        "fornamnochefternamn",
    ),
    "email": (
        "epost",
        "epostadress",
        "email",
        "emailaddress",
        "mail",
        "mailadress",
        "eadress",
        "epostkontakt",  # IdrottOnline "E-post kontakt"
    ),
    "mobile": (
        "mobil",
        "mobilnummer",
        "mobilnr",
        "mobiltelefon",
        "mobiltelefonnummer",
        "mobile",
        "mobilephone",
        "mobilenumber",
        "mobileno",
        "cell",
        "cellphone",
        "cellular",
        "can2phone",  # Action Network's own mobile field
        "telefonmobil",  # IdrottOnline
    ),
    "other_phone": (
        "telefon",
        "telefonnummer",
        "tel",
        "telnr",
        "hemtelefon",
        "telefonhem",
        "phone",
        "telephone",
        "homephone",
        "landline",
        # Action Network's custom "Phone Number" and NationBuilder's phone_number are not the
        # mobile; Meta's phone_number usually holds one, which the number itself shows.
        "phonenumber",
        "workphonenumber",  # NationBuilder
        # Zetkin's second phone column, Swedish and English labels (docs/peer-exports.md 5).
        "alternativttelefonnummer",
        "alternatephonenumber",
        "alternativephonenumber",
        "alternatephone",
        "alternativephone",
        "telefonbostad",  # IdrottOnline
        "telefonarbete",
        "workphone",  # Eventbrite
        "arbetstelefon",
        "annattelefonnummer",
        "otherphone",
        "otherphonenumber",
    ),
    "street_address": (
        "adress",
        "gatuadress",
        "utdelningsadress",
        "address",
        "street",
        "streetaddress",
        "adress1",
        "address1",
        "addressline1",
        "can2useraddress",  # Action Network
        "primaryaddress1",  # NationBuilder
        "homeaddress1",  # Eventbrite "Home Address 1"
        "homeaddress",
        "hemadress",
        "hemadress1",
        # IdrottOnline's address blocks: the first one filled is taken (imports/rows.py).
        "kontaktadressgatuadress",
        "folkbokforinggatuadress",
    ),
    "address_line_2": (
        "adress2",
        "address2",
        "addressline2",
        "primaryaddress2",  # NationBuilder
        "supplementaladdress1",  # CiviCRM
        "coadress",  # Zetkin "C/O-ADRESS"
        "coaddress",  # Zetkin "C/O ADDRESS"
        "careof",
        "homeaddress2",  # Eventbrite "Home Address 2"
        "hemadress2",
        "kontaktadresscoadress",  # IdrottOnline "Kontaktadress - c/o adress"
    ),
    "postcode": (
        "postnr",
        "postnummer",
        "postcode",
        "postalcode",
        "zip",
        "zipcode",
        "postkod",
        "primaryzip",  # NationBuilder
        "homezip",  # Eventbrite "Home Zip"
        "homepostcode",
        "hempostnummer",
        "kontaktadresspostnummer",  # IdrottOnline
        "folkbokforingpostnummer",
    ),
    "city": (
        "ort",
        "postort",
        "city",
        "town",
        "stad",
        "can2usercity",
        "primarycity",
        "homecity",  # Eventbrite "Home City"
        "hemort",
        "kontaktadresspostort",  # IdrottOnline
        "folkbokforingpostort",
    ),
    "municipality": ("kommun", "municipality", "kommunnamn", "folkbokforingkommun"),
    "birth_year": ("fodelsear", "birthyear", "yearofbirth", "fodd ar"),
    "birth_date": (
        "fodelsedatum",
        "dateofbirth",
        "birthdate",
        "birthday",  # Mailchimp's is month/day only: left unmapped by its values
        "dob",
        "fodelsedag",
        "bornat",  # NationBuilder
    ),
    "language": ("sprak", "language", "lang", "preferredlanguage"),
    "member_number": (
        "medlemsnummer",
        "medlemsnr",
        "medlnr",
        "medlemsid",
        "membernumber",
        "membershipnumber",
        "memberno",
        "membernr",
        "memberid",
    ),
    # Membership (docs/imports.md "Membership"): IdrottOnline's "Medlem sedan" and
    # "Avslutningsdatum", CiviCRM's "Membership Status" and "Member Since", NationBuilder's
    # membership_status and membership_started_at; its "Typ" is not guessed (only "P",
    # prova-på, is a known value; docs/peer-exports.md 9a).
    "membership_status": (
        "medlemsstatus",
        "status",
        "membershipstatus",
        "medlem",
        "member",
        "medlemskap",
        "medlemskapsstatus",
        "medlemstyp",
        "medlemskapstyp",
        "membershiptype",
        "membertype",
        "memberstatus",
        "ismember",
    ),
    "member_since": (
        "medlemsedan",
        "membersince",
        "intradesdatum",
        "intrade",
        "medlemfrom",
        "medlemfran",
        "blevmedlem",
        "membershipstart",
        "membershipstartedat",
        "membersincedate",
    ),
    "membership_ended_on": (
        "uttradesdatum",
        "uttrade",
        "avslutningsdatum",
        "medlemskapetavslutat",
        "memberuntil",
        "membershipended",
        "membershipendedon",
        "membershipend",
        "medlemtill",
    ),
    "tags": (
        "taggar",
        "tags",
        "tag",
        "tagg",
        "taglist",
        "can2usertags",
        "groups",  # CiviCRM "Group(s)", beside its "Tag(s)"
        "grupplagarbetsrumfamilj",  # IdrottOnline "Grupp/Lag/Arbetsrum/Familj"
        "grupper",
        "intressen",  # a form's checkbox question (Google Forms: ";" between answers)
        "intresseomraden",
        "interests",
        "areasofinterest",
    ),
    # Free text that becomes a note on the person: NationBuilder "note", Mailchimp "NOTES",
    # CiviCRM "Note(s)", IdrottOnline "Övrig medlemsinfo" (docs/peer-exports.md 2, 3, 4, 9a).
    "note": (
        "kommentar",
        "kommentarer",
        "anteckning",
        "anteckningar",
        "notering",
        "noteringar",
        "ovrigt",
        "ovriginformation",
        "ovrigmedlemsinfo",
        "note",
        "notes",
        "comment",
        "comments",
    ),
    CONTACT_TYPE: ("contacttype", "kontakttyp", "typavkontakt"),
    ORGANISATION_NAME: ("organizationname", "organisationname", "organisationsnamn"),
    PERSONNUMMER: (
        "personnummer",
        "personnr",
        "persnr",
        "pnr",
        "personnumber",
        "personalnumber",
        "personalidentitynumber",
        "ssn",
        "socialsecuritynumber",
        "samordningsnummer",
    ),
}

_NOT_ALNUM = re.compile(r"[\W_]+")


def _key(header: str) -> str:
    decomposed = unicodedata.normalize("NFKD", header.casefold())
    return _NOT_ALNUM.sub("", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


_EXACT: dict[str, str] = {_key(name): field for field, names in _SYNONYMS.items() for name in names}
_EXACT[_key(BIRTH_YEAR_COLUMN)] = "birth_year"
for _field, _names in OPT_OUT_HEADERS.items():
    _EXACT.update(dict.fromkeys(_names, _field))

# Second chance for headers such as "E-post (privat)" or "Mobilnummer 1": a keyword inside
# the header, taken only when the sample values agree (a header "Mailutskick ok?" holding
# yes/no is not an email column). Personal identity numbers need no agreement: when in
# doubt, drop.
_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("personnummer", PERSONNUMMER),
    ("personnr", PERSONNUMMER),
    ("samordningsnummer", PERSONNUMMER),
    ("epost", "email"),
    ("email", "email"),
    ("mail", "email"),
    ("mobil", "mobile"),
    ("cell", "mobile"),
    ("telefon", "other_phone"),
    ("phone", "other_phone"),
    ("postnummer", "postcode"),
    ("postnr", "postcode"),
    ("zip", "postcode"),
    ("fornamn", "first_name"),
    ("firstname", "first_name"),
    ("efternamn", "last_name"),
    ("lastname", "last_name"),
    ("medlemsnummer", "member_number"),
    ("membernumber", "member_number"),
)

_POSTCODE = re.compile(r"\d{3} ?\d{2}")


def _column_values(sample_rows: Sequence[Sequence[str]], index: int) -> list[str]:
    values = []
    for row in sample_rows:
        if index < len(row):
            value = str(row[index]).strip()
            if value:
                values.append(value)
    return values


def _share(values: list[str], test: Callable[[str], bool]) -> float:
    if not values:
        return 0.0
    return sum(1 for v in values if test(v)) / len(values)


# Prefixes some tools write before a value (docs/peer-exports.md): Meta lead ads mark phones
# "p:" and postcodes "z:", and its ids "l:" (lead), "ag:" (ad), "as:" (ad set), "c:"
# (campaign), "f:" (form); NationBuilder puts "'" before numbers for Excel's benefit. Only
# these, only at the start, and only before a digit or "+".
VALUE_PREFIXES: dict[str, tuple[str, ...]] = {
    "mobile": ("p:", "'"),
    "other_phone": ("p:", "'"),
    "postcode": ("z:", "'"),
    "member_number": ("l:", "ag:", "as:", "c:", "f:", "'"),
}
_PREFIX_STARTS = frozenset("'plzacf")


def strip_value_prefix(field: str, value: str) -> str:
    """The value without a prefix its tool writes before this field's values."""
    if value[:1] not in _PREFIX_STARTS:
        return value
    for prefix in VALUE_PREFIXES.get(field, ()):
        if value.startswith(prefix):
            rest = value[len(prefix) :].strip()
            if rest[:1].isdigit() or rest[:1] == "+":
                return rest
    return value


def _looks_like_phone(value: str) -> bool:
    value = strip_value_prefix("mobile", value)
    return se_mobile_fast(value) is not None or normalise_phone(value) is not None


def _looks_like_mobile(value: str) -> bool:
    value = strip_value_prefix("mobile", value)
    if se_mobile_fast(value) is not None:
        return True
    e164 = normalise_phone(value)
    return e164 is not None and is_mobile(e164)


_VALUE_TESTS: dict[str, Callable[[str], bool]] = {
    "email": lambda v: is_valid_email(v.lower()),
    "mobile": _looks_like_phone,
    "other_phone": _looks_like_phone,
    "postcode": lambda v: bool(_POSTCODE.fullmatch(strip_value_prefix("postcode", v))),
}

# Fields the guess gives to every column it recognises: each personnummer column is dropped,
# and every phone column is a source of numbers.
_GUESSED_MANY = frozenset({PERSONNUMMER, "mobile", "other_phone", "tags", *OPT_OUT_HEADERS})
# Address fields several columns may have by their exact header (IdrottOnline's
# "Kontaktadress - Postnummer", "Folkbokföring - Postnummer"): the first block filled wins.
ADDRESS_BLOCK_FIELDS = frozenset({"street_address", "postcode", "city"})

# Zetkin writes a list's tag columns as a column per tag, headed by the tag's name (upper
# case in its CSV) and holding "true"/"false" (docs/peer-exports.md 5).
_TAG_FLAG_WORDS = frozenset({"true", "false"})
# Mailchimp's Birthday merge field holds a month and day only ("03/14"): no birth year.
_MONTH_DAY = re.compile(r"\d{1,2}/\d{1,2}", re.ASCII)
Rows = Sequence[Sequence[str]]  # the sample rows a guess looks at


def _is_tag_flag_column(header: str, values: list[str]) -> bool:
    """An upper-case header over a column of true/false with at least one true."""
    return (
        header.isupper()
        and header[:1] not in "=+-@"
        and bool(values)
        and "true" in values
        and all(v in _TAG_FLAG_WORDS for v in values)
    )


def guess_mapping(headers: Sequence[str], sample_rows: Sequence[Sequence[str]]) -> dict[str, str]:
    """``{header: field or ""}`` for every header. Each field is given at most once (an exact
    header match beats a keyword inside a header; then the leftmost column wins), except
    the phone fields, which every phone column gets, and ``"personnummer"``, which every
    column holding personal identity numbers gets — by header, or because ≥ 80 % of its
    non-empty sample values are valid personnummer."""
    keys = [_key(h) for h in headers]
    fields: list[str] = [""] * len(headers)
    taken: set[str] = set()
    _match_exact_headers(keys, fields, taken)
    _match_keywords(keys, fields, taken, sample_rows)
    _mark_personnummer_columns(fields, taken, sample_rows)
    _judge_by_values(headers, fields, sample_rows)
    _phone_of_mobiles(fields, sample_rows)
    return dict(zip(headers, fields, strict=True))


def _match_exact_headers(keys: list[str], fields: list[str], taken: set[str]) -> None:
    """A header that is exactly a field's name (or one of its known names)."""
    for i, key in enumerate(keys):
        field = _EXACT.get(key, "")
        if field and (
            field not in taken or field in _GUESSED_MANY or field in ADDRESS_BLOCK_FIELDS
        ):
            fields[i] = field
            taken.add(field)


def _match_keywords(keys: list[str], fields: list[str], taken: set[str], sample_rows: Rows) -> None:
    """A keyword inside a header, when the column's values look like the field's."""
    for i, key in enumerate(keys):
        if fields[i] or not key:
            continue
        for keyword, field in _KEYWORDS:
            if keyword not in key or (field in taken and field not in _GUESSED_MANY):
                continue
            test = _VALUE_TESTS.get(field)
            if test is not None and _share(_column_values(sample_rows, i), test) < 0.5:
                continue
            fields[i] = field
            taken.add(field)
            break


def _mark_personnummer_columns(fields: list[str], taken: set[str], sample_rows: Rows) -> None:
    """Privacy first: a column of personal identity numbers is one, whatever its header."""
    for i in range(len(fields)):
        if fields[i] != PERSONNUMMER:
            values = _column_values(sample_rows, i)
            if values and _share(values, is_personnummer) >= 0.8:
                if fields[i]:
                    taken.discard(fields[i])
                fields[i] = PERSONNUMMER


def _judge_by_values(headers: Sequence[str], fields: list[str], sample_rows: Rows) -> None:
    """No birth date from a birthday without its year (Mailchimp); true/false is a tag (Zetkin)."""
    for i, header in enumerate(headers):
        if fields[i] == "birth_date":
            values = _column_values(sample_rows, i)
            if values and _share(values, lambda v: _MONTH_DAY.fullmatch(v) is not None) >= 0.5:
                fields[i] = ""
        elif not fields[i] and _is_tag_flag_column(
            header.strip(), [v.lower() for v in _column_values(sample_rows, i)]
        ):
            fields[i] = "tag_flag"


def _phone_of_mobiles(fields: list[str], sample_rows: Rows) -> None:
    """'Telefon' holds mobiles when there is no mobile column and its values are mobiles."""
    if "mobile" not in fields and "other_phone" in fields:
        i = fields.index("other_phone")
        values = _column_values(sample_rows, i)
        if values and _share(values, _looks_like_mobile) >= 0.6:
            fields[i] = "mobile"


# --- Names ---------------------------------------------------------------------------------

_SURNAME_PARTICLES = frozenset(
    {"af", "av", "von", "van", "der", "den", "de", "la", "le", "du", "di", "da", "del", "zu"}
    # Irish (Ní Bhriain, Ó Súilleabháin), Arabic (bin Rashid, al Amin), Portuguese, Dutch.
    | {"ní", "nic", "ó", "uí", "mac", "bin", "ibn", "al", "el", "dos", "das", "ter", "ten"}
)


def split_full_name(value: str) -> tuple[str, str]:
    """'Anna Maria Svensson' → ('Anna Maria', 'Svensson'); 'Svensson, Anna' → ('Anna',
    'Svensson'); 'Ebba von Essen' → ('Ebba', 'von Essen'); one word is a first name."""
    if "," in value:
        last, first = value.split(",", 1)
        return " ".join(first.split()), " ".join(last.split())
    parts = value.split()
    if len(parts) < 2:
        return " ".join(parts), ""
    cut = len(parts) - 1
    while cut > 1 and parts[cut - 1].lower() in _SURNAME_PARTICLES:
        cut -= 1
    return " ".join(parts[:cut]), " ".join(parts[cut:])
