"""The "registered_for" segment condition: by event, programme or programme kind, by status,
within a period, never beyond the events the viewer may see."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from aktivist.core.conditions import SegmentError, registered_conditions, validate_tree
from aktivist.people.selectors import filter_people
from aktivist.programmes.models import Programme, Registration
from aktivist.programmes.tests.factories import (
    EventFactory,
    ProgrammeFactory,
    RegistrationFactory,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
S = Registration.Status


def leaf(value):
    return {"condition": "registered_for", "value": value}


def names(viewer, tree):
    return set(filter_people(viewer, tree).values_list("first_name", flat=True))


@pytest.fixture
def evs(world):
    """A national campaign training (Hanna attended, Ylva registered, Märta cancelled),
    group A1's recruitment meeting (Märta attended, Rut did not come) and group B1's
    recruitment meeting (Björn and Hanna attended)."""
    training = ProgrammeFactory(kind=Programme.Kind.CAMPAIGN_TRAINING)
    meeting = ProgrammeFactory(kind=Programme.Kind.RECRUITMENT_MEETING)
    national = EventFactory(unit=world.national, programme=training)
    local_a1 = EventFactory(unit=world.group_a1, programme=meeting)
    local_b1 = EventFactory(unit=world.group_b1, programme=meeting)
    RegistrationFactory(person=world.home_a, event=national, status=S.ATTENDED)
    RegistrationFactory(person=world.home_b, event=national, status=S.REGISTERED)
    RegistrationFactory(person=world.member_a1, event=national, status=S.CANCELLED)
    RegistrationFactory(person=world.member_a1, event=local_a1, status=S.ATTENDED)
    RegistrationFactory(person=world.role_a1, event=local_a1, status=S.NO_SHOW)
    RegistrationFactory(person=world.member_b1, event=local_b1, status=S.ATTENDED)
    RegistrationFactory(person=world.home_a, event=local_b1, status=S.ATTENDED)
    return {
        "training": training,
        "meeting": meeting,
        "national": national,
        "local_a1": local_a1,
        "local_b1": local_b1,
    }


def test_the_condition_is_registered_with_a_label():
    condition = next(c for c in registered_conditions() if c.key == "registered_for")
    assert str(condition.label) == "Registered for an event"


def test_no_field_means_signed_up_for_any_event_but_not_cancelled(personas, evs):
    assert names(personas.staff, leaf({})) == {"Hanna", "Ylva", "Märta", "Rut", "Björn"}
    # Märta counts through the meeting she came to, never through her cancellation.
    assert names(personas.staff, leaf({"events": [evs["national"].pk]})) == {"Hanna", "Ylva"}


def test_attended_only(personas, evs):
    assert names(personas.staff, leaf({"statuses": ["attended"]})) == {"Hanna", "Märta", "Björn"}
    assert names(personas.staff, leaf({"statuses": ["no_show", "cancelled"]})) == {"Rut", "Märta"}


def test_by_programme_and_by_programme_kind(personas, evs):
    assert names(personas.staff, leaf({"programmes": [evs["training"].pk]})) == {"Hanna", "Ylva"}
    value = {"kinds": ["recruitment_meeting"], "statuses": ["attended"]}
    assert names(personas.staff, leaf(value)) == {"Märta", "Björn", "Hanna"}


def test_period_bounds_the_events_start_by_whole_stockholm_days(personas, world, evs):
    def event_on(when):
        return EventFactory(unit=world.national, starts_at=when, ends_at=when)

    # 00:30 on 1 March in Stockholm is still 28 February in UTC.
    march_first = event_on(dt.datetime(2026, 3, 1, 0, 30, tzinfo=STOCKHOLM))
    march_last = event_on(dt.datetime(2026, 3, 31, 23, 59, tzinfo=STOCKHOLM))
    february = event_on(dt.datetime(2026, 2, 28, 23, 59, tzinfo=STOCKHOLM))
    RegistrationFactory(person=world.member_a2, event=march_first)  # Åke
    RegistrationFactory(person=world.former_member_a1, event=march_last)  # Folke
    RegistrationFactory(person=world.member_a2, event=february)
    RegistrationFactory(person=world.role_a1, event=february)  # Rut

    def between(since=None, until=None):
        value = {"events": [march_first.pk, march_last.pk, february.pk]}
        value.update({k: v for k, v in (("since", since), ("until", until)) if v})
        return names(personas.staff, leaf(value))

    assert between("2026-03-01", "2026-03-31") == {"Åke", "Folke"}
    assert between(until="2026-02-28") == {"Åke", "Rut"}
    assert between("2026-03-31", "2026-03-31") == {"Folke"}
    assert between("2026-04-01") == set()


def test_an_event_outside_the_scope_is_refused_like_one_that_does_not_exist(personas, evs):
    with pytest.raises(SegmentError) as hidden:
        names(personas.district_a, leaf({"events": [evs["local_b1"].pk]}))
    with pytest.raises(SegmentError) as missing:
        names(personas.district_a, leaf({"events": [999_999]}))
    assert hidden.value.message == missing.value.message
    assert hidden.value.message == "Registered for an event: Unknown event."


def test_an_unknown_programme_is_refused(personas, evs):
    with pytest.raises(SegmentError, match="Unknown programme"):
        names(personas.staff, leaf({"programmes": [evs["training"].pk, 999_999]}))


def test_a_coordinator_may_name_national_and_own_events(personas, evs):
    value = {"events": [evs["national"].pk, evs["local_a1"].pk]}
    # The coordinator of A1 sees Märta and Rut (membership and role in A1) only.
    assert names(personas.coordinator_a1, leaf(value)) == {"Märta", "Rut"}


def test_registrations_for_events_outside_the_scope_never_count(personas, evs):
    # Hanna (district A) attended group B1's meeting: district A must not learn that
    # through "attended any recruitment meeting".
    value = {"kinds": ["recruitment_meeting"]}
    assert "Hanna" in names(personas.staff, leaf(value))
    assert "Hanna" not in names(personas.district_a, leaf(value))


def test_negation_still_works_when_erased_people_left_anonymous_registrations(personas, world, evs):
    RegistrationFactory(person=None, event=evs["national"])  # an erased person's registration
    tree = {"not": leaf({"events": [evs["national"].pk]})}
    assert names(personas.staff, tree) == {"Märta", "Folke", "Rut", "Åke", "Björn"}


def test_combined_with_other_conditions(personas, world, evs):
    tree = {
        "all": [
            leaf({"statuses": ["attended"]}),
            {"condition": "unit_subtree", "value": {"unit": world.district_a.pk}},
        ]
    }
    assert names(personas.staff, tree) == {"Hanna", "Märta"}
    assert "programmes_registration" in str(filter_people(personas.staff, tree).query)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([1], "Expected an object"),
        ({"events": []}, "Choose at least one"),
        ({"programmes": "all"}, "list of ids"),
        ({"kinds": ["party"]}, "recruitment_meeting"),
        ({"statuses": ["maybe"]}, "attended"),
        ({"since": "1 March"}, "YYYY-MM-DD"),
        ({"since": "2026-03-02", "until": "2026-03-01"}, "must not end before it starts"),
        ({"event": [1]}, "Unexpected field: event"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(personas, evs, value, message):
    with pytest.raises(SegmentError, match=message):
        names(personas.staff, leaf(value))


def test_validation_returns_the_normal_form():
    tree = validate_tree(leaf({"events": [3, 1, 3], "statuses": ["attended", "attended"]}))
    assert tree == leaf({"events": [1, 3], "statuses": ["attended"]})
