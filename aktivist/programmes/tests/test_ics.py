"""The .ics file: METHOD:PUBLISH, a stable UID, times in UTC, location and URL, escaping
and line folding as RFC 5545 wants them."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from aktivist.organisation.tests.factories import UnitFactory
from aktivist.programmes.ics import event_calendar, event_uid
from aktivist.programmes.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

STOCKHOLM_SUMMER = dt.timezone(dt.timedelta(hours=2))


@pytest.fixture
def event(settings):
    settings.SITE_URL = "https://aktivist.example.org"
    starts = dt.datetime(2031, 6, 10, 18, 0, tzinfo=STOCKHOLM_SUMMER)
    return EventFactory(
        slug="sommarmote",
        title="Sommarmöte; planering, kampanj\\aktion",
        description="Vi planerar höstens kampanj.\nTa med fika!",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2, minutes=30),
        place="Folkets hus, Stora salen; Malmö",
        unit=UnitFactory(name="Grupp Malmö", email="malmo@example.org"),
    )


def _lines(raw: bytes) -> list[str]:
    return raw.decode("utf-8").split("\r\n")


def test_the_file_publishes_one_event_in_utc(event):
    raw = event_calendar(event, uid=event_uid(7), language="sv")
    lines = _lines(raw)
    assert lines[0] == "BEGIN:VCALENDAR"
    assert "VERSION:2.0" in lines
    assert "METHOD:PUBLISH" in lines
    assert "DTSTART:20310610T160000Z" in lines
    assert "DTEND:20310610T183000Z" in lines
    assert "UID:event-7@aktivist.example.org" in lines
    assert "URL:https://aktivist.example.org/e/sommarmote/" in lines
    assert "STATUS:CONFIRMED" in lines
    assert "SEQUENCE:0" in lines  # raised by each change of time or place
    assert any(line.startswith("DTSTAMP:") and line.endswith("Z") for line in lines)
    assert raw.endswith(b"END:VCALENDAR\r\n")


def test_text_is_escaped_and_long_lines_are_folded(event):
    raw = event_calendar(event, uid=event_uid(event.pk), language="sv")
    lines = _lines(raw)
    assert "SUMMARY:Sommarmöte\\; planering\\, kampanj\\\\aktion" in lines
    assert "LOCATION:Folkets hus\\, Stora salen\\; Malmö" in lines
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    parsed = Calendar.from_ical(raw).walk("VEVENT")[0]
    assert str(parsed["SUMMARY"]) == event.title
    description = str(parsed["DESCRIPTION"])
    assert description.startswith("Vi planerar höstens kampanj.\nTa med fika!")
    assert "https://aktivist.example.org/e/sommarmote/?lang=sv" in description
    assert str(parsed["ORGANIZER"]) == "mailto:malmo@example.org"
    assert parsed["ORGANIZER"].params["CN"] == "Grupp Malmö"


def test_the_uid_is_stable_per_event_and_the_stamp_follows_now(event):
    now = dt.datetime(2031, 1, 1, 12, 0, tzinfo=dt.UTC)
    first = event_calendar(event, uid=event_uid(7), now=now)
    second = event_calendar(event, uid=event_uid(7), now=now)
    assert first == second
    assert "DTSTAMP:20310101T120000Z" in _lines(first)
    assert event_uid(7) != event_uid(8)


def test_without_a_unit_address_the_organiser_is_the_organisations_sender(event, settings):
    settings.DEFAULT_FROM_EMAIL = (
        "Människorättsorganisationen, svenska sektionen <info@example.org>"
    )
    event.unit.email = ""
    parsed = Calendar.from_ical(event_calendar(event, uid=event_uid(event.pk))).walk("VEVENT")[0]
    assert str(parsed["ORGANIZER"]) == "mailto:info@example.org"
    assert parsed["ORGANIZER"].params["CN"] == "Grupp Malmö"


def test_an_online_event_has_its_link_as_location_and_a_cancelled_one_says_so(event):
    event.place = ""
    event.online_url = "https://meet.example.org/room-1"
    event.cancelled_at = event.starts_at - dt.timedelta(days=1)
    lines = _lines(event_calendar(event, uid=event_uid(event.pk), language="en"))
    assert "LOCATION:https://meet.example.org/room-1" in lines
    assert "STATUS:CANCELLED" in lines
