"""One row of an uploaded file → the person fields to import, or the reason it is refused.

``RowMapping.build(headers, mapping)`` is computed once per file; ``clean_row(cells, line=,
mapping=)`` then runs per row, pure Python, no database, a few microseconds a row. It uses the
same normalisers as the forms (``aktivist.lib.normalise``; the fast paths there give exactly
the same results) and undoes Excel's habits: phones that lost their leading 0 or were
exported as floats ("701234567.0"), dates stored as serial numbers of the 1900 date system
("45230" → 2023-10-31; in date fields only, and only inside the plausible range), Swedish,
ISO and compact dates, Outlook's "Name <address>".

Decisions:

* A row is refused as a whole, never partly imported; every problem of the row is named in
  its reason (column header, value, what is wrong).
* A row needs a name (first, last or full name) **or** an identity key (member number,
  email, mobile); with neither it is refused. A row with a key and no name can update the
  person it matches (whether it may create a nameless person is the runner's decision —
  ``CleanRow.has_name``); a row with a name and no key is created and never matches anyone.
* Cells beyond the header are an error only when they hold something ("The row has 9 cells
  but the header has 8."); a short row is read as ending in empty cells (many tools drop
  trailing empty cells).
* Phones: the number, not the column, decides (a mobile is an identity key; a landline is
  shared by households). Every phone column is a source; the first mobile number becomes
  the mobile (mobile columns are looked at first), and one other number the other phone (a
  landline rather than a second mobile; other-phone columns first). A number that fits in
  neither refuses the row — none is dropped silently. Foreign numbers count when
  phonenumbers calls them valid: +61…, 0061…, or digits with the country code (61407698210).
* Value prefixes tools write are dropped (``core.table_columns.strip_value_prefix``): Meta's
  ``p:`` on phones, ``z:`` on postcodes and its id prefixes, NationBuilder's leading ``'``.
* A row that is not a person is skipped, not refused (``RowSkipped``, a ``RowError`` with a
  ``kind``): Meta's test leads (a name, email or phone cell starting "<test lead"), and an
  organisation's or household's row (a contact-type column says so, or an organisation name
  column is filled and no name is). A company column of a person's row is no such column.
* Several address blocks (IdrottOnline's "Kontaktadress - …" and "Folkbokföring - …": street,
  postcode and city each given to several columns): the first block with any of them filled
  is taken whole (``RowMapping.address_blocks``).
* Tag cells split on commas or semicolons; a cell of quoted names (Mailchimp's
  ``"Aktivist","Nyhetsbrev"``) splits on the commas outside the quotes, quotes removed.
* A value that looks like a spreadsheet formula (starts with "=", or "+", "-", "@" followed by
  a function call or a DDE/sheet reference) is refused: it is never data anyone meant.
* The personal identity number column is used for the birth year only (when no birth year or
  date of birth is given) — a birth date written there counts too (YYYY-MM-DD, YYYYMMDD,
  YYMMDD, "19850312-XXXX": ``lib.personnummer.birth_year_from_id_column``); an invalid one
  is ignored, and it never appears in a reason. A member number that is a personal identity
  number is refused.
* Unknown membership status or language words are refused rather than guessed; empty means
  "not given" (the person keeps what they have, a new person gets the default). Without a
  status, a member-since date means a member and a past end date a former member (a register
  such as IdrottOnline has dates, no status). Whether the membership values are taken at all
  is the matcher's decision (only the secretariat's imports take them).
* A full name is split when no first or last name is given ("Anna Maria Svensson" → "Anna
  Maria" + "Svensson", "Svensson, Anna" → "Anna" + "Svensson", particles such as "von" stay
  with the last name); beside a last-name column it gives the first name, beside a
  first-name column the last name.
* Birth year: the birth-year column, else the date of birth (a four-digit year there is a
  year), else the personal identity number; plausible means as validate_birth_year.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.core.table_columns import (
    BIRTH_YEAR_COLUMN,
    CONTACT_TYPE,
    ORGANISATION_NAME,
    PERSONNUMMER,
    split_full_name,
    strip_value_prefix,
)
from aktivist.imports.optouts import OPT_OUT_FIELDS, OptOut, row_opt_outs
from aktivist.lib.normalise import (
    is_mobile,
    is_valid_email,
    normalise_phone,
    normalise_postcode,
    swedish_mobile_e164,
)
from aktivist.lib.personnummer import birth_year_from_id_column, is_personnummer

MAX_REASON = 500  # ImportIssue.reason

# The order of the values clean_row extracts (RowMapping.indexes follows it).
_FIELDS = (
    "first_name",
    "last_name",
    "full_name",
    "email",
    "mobile",
    "other_phone",
    "street_address",
    "postcode",
    "city",
    "municipality",
    "birth_year",
    "birth_date",
    "language",
    "member_number",
    "membership_status",
    "member_since",
    "membership_ended_on",
    "tags",
)
# Fields kept as plain text: the formula check applies to them (phones, dates, years and
# words are checked by their own parsers, which refuse formulas anyway).
_TEXT_FIELDS = frozenset(
    {"first_name", "last_name", "full_name", "street_address", "city", "municipality"}
)


@dataclass(slots=True)
class CleanRow:
    """The person fields of one row, normalised. Empty means "not given": ``None`` for the
    nullable fields, ``""`` for text, ``[]`` for tags."""

    line: int
    first_name: str = ""
    last_name: str = ""
    email: str | None = None
    mobile: str | None = None
    other_phone: str = ""
    street_address: str = ""
    postcode: str = ""
    city: str = ""
    municipality: str = ""
    birth_year: int | None = None
    language: str | None = None
    member_number: str | None = None
    membership_status: str | None = None
    member_since: dt.date | None = None
    membership_ended_on: dt.date | None = None
    tags: list[str] = field(default_factory=list)
    # (channel, suppression reason, withdraws the channel's consents): optouts.py
    opt_outs: tuple[OptOut, ...] = ()
    note: str = ""  # the notes column: a note on the person (runner), never a person field

    @property
    def has_name(self) -> bool:
        return bool(self.first_name or self.last_name)

    def given(self) -> dict[str, Any]:
        """The person fields this row gives a value for (empty cells never blank data)."""
        return {
            name: value
            for name in PERSON_FIELDS
            if (value := getattr(self, name)) is not None and value != ""
        }


PERSON_FIELDS = tuple(
    f for f in CleanRow.__slots__ if f not in ("line", "tags", "opt_outs", "note")
)
# The longest note an import writes: as the person page's note form
# (people.forms.InteractionForm.text). A longer cell refuses the row, never cut silently.
MAX_NOTE = 5000


@dataclass(slots=True)
class RowError:
    """A refused row: its line in the file and why, in the user's language."""

    line: int
    reason: str


ORGANISATION = "organisation"
TEST_LEAD = "test_lead"


@dataclass(slots=True)
class RowSkipped(RowError):
    """A row that is not a person: an organisation's (or household's) row, or one of Meta's
    test leads (``kind``). Never imported, counted apart from refused rows; a caller that
    does not know the kind still refuses it (it is a RowError)."""

    kind: str = ORGANISATION


@functools.cache
def _max_lengths() -> dict[str, int]:
    from aktivist.people.models import Person, Tag

    lengths = {
        name: getattr(Person._meta.get_field(name), "max_length", None) or 0
        for name in (
            "first_name",
            "last_name",
            "email",
            "other_phone",
            "street_address",
            "postcode",
            "city",
            "municipality",
            "member_number",
        )
    }
    lengths["tags"] = getattr(Tag._meta.get_field("name"), "max_length", None) or 0
    return lengths


@dataclass(frozen=True, slots=True)
class RowMapping:
    """What clean_row needs to know about a file, computed once: the column of each field
    (``None`` when unmapped) in ``_FIELDS`` order, the headers for messages, and the dates
    that make a year or a date plausible."""

    width: int
    indexes: tuple[int | None, ...]
    labels: dict[str, str]
    personnummer: int | None  # a column used for the birth year only
    birth_year_hint: int | None  # the kept copy's _birth_year column
    today: dt.date
    year_low: int
    year_high: int
    date_low: dt.date
    date_high: dt.date
    fast_phone: bool
    max_lengths: dict[str, int]
    text_positions: tuple[int, ...]  # mapped fields the formula check applies to
    extra_tag_columns: tuple[int, ...]  # tags may come from several columns
    phone_columns: tuple[tuple[int, str, bool], ...]  # (index, header, is a mobile column)
    one_phone_column_each: bool  # at most one mobile and one other-phone column
    contact_type: int | None = None  # CiviCRM's "Contact Type": Individual, Organization …
    organisation_name: int | None = None  # with no person's name: an organisation's row
    address_line_2: int | None = None  # added to the street address (c/o, second line)
    # Further address blocks (IdrottOnline: Kontaktadress, then Folkbokföring): the second
    # street, postcode and city columns, the third …; (index, header) or None for each.
    address_blocks: tuple[tuple[tuple[int, str] | None, ...], ...] = ()
    # Columns named after a tag (Zetkin): (index, tag name, whether the name can be a tag).
    tag_flags: tuple[tuple[int, str, bool], ...] = ()
    opt_out_columns: tuple[tuple[int, str, str], ...] = ()  # (index, header, opt-out field)
    note: int | None = None  # the notes column (a note on the person)

    @classmethod
    def build(
        cls, headers: Sequence[str], mapping: dict[str, str], *, today: dt.date | None = None
    ) -> RowMapping:
        """From the file's headers and the chosen ``{header: field}`` mapping. Headers the
        file lacks are ignored; a field chosen twice takes its leftmost column (columns.
        mapping_problems tells the person who chose it)."""
        today = today or timezone.localdate()
        column: dict[str, int] = {}
        extra_tags: list[int] = []
        phones: list[tuple[int, str, bool]] = []
        more_addresses: dict[str, list[tuple[int, str]]] = {}
        for index, header in enumerate(headers):
            chosen = mapping.get(header) or ""
            if chosen in ("mobile", "other_phone"):
                phones.append((index, header, chosen == "mobile"))
            if chosen and chosen not in column:
                column[chosen] = index
            elif chosen == "tags":
                extra_tags.append(index)
            elif chosen in _ADDRESS_BLOCK_FIELDS:
                more_addresses.setdefault(chosen, []).append((index, header))
        hint = None
        if BIRTH_YEAR_COLUMN in headers and not mapping.get(BIRTH_YEAR_COLUMN):
            hint = list(headers).index(BIRTH_YEAR_COLUMN)
        year_low = today.year - 120  # as people.models.validate_birth_year
        return cls(
            width=len(headers),
            indexes=tuple(column.get(name) for name in _FIELDS),
            labels={name: headers[i] for name, i in column.items()},
            personnummer=column.get(PERSONNUMMER),
            contact_type=column.get(CONTACT_TYPE),
            organisation_name=column.get(ORGANISATION_NAME),
            address_line_2=column.get("address_line_2"),
            note=column.get("note"),
            address_blocks=_address_blocks(more_addresses),
            tag_flags=tuple(
                (index, name, _can_be_tag(name))
                for index, header in enumerate(headers)
                if mapping.get(header) == "tag_flag" and (name := _tag_name_of_header(header))
            ),
            opt_out_columns=tuple(
                (index, header, mapping[header])
                for index, header in enumerate(headers)
                if mapping.get(header) in OPT_OUT_FIELDS
            ),
            birth_year_hint=hint,
            today=today,
            year_low=year_low,
            year_high=today.year,
            date_low=dt.date(year_low, 1, 1),
            date_high=today + dt.timedelta(days=366),
            fast_phone=getattr(settings, "PHONE_DEFAULT_REGION", "SE") == "SE",
            max_lengths=_max_lengths(),
            extra_tag_columns=tuple(extra_tags),
            phone_columns=tuple(phones),
            one_phone_column_each=sum(is_mobile for _i, _h, is_mobile in phones) <= 1
            and sum(not is_mobile for _i, _h, is_mobile in phones) <= 1,
            text_positions=tuple(
                p for p, name in enumerate(_FIELDS) if name in _TEXT_FIELDS and name in column
            ),
        )


# A file may hold several addresses (IdrottOnline: "Kontaktadress - …", "Folkbokföring - …"):
# the street, postcode and city come from the first block with any of them filled.
_ADDRESS_BLOCK_FIELDS = ("street_address", "postcode", "city")


def _address_blocks(
    more: dict[str, list[tuple[int, str]]],
) -> tuple[tuple[tuple[int, str] | None, ...], ...]:
    """The k-th further street, postcode and city columns form the k-th further block."""
    size = max((len(columns) for columns in more.values()), default=0)
    return tuple(
        tuple(
            more[name][k] if k < len(more.get(name, ())) else None for name in _ADDRESS_BLOCK_FIELDS
        )
        for k in range(size)
    )


def _can_be_tag(name: str) -> bool:
    """A column's header may name a tag: not a formula, and short enough."""
    if name[0] in _FORMULA_START and _FORMULA.match(name):
        return False
    return len(name) <= _max_lengths()["tags"]


# --- Value parsers ---------------------------------------------------------------------------

# "=…"; or "+", "-", "@" before a function call (+SUM(, @HYPERLINK(), a DDE command
# (-2+3+cmd|' /C calc'!A0) or a sheet reference (+Blad1!A1). "+ Lund" and "-" are data.
_FORMULA = re.compile(
    r"=|[+\-@]\s*(?:[A-Za-z_][\w.]*\s*\(|.*\w\||.*!\$?[A-Za-z]{1,3}\$?\d)", re.DOTALL
)
_FORMULA_START = frozenset("=+-@")
_ANGLE_ADDRESS = re.compile(r"[^<>]*<([^<>]+)>")
_EXCEL_FLOAT = re.compile(r"(\d+)\.0+", re.ASCII)
_EXCEL_EXPONENT = re.compile(r"\d(?:[.,]\d+)?[eE]\+\d+", re.ASCII)
_ISO_DATE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?",  # a time is ignored
    re.ASCII,
)
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)
_DMY_DATE = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", re.ASCII)
_YMD_SLASH_DATE = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})", re.ASCII)
_SERIAL_DATE = re.compile(r"(\d{4,5})(?:\.\d+)?", re.ASCII)
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # the 1900 date system, past its leap-year bug
_WORD_KEY = re.compile(r"[\W_]+")

_STATUS_WORDS = {
    "member": (
        "medlem",
        "member",
        "ja",
        "j",
        "yes",
        "y",
        "x",
        "true",
        "sant",
        "1",
        "aktiv",
        "aktivmedlem",
        "active",
        "betalande",
        "betalandemedlem",
        # Membership types (Medlemstyp) and other tools' statuses: CiviCRM New, Current,
        # Grace; NationBuilder active, grace period.
        "ordinarie",
        "ordinariemedlem",
        "hedersmedlem",
        "standigmedlem",
        "livstidsmedlem",
        "familjemedlem",
        "ungdomsmedlem",
        "studentmedlem",
        "activemember",
        "currentmember",
        "current",
        "new",
        "grace",
        "graceperiod",
        "lifemember",
        "honorarymember",
    ),
    "non_member": (
        "ejmedlem",
        "ickemedlem",
        "intemedlem",
        "nonmember",
        "notmember",
        "notamember",
        "nej",
        "n",
        "no",
        "false",
        "falskt",
        "0",
        "aktivist",
        "supporter",
        "sympatisor",
        "stodjare",
        "provapa",  # IdrottOnline's trial (Typ P)
        "trial",
        "pending",  # CiviCRM: not yet a member
        "vantande",
    ),
    "former": (
        "foredetta",
        "foredettamedlem",
        "fd",
        "fdmedlem",
        "tidigare",
        "tidigaremedlem",
        "former",
        "formermember",
        "exmember",
        "uttradd",
        "avslutad",
        "avregistrerad",
        "lapsed",
        "ended",
        "cancelled",
        "canceled",
        "avslutat",
        "uttratt",
        "utgangen",
        "utgatt",
        "lamnat",
        "expired",  # CiviCRM, NationBuilder
        "deceased",
        "avliden",
    ),
}
_LANGUAGE_WORDS = {
    "sv": ("sv", "svenska", "svensk", "swedish", "se", "swe", "sve"),
    "en": ("en", "engelska", "engelsk", "english", "eng", "gb", "uk", "us"),
}


def _word_key(value: str) -> str:
    folded = value.casefold()
    folded = folded.replace("å", "a").replace("ä", "a").replace("ö", "o").replace("é", "e")
    return _WORD_KEY.sub("", folded)


_STATUS = {_word_key(w): status for status, words in _STATUS_WORDS.items() for w in words}
_LANGUAGE = {_word_key(w): code for code, words in _LANGUAGE_WORDS.items() for w in words}


def _language(value: str) -> str | None:
    key = _LANGUAGE.get(value.lower()) or _LANGUAGE.get(_word_key(value))
    if key is None and len(value) >= 4 and value[2] in "-_":  # locales: sv_SE, en-GB
        key = _LANGUAGE.get(value[:2].lower())
    return key


def _shown(value: str) -> str:
    """A value as a reason quotes it: short, on one line."""
    value = " ".join(value.split())
    return value if len(value) <= 60 else value[:57] + "…"


def _date(value: str, mapping: RowMapping) -> dt.date | None:
    """A date in one of the forms spreadsheets hold, or None. Serial numbers (Excel's
    1900 date system) count only inside the plausible range."""
    match = _ISO_DATE.fullmatch(value) or _YMD_SLASH_DATE.fullmatch(value)
    if match is None:
        match = _COMPACT_DATE.fullmatch(value)
    if match is not None:
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    elif (match := _DMY_DATE.fullmatch(value)) is not None:
        day, month, year = int(match[1]), int(match[2]), int(match[3])
        if month > 12 and day <= 12:  # an American month/day/year
            day, month = month, day
    elif (match := _SERIAL_DATE.fullmatch(value)) is not None:
        serial = int(match[1])
        if serial < 61:
            return None
        date = _EXCEL_EPOCH + dt.timedelta(days=serial)
        return date if mapping.date_low <= date <= mapping.date_high else None
    else:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _phone(value: str, fast: bool, want_type: bool) -> tuple[str | None, bool]:
    """(E.164 or None when invalid, whether it is a mobile — asked only when wanted)."""
    if fast:
        e164 = swedish_mobile_e164(value)
        if e164 is not None:
            return e164, True
    if value.endswith("0") and (excel := _EXCEL_FLOAT.fullmatch(value)) is not None:
        value = excel[1]  # a phone cell exported as a float: 701234567.0
        if fast and (e164 := swedish_mobile_e164(value)) is not None:
            return e164, True
    e164 = normalise_phone(value)
    if e164 is None or not want_type:
        return e164, False
    if e164.startswith("+46") and e164[3:4] != "7":
        return e164, False  # every Swedish mobile range starts 07; asking phonenumbers is slow
    return e164, is_mobile(e164)


_MEMBER_NUMBER_PREFIX_STARTS = frozenset("lacf'")
_NO_CELLS: list[str] = []


def _tag_name_of_header(header: str) -> str:
    """A tag column's tag name: its header, which tools that upper-case every header
    (Zetkin's CSV: "AKTIVIST") give as "Aktivist". An existing tag of the name in any
    case is used as it is (the writer matches tags case-insensitively)."""
    name = " ".join(header.split())
    return name.capitalize() if name.isupper() else name


def _phones(
    cells: Sequence[str], n: int, mapping: RowMapping, errors: list[str]
) -> tuple[str | None, str]:
    """(mobile, other phone) from every phone column of the row, decided by the numbers:
    the first mobile number (mobile columns first) is the mobile; of the rest, the first
    landline (other-phone columns first), else the first one left, is the other phone.
    Every number that fits in neither, and every invalid one, is an error."""
    # Each number: (E.164, is a mobile, from a mobile column, header, value as written).
    first: tuple[str, bool, bool, str, str] | None = None
    numbers: list[tuple[str, bool, bool, str, str]] | None = None  # when there are several
    fast = mapping.fast_phone
    for index, header, mobile_column in mapping.phone_columns:
        if index >= n or not (value := cells[index]) or not (value := value.strip()):
            continue
        typed = strip_value_prefix("mobile", value) if value[0] in "p'" else value
        e164, mobile = _phone(typed, fast, True)
        if e164 is None:
            errors.append(_invalid_phone(header, value))
        elif first is None:
            first = (e164, mobile, mobile_column, header, value)
        elif numbers is None:
            if e164 != first[0]:
                numbers = [first, (e164, mobile, mobile_column, header, value)]
        elif all(number[0] != e164 for number in numbers):
            numbers.append((e164, mobile, mobile_column, header, value))
    if numbers is None:
        if first is None:
            return None, ""
        return (first[0], "") if first[1] else (None, first[0])
    by_mobile_column = sorted(numbers, key=lambda number: not number[2])
    mobile_number = next((number for number in by_mobile_column if number[1]), None)
    rest = sorted(
        (number for number in numbers if number is not mobile_number), key=lambda number: number[2]
    )
    other = next((number for number in rest if not number[1]), rest[0])
    for number in rest:
        if number is other:
            continue
        if number[1]:
            message = _(
                '%(column)s: "%(value)s" is one phone number too many: the row has a mobile '
                "and another phone number already."
            )
        else:
            message = _(
                '%(column)s: "%(value)s" is not a mobile number, and the row has '
                "another phone number already."
            )
        errors.append(message % {"column": number[3], "value": _shown(number[4])})
    return (mobile_number[0] if mobile_number else None), other[0]


# A tag column's cell that means "not tagged" (Zetkin writes true/false).
_NOT_TAGGED = frozenset({"false", "falskt", "no", "nej", "n", "0", "-"})
_MONTH_DAY = re.compile(r"\d{1,2}/\d{1,2}", re.ASCII)
_ADDRESS_PARTS = re.compile(r"\s{2,}")


def _label(mapping: RowMapping, name: str) -> str:
    return mapping.labels.get(name, name)


def _split_address(value: str) -> tuple[str, str, str]:
    """(street, city, postcode) from an address in one cell whose parts are separated by two
    spaces, in Mailchimp's order: street, [second line], city, state, postcode, [country].
    The value as it is (and no city or postcode) when it is not laid out so."""
    parts = [part for part in _ADDRESS_PARTS.split(value.strip()) if part]
    last_digits = max((i for i, p in enumerate(parts) if any(c.isdigit() for c in p)), default=-1)
    if last_digits < 2 or len(parts) - last_digits > 2:
        return value, "", ""
    if last_digits == 2:  # street, city, postcode
        return parts[0], parts[1], parts[2]
    street = ", ".join(parts[: last_digits - 2])
    return street, parts[last_digits - 2], parts[last_digits]


def _split_tags(cell: str) -> list[str]:
    """The tags of one cell: comma- or semicolon-separated names; a cell holding quoted
    names (Mailchimp: ``"Aktivist","Nyhetsbrev"``) splits outside the quotes."""
    if '"' in cell:
        delimiter = "," if "," in cell or ";" not in cell else ";"
        parts = next(csv.reader([cell], delimiter=delimiter, skipinitialspace=True), [])
        return [" ".join(part.strip().strip('"').split()) for part in parts]
    return [" ".join(part.split()) for part in cell.replace(";", ",").split(",")]


def _names_from_full_name(full: str, first: str, last: str) -> tuple[str, str, str, str]:
    """First and last name (and the fields whose header names them) when a full-name column
    is mapped beside at most one of the first and last name columns."""
    if not first and not last:
        first, last = split_full_name(full)
        return first, last, "full_name", "full_name"
    if last:  # "Namn" beside "Efternamn" is the first name, or the whole name
        if full.casefold().endswith(" " + last.casefold()):
            full = full[: -len(last)].strip()
        return full, last, "full_name", "last_name"
    if full.casefold().startswith(first.casefold() + " "):
        return first, full[len(first) :].strip(), "first_name", "full_name"
    return first, split_full_name(full)[1], "first_name", "full_name"


# --- The row ---------------------------------------------------------------------------------


_TEST_LEAD_POSITIONS = tuple(
    _FIELDS.index(name)
    for name in ("first_name", "last_name", "full_name", "email", "mobile", "other_phone")
)
# The fields above lie side by side in _FIELDS; the span covers them (and any between).
_TEST_LEAD_SPAN = slice(min(_TEST_LEAD_POSITIONS), max(_TEST_LEAD_POSITIONS) + 1)


def _is_test_lead(values: list[str]) -> bool:
    for position in _TEST_LEAD_POSITIONS:
        value = values[position]
        if value and (value[0] == "<" or value[:3] == "p:<") and "<test lead" in value.lower():
            return True
    return False


_NAME_POSITIONS = tuple(_FIELDS.index(name) for name in ("first_name", "last_name", "full_name"))
# CiviCRM's contact types (English and Swedish labels), as _word_key leaves them.
_CONTACT_TYPES = {
    **dict.fromkeys(("individual", "person", "privatperson", "individ", "enskild"), ""),
    **dict.fromkeys(("organization", "organisation", "org", "foretag", "forening"), ORGANISATION),
    **dict.fromkeys(("household", "hushall"), "household"),
}


def _organisation(
    cells: Sequence[str],
    n: int,
    line: int,
    mapping: RowMapping,
    values: list[str],
    errors: list[str],
) -> RowSkipped | None:
    """An organisation's or household's row (by its contact type, or an organisation name
    without a person's name), or None for a person's row. An unknown contact type is an
    error of the row."""
    if (i := mapping.contact_type) is not None and i < n and (typed := cells[i].strip()):
        kind = _CONTACT_TYPES.get(_word_key(typed))
        if kind == ORGANISATION:
            return RowSkipped(line, _("An organisation, not a person."), ORGANISATION)
        if kind == "household":
            return RowSkipped(line, _("A household, not a person."), ORGANISATION)
        if kind is None:
            errors.append(
                _('%(column)s: "%(value)s" is neither a person nor an organisation.')
                % {"column": mapping.labels[CONTACT_TYPE], "value": _shown(typed)}
            )
        return None
    if (i := mapping.organisation_name) is not None and i < n and cells[i].strip():
        if not any(values[p] for p in _NAME_POSITIONS):
            return RowSkipped(line, _("An organisation, not a person."), ORGANISATION)
    return None


_STREET, _POSTCODE, _CITY = (_FIELDS.index(name) for name in _ADDRESS_BLOCK_FIELDS)


def _address_from_blocks(
    cells: Sequence[str], n: int, mapping: RowMapping, values: list[str]
) -> dict[str, str]:
    """Fill the empty street, postcode and city (``values``) from the first further address
    block that has any of them; the labels for messages then name that block's columns."""
    for block in mapping.address_blocks:
        found = [
            cells[column[0]].strip() if column is not None and column[0] < n else ""
            for column in block
        ]
        if any(found):
            labels = dict(mapping.labels)
            for name, position, column, value in zip(
                _ADDRESS_BLOCK_FIELDS, (_STREET, _POSTCODE, _CITY), block, found, strict=True
            ):
                if column is not None and value:
                    values[position] = value
                    labels[name] = column[1]
            return labels
    return mapping.labels


def clean_row(cells: Sequence[str], *, line: int, mapping: RowMapping) -> CleanRow | RowError:
    """The row's person fields, or why it is refused. Never raises for any text."""
    errors: list[str] = []
    n = len(cells)
    if n > mapping.width and "".join(cells[mapping.width :]).strip():
        errors.append(
            _("The row has %(cells)s cells but the header has %(header)s.")
            % {"cells": n, "header": mapping.width}
        )
    labels = mapping.labels
    values = [cells[i].strip() if i is not None and i < n else "" for i in mapping.indexes]
    if mapping.address_blocks and not (values[_STREET] or values[_POSTCODE] or values[_CITY]):
        labels = _address_from_blocks(cells, n, mapping, values)
    # Meta's test leads: "<test lead: dummy data for full_name>" (docs/peer-exports.md 6);
    # one search for "<" in the name, email and phone cells, a closer look only then.
    if "<" in "".join(values[_TEST_LEAD_SPAN]) and _is_test_lead(values):
        return RowSkipped(line, _("A test lead (Meta's dummy data), not a person."), TEST_LEAD)
    if mapping.contact_type is not None or mapping.organisation_name is not None:
        skipped = _organisation(cells, n, line, mapping, values, errors)
        if skipped is not None:
            return skipped
    for position in mapping.text_positions:
        value = values[position]
        if value and value[0] in _FORMULA_START and _FORMULA.match(value):
            errors.append(
                _('%(column)s: "%(value)s" looks like a spreadsheet formula.')
                % {"column": labels[_FIELDS[position]], "value": _shown(value)}
            )
            values[position] = ""  # reported once, not again as too long
    (
        first_name,
        last_name,
        full_name,
        email,
        mobile,
        other_phone,
        street_address,
        postcode,
        city,
        municipality,
        birth_year_text,
        birth_date_text,
        language_text,
        member_number,
        status_text,
        since_text,
        ended_text,
        tags_text,
    ) = values

    first_label, last_label = "first_name", "last_name"
    if first_name and not first_name.isprintable() or "  " in first_name:
        first_name = " ".join(first_name.split())
    if last_name and not last_name.isprintable() or "  " in last_name:
        last_name = " ".join(last_name.split())
    if full_name and not (first_name and last_name):
        first_name, last_name, first_label, last_label = _names_from_full_name(
            " ".join(full_name.split()), first_name, last_name
        )

    # Email: the forms' clean_email (trim, lower case, Django's validator).
    if email:
        lowered = email.lower()
        if not is_valid_email(lowered) and (address := _ANGLE_ADDRESS.fullmatch(lowered)):
            lowered = address[1].strip()  # Outlook's "Anna Svensson <anna@example.se>"
        if is_valid_email(lowered):
            email = lowered
        else:
            errors.append(
                _('%(column)s: "%(value)s" is not a valid email address.')
                % {"column": labels["email"], "value": _shown(email)}
            )

    # Phones: E.164 as the forms store them; the number decides mobile or other phone.
    mobile_e164: str | None = None
    other_e164 = ""
    if mapping.phone_columns:
        if mapping.one_phone_column_each and not (mobile and other_phone):
            # The common case, one number: the values read above, no second pass.
            if value := mobile or other_phone:
                typed = strip_value_prefix("mobile", value) if value[0] in "p'" else value
                e164, is_mobile_number = _phone(typed, mapping.fast_phone, True)
                if e164 is None:
                    errors.append(
                        _invalid_phone(labels["mobile" if mobile else "other_phone"], value)
                    )
                elif is_mobile_number:
                    mobile_e164 = e164
                else:
                    other_e164 = e164
        else:
            mobile_e164, other_e164 = _phones(cells, n, mapping, errors)

    if street_address and "  " in street_address and not (postcode or city):
        # Mailchimp's address field: one cell, its parts separated by two spaces.
        street_address, city, postcode = _split_address(street_address)
    if mapping.address_line_2 is not None and mapping.address_line_2 < n:
        if line_2 := " ".join(cells[mapping.address_line_2].split()):
            label_2 = _label(mapping, "address_line_2")
            if line_2[0] in _FORMULA_START and _FORMULA.match(line_2):
                errors.append(
                    _('%(column)s: "%(value)s" looks like a spreadsheet formula.')
                    % {"column": label_2, "value": _shown(line_2)}
                )
            elif street_address:
                joined = f"{street_address}, {line_2}"
                if len(joined) > mapping.max_lengths["street_address"]:
                    errors.append(
                        _too_long(label_2, len(joined), mapping.max_lengths["street_address"])
                    )
                else:
                    street_address = joined
            elif "street_address" in mapping.labels:
                street_address = line_2  # checked below as the street address
            elif len(line_2) > mapping.max_lengths["street_address"]:
                errors.append(
                    _too_long(label_2, len(line_2), mapping.max_lengths["street_address"])
                )
            else:
                street_address = line_2

    if postcode:
        if postcode[0] in "z'":
            postcode = strip_value_prefix("postcode", postcode)
        if postcode.endswith("0") and (excel := _EXCEL_FLOAT.fullmatch(postcode)) is not None:
            postcode = excel[1]
        compact = postcode.replace(" ", "")
        # normalise_postcode keeps letters and digits, upper-cased: the same when all are.
        postcode = compact.upper() if compact.isalnum() else normalise_postcode(postcode)

    if city and "  " in city:
        city = " ".join(city.split())
    if municipality and "  " in municipality:
        municipality = " ".join(municipality.split())

    # Birth year: the column, else the date of birth, else the personal identity number.
    birth_year: int | None = None
    if birth_year_text:
        birth_year = _year(birth_year_text, "birth_year", mapping, errors)
    if birth_date_text and birth_year is None:
        birth_year = _year_from_date(birth_date_text, mapping, errors)
    if birth_year is None and not birth_year_text and not birth_date_text:
        birth_year = _year_from_hidden_columns(cells, n, mapping)

    language: str | None = None
    if language_text:
        language = _language(language_text)
        if language is None:
            errors.append(
                _('%(column)s: "%(value)s" is not a language Aktivist knows (Swedish, English).')
                % {"column": labels["language"], "value": _shown(language_text)}
            )

    status: str | None = None
    if status_text:
        status = _STATUS.get(status_text.lower()) or _STATUS.get(_word_key(status_text))
        if status is None:
            errors.append(
                _(
                    '%(column)s: "%(value)s" is not a membership status (member, non-member, '
                    "former member)."
                )
                % {"column": labels["membership_status"], "value": _shown(status_text)}
            )

    if member_number:
        if member_number[0] in _MEMBER_NUMBER_PREFIX_STARTS:
            member_number = strip_value_prefix("member_number", member_number)
        if member_number.endswith("0") and (excel := _EXCEL_FLOAT.fullmatch(member_number)):
            member_number = excel[1]
        if _EXCEL_EXPONENT.fullmatch(member_number):
            errors.append(_excel_exponent(labels["member_number"], member_number))
        elif 10 <= len(member_number) <= 13 and is_personnummer(member_number):
            errors.append(
                _(
                    "%(column)s: the value is a personal identity number, which Aktivist "
                    "never stores."
                )
                % {"column": labels["member_number"]}
            )
            member_number = ""

    member_since = _date_field(since_text, "member_since", mapping, errors)
    membership_ended_on = _date_field(ended_text, "membership_ended_on", mapping, errors)
    if status is None and not status_text and (member_since or membership_ended_on):
        # A register without a status column (IdrottOnline): its dates say it. An end
        # date that has passed makes a former member; a member-since date a member.
        if membership_ended_on is not None and membership_ended_on <= mapping.today:
            status = "former"
        elif member_since is not None:
            status = "member"

    tags: list[str] = []
    tag_cells = [tags_text] if tags_text else _NO_CELLS
    for i in mapping.extra_tag_columns:
        if i < n and cells[i].strip():
            tag_cells = [*tag_cells, cells[i]]
    for cell in tag_cells:
        for tag in _split_tags(cell):
            if not tag or tag in tags:
                continue
            if tag[0] in _FORMULA_START and _FORMULA.match(tag):
                errors.append(
                    _('%(column)s: "%(value)s" looks like a spreadsheet formula.')
                    % {"column": labels["tags"], "value": _shown(tag)}
                )
                continue
            tags.append(tag)

    for index, name, can_be_tag in mapping.tag_flags:
        if index < n and (flag := cells[index].strip()) and flag.lower() not in _NOT_TAGGED:
            if not can_be_tag:
                errors.append(
                    _("%(column)s: the column's name cannot be a tag (a formula, or too long).")
                    % {"column": _shown(name)}
                )
            elif name not in tags:
                tags.append(name)

    # Lengths that do not fit the model's fields.
    limits = mapping.max_lengths
    for name, value, label_field in (
        ("first_name", first_name, first_label),
        ("last_name", last_name, last_label),
        ("email", email, "email"),
        ("street_address", street_address, "street_address"),
        ("postcode", postcode, "postcode"),
        ("city", city, "city"),
        ("municipality", municipality, "municipality"),
        ("member_number", member_number, "member_number"),
    ):
        if len(value) > limits[name]:
            errors.append(_too_long(labels[label_field], len(value), limits[name]))
    for tag in tags:
        if len(tag) > limits["tags"]:
            errors.append(_too_long(labels["tags"], len(tag), limits["tags"]))
            break

    if not (first_name or last_name or email or mobile_e164 or member_number) and not errors:
        errors.append(_("The row has no name, email, mobile or member number."))

    # Opt-outs are never dropped: an unknown value refuses the row (optouts.py).
    opt_outs: tuple[OptOut, ...] = ()
    if mapping.opt_out_columns:
        opt_outs = row_opt_outs(cells, mapping.opt_out_columns, errors)

    note = ""
    if mapping.note is not None and mapping.note < n and (note := cells[mapping.note].strip()):
        note = _note(note, _label(mapping, "note"), errors)

    if errors:
        reason = " ".join(errors)
        if len(reason) > MAX_REASON:
            reason = reason[: MAX_REASON - 1] + "…"
        return RowError(line, reason)
    return CleanRow(
        line,
        first_name,
        last_name,
        email or None,
        mobile_e164,
        other_e164,
        street_address,
        postcode,
        city,
        municipality,
        birth_year,
        language,
        member_number or None,
        status,
        member_since,
        membership_ended_on,
        tags,
        opt_outs=opt_outs,
        note=note,
    )


def _note(value: str, column: str, errors: list[str]) -> str:
    """The notes cell as the note's text: trimmed, line breaks kept, refused (with the row)
    when it looks like a formula or is longer than MAX_NOTE characters."""
    if value[0] in _FORMULA_START and _FORMULA.match(value):
        errors.append(
            _('%(column)s: "%(value)s" looks like a spreadsheet formula.')
            % {"column": column, "value": _shown(value)}
        )
        return ""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if len(value) > MAX_NOTE:
        errors.append(_too_long(column, len(value), MAX_NOTE))
        return ""
    return value


def _invalid_phone(column: str, value: str) -> str:
    if _EXCEL_EXPONENT.fullmatch(value):
        return _excel_exponent(column, value)
    return _('%(column)s: "%(value)s" is not a valid phone number.') % {
        "column": column,
        "value": _shown(value),
    }


def _excel_exponent(column: str, value: str) -> str:
    return _(
        '%(column)s: "%(value)s" is a number Excel has shortened; format the column as text '
        "and export the file again."
    ) % {"column": column, "value": _shown(value)}


def _too_long(column: str, length: int, limit: int) -> str:
    return _("%(column)s: the value is %(length)s characters long; at most %(max)s fit.") % {
        "column": column,
        "length": length,
        "max": limit,
    }


def _year(value: str, name: str, mapping: RowMapping, errors: list[str]) -> int | None:
    """A birth year from the birth-year column: "1985", "1985.0", or a date."""
    if value.endswith("0") and (excel := _EXCEL_FLOAT.fullmatch(value)) is not None:
        value = excel[1]
    if value.isascii() and value.isdigit() and len(value) <= 4:
        year = int(value)
    else:
        date = _date(value, mapping) if len(value) > 5 else None
        if date is None:
            errors.append(
                _('%(column)s: "%(value)s" is not a year.')
                % {"column": mapping.labels[name], "value": _shown(value)}
            )
            return None
        year = date.year
    if not mapping.year_low <= year <= mapping.year_high:
        errors.append(
            _("%(column)s: %(value)s is not a plausible birth year.")
            % {"column": mapping.labels[name], "value": year}
        )
        return None
    return year


def _year_from_date(value: str, mapping: RowMapping, errors: list[str]) -> int | None:
    """A birth year from the date-of-birth column (a four-digit year is taken as one; a
    month and day alone, Mailchimp's birthday, gives none)."""
    if value[0] == "'":
        value = value[1:].strip()  # NationBuilder's mark for Excel
    if len(value) == 4 and value.isascii() and value.isdigit():
        if mapping.year_low <= int(value) <= mapping.year_high:
            return int(value)
    date = _date(value, mapping)
    label = mapping.labels["birth_date"]
    if date is None and _MONTH_DAY.fullmatch(value):
        return None
    if date is None:
        errors.append(
            _('%(column)s: "%(value)s" is not a date.') % {"column": label, "value": _shown(value)}
        )
        return None
    if not mapping.year_low <= date.year <= mapping.year_high or date > mapping.today:
        errors.append(
            _("%(column)s: %(value)s is not a plausible date of birth.")
            % {"column": label, "value": date.isoformat()}
        )
        return None
    return date.year


def _year_from_hidden_columns(cells: Sequence[str], n: int, mapping: RowMapping) -> int | None:
    """The birth year a personal identity number gives (never an error: the number is
    dropped anyway), or the kept copy's _birth_year column."""
    year: int | None = None
    if mapping.personnummer is not None and mapping.personnummer < n:
        pnr = cells[mapping.personnummer]
        if pnr and not pnr.isspace():
            year = birth_year_from_id_column(pnr, mapping.today)
    elif mapping.birth_year_hint is not None and mapping.birth_year_hint < n:
        hint = cells[mapping.birth_year_hint].strip()
        if hint.isascii() and hint.isdigit():
            year = int(hint)
    if year is not None and mapping.year_low <= year <= mapping.year_high:
        return year
    return None


def _date_field(value: str, name: str, mapping: RowMapping, errors: list[str]) -> dt.date | None:
    if not value:
        return None
    date = _date(value, mapping)
    if date is None:
        errors.append(
            _('%(column)s: "%(value)s" is not a date.')
            % {"column": mapping.labels[name], "value": _shown(value)}
        )
        return None
    if not mapping.date_low <= date <= mapping.date_high:
        errors.append(
            _("%(column)s: %(value)s is not a plausible date.")
            % {"column": mapping.labels[name], "value": date.isoformat()}
        )
        return None
    return date
