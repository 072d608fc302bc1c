"""The value parsers of the row cleaner (``rows.clean_row``): dates, phones, years, words,
addresses, tags and names as spreadsheets hold them, and the messages that refuse them.
Pure functions, no database."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from aktivist.core.table_columns import split_full_name, strip_value_prefix
from aktivist.lib.normalise import is_mobile, normalise_phone, swedish_mobile_e164
from aktivist.lib.personnummer import birth_year_from_id_column

if TYPE_CHECKING:  # only annotations: row_mapping imports this module
    from aktivist.imports.row_mapping import RowMapping

# The longest note an import writes: as the person page's note form
# (people.forms.InteractionForm.text). A longer cell refuses the row, never cut silently.
MAX_NOTE = 5000

# "=…"; or "+", "-", "@" before a function call (+SUM(, @HYPERLINK(), a DDE command
# (-2+3+cmd|' /C calc'!A0) or a sheet reference (+Blad1!A1). "+ Lund" and "-" are data.
FORMULA = re.compile(
    r"=|[+\-@]\s*(?:[A-Za-z_][\w.]*\s*\(|.*\w\||.*!\$?[A-Za-z]{1,3}\$?\d)", re.DOTALL
)
FORMULA_START = frozenset("=+-@")
ANGLE_ADDRESS = re.compile(r"[^<>]*<([^<>]+)>")
EXCEL_FLOAT = re.compile(r"(\d+)\.0+", re.ASCII)
EXCEL_EXPONENT = re.compile(r"\d(?:[.,]\d+)?[eE]\+\d+", re.ASCII)
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


def word_key(value: str) -> str:
    folded = value.casefold()
    folded = folded.replace("å", "a").replace("ä", "a").replace("ö", "o").replace("é", "e")
    return _WORD_KEY.sub("", folded)


STATUS_BY_WORD = {word_key(w): status for status, words in _STATUS_WORDS.items() for w in words}
_LANGUAGE = {word_key(w): code for code, words in _LANGUAGE_WORDS.items() for w in words}


def language_code(value: str) -> str | None:
    key = _LANGUAGE.get(value.lower()) or _LANGUAGE.get(word_key(value))
    if key is None and len(value) >= 4 and value[2] in "-_":  # locales: sv_SE, en-GB
        key = _LANGUAGE.get(value[:2].lower())
    return key


def shown(value: str) -> str:
    """A value as a reason quotes it: short, on one line."""
    value = " ".join(value.split())
    return value if len(value) <= 60 else value[:57] + "…"


def parse_date(value: str, mapping: RowMapping) -> dt.date | None:
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


def parse_phone(value: str, fast: bool, want_type: bool) -> tuple[str | None, bool]:
    """(E.164 or None when invalid, whether it is a mobile — asked only when wanted)."""
    if fast:
        e164 = swedish_mobile_e164(value)
        if e164 is not None:
            return e164, True
    if value.endswith("0") and (excel := EXCEL_FLOAT.fullmatch(value)) is not None:
        value = excel[1]  # a phone cell exported as a float: 701234567.0
        if fast and (e164 := swedish_mobile_e164(value)) is not None:
            return e164, True
    e164 = normalise_phone(value)
    if e164 is None or not want_type:
        return e164, False
    if e164.startswith("+46") and e164[3:4] != "7":
        return e164, False  # every Swedish mobile range starts 07; asking phonenumbers is slow
    return e164, is_mobile(e164)


def row_phones(
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
        e164, mobile = parse_phone(typed, fast, True)
        if e164 is None:
            errors.append(invalid_phone(header, value))
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
        errors.append(message % {"column": number[3], "value": shown(number[4])})
    return (mobile_number[0] if mobile_number else None), other[0]


_MONTH_DAY = re.compile(r"\d{1,2}/\d{1,2}", re.ASCII)
_ADDRESS_PARTS = re.compile(r"\s{2,}")


def label_of(mapping: RowMapping, name: str) -> str:
    return mapping.labels.get(name, name)


def split_address(value: str) -> tuple[str, str, str]:
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


def split_tags(cell: str) -> list[str]:
    """The tags of one cell: comma- or semicolon-separated names; a cell holding quoted
    names (Mailchimp: ``"Aktivist","Nyhetsbrev"``) splits outside the quotes."""
    if '"' in cell:
        delimiter = "," if "," in cell or ";" not in cell else ";"
        parts = next(csv.reader([cell], delimiter=delimiter, skipinitialspace=True), [])
        return [" ".join(part.strip().strip('"').split()) for part in parts]
    return [" ".join(part.split()) for part in cell.replace(";", ",").split(",")]


def names_from_full_name(full: str, first: str, last: str) -> tuple[str, str, str, str]:
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


def note_text(value: str, column: str, errors: list[str]) -> str:
    """The notes cell as the note's text: trimmed, line breaks kept, refused (with the row)
    when it looks like a formula or is longer than MAX_NOTE characters."""
    if value[0] in FORMULA_START and FORMULA.match(value):
        errors.append(
            _('%(column)s: "%(value)s" looks like a spreadsheet formula.')
            % {"column": column, "value": shown(value)}
        )
        return ""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if len(value) > MAX_NOTE:
        errors.append(too_long(column, len(value), MAX_NOTE))
        return ""
    return value


def invalid_phone(column: str, value: str) -> str:
    if EXCEL_EXPONENT.fullmatch(value):
        return excel_exponent(column, value)
    return _('%(column)s: "%(value)s" is not a valid phone number.') % {
        "column": column,
        "value": shown(value),
    }


def excel_exponent(column: str, value: str) -> str:
    return _(
        '%(column)s: "%(value)s" is a number Excel has shortened; format the column as text '
        "and export the file again."
    ) % {"column": column, "value": shown(value)}


def too_long(column: str, length: int, limit: int) -> str:
    return _("%(column)s: the value is %(length)s characters long; at most %(max)s fit.") % {
        "column": column,
        "length": length,
        "max": limit,
    }


def year_of(value: str, name: str, mapping: RowMapping, errors: list[str]) -> int | None:
    """A birth year from the birth-year column: "1985", "1985.0", or a date."""
    if value.endswith("0") and (excel := EXCEL_FLOAT.fullmatch(value)) is not None:
        value = excel[1]
    if value.isascii() and value.isdigit() and len(value) <= 4:
        year = int(value)
    else:
        date = parse_date(value, mapping) if len(value) > 5 else None
        if date is None:
            errors.append(
                _('%(column)s: "%(value)s" is not a year.')
                % {"column": mapping.labels[name], "value": shown(value)}
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


def year_from_date(value: str, mapping: RowMapping, errors: list[str]) -> int | None:
    """A birth year from the date-of-birth column (a four-digit year is taken as one; a
    month and day alone, Mailchimp's birthday, gives none)."""
    if value[0] == "'":
        value = value[1:].strip()  # NationBuilder's mark for Excel
    if len(value) == 4 and value.isascii() and value.isdigit():
        if mapping.year_low <= int(value) <= mapping.year_high:
            return int(value)
    date = parse_date(value, mapping)
    label = mapping.labels["birth_date"]
    if date is None and _MONTH_DAY.fullmatch(value):
        return None
    if date is None:
        errors.append(
            _('%(column)s: "%(value)s" is not a date.') % {"column": label, "value": shown(value)}
        )
        return None
    if not mapping.year_low <= date.year <= mapping.year_high or date > mapping.today:
        errors.append(
            _("%(column)s: %(value)s is not a plausible date of birth.")
            % {"column": label, "value": date.isoformat()}
        )
        return None
    return date.year


def year_from_hidden_columns(cells: Sequence[str], n: int, mapping: RowMapping) -> int | None:
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


def date_field(value: str, name: str, mapping: RowMapping, errors: list[str]) -> dt.date | None:
    if not value:
        return None
    date = parse_date(value, mapping)
    if date is None:
        errors.append(
            _('%(column)s: "%(value)s" is not a date.')
            % {"column": mapping.labels[name], "value": shown(value)}
        )
        return None
    if not mapping.date_low <= date <= mapping.date_high:
        errors.append(
            _("%(column)s: %(value)s is not a plausible date.")
            % {"column": mapping.labels[name], "value": date.isoformat()}
        )
        return None
    return date
