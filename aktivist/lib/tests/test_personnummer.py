"""Swedish personal identity numbers (lib/personnummer.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aktivist.imports.tests.files_samples import personnummer
from aktivist.lib.personnummer import (
    birth_year_from_personnummer,
    is_personnummer,
    luhn_check_digit,
    values_look_like_personnummer,
)


@pytest.mark.parametrize(
    "value",
    ["811218-9876", "811218+9876", "19811218-9876", "198112189876", "8112189876", " 811218-9876 "],
)
def test_personnummer_in_every_usual_form(value):
    assert is_personnummer(value)


@pytest.mark.parametrize(
    "value",
    [
        "811218-9875",  # check digit
        "811318-9876",  # month 13
        "19811218+9876",  # "+" only in the ten-digit form
        "811218--9876",
        "81121-89876",
        "8112189876x",
        "",
        "٨١١٢١٨-٩٨٧٦",  # non-ASCII digits
    ],
)
def test_not_personnummer(value):
    assert not is_personnummer(value)


def test_samordningsnummer_has_the_day_plus_sixty():
    assert is_personnummer("701063-2391")
    assert birth_year_from_personnummer("701063-2391", dt.date(2026, 5, 1)) == 1970


def test_the_century_of_a_ten_digit_number_follows_today():
    today = dt.date(2026, 5, 1)
    pnr_2010 = personnummer(dt.date(2010, 1, 15))
    pnr_1926 = personnummer(dt.date(1926, 1, 15), separator="+")
    assert birth_year_from_personnummer(pnr_2010, today) == 2010
    assert birth_year_from_personnummer(pnr_1926, today) == 1926
    # Someone born 12 December, age 99 on 1 May 2026 (no "+" yet): 1926, not 2026.
    assert birth_year_from_personnummer(personnummer(dt.date(1926, 12, 12)), today) == 1926
    assert birth_year_from_personnummer(personnummer(dt.date(2026, 4, 30)), today) == 2026
    assert birth_year_from_personnummer(personnummer(dt.date(1981, 12, 18), long=True)) == 1981
    assert birth_year_from_personnummer("811218-9875", today) is None


@settings(max_examples=300, deadline=None)
@given(
    born=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2026, 1, 1)),
    serial=st.integers(min_value=0, max_value=999),
    coordination=st.booleans(),
    form=st.sampled_from(["10-dash", "10-plain", "12-dash", "12-plain"]),
    wrong=st.integers(min_value=1, max_value=9),
)
def test_luhn_round_trip(born, serial, coordination, form, wrong):
    day = born.day + 60 if coordination else born.day
    nine = f"{born:%y%m}{day:02d}{serial:03d}"
    check = luhn_check_digit(nine)
    century = f"{born:%Y}"[:2]
    value = {
        "10-dash": f"{nine[:6]}-{nine[6:]}{check}",
        "10-plain": f"{nine}{check}",
        "12-dash": f"{century}{nine[:6]}-{nine[6:]}{check}",
        "12-plain": f"{century}{nine}{check}",
    }[form]
    assert is_personnummer(value)
    today = dt.date(2026, 1, 1)
    expected = born.year if form.startswith("12") or today.year - born.year < 100 else None
    if expected is not None:
        assert birth_year_from_personnummer(value, today) == expected
    broken = value[:-1] + str((int(check) + wrong) % 10)
    assert not is_personnummer(broken)
    assert birth_year_from_personnummer(broken, today) is None


def test_values_look_like_personnummer_needs_eighty_percent():
    good = [personnummer(dt.date(1980 + i, 1, 1)) for i in range(4)]
    assert values_look_like_personnummer([*good, "x", "", " "])
    assert not values_look_like_personnummer([*good[:3], "x", "y"])
    assert not values_look_like_personnummer(["", " "])
