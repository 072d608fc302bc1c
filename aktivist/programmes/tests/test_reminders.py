"""Reminders: an hourly job reminds each person who holds a seat once, when the event's
reminder time has come and the event has not started; the mark follows each message."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from aktivist.core.schedule import jobs, run_due_jobs
from aktivist.programmes import notifications
from aktivist.programmes.models import Registration
from aktivist.programmes.notifications import send_due_reminders
from aktivist.programmes.tests.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2031, 5, 1, 12, 0, tzinfo=dt.UTC)


def _event(hours_ahead: float, **kwargs):
    starts = NOW + dt.timedelta(hours=hours_ahead)
    return EventFactory(starts_at=starts, ends_at=starts + dt.timedelta(hours=2), **kwargs)


def test_only_seats_whose_reminder_time_has_come_are_reminded_once():
    due = _event(23, title="Due", reminder_hours_before=24)
    later = _event(25, title="Not yet", reminder_hours_before=24)
    soon = _event(2, title="Short notice", reminder_hours_before=3)
    seat = RegistrationFactory(event=due, person__language="en")
    RegistrationFactory(event=later, person__language="en")
    short = RegistrationFactory(event=soon, person__language="en")
    assert send_due_reminders(NOW) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([seat.person.email, short.person.email])
    assert {m.subject.split(",")[0] for m in mail.outbox} == {
        "Reminder: Due",
        "Reminder: Short notice",
    }
    seat.refresh_from_db()
    assert seat.reminder_sent_at is not None
    # An hour later nothing is repeated; the later event's time comes in its own hour.
    mail.outbox.clear()
    assert send_due_reminders(NOW + dt.timedelta(hours=1)) == 1
    assert [m.subject.split(",")[0] for m in mail.outbox] == ["Reminder: Not yet"]


def test_the_waiting_list_cancelled_and_erased_get_no_reminder():
    event = _event(5, reminder_hours_before=24)
    RegistrationFactory(event=event, status=Registration.Status.WAITLISTED)
    RegistrationFactory(event=event, status=Registration.Status.CANCELLED)
    RegistrationFactory(event=event, person=None)  # erased: the person is detached
    RegistrationFactory(event=event, person__is_active=False)
    RegistrationFactory(event=event, person__email=None)
    RegistrationFactory(event=event, person__erased_at=NOW)
    assert send_due_reminders(NOW) == 0
    assert mail.outbox == []


def test_no_reminder_for_a_cancelled_or_started_event():
    cancelled = _event(5, cancelled_at=NOW - dt.timedelta(days=1))
    started = _event(-0.5)
    RegistrationFactory(event=cancelled)
    RegistrationFactory(event=started)
    assert send_due_reminders(NOW) == 0
    assert mail.outbox == []


def test_a_crash_repeats_at_most_the_message_in_flight(monkeypatch):
    event = _event(5)
    registrations = RegistrationFactory.create_batch(3, event=event)
    real_send = notifications._send
    calls = []

    def send_then_crash(registration, *args, **kwargs):
        calls.append(registration.pk)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the worker is killed while sending the second
        real_send(registration, *args, **kwargs)

    monkeypatch.setattr(notifications, "_send", send_then_crash)
    with pytest.raises(KeyboardInterrupt):
        send_due_reminders(NOW)
    marked = Registration.objects.filter(reminder_sent_at__isnull=False)
    assert list(marked.values_list("pk", flat=True)) == [registrations[0].pk]
    monkeypatch.setattr(notifications, "_send", real_send)
    mail.outbox.clear()
    assert send_due_reminders(NOW) == 2  # the rest, the first is not repeated
    assert Registration.objects.filter(reminder_sent_at__isnull=True).count() == 0


def test_a_refused_message_does_not_stop_the_others(monkeypatch, caplog):
    event = _event(5)
    bad, good = RegistrationFactory.create_batch(2, event=event)
    real_send = notifications._send

    def refuse_one(registration, *args, **kwargs):
        if registration.pk == bad.pk:
            raise OSError(f"refused {registration.person.email}")
        real_send(registration, *args, **kwargs)

    monkeypatch.setattr(notifications, "_send", refuse_one)
    assert send_due_reminders(NOW) == 1
    assert [m.to for m in mail.outbox] == [[good.person.email]]
    bad.refresh_from_db()
    assert bad.reminder_sent_at is None  # tried again next hour
    assert bad.person.email not in caplog.text


def test_the_reminder_has_the_facts_and_the_cancel_link():
    event = _event(5, title="Seminar", place="Folkets hus")
    RegistrationFactory(event=event, person__first_name="Lina", person__language="en")
    send_due_reminders(NOW)
    body = mail.outbox[0].body
    assert "Hello Lina," in body
    assert "Where: Folkets hus" in body
    assert "/cancel/" in body


def test_the_reminders_job_runs_hourly_from_the_scheduler(django_capture_on_commit_callbacks):
    assert jobs["programmes.send_reminders"].period == "hourly"
    start = timezone.now() + dt.timedelta(hours=5)
    registration = RegistrationFactory(
        event=EventFactory(starts_at=start, ends_at=start + dt.timedelta(hours=1))
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert "programmes.send_reminders" in run_due_jobs()
    registration.refresh_from_db()
    assert registration.reminder_sent_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert "programmes.send_reminders" not in run_due_jobs()  # once per hour
