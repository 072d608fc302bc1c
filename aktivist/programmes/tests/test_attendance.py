"""Attendance at the door: one tap (and its undo), no-shows after the event, walk-ins
matched or created on the spot — and what a viewer outside a person's scope is told."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from aktivist.core.exceptions import ApplicationError
from aktivist.core.models import AuditEvent
from aktivist.core.signals import facts_changed
from aktivist.people.models import Person, ReviewItem
from aktivist.people.selectors import can_see_person
from aktivist.people.services import review_apply, review_dismiss
from aktivist.people.tests.factories import PersonFactory
from aktivist.programmes import attendance
from aktivist.programmes.models import Registration
from aktivist.programmes.tests.factories import EventFactory, RegistrationFactory

S = Registration.Status
pytestmark = pytest.mark.django_db


def _started_event(unit, **kwargs):
    starts = timezone.now() - dt.timedelta(minutes=30)
    return EventFactory(
        unit=unit, starts_at=starts, ends_at=starts + dt.timedelta(hours=2), **kwargs
    )


# --- One tap --------------------------------------------------------------------------------


def test_a_tap_checks_in_and_a_second_tap_takes_it_back(world, personas):
    event = _started_event(world.group_a1)
    registration = RegistrationFactory(event=event, person=world.member_a1)

    attendance.attendance_set(
        actor=personas.coordinator_a1, registration=registration, attended=True
    )
    registration.refresh_from_db()
    assert registration.status == S.ATTENDED
    assert registration.attended_at is not None

    attendance.attendance_set(
        actor=personas.coordinator_a1, registration=registration, attended=False
    )
    registration.refresh_from_db()
    assert registration.status == S.REGISTERED
    assert registration.attended_at is None
    verbs = list(
        AuditEvent.objects.filter(
            object_type="programmes.registration", object_id=str(registration.pk)
        )
        .order_by("pk")
        .values_list("verb", flat=True)
    )
    assert verbs == ["registration.attend", "registration.attend_undo"]


def test_a_double_tap_checks_in_once(world, personas):
    registration = RegistrationFactory(event=_started_event(world.group_a1))
    for _ in range(2):
        attendance.attendance_set(
            actor=personas.coordinator_a1, registration=registration, attended=True
        )
    registration.refresh_from_db()
    assert registration.status == S.ATTENDED
    assert AuditEvent.objects.filter(verb="registration.attend").count() == 1


def test_someone_from_the_waiting_list_who_came_is_checked_in_beyond_capacity(world, personas):
    event = _started_event(world.group_a1, capacity=1)
    RegistrationFactory(event=event, status=S.REGISTERED)
    waiting = RegistrationFactory(event=event, status=S.WAITLISTED)

    attendance.attendance_set(actor=personas.coordinator_a1, registration=waiting, attended=True)

    waiting.refresh_from_db()
    assert waiting.status == S.ATTENDED
    assert waiting.waitlisted_at is None


def test_undoing_a_check_in_beyond_capacity_goes_back_to_the_waiting_list(world, personas):
    event = _started_event(world.group_a1, capacity=1)
    RegistrationFactory(event=event, status=S.REGISTERED)
    came = RegistrationFactory(event=event, status=S.ATTENDED)

    attendance.attendance_set(actor=personas.coordinator_a1, registration=came, attended=False)

    came.refresh_from_db()
    assert came.status == S.WAITLISTED
    assert came.waitlisted_at is not None


def test_undoing_a_walk_in_cancels_the_registration(world, personas):
    event = _started_event(world.group_a1)
    came = RegistrationFactory(event=event, status=S.ATTENDED, source=Registration.Source.WALK_IN)

    attendance.attendance_set(actor=personas.coordinator_a1, registration=came, attended=False)

    came.refresh_from_db()
    assert came.status == S.CANCELLED


def test_a_no_show_who_turns_up_late_is_checked_in(world, personas):
    registration = RegistrationFactory(event=_started_event(world.group_a1), status=S.NO_SHOW)
    attendance.attendance_set(
        actor=personas.coordinator_a1, registration=registration, attended=True
    )
    registration.refresh_from_db()
    assert registration.status == S.ATTENDED


def test_no_check_in_at_a_cancelled_event(world, personas):
    event = _started_event(world.group_a1, cancelled_at=timezone.now())
    registration = RegistrationFactory(event=event)
    with pytest.raises(ApplicationError):
        attendance.attendance_set(
            actor=personas.coordinator_a1, registration=registration, attended=True
        )
    registration.refresh_from_db()
    assert registration.status == S.REGISTERED


# --- The list -------------------------------------------------------------------------------


def test_the_list_shows_people_in_scope_and_only_counts_the_others(world, personas):
    event = EventFactory(unit=world.national)  # national: every staff member sees it
    RegistrationFactory(event=event, person=world.member_a1)
    RegistrationFactory(event=event, person=world.member_b1)
    RegistrationFactory(event=event, person=world.home_a, status=S.CANCELLED)

    rows = attendance.checkin_rows(personas.coordinator_a1, event)

    assert [r.visible_person for r in rows] == [world.member_a1]
    assert attendance.hidden_count(personas.coordinator_a1, event) == 1
    assert attendance.hidden_count(personas.staff, event) == 0
    assert {r.visible_person for r in attendance.checkin_rows(personas.staff, event)} == {
        world.member_a1,
        world.member_b1,
    }


def test_the_organisers_list_shows_what_was_typed_never_the_person_behind_it(world, personas):
    event = EventFactory(unit=world.group_a1)
    RegistrationFactory(
        event=event,
        person=world.member_b1,
        typed_first_name="Bjössa",
        typed_last_name="B",
        typed_email="typed@example.org",
    )
    old = RegistrationFactory(event=event, person=world.home_b)  # from before typed values
    RegistrationFactory(event=event, person=world.member_a1)

    rows = attendance.checkin_rows(personas.coordinator_a1, event)

    shown = {r.pk: (r.shown_name, r.visible_person) for r in rows}
    assert len(rows) == 3
    assert ("Bjössa B", None) in shown.values()
    assert shown[old.pk] == ("", None)  # "name not recorded"
    assert ("Märta Malm", world.member_a1) in shown.values()
    assert attendance.hidden_count(personas.coordinator_a1, event) == 0


def test_the_search_looks_only_at_what_the_viewer_is_shown(world, personas):
    event = EventFactory(unit=world.national)
    RegistrationFactory(event=event, person=world.member_a1)  # Märta Malm
    RegistrationFactory(event=event, person=world.member_b1)  # Björn Berg

    assert [
        r.visible_person for r in attendance.checkin_rows(personas.coordinator_a1, event, "mär")
    ] == [world.member_a1]
    assert attendance.checkin_rows(personas.coordinator_a1, event, "björn") == []
    assert [r.visible_person for r in attendance.checkin_rows(personas.staff, event, "björn")] == [
        world.member_b1
    ]


def test_the_search_never_finds_a_hidden_person_by_their_own_details(world, personas):
    event = EventFactory(unit=world.group_a1)
    RegistrationFactory(event=event, person=world.member_b1, typed_first_name="Anon")

    coordinator = personas.coordinator_a1
    assert attendance.checkin_rows(coordinator, event, "björn") == []
    assert attendance.checkin_rows(coordinator, event, world.member_b1.email) == []
    assert len(attendance.checkin_rows(coordinator, event, "anon")) == 1


# --- No-shows ---------------------------------------------------------------------------------


def test_after_the_event_the_rest_are_marked_as_no_shows(world, personas):
    event = _started_event(world.group_a1)
    came = RegistrationFactory(event=event, status=S.ATTENDED)
    stayed_home = RegistrationFactory.create_batch(2, event=event, status=S.REGISTERED)
    waiting = RegistrationFactory(event=event, status=S.WAITLISTED)

    count = attendance.mark_rest_no_show(actor=personas.coordinator_a1, event=event)

    assert count == 2
    for registration in stayed_home:
        registration.refresh_from_db()
        assert registration.status == S.NO_SHOW
    came.refresh_from_db()
    waiting.refresh_from_db()
    assert came.status == S.ATTENDED
    assert waiting.status == S.WAITLISTED
    audit = AuditEvent.objects.get(verb="event.no_shows")
    assert audit.details == {"count": 2}


def test_no_shows_wait_until_the_event_has_started(world, personas):
    event = EventFactory(unit=world.group_a1)  # next week
    registration = RegistrationFactory(event=event)
    with pytest.raises(ApplicationError):
        attendance.mark_rest_no_show(actor=personas.coordinator_a1, event=event)
    registration.refresh_from_db()
    assert registration.status == S.REGISTERED


def test_only_the_organisers_mark_no_shows(world, personas):
    event = _started_event(world.national)
    RegistrationFactory(event=event)
    with pytest.raises(ApplicationError):
        attendance.mark_rest_no_show(actor=personas.coordinator_a1, event=event)
    assert attendance.mark_rest_no_show(actor=personas.staff, event=event) == 1


# --- Walk-ins ---------------------------------------------------------------------------------


def test_a_walk_in_nobody_knows_is_created_as_a_non_member_and_checked_in(world, personas):
    event = _started_event(world.group_a1)

    result = attendance.walk_in(
        actor=personas.coordinator_a1,
        event=event,
        data={"first_name": " Nora ", "last_name": "Nyberg", "email": "Nora@Example.org"},
    )

    person = Person.objects.get(email="nora@example.org")
    assert person.first_name == "Nora"
    assert person.membership_status == Person.MembershipStatus.NON_MEMBER
    assert person.source == f"walk_in:{event.slug}"
    registration = Registration.objects.get(pk=result.registration_id)
    assert registration.person == person
    assert registration.status == S.ATTENDED
    assert registration.source == Registration.Source.WALK_IN
    assert result.name == "Nora Nyberg"
    assert result.known is False and result.person_id is None


def test_a_walk_in_is_matched_by_mobile_in_any_format_and_their_data_is_kept(world, personas):
    event = _started_event(world.group_a1)
    known = world.member_a1
    known.mobile = "+46701234567"
    known.save()

    result = attendance.walk_in(
        actor=personas.coordinator_a1,
        event=event,
        data={"first_name": "Someone", "last_name": "Else", "mobile": "070-123 45 67"},
    )

    known.refresh_from_db()
    assert known.first_name == "Märta"  # never overwritten
    assert Registration.objects.get(pk=result.registration_id).person == known
    assert result.known is True and result.person_id == known.pk
    assert Person.objects.filter(first_name="Someone").count() == 0


def test_a_walk_in_who_had_signed_up_is_checked_in_on_their_registration(world, personas):
    event = _started_event(world.group_a1)
    registration = RegistrationFactory(event=event, person=world.member_a1)

    result = attendance.walk_in(
        actor=personas.coordinator_a1,
        event=event,
        data={"first_name": "Märta", "email": world.member_a1.email},
    )

    assert result.registration_id == registration.pk
    registration.refresh_from_db()
    assert registration.status == S.ATTENDED
    assert registration.source == Registration.Source.WEB
    assert Registration.objects.filter(event=event).count() == 1


def test_email_wins_over_mobile_when_they_name_two_people(world, personas):
    event = _started_event(world.group_a1)
    by_email, by_mobile = PersonFactory(), PersonFactory()

    result = attendance.walk_in(
        actor=personas.staff,
        event=event,
        data={"first_name": "X", "email": by_email.email, "mobile": by_mobile.mobile},
    )

    assert Registration.objects.get(pk=result.registration_id).person == by_email


def test_a_walk_in_outside_the_viewers_scope_is_held_and_never_written_onto_them(world, personas):
    event = _started_event(world.group_a1)
    outsider = world.member_b1  # district B: outside coordinator A1's scope

    result = attendance.walk_in(
        actor=personas.coordinator_a1,
        event=event,
        data={"first_name": "Typed", "last_name": "Name", "email": outsider.email},
    )

    # The attendance is recorded on a stand-in that keeps only what was typed.
    registration = Registration.objects.get(pk=result.registration_id)
    assert registration.person is None
    assert registration.status == S.ATTENDED
    assert (registration.typed_name, registration.typed_email) == ("Typed Name", outsider.email)
    assert not Registration.objects.filter(person=outsider).exists()
    # The viewer is told what they typed, exactly as for someone new.
    assert result.name == "Typed Name"
    assert result.known is False and result.person_id is None
    outsider.refresh_from_db()
    assert outsider.first_name == "Björn"
    # The secretariat is asked to link it; the audit trail names whom it matched.
    item = ReviewItem.objects.get(kind=ReviewItem.Kind.WALK_IN)
    assert item.matched_person == outsider
    assert item.submitted_by == personas.coordinator_a1
    assert item.payload["registration"] == registration.pk
    held = AuditEvent.objects.get(verb="review.held")
    assert held.person_id == outsider.pk
    assert AuditEvent.objects.get(verb="registration.walk_in").details["how"] == "held"


def test_the_secretariat_links_a_held_walk_in_to_the_person(world, personas):
    event = _started_event(world.group_a1)
    outsider = world.member_b1
    result = attendance.walk_in(
        actor=personas.coordinator_a1,
        event=event,
        data={"first_name": "Björn", "email": outsider.email},
    )
    item = ReviewItem.objects.get(kind=ReviewItem.Kind.WALK_IN)

    review_apply(actor=personas.staff, item=item)

    registration = Registration.objects.get(pk=result.registration_id)
    assert registration.person == outsider
    assert registration.status == S.ATTENDED
    item.refresh_from_db()
    assert item.status == ReviewItem.Status.APPLIED
    # Linking gives the coordinator no sight of him.
    assert not can_see_person(personas.coordinator_a1, outsider.pk)


def test_a_held_walk_in_of_someone_signed_up_marks_their_own_registration(world, personas):
    event = _started_event(world.group_a1)
    outsider = world.member_b1
    theirs = RegistrationFactory(event=event, person=outsider, status=S.REGISTERED)
    attendance.walk_in(
        actor=personas.coordinator_a1,
        event=event,
        data={"first_name": "Björn", "email": outsider.email},
    )
    item = ReviewItem.objects.get(kind=ReviewItem.Kind.WALK_IN)

    review_apply(actor=personas.staff, item=item)

    theirs.refresh_from_db()
    assert theirs.status == S.ATTENDED
    assert Registration.objects.filter(event=event).count() == 1


def test_a_dismissed_walk_in_keeps_the_attendance_without_a_person(world, personas):
    event = _started_event(world.group_a1)
    result = attendance.walk_in(
        actor=personas.coordinator_a1,
        event=event,
        data={"first_name": "Typed", "email": world.member_b1.email},
    )
    item = ReviewItem.objects.get(kind=ReviewItem.Kind.WALK_IN)

    review_dismiss(actor=personas.staff, item=item)

    registration = Registration.objects.get(pk=result.registration_id)
    assert registration.person is None and registration.status == S.ATTENDED


def test_a_mobile_whose_owner_has_another_name_and_email_is_not_that_owner(world, personas):
    event = _started_event(world.group_a1)
    owner = world.member_a1
    owner.mobile = "+46701234567"
    owner.save()

    result = attendance.walk_in(
        actor=personas.coordinator_a1,
        event=event,
        data={
            "first_name": "Stina",
            "last_name": "Svensson",
            "email": "stina@example.org",
            "mobile": "0701234567",
        },
    )

    registration = Registration.objects.get(pk=result.registration_id)
    assert registration.person != owner
    stina = Person.objects.get(email="stina@example.org")
    assert registration.person == stina
    assert stina.mobile is None  # the number is someone else's
    assert registration.typed_mobile == "+46701234567"
    assert not Registration.objects.filter(person=owner).exists()


def test_a_registrant_who_comes_is_found_by_what_they_typed(world, personas):
    event = _started_event(world.group_a1)
    outsider = world.member_b1
    signed_up = RegistrationFactory(event=event, person=outsider, typed_email=outsider.email)

    result = attendance.walk_in(
        actor=personas.coordinator_a1,
        event=event,
        data={"first_name": "Björn", "email": outsider.email},
    )

    assert result.registration_id == signed_up.pk
    signed_up.refresh_from_db()
    assert signed_up.status == S.ATTENDED
    assert not ReviewItem.objects.exists()
    assert result.known is False


def test_walk_ins_get_in_when_the_event_is_full(world, personas):
    event = _started_event(world.group_a1, capacity=1)
    RegistrationFactory(event=event)

    result = attendance.walk_in(
        actor=personas.coordinator_a1,
        event=event,
        data={"first_name": "Late", "email": "late@example.org"},
    )

    assert Registration.objects.get(pk=result.registration_id).status == S.ATTENDED
    assert Registration.objects.filter(event=event, status__in=Registration.SEATED).count() == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"first_name": "", "email": "a@example.org"}, "first_name"),
        ({"first_name": "Ann"}, "email"),
        ({"first_name": "Ann", "email": "not-an-address"}, "email"),
        ({"first_name": "Ann", "mobile": "12"}, "mobile"),
        ({"first_name": "Ann", "mobile": "08-123 456 78"}, "mobile"),  # a landline
        ({"first_name": "A" * 101, "email": "a@example.org"}, "first_name"),
    ],
)
def test_a_malformed_walk_in_changes_nothing(world, personas, data, field):
    event = _started_event(world.group_a1)
    people = Person.objects.count()
    with pytest.raises(ValidationError) as info:
        attendance.walk_in(actor=personas.coordinator_a1, event=event, data=data)
    assert field in info.value.message_dict
    assert Person.objects.count() == people
    assert not Registration.objects.filter(event=event).exists()


def test_no_walk_ins_at_a_cancelled_event(world, personas):
    event = _started_event(world.group_a1, cancelled_at=timezone.now())
    with pytest.raises(ApplicationError):
        attendance.walk_in(
            actor=personas.coordinator_a1,
            event=event,
            data={"first_name": "Ann", "email": "ann@example.org"},
        )
    assert not Person.objects.filter(email="ann@example.org").exists()


def test_no_shows_are_passed_on_to_the_engagement_ladder(world, personas, monkeypatch):
    """update() sends no signals; marking no-shows tells the ladder itself."""
    told: list[int] = []
    monkeypatch.setattr(facts_changed, "send", lambda sender, person_ids: told.extend(person_ids))
    registration = RegistrationFactory(event=_started_event(world.group_a1))
    attendance.mark_rest_no_show(actor=personas.coordinator_a1, event=registration.event)
    assert told == [registration.person_id]
