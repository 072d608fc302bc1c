"""A new time or place, and a cancellation, reach everyone signed up with an updated
calendar entry: the same UID as the file they got, a higher SEQUENCE, METHOD:PUBLISH,
STATUS:CANCELLED on cancellation; libical's checks pass on every file."""

from __future__ import annotations

import datetime as dt
import email
import email.header
from email.message import Message
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from aktivist.organisation.tests.factories import UnitFactory
from aktivist.people.tests.factories import PersonFactory
from aktivist.programmes import ics, notifications, services
from aktivist.programmes.models import Event
from aktivist.programmes.tests.factories import EventFactory, RegistrationFactory
from aktivist.programmes.tests.libical import libical_errors

pytestmark = pytest.mark.django_db


def in_days(days: float, hour: int = 18) -> dt.datetime:
    day = timezone.localtime() + dt.timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
def event(world: Any) -> Any:
    return EventFactory(
        unit=world.group_a1,
        title="Kampanjutbildning",
        starts_at=in_days(10),
        ends_at=in_days(10, hour=21),
        place="Föreningarnas hus, Malmö",
    )


@pytest.fixture
def signed_up(event: Event) -> dict[str, Any]:
    """Anna holds a seat (Swedish), Ben waits (English), Carl cancelled, Dora has no email."""
    return {
        "anna": RegistrationFactory(event=event, person=PersonFactory(email="anna@example.org")),
        "ben": RegistrationFactory(
            event=event,
            status="waitlisted",
            person=PersonFactory(email="ben@example.org", language="en"),
        ),
        "carl": RegistrationFactory(
            event=event, status="cancelled", person=PersonFactory(email="carl@example.org")
        ),
        "dora": RegistrationFactory(event=event, person=PersonFactory(email=None)),
    }


def _calendar_in(message: Message) -> bytes | None:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload
    return None


def _text(message: Message) -> str:
    parts = {part.get_content_type(): part for part in message.walk()}
    payload = parts["text/plain"].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def _subject(message: Message) -> str:
    return str(email.header.make_header(email.header.decode_header(message["Subject"])))


def _outbox_calendar(message: Any) -> bytes | None:
    """The .ics attached to a message of Django's test outbox, as its recipient gets it."""
    return _calendar_in(email.message_from_bytes(message.message().as_bytes()))


def _vevent(raw: bytes) -> Any:
    calendar = Calendar.from_ical(raw)
    assert str(calendar["METHOD"]) == "PUBLISH"
    return calendar.walk("VEVENT")[0]


def _received(maildir: Any) -> dict[str, list[Message]]:
    by_address: dict[str, list[Message]] = {}
    for message in maildir:
        by_address.setdefault(str(message["To"]), []).append(message)
    return by_address


def test_a_new_time_tells_each_registrant_once_with_the_same_entry_one_sequence_higher(
    event, signed_up, personas, smtp_server, django_capture_on_commit_callbacks
):
    notifications.send_confirmation(signed_up["anna"].pk, "sv")
    confirmation = _received(smtp_server)["anna@example.org"][0]
    original = _vevent(_calendar_in(confirmation) or b"")

    new_start = in_days(12, hour=17)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(
            actor=personas.coordinator_a1,
            event=event,
            data={"starts_at": new_start, "ends_at": new_start + dt.timedelta(hours=3)},
        )

    received = _received(smtp_server)
    assert set(received) == {"anna@example.org", "ben@example.org"}
    assert len(received["anna@example.org"]) == 2  # the confirmation, then one change
    [change] = [
        m for m in received["anna@example.org"] if m["Message-ID"] != confirmation["Message-ID"]
    ]
    assert _subject(change) == "Ändrat: Kampanjutbildning"
    updated = _vevent(_calendar_in(change) or b"")
    assert str(updated["UID"]) == str(original["UID"]) == ics.event_uid(event.pk)
    assert int(updated["SEQUENCE"]) == int(original["SEQUENCE"]) + 1
    assert updated.decoded("DTSTART") == new_start
    assert str(updated["STATUS"]) == "CONFIRMED"
    # The waiting list is told, in English, but gets no calendar entry: it never had one.
    [waiting] = received["ben@example.org"]
    assert _subject(waiting) == "Changed: Kampanjutbildning"
    assert _calendar_in(waiting) is None
    text = _text(waiting)
    assert "waiting list" in text and "has changed" in text and "17:00" in text


def test_changing_only_the_description_or_title_tells_nobody(
    event, signed_up, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(
            actor=personas.staff,
            event=event,
            data={"description": "Ta med fika.", "title": "Kampanjutbildning i Malmö"},
        )
    assert mail.outbox == []
    event.refresh_from_db()
    assert event.calendar_sequence == 0


def test_a_new_place_or_online_link_tells_them_and_raises_the_sequence_each_time(
    event, signed_up, personas, django_capture_on_commit_callbacks
):
    for data in (
        {"place": "Stadsbiblioteket, Malmö"},
        {"online_url": "https://meet.example.org/x"},
    ):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            services.event_update(actor=personas.staff, event=event, data=data)
        assert sorted(m.to[0] for m in mail.outbox) == ["anna@example.org", "ben@example.org"]
    [anna] = [m for m in mail.outbox if m.to == ["anna@example.org"]]
    entry = _vevent(_outbox_calendar(anna) or b"")
    assert int(entry["SEQUENCE"]) == 2
    assert str(entry["LOCATION"]) == "Stadsbiblioteket, Malmö"
    assert "https://meet.example.org/x" in anna.body


def test_two_quick_changes_send_only_the_latest(
    event, signed_up, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.event_update(actor=personas.staff, event=event, data={"place": "Rum 1"})
        services.event_update(actor=personas.staff, event=event, data={"place": "Rum 2"})
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == ["anna@example.org", "ben@example.org"]
    [anna] = [m for m in mail.outbox if m.to == ["anna@example.org"]]
    entry = _vevent(_outbox_calendar(anna) or b"")
    assert (int(entry["SEQUENCE"]), str(entry["LOCATION"])) == (2, "Rum 2")


def test_correcting_an_event_that_took_place_tells_nobody(
    world, personas, django_capture_on_commit_callbacks
):
    past = EventFactory(
        unit=world.group_a1, starts_at=in_days(-3), ends_at=in_days(-3, hour=21), place="A"
    )
    RegistrationFactory(event=past, person=PersonFactory(email="anna@example.org"))
    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(actor=personas.staff, event=past, data={"place": "B"})
    assert mail.outbox == []


def test_cancelling_sends_the_seat_holders_the_entry_marked_cancelled(
    event, signed_up, personas, django_capture_on_commit_callbacks
):
    uid_before = str(_vevent(ics.event_calendar(event, uid=ics.event_uid(event.pk)))["UID"])
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(actor=personas.staff, event=event)
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"anna@example.org", "ben@example.org"}
    entry = _vevent(_outbox_calendar(by_address["anna@example.org"]) or b"")
    assert str(entry["STATUS"]) == "CANCELLED"
    assert str(entry["UID"]) == uid_before
    assert int(entry["SEQUENCE"]) == 1
    assert _outbox_calendar(by_address["ben@example.org"]) is None


def test_a_change_still_queued_when_the_event_is_cancelled_is_not_sent(
    event, signed_up, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.event_update(actor=personas.staff, event=event, data={"place": "Rum 1"})
        services.event_cancel(actor=personas.staff, event=event)
    for callback in callbacks:
        callback()
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == ["Cancelled: Kampanjutbildning", "Inställt: Kampanjutbildning"]


@pytest.mark.parametrize("organiser_email", ["malmo@example.org", ""])
def test_every_calendar_file_passes_libicals_checks(
    world, personas, organiser_email, django_capture_on_commit_callbacks
):
    unit = UnitFactory(name="Grupp Lund", email=organiser_email)
    event = EventFactory(
        unit=unit,
        title="Möte; planering, höst\\vår",
        description="Ta med fika!\nVi ses.",
        starts_at=in_days(10),
        ends_at=in_days(10, hour=21),
        place="Folkets hus, Stora salen; Lund",
    )
    registration = RegistrationFactory(event=event, person=PersonFactory(email="a@example.org"))
    notifications.send_confirmation(registration.pk, "sv")
    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(
            actor=None, event=event, data={"online_url": "https://meet.example.org/room"}
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(actor=None, event=event)
    files = [_outbox_calendar(m) for m in mail.outbox]
    assert len(files) == 3 and all(files)
    assert [int(_vevent(f or b"")["SEQUENCE"]) for f in files] == [0, 1, 2]
    for raw in files:
        assert libical_errors(raw or b"") == []
