"""The shared rule for a row that found someone only by mobile (aktivist.people.matching):
it is that person unless both the name and the email differ."""

from __future__ import annotations

import pytest

from aktivist.people.matching import same_person_by_mobile


def same(typed: tuple[str, str, str | None], stored: tuple[str, str, str | None]) -> bool:
    return same_person_by_mobile(
        typed_first_name=typed[0],
        typed_last_name=typed[1],
        typed_email=typed[2],
        stored_first_name=stored[0],
        stored_last_name=stored[1],
        stored_email=stored[2],
    )


KARIN = ("Karin", "Lund", "karin@example.org")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (("Bo", "Ek", "bo@example.org"), False),  # another name and another email
        (("Bo", "", "bo@example.org"), False),  # another first name is enough
        (("Karin", "Ek", "bo@example.org"), False),  # both last names given and differ
        ((" kARIN ", "", "bo@example.org"), True),  # the same name, case and spaces aside
        (("Karin", "LUND", "bo@example.org"), True),
        (("Bo", "Ek", "KARIN@example.org"), True),  # the same email
        (("Bo", "Ek", None), True),  # no email typed: the email does not differ
        (("Bo", "Ek", ""), True),
    ],
)
def test_a_mobile_match_is_refused_only_when_both_name_and_email_differ(typed, expected):
    assert same(typed, KARIN) is expected


def test_an_empty_stored_email_counts_as_different():
    assert same(("Bo", "", "bo@example.org"), ("Karin", "Lund", None)) is False
    assert same(("Karin", "", "bo@example.org"), ("Karin", "Lund", None)) is True


def test_names_with_inner_spaces_are_the_same():
    assert same(("Anna Maria", "", "x@example.org"), ("annamaria", "", "y@example.org")) is True
