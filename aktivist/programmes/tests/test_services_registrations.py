"""Staff sign people up, cancel registrations (the waiting list moves up) and give a free
seat to someone waiting — only for people and events they may see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aktivist.core.exceptions import ApplicationError
from aktivist.core.models import AuditEvent
from aktivist.programmes import notifications, services
from aktivist.programmes.models import Registration
from aktivist.programmes.tests.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def told(monkeypatch):
    """What the public pages' notifications were asked to send: (kind, registration id)."""
    sent: list[tuple[str, int]] = []
    monkeypatch.setattr(
        notifications, "send_confirmation", lambda rid, language: sent.append(("confirm", rid))
    )
    monkeypatch.setattr(notifications, "send_promotion", lambda rid: sent.append(("seat", rid)))
    return sent


def test_staff_sign_up_someone_they_see_and_a_confirmation_goes_out(
    world, personas, told, django_capture_on_commit_callbacks
):
    event = EventFactory(unit=world.group_a1, capacity=10)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.registration_add(
            actor=personas.coordinator_a1, event=event, person=world.member_a1
        )
    assert not result.already and not result.waitlisted
    registration = result.registration
    assert (registration.status, registration.source) == ("registered", "staff")
    assert told == [("confirm", registration.pk)]
    assert AuditEvent.objects.filter(verb="registration.create", person_id=world.member_a1.pk)


def test_no_confirmation_when_staff_say_so(
    world, personas, told, django_capture_on_commit_callbacks
):
    event = EventFactory(unit=world.group_a1)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_add(
            actor=personas.staff, event=event, person=world.member_a1, send_confirmation=False
        )
    assert told == []


def test_a_full_event_puts_them_on_the_waiting_list(world, personas, told):
    event = EventFactory(unit=world.group_a1, capacity=1)
    RegistrationFactory(event=event)
    result = services.registration_add(actor=personas.staff, event=event, person=world.home_a)
    assert result.waitlisted
    assert result.registration.waitlisted_at is not None


def test_signing_up_twice_changes_nothing_a_cancelled_one_is_renewed(world, personas, told):
    event = EventFactory(unit=world.group_a1)
    first = services.registration_add(actor=personas.staff, event=event, person=world.home_a)
    again = services.registration_add(actor=personas.staff, event=event, person=world.home_a)
    assert again.already and again.registration.pk == first.registration.pk
    Registration.objects.filter(pk=first.registration.pk).update(status="cancelled")
    renewed = services.registration_add(actor=personas.staff, event=event, person=world.home_a)
    assert not renewed.already
    assert renewed.registration.pk == first.registration.pk
    assert renewed.registration.status == "registered"


def test_deadlines_do_not_bind_staff_but_cancelled_and_past_events_take_no_one(
    world, personas, told
):
    now = timezone.now()
    closed = EventFactory(unit=world.group_a1, registration_deadline=now - dt.timedelta(hours=1))
    services.registration_add(actor=personas.staff, event=closed, person=world.member_a1)
    cancelled = EventFactory(unit=world.group_a1, cancelled_at=now)
    past = EventFactory(
        unit=world.group_a1,
        starts_at=now - dt.timedelta(days=1),
        ends_at=now - dt.timedelta(days=1) + dt.timedelta(hours=2),
    )
    for event in (cancelled, past):
        with pytest.raises(ApplicationError):
            services.registration_add(actor=personas.staff, event=event, person=world.member_a1)
    assert Registration.objects.count() == 1


def test_no_one_signs_up_people_or_for_events_outside_their_scope(world, personas, told):
    a1_event = EventFactory(unit=world.group_a1)
    b1_event = EventFactory(unit=world.group_b1)
    with pytest.raises(ApplicationError):
        services.registration_add(
            actor=personas.coordinator_a1, event=a1_event, person=world.member_b1
        )
    with pytest.raises(ApplicationError):
        services.registration_add(
            actor=personas.coordinator_a1, event=b1_event, person=world.member_a1
        )
    assert not Registration.objects.exists()
    # A national event takes the coordinator's own people.
    national = EventFactory(unit=world.national)
    services.registration_add(actor=personas.coordinator_a1, event=national, person=world.member_a1)


def test_cancelling_a_seat_promotes_the_first_waiting(
    world, personas, told, django_capture_on_commit_callbacks
):
    event = EventFactory(unit=world.group_a1, capacity=1)
    seat = RegistrationFactory(event=event, person=world.member_a1)
    now = timezone.now()
    first = RegistrationFactory(
        event=event, status="waitlisted", waitlisted_at=now - dt.timedelta(hours=1)
    )
    RegistrationFactory(event=event, status="waitlisted", waitlisted_at=now)
    with django_capture_on_commit_callbacks(execute=True):
        promoted = services.registration_cancel(actor=personas.coordinator_a1, registration=seat)
    assert promoted is not None and promoted.pk == first.pk
    assert Registration.objects.get(pk=first.pk).status == "registered"
    assert told == [("seat", first.pk)]
    assert AuditEvent.objects.filter(verb="registration.cancel", person_id=world.member_a1.pk)


def test_attendance_and_cancelled_registrations_are_not_cancelled_here(world, personas):
    event = EventFactory(unit=world.group_a1)
    for status in ("attended", "no_show", "cancelled"):
        registration = RegistrationFactory(event=event, status=status)
        with pytest.raises(ApplicationError):
            services.registration_cancel(actor=personas.staff, registration=registration)
        assert Registration.objects.get(pk=registration.pk).status == status


def test_give_a_free_seat_to_someone_waiting(
    world, personas, told, django_capture_on_commit_callbacks
):
    start = timezone.now() - dt.timedelta(minutes=10)  # started: no automatic promotion
    event = EventFactory(
        unit=world.group_a1, capacity=1, starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    seat = RegistrationFactory(event=event)
    waiting = RegistrationFactory(event=event, status="waitlisted")
    assert services.registration_cancel(actor=personas.staff, registration=seat) is None
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_give_seat(actor=personas.coordinator_a1, registration=waiting)
    waiting.refresh_from_db()
    assert waiting.status == "registered" and waiting.waitlisted_at is None
    assert told == [("seat", waiting.pk)]
    assert AuditEvent.objects.filter(verb="registration.give_seat").count() == 1


def test_no_seat_is_given_when_every_seat_is_taken(world, personas, told):
    event = EventFactory(unit=world.group_a1, capacity=1)
    RegistrationFactory(event=event)
    waiting = RegistrationFactory(event=event, status="waitlisted")
    with pytest.raises(ApplicationError, match="Every seat is taken"):
        services.registration_give_seat(actor=personas.staff, registration=waiting)
    assert Registration.objects.get(pk=waiting.pk).status == "waitlisted"
    registered = RegistrationFactory(event=EventFactory(unit=world.group_a1))
    with pytest.raises(ApplicationError):
        services.registration_give_seat(actor=personas.staff, registration=registered)
