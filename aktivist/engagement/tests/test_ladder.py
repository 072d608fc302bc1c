"""Every rule of the ladder and its boundaries (DESIGN.md, "engagement")."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from aktivist.engagement.ladder import People, compute_levels, months_back, window_start
from aktivist.engagement.models import Level
from aktivist.engagement.selectors import explain
from aktivist.engagement.tests.helpers import attended, participated, registered
from aktivist.organisation.models import Unit
from aktivist.organisation.tests.factories import RoleFactory, UnitFactory, UnitMembershipFactory
from aktivist.people.tests.factories import PersonFactory
from aktivist.programmes.models import Programme, Registration
from aktivist.programmes.tests.factories import ProgrammeCompletionFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("Europe/Stockholm")

NOW = dt.datetime(2026, 3, 15, 14, 30, tzinfo=ZONE)
START = window_start(NOW)  # 2025-03-15 00:00 Stockholm
BEFORE = START - dt.timedelta(seconds=1)
RECENT = NOW - dt.timedelta(days=30)


def level_of(person) -> int:
    level = compute_levels(People(ids=[person.pk]), now=NOW).get(person.pk, Level.CONTACT)
    # The person page's explanation walks the same rules top-down: it must agree.
    assert explain(person, now=NOW).level == level
    return level


def test_the_window_starts_at_the_start_of_the_same_day_twelve_months_ago():
    assert timezone.localtime(START) == dt.datetime(2025, 3, 15, tzinfo=ZONE)
    assert months_back(dt.date(2024, 2, 29), 12) == dt.date(2023, 2, 28)
    assert months_back(dt.date(2026, 1, 31), 1) == dt.date(2025, 12, 31)
    assert months_back(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)


def test_nobody_with_no_facts_is_a_contact():
    assert level_of(PersonFactory()) == Level.CONTACT


def test_one_participation_in_the_last_twelve_months_is_acted():
    person = PersonFactory()
    participated(person, RECENT)
    assert level_of(person) == Level.ACTED


def test_a_participation_exactly_twelve_months_ago_counts_and_one_a_second_earlier_does_not():
    on_the_day, day_before = PersonFactory(), PersonFactory()
    participated(on_the_day, START)
    participated(day_before, BEFORE)
    assert level_of(on_the_day) == Level.ACTED
    assert level_of(day_before) == Level.CONTACT


def test_three_participations_in_the_window_are_acts_repeatedly_two_are_not():
    three, two_plus_old = PersonFactory(), PersonFactory()
    for day in (1, 40, 200):
        participated(three, NOW - dt.timedelta(days=day))
    participated(two_plus_old, RECENT)
    participated(two_plus_old, START)
    participated(two_plus_old, BEFORE)  # outside the window
    assert level_of(three) == Level.ACTS_REPEATEDLY
    assert level_of(two_plus_old) == Level.ACTED


@pytest.mark.parametrize(
    "status", [Registration.Status.REGISTERED, Registration.Status.WAITLISTED, "no_show"]
)
def test_a_registration_that_is_not_cancelled_is_acted(status):
    person = PersonFactory()
    registered(person, created_at=RECENT, status=status)
    assert level_of(person) == Level.ACTED


def test_a_cancelled_registration_does_not_count():
    person = PersonFactory()
    registered(person, created_at=RECENT, status=Registration.Status.CANCELLED)
    assert level_of(person) == Level.CONTACT


def test_a_sign_up_is_dated_by_when_it_was_made():
    old_sign_up, on_the_day = PersonFactory(), PersonFactory()
    # Signed up thirteen months ago for an event that has not been marked attended.
    registered(old_sign_up, created_at=BEFORE, event_starts_at=RECENT)
    registered(on_the_day, created_at=START)
    assert level_of(old_sign_up) == Level.CONTACT
    assert level_of(on_the_day) == Level.ACTED


def test_attendance_is_dated_by_the_event_start_not_the_sign_up():
    came_recently, came_long_ago = PersonFactory(), PersonFactory()
    attended(came_recently, event_starts_at=START, created_at=BEFORE - dt.timedelta(days=30))
    attended(came_long_ago, event_starts_at=BEFORE, created_at=BEFORE - dt.timedelta(days=30))
    assert level_of(came_recently) == Level.ACTED
    assert level_of(came_long_ago) == Level.CONTACT


def test_two_attended_events_in_the_window_are_trained_one_is_acted():
    two, one_plus_old = PersonFactory(), PersonFactory()
    attended(two, event_starts_at=RECENT)
    attended(two, event_starts_at=START)
    attended(one_plus_old, event_starts_at=RECENT)
    attended(one_plus_old, event_starts_at=BEFORE)
    assert level_of(two) == Level.TRAINED
    assert level_of(one_plus_old) == Level.ACTED


def test_two_sign_ups_without_attending_are_only_acted():
    person = PersonFactory()
    registered(person, created_at=RECENT)
    registered(person, created_at=RECENT, status="no_show")
    assert level_of(person) == Level.ACTED


def test_completing_a_training_programme_is_trained_whenever_it_was():
    person = PersonFactory()
    training = ProgrammeFactory(kind=Programme.Kind.CAMPAIGN_TRAINING)
    assert training.counts_as_training
    ProgrammeCompletionFactory(person=person, programme=training, completed_on=dt.date(2019, 5, 2))
    assert level_of(person) == Level.TRAINED


def test_completing_a_programme_that_is_not_training_is_not_trained():
    person = PersonFactory()
    meeting = ProgrammeFactory(kind=Programme.Kind.RECRUITMENT_MEETING)
    assert not meeting.counts_as_training
    ProgrammeCompletionFactory(person=person, programme=meeting)
    assert level_of(person) == Level.CONTACT


def test_the_programme_flag_decides_not_the_kind():
    person = PersonFactory()
    seminar = ProgrammeFactory(kind=Programme.Kind.OTHER, counts_as_training=True)
    ProgrammeCompletionFactory(person=person, programme=seminar)
    assert level_of(person) == Level.TRAINED


@pytest.mark.parametrize(
    "kind",
    [
        Unit.Kind.LOCAL_GROUP,
        Unit.Kind.SCHOOL_GROUP,
        Unit.Kind.NETWORK,
        Unit.Kind.YOUTH_NETWORK,
    ],
)
def test_a_current_membership_of_a_group_or_network_is_active_in_a_group(kind):
    person = PersonFactory()
    UnitMembershipFactory(person=person, unit=UnitFactory(kind=kind))
    assert level_of(person) == Level.ACTIVE_IN_GROUP


@pytest.mark.parametrize("kind", [Unit.Kind.DISTRICT, Unit.Kind.NATIONAL])
def test_a_membership_of_a_district_or_the_nation_is_not_a_group(kind):
    person = PersonFactory()
    UnitMembershipFactory(person=person, unit=UnitFactory(kind=kind))
    assert level_of(person) == Level.CONTACT


def test_an_ended_membership_does_not_count():
    person = PersonFactory()
    UnitMembershipFactory(
        person=person,
        unit=UnitFactory(kind=Unit.Kind.LOCAL_GROUP),
        started_on=dt.date(2024, 1, 1),
        ended_on=dt.date(2026, 3, 1),
    )
    assert level_of(person) == Level.CONTACT


def test_a_current_role_in_any_unit_is_holds_a_role():
    person = PersonFactory()
    RoleFactory(person=person, unit=UnitFactory(kind=Unit.Kind.DISTRICT))
    assert level_of(person) == Level.HOLDS_ROLE


def test_an_ended_role_does_not_count():
    alumnus = PersonFactory()
    RoleFactory(person=alumnus, started_on=dt.date(2020, 1, 1), ended_on=dt.date(2025, 12, 31))
    assert level_of(alumnus) == Level.CONTACT


def test_the_highest_level_that_holds_wins():
    person = PersonFactory()
    for day in (1, 2, 3, 4):
        participated(person, NOW - dt.timedelta(days=day))
    assert level_of(person) == Level.ACTS_REPEATEDLY
    attended(person, event_starts_at=RECENT)
    attended(person, event_starts_at=RECENT - dt.timedelta(days=1))
    assert level_of(person) == Level.TRAINED
    UnitMembershipFactory(person=person, unit=UnitFactory(kind=Unit.Kind.LOCAL_GROUP))
    assert level_of(person) == Level.ACTIVE_IN_GROUP
    RoleFactory(person=person)
    assert level_of(person) == Level.HOLDS_ROLE


def test_a_role_holder_with_no_recent_action_still_holds_a_role():
    """Higher levels do not need the lower ones: the ladder is not cumulative."""
    person = PersonFactory()
    RoleFactory(person=person)
    assert level_of(person) == Level.HOLDS_ROLE


def test_inactive_people_have_no_level():
    person = PersonFactory(is_active=False)
    RoleFactory(person=person)
    participated(person, RECENT)
    assert level_of(person) == Level.CONTACT


def test_a_range_of_ids_is_computed_in_a_fixed_number_of_queries(django_assert_num_queries):
    people = [PersonFactory() for _ in range(12)]
    for i, person in enumerate(people):
        participated(person, RECENT)
        if i % 2:
            RoleFactory(person=person)
        if i % 3 == 0:
            attended(person, event_starts_at=RECENT)
            attended(person, event_starts_at=RECENT - dt.timedelta(days=3))
    low, high = people[0].pk, people[-1].pk + 1
    with django_assert_num_queries(6):
        levels = compute_levels(People(low=low, high=high), now=NOW)
    assert levels == {
        p.pk: Level.HOLDS_ROLE if i % 2 else Level.TRAINED if i % 3 == 0 else Level.ACTED
        for i, p in enumerate(people)
    }
    # A narrower range leaves the others out.
    assert set(compute_levels(People(low=low, high=low + 3), now=NOW)) == {p.pk for p in people[:3]}
