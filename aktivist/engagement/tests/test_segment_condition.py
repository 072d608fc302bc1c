"""The segment condition engagement_level: {"min": n, "max": n}."""

from __future__ import annotations

import pytest
from django.utils import timezone

from aktivist.core.conditions import SegmentError, get_condition
from aktivist.engagement.models import EngagementLevel, Level
from aktivist.people.selectors import filter_people


def leaf(value):
    return {"condition": "engagement_level", "value": value}


def names(viewer, tree):
    return set(filter_people(viewer, tree).values_list("first_name", flat=True))


@pytest.fixture
def laddered(world):
    """Hanna (home A) has no row: level 0; Märta 4; Rut 5; Åke 1; Björn 2."""
    now = timezone.now()
    for person, level in (
        (world.member_a1, Level.ACTIVE_IN_GROUP),
        (world.role_a1, Level.HOLDS_ROLE),
        (world.member_a2, Level.ACTED),
        (world.member_b1, Level.ACTS_REPEATEDLY),
    ):
        EngagementLevel.objects.create(person=person, level=level, computed_at=now)
    return world


@pytest.mark.parametrize(
    "value, expected",
    [
        ({"min": 4}, {"Märta", "Rut"}),
        ({"min": 1, "max": 2}, {"Åke", "Björn"}),
        ({"max": 0}, {"Hanna", "Folke", "Ylva"}),
        ({"min": 0, "max": 1}, {"Hanna", "Folke", "Ylva", "Åke"}),
        ({"min": 5, "max": 5}, {"Rut"}),
        ({"min": 0}, {"Hanna", "Folke", "Ylva", "Åke", "Björn", "Märta", "Rut"}),
    ],
)
def test_people_in_the_range_match_and_people_with_no_row_are_level_zero(
    laddered, personas, value, expected
):
    assert names(personas.staff, leaf(value)) == expected


def test_not_and_other_conditions_combine(laddered, personas):
    assert names(personas.staff, {"not": leaf({"max": 0})}) == {"Märta", "Rut", "Åke", "Björn"}
    assert names(personas.staff, {"not": leaf({"min": 1})}) == {"Hanna", "Folke", "Ylva"}


def test_the_viewer_scope_still_applies(laddered, personas):
    assert "Björn" not in names(personas.district_a, leaf({"min": 1}))


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"min": 6},
        {"max": -1},
        {"min": 3, "max": 2},
        {"min": "3"},
        {"min": True},
        {"level": 3},
        [3],
    ],
)
def test_bad_values_are_refused_with_a_message(value):
    with pytest.raises(SegmentError):
        get_condition("engagement_level").validate(value)


def test_values_are_normalised():
    validate = get_condition("engagement_level").validate
    assert validate({"min": 3}) == {"min": 3, "max": 5}
    assert validate({"max": 2}) == {"min": 0, "max": 2}
