from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from aktivist.lib.normalise import (
    clean_email,
    clean_phone,
    format_phone,
    is_mobile,
    normalise_email,
    normalise_phone,
    normalise_postcode,
)


@pytest.mark.parametrize(
    "typed",
    [
        "070-123 45 67",
        "+46 70 123 45 67",
        "0046701234567",
        "701234567",
        "(070) 1234567",
        "0701234567",
    ],
)
def test_one_swedish_mobile_in_every_format_people_type_it(typed):
    assert normalise_phone(typed) == "+46701234567"


def test_landlines_and_foreign_numbers_are_kept_in_e164():
    assert normalise_phone("08-123 456 78") == "+46812345678"
    assert not is_mobile("+46812345678")
    assert normalise_phone("+47 412 34 567") == "+4741234567"


@pytest.mark.parametrize("bad", ["12", "abc", "070-12", "+46 70 123 45 67 89 00"])
def test_invalid_phone_is_a_clear_field_error(bad):
    with pytest.raises(ValidationError) as error:
        clean_phone(bad)
    assert error.value.code == "invalid_phone"


def test_empty_values_mean_no_value_not_an_error():
    assert clean_phone("  ") is None
    assert clean_email("") is None
    assert normalise_email("  ") is None


def test_email_is_stored_trimmed_and_lower_case_and_validated():
    assert clean_email("  Amir.Oberg@Example.ORG ") == "amir.oberg@example.org"
    with pytest.raises(ValidationError):
        clean_email("not-an-address")


def test_postcode_and_phone_display():
    assert normalise_postcode("211 45") == "21145"
    assert format_phone("+46701234567") == "070-123 45 67"


@given(
    operator=st.sampled_from(["70", "72", "73", "76", "79"]),
    rest=st.integers(min_value=0, max_value=9_999_999),
    style=st.sampled_from(["national", "spaced", "international", "double-zero", "excel"]),
)
def test_every_formatting_of_a_mobile_normalises_to_the_same_number(operator, rest, style):
    digits = f"{operator}{rest:07d}"
    typed = {
        "national": f"0{digits}",
        "spaced": f"0{digits[:2]}-{digits[2:5]} {digits[5:7]} {digits[7:]}",
        "international": f"+46 {digits}",
        "double-zero": f"0046{digits}",
        "excel": digits,
    }[style]
    assert normalise_phone(typed) == f"+46{digits}"
