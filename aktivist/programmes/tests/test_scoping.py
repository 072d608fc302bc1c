"""A registration is never a reason to see a person (DESIGN.md, "Who may see what"):
sight comes only from a home unit, a membership or a role — whatever anyone typed into an
event's sign-up form, at its door or into its attendance file."""

from __future__ import annotations

import pytest

from aktivist.people.selectors import people_visible_to
from aktivist.people.tests.factories import PersonFactory
from aktivist.programmes.models import Registration
from aktivist.programmes.tests.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def names(qs):
    return set(qs.values_list("first_name", flat=True))


@pytest.fixture
def guest(world):
    """Someone with no membership, role or home unit anywhere."""
    return PersonFactory(first_name="Gästen", last_name="Gäst")


@pytest.mark.parametrize("status", Registration.Status.values)
@pytest.mark.parametrize("source", Registration.Source.values)
def test_no_registration_for_a_groups_event_lets_its_coordinator_see_the_person(
    world, personas, guest, status, source
):
    RegistrationFactory(
        person=guest, event=EventFactory(unit=world.group_a1), status=status, source=source
    )
    assert "Gästen" not in names(people_visible_to(personas.coordinator_a1))


def test_no_registration_for_a_district_event_lets_its_representative_see_the_person(
    world, personas, guest
):
    RegistrationFactory(person=guest, event=EventFactory(unit=world.group_a2))
    RegistrationFactory(person=guest, event=EventFactory(unit=world.district_a))
    assert "Gästen" not in names(people_visible_to(personas.district_a))


def test_a_member_of_another_district_signed_up_for_a_groups_event_stays_hidden(world, personas):
    """Björn (group B1) signs up for Malmö's event — or someone signs him up: neither
    Malmö's coordinator nor district A's representative sees him."""
    RegistrationFactory(person=world.member_b1, event=EventFactory(unit=world.group_a1))
    assert names(people_visible_to(personas.coordinator_a1)) == {"Märta", "Rut"}
    assert "Björn" not in names(people_visible_to(personas.district_a))


def test_sight_is_exactly_the_table_of_design(world, personas):
    """Coordinators: a current membership or role in their groups. District
    representatives: home unit, or a membership or role, current or past, in their
    district's subtree."""
    assert names(people_visible_to(personas.coordinator_a1)) == {"Märta", "Rut"}
    assert names(people_visible_to(personas.district_a)) == {
        "Hanna",
        "Märta",
        "Folke",
        "Rut",
        "Åke",
    }
    assert names(people_visible_to(personas.coordinator_b1)) == {"Björn"}


def test_national_roles_and_board_are_unchanged(world, personas, guest):
    RegistrationFactory(person=guest, event=EventFactory(unit=world.group_a1))
    assert "Gästen" in names(people_visible_to(personas.staff))
    assert not people_visible_to(personas.board).exists()
