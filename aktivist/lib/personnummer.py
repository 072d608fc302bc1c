"""Swedish personal identity numbers (personnummer) and coordination numbers
(samordningsnummer): recognised by a valid date and the Luhn check digit, and the birth
year they state. Uploaded tables use them to tell data from a header row and to find the
columns that must never be stored (``core/tables.py``, ``core/table_columns.py``); the
import takes at most the birth year from them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.utils import timezone

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
    return bool(cleaned) and sum(1 for v in cleaned if is_personnummer(v)) / len(cleaned) >= 0.8
