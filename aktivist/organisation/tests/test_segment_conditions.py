from __future__ import annotations

import datetime as dt

import pytest

from aktivist.core.conditions import SegmentError
from aktivist.organisation.tests.factories import (
    RoleFactory,
    RoleTypeFactory,
    UnitMembershipFactory,
)
from aktivist.people.selectors import filter_people


def leaf(key, value):
    return {"condition": key, "value": value}


def names(qs):
    return set(qs.values_list("first_name", flat=True))


def matching(viewer, key, value):
    return names(filter_people(viewer, leaf(key, value)))


def test_unit_subtree_selects_home_current_membership_and_current_role(world, personas):
    got = matching(personas.staff, "unit_subtree", {"unit": world.district_a.pk})
    # Folke's membership has ended: a former member is not in the unit now.
    assert got == {"Hanna", "Märta", "Rut", "Åke"}


def test_unit_subtree_can_be_limited_to_one_kind_of_link(world, personas):
    def via(*kinds):
        value = {"unit": world.district_a.pk, "via": list(kinds)}
        return matching(personas.staff, "unit_subtree", value)

    assert via("home") == {"Hanna"}
    assert via("membership") == {"Märta", "Åke"}
    assert via("role") == {"Rut"}
    assert via("membership", "role") == {"Märta", "Rut", "Åke"}


def test_unit_subtree_of_a_group_excludes_its_sibling(world, personas):
    assert matching(personas.staff, "unit_subtree", {"unit": world.group_a1.pk}) == {
        "Märta",
        "Rut",
    }


def test_unit_subtree_counts_a_person_once_however_many_links_they_have(world, personas):
    UnitMembershipFactory(person=world.role_a1, unit=world.group_a1)
    qs = filter_people(personas.staff, leaf("unit_subtree", {"unit": world.district_a.pk}))
    assert qs.count() == 4


def test_district_representative_naming_another_districts_unit_gets_an_error_not_data(
    world, personas
):
    with pytest.raises(SegmentError) as other:
        filter_people(personas.district_a, leaf("unit_subtree", {"unit": world.district_b.pk}))
    with pytest.raises(SegmentError) as missing:
        filter_people(personas.district_a, leaf("unit_subtree", {"unit": 999_999}))
    # The same answer as for a unit that does not exist, and the unit is never named.
    assert other.value.message == missing.value.message == "Unit: Unknown unit."
    assert world.district_b.name not in other.value.message


def test_coordinator_cannot_name_the_district_above_their_group(world, personas):
    with pytest.raises(SegmentError, match="Unknown unit"):
        filter_people(personas.coordinator_a1, leaf("unit_subtree", {"unit": world.district_a.pk}))


def test_district_representative_filtering_own_district_stays_in_scope(world, personas):
    got = matching(personas.district_a, "unit_subtree", {"unit": world.district_a.pk})
    assert got == {"Hanna", "Märta", "Rut", "Åke"}


@pytest.fixture
def roles(world):
    """Rut holds the group-contact role in A1 (the world); Folke held it; Åke is treasurer in
    A2; Björn was group contact in B1."""
    contact = RoleTypeFactory(slug="group-contact")
    treasurer = RoleTypeFactory(slug="treasurer", name="Kassör", name_en="Treasurer")
    RoleFactory(
        person=world.former_member_a1,
        unit=world.group_a1,
        role_type=contact,
        started_on=dt.date(2020, 1, 1),
        ended_on=dt.date(2022, 1, 1),
    )
    RoleFactory(person=world.member_a2, unit=world.group_a2, role_type=treasurer)
    RoleFactory(
        person=world.member_b1,
        unit=world.group_b1,
        role_type=contact,
        started_on=dt.date(2020, 1, 1),
        ended_on=dt.date(2021, 1, 1),
    )
    return contact, treasurer


def test_role_selects_current_holders_of_the_role_types(world, personas, roles):
    contact, treasurer = roles
    staff = personas.staff
    assert matching(staff, "role", {"role_types": [contact.pk]}) == {"Rut"}
    assert matching(staff, "role", {"role_types": [contact.pk, treasurer.pk]}) == {"Rut", "Åke"}
    assert matching(staff, "role", {"role_types": [], "state": "current"}) == {"Rut", "Åke"}


def test_former_role_selects_alumni(world, personas, roles):
    contact, _ = roles
    value = {"role_types": [contact.pk], "state": "former"}
    assert matching(personas.staff, "role", value) == {"Folke", "Björn"}
    assert matching(personas.staff, "role", {**value, "state": "any"}) == {
        "Rut",
        "Folke",
        "Björn",
    }


def test_role_can_be_limited_to_a_unit_subtree(world, personas, roles):
    value = {"role_types": [], "state": "any", "unit": world.district_a.pk}
    assert matching(personas.staff, "role", value) == {"Rut", "Folke", "Åke"}


def test_role_in_a_unit_outside_the_scope_is_an_unknown_unit(world, personas, roles):
    with pytest.raises(SegmentError, match="Role: Unknown unit"):
        filter_people(personas.district_a, leaf("role", {"unit": world.group_b1.pk}))


def test_alumni_search_stays_in_the_viewers_scope(world, personas, roles):
    value = {"role_types": [], "state": "former"}
    assert matching(personas.district_a, "role", value) == {"Folke"}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("unit_subtree", {}, "Missing field: unit"),
        ("unit_subtree", {"unit": "3"}, "whole number"),
        ("unit_subtree", {"unit": 1, "via": ["postcode"]}, "home, membership, role"),
        ("unit_subtree", {"unit": 1, "via": []}, "Choose at least one"),
        ("role", {"state": "past"}, "current, former, any"),
        ("role", {"role_types": "all"}, "list of ids"),
        ("role", {"unit": 0}, "between 1 and"),
    ],
)
def test_bad_organisation_values_are_refused_with_a_clear_message(
    world, personas, key, value, message
):
    with pytest.raises(SegmentError, match=message):
        filter_people(personas.staff, leaf(key, value))


def test_a_former_role_can_be_limited_to_the_years_it_ended(world, personas, roles):
    """The alumni list's filter as a segment (the alumni invitation is sent to it)."""
    value = {"role_types": [], "state": "former"}
    assert matching(personas.staff, "role", {**value, "ended_from": 2022}) == {"Folke"}
    assert matching(personas.staff, "role", {**value, "ended_to": 2021}) == {"Björn"}
    both = {**value, "ended_from": 2021, "ended_to": 2021}
    assert matching(personas.staff, "role", both) == {"Björn"}
    with pytest.raises(SegmentError):
        filter_people(personas.staff, leaf("role", {**value, "ended_from": "2021"}))
