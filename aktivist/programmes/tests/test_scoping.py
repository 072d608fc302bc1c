"""Programmes' reason to see a person: registered for an event of the viewer's units."""

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
    """Someone with no membership, role or home unit anywhere: seen only by registering."""
    return PersonFactory(first_name="Gästen", last_name="Gäst")


def test_coordinator_sees_people_registered_for_their_groups_events(world, personas, guest):
    RegistrationFactory(person=guest, event=EventFactory(unit=world.group_a1))
    assert "Gästen" in names(people_visible_to(personas.coordinator_a1))
    assert "Gästen" not in names(people_visible_to(personas.coordinator_b1))


def test_waitlisted_and_attended_count_cancelled_does_not(world, personas, guest):
    event = EventFactory(unit=world.group_a1)
    registration = RegistrationFactory(person=guest, event=event, status="waitlisted")
    assert "Gästen" in names(people_visible_to(personas.coordinator_a1))
    Registration.objects.filter(pk=registration.pk).update(status="attended")
    assert "Gästen" in names(people_visible_to(personas.coordinator_a1))
    Registration.objects.filter(pk=registration.pk).update(status="cancelled")
    assert "Gästen" not in names(people_visible_to(personas.coordinator_a1))


def test_district_representative_sees_registrants_of_events_in_the_district(world, personas, guest):
    RegistrationFactory(person=guest, event=EventFactory(unit=world.group_a2))
    assert "Gästen" in names(people_visible_to(personas.district_a))
    # A coordinator of another group in the district does not.
    assert "Gästen" not in names(people_visible_to(personas.coordinator_a1))


def test_a_national_event_is_no_reason_to_see_anyone(world, personas, guest):
    RegistrationFactory(person=world.member_b1, event=EventFactory(unit=world.national))
    RegistrationFactory(person=guest, event=EventFactory(unit=world.national))
    for persona in (personas.district_a, personas.coordinator_a1):
        seen = names(people_visible_to(persona))
        assert "Gästen" not in seen and "Björn" not in seen


def test_a_group_event_shows_its_registrants_but_nothing_else_about_other_districts(
    world, personas
):
    """Björn (district B) signs up for Malmö's event: the coordinator of Malmö now sees
    him; his own district's people stay hidden."""
    RegistrationFactory(person=world.member_b1, event=EventFactory(unit=world.group_a1))
    assert names(people_visible_to(personas.coordinator_a1)) == {"Märta", "Rut", "Björn"}
    assert "Ylva" not in names(people_visible_to(personas.district_a))


def test_national_roles_and_board_are_unchanged(world, personas, guest):
    RegistrationFactory(person=guest, event=EventFactory(unit=world.group_a1))
    assert "Gästen" in names(people_visible_to(personas.staff))
    assert not people_visible_to(personas.board).exists()


def test_erased_registrations_name_no_one(world, personas):
    RegistrationFactory(person=None, event=EventFactory(unit=world.group_a1))
    assert names(people_visible_to(personas.coordinator_a1)) == {"Märta", "Rut"}
