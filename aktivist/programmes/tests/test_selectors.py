"""Scoped reads on events and registrations; counts of seats, waiting list and youth."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from aktivist.people.tests.factories import PersonFactory
from aktivist.programmes import selectors
from aktivist.programmes.models import Programme, Registration
from aktivist.programmes.tests.factories import (
    EventFactory,
    ProgrammeFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(world):
    return {
        "national": EventFactory(unit=world.national, title="Riksmötet"),
        "district_a": EventFactory(unit=world.district_a, title="Skånedagen"),
        "a1": EventFactory(unit=world.group_a1, title="Malmöträffen"),
        "b1": EventFactory(unit=world.group_b1, title="Umeåträffen"),
    }


def titles(qs):
    return set(qs.values_list("title", flat=True))


def test_national_events_are_seen_by_all_staff_others_follow_the_unit(events, personas):
    assert titles(selectors.events_visible_to(personas.staff)) == {
        "Riksmötet",
        "Skånedagen",
        "Malmöträffen",
        "Umeåträffen",
    }
    assert titles(selectors.events_visible_to(personas.district_a)) == {
        "Riksmötet",
        "Skånedagen",
        "Malmöträffen",
    }
    assert titles(selectors.events_visible_to(personas.coordinator_a1)) == {
        "Riksmötet",
        "Malmöträffen",
    }
    assert titles(selectors.events_visible_to(personas.coordinator_b1)) == {
        "Riksmötet",
        "Umeåträffen",
    }
    assert not selectors.events_visible_to(personas.board).exists()


def test_access_event_outside_the_scope_is_not_found(events, personas):
    assert selectors.access_event(personas.coordinator_a1, events["a1"].pk) == events["a1"]
    for pk in (events["b1"].pk, events["district_a"].pk, "x", None, 999999):
        with pytest.raises(Http404):
            selectors.access_event(personas.coordinator_a1, pk)


def test_only_the_secretariat_edits_national_events(events, personas):
    assert selectors.can_edit_event(personas.staff, events["national"])
    assert not selectors.can_edit_event(personas.district_a, events["national"])
    assert selectors.can_edit_event(personas.district_a, events["a1"])
    assert not selectors.can_edit_event(personas.coordinator_a1, events["district_a"])
    assert not selectors.can_edit_event(personas.board, events["a1"])


def test_registrations_show_only_people_the_viewer_may_see(events, world, personas):
    national = events["national"]
    RegistrationFactory(event=national, person=world.member_a1)
    RegistrationFactory(event=national, person=world.member_b1)
    RegistrationFactory(event=national, person=None)  # erased
    assert {
        r.person.first_name for r in selectors.registrations_visible_to(personas.staff, national)
    } == {"Märta", "Björn"}
    seen = selectors.registrations_visible_to(personas.coordinator_a1, national)
    assert [r.person.first_name for r in seen] == ["Märta"]
    # Their own group's event: everyone registered for it.
    RegistrationFactory(event=events["a1"], person=world.member_b1)
    seen = selectors.registrations_visible_to(personas.coordinator_a1, events["a1"])
    assert [r.person.first_name for r in seen] == ["Björn"]


def test_event_list_counts_seats_waiting_list_and_young_people(world, personas, settings):
    settings.YOUTH_MAX_AGE = 25
    year = timezone.localdate().year
    event = EventFactory(unit=world.group_a1, capacity=3)
    RegistrationFactory(event=event, person=PersonFactory(birth_year=year - 17))
    RegistrationFactory(event=event, person=PersonFactory(birth_year=year - 25))
    RegistrationFactory(event=event, person=PersonFactory(birth_year=year - 26))
    RegistrationFactory(event=event, person=PersonFactory(birth_year=None), status="waitlisted")
    RegistrationFactory(event=event, person=PersonFactory(birth_year=year - 20), status="cancelled")
    row = selectors.event_list(personas.coordinator_a1).get(pk=event.pk)
    assert (row.seats_taken, row.waitlisted, row.registrants) == (3, 1, 4)
    assert (row.young, row.age_known) == (2, 3)
    counts = selectors.event_counts(event)
    assert (counts.seats_taken, counts.seats_free, counts.waitlisted, counts.cancelled) == (
        3,
        0,
        1,
        1,
    )
    assert counts.young_share == 67


def test_youth_age_follows_the_setting(world, personas, settings):
    year = timezone.localdate().year
    event = EventFactory(unit=world.group_a1)
    RegistrationFactory(event=event, person=PersonFactory(birth_year=year - 28))
    settings.YOUTH_MAX_AGE = 30
    assert selectors.event_counts(event).young == 1
    settings.YOUTH_MAX_AGE = 25
    assert selectors.event_counts(event).young == 0


def test_upcoming_and_past_filters(world, personas):
    now = timezone.now()
    soon = EventFactory(unit=world.group_a1, title="Snart", starts_at=now + dt.timedelta(days=1))
    later = EventFactory(unit=world.group_a1, title="Sen", starts_at=now + dt.timedelta(days=9))
    running = EventFactory(
        unit=world.group_a1,
        title="Pågår",
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=1),
    )
    EventFactory(
        unit=world.group_a1,
        title="Förra året",
        starts_at=now - dt.timedelta(days=300),
        ends_at=now - dt.timedelta(days=300) + dt.timedelta(hours=2),
    )
    upcoming = list(selectors.event_list(personas.coordinator_a1))
    assert upcoming == [running, soon, later]
    assert [e.title for e in selectors.event_list(personas.coordinator_a1, past=True)] == [
        "Förra året"
    ]


def test_filters_by_unit_subtree_kind_and_young(world, personas):
    training = ProgrammeFactory(kind=Programme.Kind.CAMPAIGN_TRAINING)
    EventFactory(unit=world.group_a1, title="A1", programme=training, for_young_people=True)
    EventFactory(unit=world.group_a2, title="A2")
    EventFactory(unit=world.group_b1, title="B1", programme=training)
    staff = personas.staff
    assert titles(selectors.event_list(staff, unit=world.district_a)) == {"A1", "A2"}
    assert titles(selectors.event_list(staff, kind="campaign_training")) == {"A1", "B1"}
    assert titles(selectors.event_list(staff, young=True)) == {"A1"}


def test_registrations_by_status_serve_the_waiting_list_in_order(world, personas):
    event = EventFactory(unit=world.group_a1, capacity=1)
    now = timezone.now()
    RegistrationFactory(event=event, person=world.member_a1)
    late = RegistrationFactory(
        event=event, status="waitlisted", person=PersonFactory(first_name="Sen")
    )
    early = RegistrationFactory(
        event=event, status="waitlisted", person=PersonFactory(first_name="Tidig")
    )
    Registration.objects.filter(pk=late.pk).update(waitlisted_at=now)
    Registration.objects.filter(pk=early.pk).update(waitlisted_at=now - dt.timedelta(hours=1))
    groups = selectors.registrations_by_status(personas.staff, event)
    assert [g[0] for g in groups] == ["registered", "waitlisted"]
    assert [r.person.first_name for r in groups[1][2]] == ["Tidig", "Sen"]


def test_people_to_add_searches_within_scope_and_marks_those_signed_up(world, personas):
    event = EventFactory(unit=world.group_a1)
    RegistrationFactory(event=event, person=world.member_a1)
    found = selectors.people_to_add(personas.coordinator_a1, event, "Malm")
    assert [(p.first_name, p.registered) for p in found] == [("Märta", True)]
    assert selectors.people_to_add(personas.coordinator_a1, event, "Berg") == []
    assert selectors.people_to_add(personas.coordinator_a1, event, "  ") == []


def test_programme_list_follows_the_red_thread(world):
    leadership = ProgrammeFactory(name="Ledarskap", kind="leadership_programme")
    first = ProgrammeFactory(name="Första mötet", kind="recruitment_meeting")
    training = ProgrammeFactory(name="Kampanjutbildning", kind="campaign_training")
    ProgrammeFactory(name="Gammal", kind="recruitment_meeting", is_active=False)
    first.next_steps.set([training])
    EventFactory(programme=training, unit=world.national)
    EventFactory(programme=training, unit=world.national, cancelled_at=timezone.now())
    rows = selectors.programme_list()
    assert [p.name for p in rows] == ["Första mötet", "Kampanjutbildning", "Ledarskap", "Gammal"]
    assert rows[1].upcoming_events == 1
    assert [p.name for p in rows[0].next_steps.all()] == ["Kampanjutbildning"]
    assert leadership in rows
