"""What people who sign up for events are told by email: the confirmation (with an .ics
file and a cancel link), the waiting-list confirmation, the promotion from the waiting
list, the reminder before the event and the news that its time or place changed (with the
updated .ics: same UID, higher SEQUENCE).

Messages go only to an active person with an email address; an erased person (whose
registration lost its person) gets nothing. Logs carry ids and counts, never addresses.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from aktivist.core import emails
from aktivist.programmes import ics
from aktivist.programmes.models import Event, Registration

logger = logging.getLogger(__name__)

CANCEL_TOKEN_SALT = "aktivist.programmes.cancel"  # noqa: S105 (a salt, not a secret)
LANGUAGES = ("sv", "en")


# --- The cancel link: a signed token naming the registration, no login ----------------


def cancel_token(registration_id: int) -> str:
    return signing.dumps(registration_id, salt=CANCEL_TOKEN_SALT)


def read_cancel_token(token: Any) -> int | None:
    """The registration a cancel link names, or None for a token that is not ours."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    try:
        value = signing.loads(token, salt=CANCEL_TOKEN_SALT)
    except (signing.BadSignature, ValueError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def cancel_url(registration: Registration, language: str) -> str:
    """The absolute cancel link of a registration (in its emails)."""
    token = cancel_token(registration.pk)
    path = reverse("public:event_cancel", args=[registration.event.slug, token])
    return f"{settings.SITE_URL.rstrip('/')}{path}?lang={language}"


# --- Sending ----------------------------------------------------------------------------


def _load(registration_id: int) -> Registration | None:
    """The registration with its event and person, when its person may be written to."""
    registration = (
        Registration.objects.select_related("event__unit", "event__programme", "person")
        .filter(pk=registration_id)
        .first()
    )
    if registration is None:
        return None
    person = registration.person
    if person is None or not person.is_active or person.erased_at or not person.email:
        return None
    return registration


def _language(value: str | None) -> str:
    return value if value in LANGUAGES else "sv"


def _context(registration: Registration, language: str) -> dict[str, Any]:
    event: Event = registration.event
    return {
        "first_name": registration.person.first_name if registration.person else "",
        "event": event,
        "place": event.place,
        "online_url": event.online_url,
        "unit_name": event.unit.name,
        "same_day": timezone.localtime(event.starts_at).date()
        == timezone.localtime(event.ends_at).date(),
        "event_url": ics.event_url(event, language),
        "cancel_url": cancel_url(registration, language),
        "waitlisted": registration.status == Registration.Status.WAITLISTED,
    }


def _send(registration: Registration, name: str, language: str, *, with_calendar: bool) -> None:
    email = registration.person.email if registration.person else None
    if not email:
        return
    attachments: list[tuple[str, bytes | str, str]] = []
    if with_calendar:
        content = ics.event_calendar(
            registration.event, uid=ics.event_uid(registration.event_id), language=language
        )
        attachments.append((ics.FILENAME, content, ics.MIMETYPE))
    emails.send_transactional(
        f"programmes/{name}",
        to=email,
        language=language,
        context=_context(registration, language),
        attachments=attachments,
        person=registration.person,
    )


def send_confirmation(registration_id: int, language: str) -> str:
    """The sign-up's confirmation, chosen by the registration's status now: a seat (with
    the .ics file) or the waiting list. Returns what was sent ("" for nothing)."""
    registration = _load(registration_id)
    if registration is None:
        return ""
    language = _language(language)
    if registration.status == Registration.Status.REGISTERED:
        _send(registration, "registration_confirmed", language, with_calendar=True)
        sent = "registered"
    elif registration.status == Registration.Status.WAITLISTED:
        _send(registration, "registration_waitlisted", language, with_calendar=False)
        sent = "waitlisted"
    else:
        return ""
    logger.info("event confirmation sent registration=%s kind=%s", registration_id, sent)
    return sent


def send_promotion(registration_id: int) -> bool:
    """ "You got a seat": to the person moved up from the waiting list, with the .ics file."""
    registration = _load(registration_id)
    if registration is None or registration.status != Registration.Status.REGISTERED:
        return False
    language = _language(registration.person.language if registration.person else "")
    _send(registration, "waitlist_promoted", language, with_calendar=True)
    logger.info("event promotion sent registration=%s", registration_id)
    return True


# --- A new time or place -------------------------------------------------------------


def send_event_changed(event_id: int, sequence: int) -> int:
    """Tell everyone registered or waiting that the event's time or place changed: those
    with a seat get the updated calendar entry (the waiting list never got one). Nothing
    is sent when the event changed again since (``sequence`` is not its SEQUENCE any more:
    the later change's task tells) or was cancelled (that news goes out on its own). One
    failed address does not stop the others. Returns how many messages were sent."""
    event = (
        Event.objects.select_related("unit", "programme")
        .filter(pk=event_id, cancelled_at__isnull=True, calendar_sequence=sequence)
        .first()
    )
    if event is None:
        return 0
    registrations = (
        Registration.objects.filter(
            event=event,
            status__in=[Registration.Status.REGISTERED, Registration.Status.WAITLISTED],
            person__is_active=True,
            person__erased_at__isnull=True,
        )
        .exclude(person__email__isnull=True)
        .exclude(person__email="")
        .select_related("person")
        .order_by("id")
    )
    sent = failed = 0
    for registration in registrations.iterator(chunk_size=500):
        registration.event = event  # one event for all: no query per registration
        person = registration.person
        language = _language((person.language if person else "") or event.language)
        seated = registration.status == Registration.Status.REGISTERED
        try:
            _send(registration, "event_changed", language, with_calendar=seated)
        except Exception as e:
            # The error's text may hold the address: only its kind is logged.
            failed += 1
            logger.warning(
                "event change email failed event=%s error=%s", event_id, type(e).__name__
            )
        else:
            sent += 1
    logger.info("event change emails event=%s sent=%d failed=%d", event_id, sent, failed)
    return sent


# --- Reminders: an hourly job --------------------------------------------------------


def due_reminder_ids(now: dt.datetime) -> list[int]:
    """Registrations that hold a seat at an event that has not started, whose reminder
    time (starts_at − reminder_hours_before) has come and who have had no reminder."""
    waiting = Registration.objects.filter(
        status=Registration.Status.REGISTERED, reminder_sent_at__isnull=True
    )
    events = (
        Event.objects.filter(
            cancelled_at__isnull=True, starts_at__gt=now, reminder_hours_before__gt=0
        )
        .filter(pk__in=waiting.values("event_id"))
        .values_list("id", "starts_at", "reminder_hours_before")
    )
    due = [
        event_id
        for event_id, starts_at, hours in events
        if now >= starts_at - dt.timedelta(hours=hours)
    ]
    if not due:
        return []
    return list(
        waiting.filter(
            event_id__in=due,
            person__is_active=True,
            person__erased_at__isnull=True,
            person__email__isnull=False,
        )
        .exclude(person__email="")
        .order_by("event__starts_at", "id")
        .values_list("id", flat=True)
    )


def _remind(registration_id: int, now: dt.datetime) -> bool:
    """Send one reminder and mark it sent. The mark follows the send, so a crash between
    the two repeats this one message at most. On PostgreSQL the row is locked while it is
    sent (two overlapping runs skip each other's rows); SQLite's single writer lets no
    second run overlap, and its write lock must not wait for a mail server."""
    unsent = Registration.objects.filter(
        pk=registration_id,
        status=Registration.Status.REGISTERED,
        reminder_sent_at__isnull=True,
        event__cancelled_at__isnull=True,
        event__starts_at__gt=now,
    )
    if not connection.features.has_select_for_update_skip_locked:
        registration = _load(registration_id) if unsent.exists() else None
        if registration is None:
            return False
        _send(registration, "event_reminder", _reminder_language(registration), with_calendar=False)
        unsent.update(reminder_sent_at=timezone.now())
        return True
    with transaction.atomic():
        if unsent.select_for_update(skip_locked=True, of=("self",)).first() is None:
            return False
        registration = _load(registration_id)
        if registration is None:
            return False
        _send(registration, "event_reminder", _reminder_language(registration), with_calendar=False)
        unsent.update(reminder_sent_at=timezone.now())
    return True


def _reminder_language(registration: Registration) -> str:
    return _language(registration.person.language if registration.person else "")


def send_due_reminders(now: dt.datetime | None = None) -> int:
    """Remind everyone whose reminder is due. Returns how many reminders were sent."""
    now = now or timezone.now()
    sent = 0
    failed = 0
    for registration_id in due_reminder_ids(now):
        try:
            if _remind(registration_id, now):
                sent += 1
        except Exception as e:
            # One refused message must not stop the rest. The error's text may hold the
            # address: only its kind is logged.
            failed += 1
            logger.warning(
                "event reminder failed registration=%s error=%s", registration_id, type(e).__name__
            )
    logger.info("event reminders sent count=%d failed=%d", sent, failed)
    return sent
