"""Which column of an uploaded file holds which person field.

``guess_mapping`` proposes a mapping from the file's headers (Swedish and English, case,
space, punctuation and accent insensitive) and a sample of its rows; staff correct it and
may save it as a ``ColumnMapping``. A mapping is ``{header: field}`` with ``""`` for a
column that is ignored.

Swedish personal identity numbers (personnummer, and samordningsnummer) are recognised by
header or by their values (a valid date and the Luhn check digit) and mapped to the
pseudo-field ``"personnummer"``: such a column is never stored and never written to the
copy a batch keeps; at most a birth year is taken from it. Unlike other fields,
``"personnummer"`` may be given to several columns — every one of them is dropped — and so
may ``"tags"`` (their tags add up) and the phone fields: every phone column is a source of
numbers, and the number decides whether it is the mobile or the other phone (rows.py); a
``"mobile"`` column is only looked at first for the mobile.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aktivist.imports.optouts import OPT_OUT_FIELDS
from aktivist.imports.optouts import SYNONYMS as OPT_OUT_SYNONYMS
from aktivist.lib.normalise import is_mobile, is_valid_email, normalise_phone, se_mobile_fast

PERSONNUMMER = "personnummer"
# The kept copy of a file carries the birth year taken from a dropped personnummer column
# under this header (see reading.write_sanitised_csv); it maps to birth_year.
BIRTH_YEAR_COLUMN = "_birth_year"
# Pseudo-fields that say whether a row is a person at all (CiviCRM's "Contact Type" and
# "Organization Name", docs/peer-exports.md 4). A company or organisation column of a
# person's row (Eventbrite "Company", Action Network's custom "Organization") is not one.
CONTACT_TYPE = "contact_type"
ORGANISATION_NAME = "organisation_name"

IMPORT_FIELDS: dict[str, Promise] = {
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "full_name": _("Full name (split into first and last name)"),
    "email": _("Email"),
    "mobile": _("Mobile"),
    "other_phone": _("Other phone"),
    "street_address": _("Street address"),
    "address_line_2": _("Address line 2 or c/o (added to the street address)"),
    "postcode": _("Postcode"),
    "city": _("City"),
    "municipality": _("Municipality"),
    "birth_year": _("Birth year"),
    "birth_date": _("Date of birth (only the year is kept)"),
    "language": _("Language"),
    "member_number": _("Member number"),
    "membership_status": _("Membership status"),
    "member_since": _("Member since"),
    "membership_ended_on": _("Membership ended"),
    "tags": _("Tags (comma-separated)"),
    "tag_flag": _("Tag named after the column (true, yes or x: the person has it)"),
    # A free-text column: a note on the person (people.Interaction), never a person field.
    "note": _("Note"),
    # Not stored: they tell an organisation's row from a person's (rows.py skips it).
    CONTACT_TYPE: _("Contact type (a person, or an organisation: skipped)"),
    ORGANISATION_NAME: _("Organisation name (a row with it and no person's name is skipped)"),
    # Opt-outs (optouts.py): recorded as withdrawn consents and suppressions, never dropped.
    **{name: spec.label for name, spec in OPT_OUT_FIELDS.items()},
    PERSONNUMMER: _("Personal identity number (never stored; gives the birth year)"),
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
        # IdrottOnline's address blocks: the first one filled is taken (rows.py).
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
for _field, _names in OPT_OUT_SYNONYMS.items():
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
_GUESSED_MANY = frozenset({PERSONNUMMER, "mobile", "other_phone", "tags", *OPT_OUT_FIELDS})
# Address fields several columns may have by their exact header (IdrottOnline's
# "Kontaktadress - Postnummer", "Folkbokföring - Postnummer"): the first block filled wins.
_ADDRESS_BLOCK_FIELDS = frozenset({"street_address", "postcode", "city"})

# Zetkin writes a list's tag columns as a column per tag, headed by the tag's name (upper
# case in its CSV) and holding "true"/"false" (docs/peer-exports.md 5).
_TAG_FLAG_WORDS = frozenset({"true", "false"})
# Mailchimp's Birthday merge field holds a month and day only ("03/14"): no birth year.
_MONTH_DAY = re.compile(r"\d{1,2}/\d{1,2}", re.ASCII)


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

    for i, key in enumerate(keys):
        field = _EXACT.get(key, "")
        if field and (
            field not in taken or field in _GUESSED_MANY or field in _ADDRESS_BLOCK_FIELDS
        ):
            fields[i] = field
            taken.add(field)

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

    # Privacy first: a column of personal identity numbers is one, whatever its header says.
    for i in range(len(headers)):
        if fields[i] != PERSONNUMMER:
            values = _column_values(sample_rows, i)
            if values and _share(values, is_personnummer) >= 0.8:
                if fields[i]:
                    taken.discard(fields[i])
                fields[i] = PERSONNUMMER

    for i, header in enumerate(headers):
        if fields[i] == "birth_date":
            values = _column_values(sample_rows, i)
            if values and _share(values, lambda v: _MONTH_DAY.fullmatch(v) is not None) >= 0.5:
                fields[i] = ""  # a birthday without the year (Mailchimp)
        elif not fields[i] and _is_tag_flag_column(
            header.strip(), [v.lower() for v in _column_values(sample_rows, i)]
        ):
            fields[i] = "tag_flag"

    # "Telefon" holds mobiles when the file has no mobile column and its values are mobiles.
    if "mobile" not in fields and "other_phone" in fields:
        i = fields.index("other_phone")
        values = _column_values(sample_rows, i)
        if values and _share(values, _looks_like_mobile) >= 0.6:
            fields[i] = "mobile"

    return dict(zip(headers, fields, strict=True))


# Fields several columns may have: every personnummer column is dropped, tags add up, and
# the number decides where each phone goes.
_REPEATABLE = frozenset(
    {PERSONNUMMER, "tags", "tag_flag", "mobile", "other_phone", *OPT_OUT_FIELDS}
    | _ADDRESS_BLOCK_FIELDS
)
REPEATABLE_FIELDS = _REPEATABLE  # services._clean_mapping allows these twice too


def mapping_problems(headers: Sequence[str], mapping: dict[str, str]) -> list[str]:
    """What is wrong with a (corrected or saved) mapping for these headers, as messages
    for the person who made it; an empty list when it can be used."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    present = set(headers)
    for header, field in mapping.items():
        if header not in present or not field:
            continue
        if field not in IMPORT_FIELDS:
            problems.append(
                gettext("%(column)s: “%(field)s” is not a field that can be imported.")
                % {"column": header, "field": field}
            )
        elif field in seen and field not in _REPEATABLE:
            problems.append(
                gettext("%(field)s is chosen for both %(first)s and %(second)s.")
                % {"field": IMPORT_FIELDS[field], "first": seen[field], "second": header}
            )
        else:
            seen[field] = header
    return problems


def personnummer_columns(headers: Sequence[str], mapping: dict[str, str]) -> list[int]:
    """Indexes of the columns that must never be stored or kept (``drop_columns``)."""
    return [i for i, h in enumerate(headers) if mapping.get(h) == PERSONNUMMER]


# --- Personal identity numbers -------------------------------------------------------------

_PERSONNUMMER = re.compile(r"(\d{2})?(\d{6})([-+]?)(\d{4})", re.ASCII)


def _luhn_ok(ten_digits: str) -> bool:
    total = 0
    for position, ch in enumerate(ten_digits):
        digit = (ord(ch) - 48) * (2 - position % 2)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def luhn_check_digit(nine_digits: str) -> str:
    """The tenth digit that makes YYMMDDNNN a valid personnummer."""
    for candidate in "0123456789":
        if _luhn_ok(nine_digits + candidate):
            return candidate
    raise AssertionError("unreachable: one of ten digits always completes a Luhn sum")


def _parts(value: str) -> tuple[str | None, str, str, str] | None:
    match = _PERSONNUMMER.fullmatch(value.strip())
    if match is None:
        return None
    century, yymmdd, separator, last4 = match.groups()
    if century is not None and separator == "+":
        return None  # "+" means 100 years or older: only meaningful in the 10-digit form
    if not _luhn_ok(yymmdd + last4):
        return None
    return century, yymmdd, separator, last4


def _valid_date(year: int, month: int, day: int) -> bool:
    if day > 60:  # samordningsnummer: the day plus 60
        day -= 60
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def is_personnummer(value: str) -> bool:
    """A Swedish personal identity or coordination number: YYMMDD-NNNC, YYMMDD+NNNC,
    YYMMDDNNNC, YYYYMMDDNNNC or YYYYMMDD-NNNC with a valid date and Luhn check digit."""
    parts = _parts(value)
    if parts is None:
        return False
    century, yymmdd, _separator, _last4 = parts
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    # Without the century, 29 February is valid when some century makes it a leap year.
    year = int(century) * 100 + yy if century is not None else 2000 + yy
    return _valid_date(year, month, day)


def birth_year_from_personnummer(value: str, today: dt.date | None = None) -> int | None:
    """The birth year a personnummer states, or None when it is not a valid one. In the
    10-digit form the century follows from today's date: the latest year that is not in
    the future, a hundred years earlier with "+"."""
    parts = _parts(value)
    if parts is None:
        return None
    century, yymmdd, separator, _last4 = parts
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    if century is not None:
        year = int(century) * 100 + yy
        return year if _valid_date(year, month, day) else None
    today = today or timezone.localdate()
    year = today.year - (today.year - yy) % 100
    real_day = day - 60 if day > 60 else day
    if year == today.year and (month, real_day) > (today.month, today.day):
        year -= 100  # not born yet this year: a hundred years ago
    if separator == "+":
        year -= 100
    return year if _valid_date(year, month, day) else None


# A birth date where a personal identity number is expected: IdrottOnline's
# "Födelsedat./Personnr." holds YYYY-MM-DD when the exporter may not see the numbers
# (docs/peer-exports.md 9a); other files have YYYYMMDD, YYMMDD or a masked number
# ("19850312-XXXX"), or a number whose last four digits were mistyped.
_BIRTH_DATE_IN_ID = re.compile(
    r"(\d{2})?(\d{2})-?(\d{2})-?(\d{2})(?:([-+ ]?)(?:\d{4}|[xX*]{4}))?", re.ASCII
)


def birth_year_from_id_column(value: str, today: dt.date | None = None) -> int | None:
    """The birth year a personal-identity-number column states: a valid personnummer's, else
    the year of a birth date written there (with or without the century, a masked or
    mistyped number after it); None when the value states no plausible date of birth."""
    value = value.strip()
    year = birth_year_from_personnummer(value, today)
    if year is not None or not value:
        return year
    match = _BIRTH_DATE_IN_ID.fullmatch(value)
    if match is None:
        return None
    century, yy_text, month_text, day_text, separator = match.groups()
    yy, month, day = int(yy_text), int(month_text), int(day_text)
    real_day = day - 60 if day > 60 else day
    today = today or timezone.localdate()
    if century is not None:
        year = int(century) * 100 + yy
    else:
        year = today.year - (today.year - yy) % 100
        if year == today.year and (month, real_day) > (today.month, today.day):
            year -= 100
        if separator == "+":
            year -= 100
    if not _valid_date(year, month, day) or (year, month, real_day) > (
        today.year,
        today.month,
        today.day,
    ):
        return None
    return year


def values_look_like_personnummer(values: Iterable[str]) -> bool:
    """≥ 80 % of the non-empty values are personnummer (the column test of guess_mapping)."""
    cleaned = [v.strip() for v in values if v and v.strip()]
    return bool(cleaned) and _share(cleaned, is_personnummer) >= 0.8
