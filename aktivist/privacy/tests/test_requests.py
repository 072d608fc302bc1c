"""Data-subject requests: the legal deadline, its one extension, the steps and their audit,
what is due this week, and the reminders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from aktivist.accounts.models import User
from aktivist.accounts.tests.factories import UserFactory
from aktivist.core.exceptions import ApplicationError
from aktivist.core.models import AuditEvent
from aktivist.people.tests.factories import PersonFactory
from aktivist.privacy import requests as dsar
from aktivist.privacy.models import DataSubjectRequest

pytestmark = pytest.mark.django_db

Kind = DataSubjectRequest.Kind
Status = DataSubjectRequest.Status


def register(actor, received_on, kind=Kind.ACCESS, **extra):
    return dsar.request_register(
        actor=actor,
        kind=kind,
        channel=DataSubjectRequest.Channel.EMAIL,
        received_on=received_on,
        requester_name=extra.pop("requester_name", "Greta Grön"),
        requester_contact=extra.pop("requester_contact", "greta@example.org"),
        details=extra.pop("details", "Vad har ni om mig?"),
        **extra,
    )


@pytest.fixture
def staff():
    return UserFactory(access_role=User.AccessRole.STAFF, email="dsar-staff@example.org")


@pytest.fixture
def dpo():
    return UserFactory(access_role=User.AccessRole.DPO, email="officer@example.org")


# --- The deadline ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (dt.date(2026, 1, 31), dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), dt.date(2028, 2, 29)),  # a leap year
        (dt.date(2026, 3, 31), dt.date(2026, 4, 30)),
        (dt.date(2026, 3, 15), dt.date(2026, 4, 15)),
        (dt.date(2026, 12, 31), dt.date(2027, 1, 31)),
    ],
)
def test_the_deadline_is_one_calendar_month_after_receipt(received, due):
    assert dsar.legal_deadline(received) == due


def test_a_request_received_on_31_january_is_due_on_the_last_day_of_february(staff):
    request = register(staff, dt.date(2026, 1, 31))
    assert request.due_on == dt.date(2026, 2, 28)
    assert request.deadline == dt.date(2026, 2, 28)


def test_extension_adds_one_or_two_months_once_with_a_reason(staff):
    today = dt.date(2026, 2, 10)
    request = register(staff, dt.date(2026, 1, 31))
    with pytest.raises(ApplicationError):
        dsar.request_extend(actor=staff, request=request, months=2, reason="  ", today=today)
    with pytest.raises(ApplicationError):
        dsar.request_extend(actor=staff, request=request, months=3, reason="Många", today=today)
    dsar.request_extend(
        actor=staff, request=request, months=2, reason="Uppgifter i många system", today=today
    )
    request.refresh_from_db()
    assert request.extended_to == dt.date(2026, 4, 28)
    assert request.deadline == dt.date(2026, 4, 28)
    assert request.extension_reason == "Uppgifter i många system"
    with pytest.raises(ApplicationError):
        dsar.request_extend(actor=staff, request=request, months=1, reason="Igen", today=today)
    request.refresh_from_db()
    assert request.extended_to == dt.date(2026, 4, 28)


def test_an_overdue_request_can_no_longer_be_extended(staff):
    request = register(staff, dt.date(2026, 1, 5))
    with pytest.raises(ApplicationError):
        dsar.request_extend(
            actor=staff, request=request, months=1, reason="Sent", today=dt.date(2026, 2, 6)
        )
    request.refresh_from_db()
    assert request.extended_to is None


def test_a_request_cannot_be_received_in_the_future(staff):
    with pytest.raises(ApplicationError):
        register(staff, timezone.localdate() + dt.timedelta(days=1))


# --- The steps ---------------------------------------------------------------------------------


def test_refusing_needs_a_reason(staff):
    request = register(staff, timezone.localdate())
    with pytest.raises(ApplicationError):
        dsar.request_refuse(actor=staff, request=request, reason=" ")
    request.refresh_from_db()
    assert request.status == Status.RECEIVED
    dsar.request_refuse(actor=staff, request=request, reason="Identiteten kunde inte styrkas")
    request.refresh_from_db()
    assert request.status == Status.REFUSED
    assert request.outcome == "Identiteten kunde inte styrkas"
    assert request.closed_by == staff


def test_fulfilling_needs_the_identity_checked_first(staff):
    person = PersonFactory()
    request = register(staff, timezone.localdate(), person=person)
    with pytest.raises(ApplicationError):
        dsar.request_fulfil(actor=staff, request=request, outcome="Skickat")
    dsar.request_check_identity(actor=staff, request=request, method="Svar från adressen vi har")
    dsar.request_fulfil(actor=staff, request=request)
    request.refresh_from_db()
    assert request.status == Status.FULFILLED
    assert request.identity_checked_by == staff


def test_a_rectification_is_fulfilled_only_with_a_note_of_what_was_done(staff):
    request = register(staff, timezone.localdate(), kind=Kind.RECTIFICATION, person=PersonFactory())
    dsar.request_check_identity(actor=staff, request=request, method="Legitimation")
    with pytest.raises(ApplicationError):
        dsar.request_fulfil(actor=staff, request=request, outcome="")
    dsar.request_fulfil(actor=staff, request=request, outcome="Efternamnet rättat")
    request.refresh_from_db()
    assert request.status == Status.FULFILLED


def test_a_closed_request_takes_no_more_steps(staff):
    request = register(staff, timezone.localdate())
    dsar.request_refuse(actor=staff, request=request, reason="Uppenbart ogrundad")
    with pytest.raises(ApplicationError):
        dsar.request_check_identity(actor=staff, request=request, method="x")
    with pytest.raises(ApplicationError):
        dsar.request_refuse(actor=staff, request=request, reason="igen")


def test_every_step_is_audited_without_what_the_requester_wrote(staff):
    person = PersonFactory()
    request = register(
        staff, timezone.localdate(), person=person, details="Radera mitt nummer 070-1234567"
    )
    dsar.request_check_identity(actor=staff, request=request, method="Svarade från e-posten")
    dsar.request_extend(actor=staff, request=request, months=1, reason="Många källor")
    dsar.request_fulfil(actor=staff, request=request, outcome="Export skickad")
    events = AuditEvent.objects.filter(
        object_type="privacy.datasubjectrequest", object_id=str(request.pk)
    ).order_by("id")
    assert [e.verb for e in events] == [
        "privacy.request_received",
        "privacy.request_identity_checked",
        "privacy.request_extended",
        "privacy.request_fulfilled",
    ]
    assert {e.actor_id for e in events} == {staff.pk}
    assert {e.person_id for e in events} == {person.pk}
    written = " ".join(str(e.details) for e in events)
    for secret in ("Greta", "greta@example.org", "070-1234567", "Svarade", "Många", "Export"):
        assert secret not in written


def test_the_data_protection_officer_registers_but_does_not_link_people(dpo):
    person = PersonFactory()
    with pytest.raises(ApplicationError):
        register(dpo, timezone.localdate(), person=person)
    request = register(dpo, timezone.localdate())
    with pytest.raises(ApplicationError):
        dsar.request_link_person(actor=dpo, request=request, person=person)
    request.refresh_from_db()
    assert request.person is None
    assert request.received_by == dpo


def test_a_district_representative_handles_no_requests(personas):
    with pytest.raises(ApplicationError):
        register(personas.district_a, timezone.localdate())
    assert not DataSubjectRequest.objects.exists()


# --- Due this week -----------------------------------------------------------------------------


def _request_due(staff, deadline, **extra):
    request = register(staff, dt.date(2026, 1, 1), **extra)
    DataSubjectRequest.objects.filter(pk=request.pk).update(due_on=deadline)
    request.refresh_from_db()
    return request


def test_the_board_puts_overdue_first_then_due_this_week_then_later(staff):
    today = dt.date(2026, 3, 10)
    late = _request_due(staff, dt.date(2026, 3, 9))
    today_due = _request_due(staff, today)
    last_of_week = _request_due(staff, dt.date(2026, 3, 16))
    next_week = _request_due(staff, dt.date(2026, 3, 17))
    extended = _request_due(staff, dt.date(2026, 3, 11))
    DataSubjectRequest.objects.filter(pk=extended.pk).update(extended_to=dt.date(2026, 5, 11))
    closed = _request_due(staff, dt.date(2026, 3, 12))
    dsar.request_refuse(actor=staff, request=closed, reason="Dubblett")

    board = dsar.request_board(staff, today=today)

    assert [r.pk for r in board.overdue] == [late.pk]
    assert [r.pk for r in board.due_soon] == [today_due.pk, last_of_week.pk]
    assert [r.pk for r in board.later] == [next_week.pk, extended.pk]
    assert [r.pk for r in board.closed] == [closed.pk]
    assert board.open_count == 5


def test_the_board_is_empty_for_those_who_handle_no_requests(staff, personas):
    _request_due(staff, dt.date(2026, 3, 9))
    board = dsar.request_board(personas.coordinator_a1, today=dt.date(2026, 3, 10))
    assert board.open_count == 0 and not board.closed


# --- Reminders ---------------------------------------------------------------------------------


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(7, 30)))


def test_reminders_go_once_when_due_within_a_week_and_once_when_overdue(personas):
    """To every data-protection officer and admin (not to staff, nor anyone else)."""
    staff = personas.staff
    due = _request_due(staff, dt.date(2026, 3, 14))
    _request_due(staff, dt.date(2026, 4, 30))  # not yet
    mail.outbox.clear()

    first = dsar.requests_send_reminders(now=_at(dt.date(2026, 3, 10)))
    assert (first.due_soon, first.overdue) == (1, 0)
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([personas.dpo.email, personas.admin.email])
    # In each recipient's language: Swedish unless they chose English.
    assert "tidsfrist inom en vecka" in mail.outbox[0].subject

    mail.outbox.clear()
    again = dsar.requests_send_reminders(now=_at(dt.date(2026, 3, 11)))
    assert (again.due_soon, again.overdue, again.sent) == (0, 0, 0)
    assert mail.outbox == []

    late = dsar.requests_send_reminders(now=_at(dt.date(2026, 3, 15)))
    assert (late.due_soon, late.overdue) == (0, 1)
    assert len(mail.outbox) == 2
    assert "har passerat tidsfristen" in mail.outbox[0].subject

    mail.outbox.clear()
    dsar.requests_send_reminders(now=_at(dt.date(2026, 3, 16)))
    assert mail.outbox == []
    due.refresh_from_db()
    assert due.reminded_at is not None and due.overdue_reminded_at is not None


def test_a_request_found_overdue_first_gets_one_email_not_two(staff, dpo):
    _request_due(staff, dt.date(2026, 3, 1))
    mail.outbox.clear()
    dsar.requests_send_reminders(now=_at(dt.date(2026, 3, 10)))
    dsar.requests_send_reminders(now=_at(dt.date(2026, 3, 11)))
    assert [m.to for m in mail.outbox] == [[dpo.email]]


def test_the_reminder_names_no_requester_and_links_the_request(staff, dpo):
    request = _request_due(staff, dt.date(2026, 3, 12), requester_name="Greta Grön")
    mail.outbox.clear()
    dsar.requests_send_reminders(now=_at(dt.date(2026, 3, 10)))
    [message] = mail.outbox
    body = message.body + "".join(str(a[0]) for a in getattr(message, "alternatives", []))
    assert f"/privacy/requests/{request.pk}/" in body
    assert "2026-03-12" in body
    assert "Greta" not in body and "greta@example.org" not in body


def test_reminders_go_to_the_configured_addresses_instead(staff, dpo, settings):
    settings.PRIVACY_REQUEST_EMAILS = ["dataskydd@example.org"]
    _request_due(staff, dt.date(2026, 3, 12))
    mail.outbox.clear()
    dsar.requests_send_reminders(now=_at(dt.date(2026, 3, 10)))
    assert [m.to for m in mail.outbox] == [["dataskydd@example.org"]]


def test_an_extended_deadline_gets_its_own_reminders(staff, dpo):
    request = _request_due(staff, dt.date(2026, 3, 14))
    mail.outbox.clear()
    dsar.requests_send_reminders(now=_at(dt.date(2026, 3, 10)))
    assert len(mail.outbox) == 1
    dsar.request_extend(
        actor=staff, request=request, months=1, reason="Komplex", today=dt.date(2026, 3, 11)
    )
    request.refresh_from_db()
    assert request.deadline == dt.date(2026, 4, 14)
    mail.outbox.clear()
    dsar.requests_send_reminders(now=_at(dt.date(2026, 3, 12)))
    assert mail.outbox == []  # a month away now
    dsar.requests_send_reminders(now=_at(dt.date(2026, 4, 8)))
    assert len(mail.outbox) == 1


def test_closed_requests_are_not_reminded(staff, dpo):
    request = _request_due(staff, dt.date(2026, 3, 12))
    dsar.request_refuse(actor=staff, request=request, reason="Dubblett")
    mail.outbox.clear()
    dsar.requests_send_reminders(now=_at(dt.date(2026, 3, 10)))
    assert mail.outbox == []


def test_the_daily_jobs_are_registered_with_the_scheduler():
    from aktivist.core.schedule import jobs

    assert jobs["privacy.request_reminders"].period == "daily"
    assert jobs["privacy.retention"].period == "daily"
    assert jobs["privacy.retention"].not_before_hour == 4


def test_erasing_the_person_with_the_request_closes_it_as_fulfilled(staff):
    from aktivist.privacy.erasure import person_erase

    person = PersonFactory()
    request = register(staff, timezone.localdate(), kind=Kind.ERASURE, person=person)
    dsar.request_check_identity(actor=staff, request=request, method="Legitimation")
    person_erase(actor=staff, person=person, reason="request", request=request)
    request.refresh_from_db()
    assert request.status == Status.FULFILLED and request.closed_by == staff
    assert AuditEvent.objects.filter(
        verb="privacy.request_fulfilled", object_id=str(request.pk)
    ).exists()


def test_an_erasure_request_about_someone_in_the_register_is_fulfilled_only_by_erasing(staff):
    person = PersonFactory()
    request = register(staff, timezone.localdate(), kind=Kind.ERASURE, person=person)
    dsar.request_check_identity(actor=staff, request=request, method="Legitimation")
    with pytest.raises(ApplicationError):
        dsar.request_fulfil(actor=staff, request=request, outcome="Raderad")
    request.refresh_from_db()
    assert request.status == Status.IDENTITY_CHECKED


def test_an_erasure_request_about_no_one_in_the_register_is_fulfilled_with_a_note(staff):
    request = register(staff, timezone.localdate(), kind=Kind.ERASURE)
    dsar.request_check_identity(actor=staff, request=request, method="Legitimation")
    with pytest.raises(ApplicationError):
        dsar.request_fulfil(actor=staff, request=request, outcome="")
    dsar.request_fulfil(actor=staff, request=request, outcome="Inga uppgifter om personen")
    request.refresh_from_db()
    assert request.status == Status.FULFILLED


def test_when_no_reminder_could_be_sent_the_next_run_tries_again(staff, dpo, monkeypatch):
    from aktivist.core import emails
    from aktivist.core.transport_errors import TransportError

    request = _request_due(staff, dt.date(2026, 3, 12))
    real = emails.send_transactional

    def down(*args, **kwargs):
        raise TransportError("421 try again later", permanent=False)

    monkeypatch.setattr(emails, "send_transactional", down)
    mail.outbox.clear()
    failed = dsar.requests_send_reminders(now=_at(dt.date(2026, 3, 10)))
    assert (failed.sent, failed.failed) == (0, 1)
    request.refresh_from_db()
    assert request.reminded_at is None

    monkeypatch.setattr(emails, "send_transactional", real)
    dsar.requests_send_reminders(now=_at(dt.date(2026, 3, 11)))
    assert [m.to for m in mail.outbox] == [[dpo.email]]
