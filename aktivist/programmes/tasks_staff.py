"""Work outside the request for the staff pages of events: telling registrants that an
event was cancelled or that its time or place changed. (The public pages' messages live in
aktivist/programmes/tasks.py.)"""

from __future__ import annotations

import logging

from django_tasks import task

from aktivist.core import emails
from aktivist.programmes import ics, notifications
from aktivist.programmes.models import Event, Registration

logger = logging.getLogger(__name__)

TOLD = (Registration.Status.REGISTERED, Registration.Status.WAITLISTED)


@task()
def send_event_changed(event_id: int, sequence: int) -> None:
    """Tell everyone signed up the event's new time or place, with the updated calendar
    entry (aktivist/programmes/notifications.py)."""
    notifications.send_event_changed(event_id, sequence)


@task()
def send_event_cancelled(event_id: int) -> None:
    """Email everyone registered or on the waiting list of a cancelled event, each in their
    own language; those with a seat get the calendar entry marked CANCELLED (same UID,
    higher SEQUENCE). One failed address does not stop the others."""
    event = (
        Event.objects.select_related("unit").filter(pk=event_id, cancelled_at__isnull=False).first()
    )
    if event is None:
        return
    registrations = (
        Registration.objects.filter(event=event, status__in=TOLD, person__is_active=True)
        .exclude(person__email__isnull=True)
        .exclude(person__email="")
        .select_related("person")
        .order_by("id")
    )
    sent = failed = 0
    for registration in registrations.iterator(chunk_size=500):
        person = registration.person
        assert person is not None  # noqa: S101 - filtered on the person above
        language = person.language or event.language
        seated = registration.status == Registration.Status.REGISTERED
        try:
            attachments: list[tuple[str, bytes | str, str]] = []
            if seated:
                content = ics.event_calendar(event, uid=ics.event_uid(event.pk), language=language)
                attachments.append((ics.FILENAME, content, ics.MIMETYPE))
            emails.send_transactional(
                "programmes/event_cancelled",
                to=person.email or "",
                person=person,
                language=language,
                attachments=attachments,
                context={
                    "first_name": person.first_name,
                    "title": event.title,
                    "starts_at": event.starts_at,
                    "place": event.place,
                    "online": bool(event.online_url),
                    "organiser": event.unit.name,
                    "contact_email": event.unit.email,
                    "waitlisted": registration.status == Registration.Status.WAITLISTED,
                },
            )
        except Exception as exc:  # one bad address must not stop the rest
            failed += 1
            # The error's text may name the address: log its kind only.
            logger.warning(
                "event cancellation email failed event=%s error=%s", event.pk, type(exc).__name__
            )
        else:
            sent += 1
    logger.info("event cancellation emails event=%s sent=%d failed=%d", event.pk, sent, failed)


@task()
def send_registrants_message(
    event_id: int, registration_ids: list[int], subject: str, body: str, sender: str
) -> None:
    """The organisers' message to the registrants named (aktivist/programmes/
    registrant_messages.py): to each typed address, else the person's own; in the event's
    language. One failed address does not stop the others."""
    event = Event.objects.select_related("unit").filter(pk=event_id).first()
    if event is None:
        return
    registrations = (
        Registration.objects.filter(pk__in=registration_ids, event=event)
        .select_related("person")
        .order_by("id")
    )
    sent = held = failed = 0
    for registration in registrations.iterator(chunk_size=500):
        person = registration.person
        to = registration.typed_email or (person.email if person is not None else "") or ""
        if not to:
            held += 1
            continue
        first_name = registration.typed_first_name or (person.first_name if person else "")
        language = (person.language if person is not None else "") or event.language
        try:
            delivered = emails.send_transactional(
                "programmes/registrants_message",
                to=to,
                person=person,
                language=language,
                headers={"Reply-To": event.unit.email} if event.unit.email else None,
                context={
                    "first_name": first_name,
                    "subject": subject,
                    "body": body,
                    "sender": sender,
                    "title": event.title,
                    "starts_at": event.starts_at,
                    "place": event.place,
                    "organiser": event.unit.name,
                },
            )
        except Exception as exc:  # one bad address must not stop the rest
            failed += 1
            logger.warning(
                "registrants message failed event=%s error=%s", event.pk, type(exc).__name__
            )
        else:
            if delivered:
                sent += 1
            else:
                held += 1
    logger.info(
        "registrants message event=%s sent=%d held=%d failed=%d", event.pk, sent, held, failed
    )
