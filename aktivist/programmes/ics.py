"""Calendar files (.ics, RFC 5545) for events: the confirmation's attachment and the
"add to calendar" download of the thank-you page, and the updated entry sent when the
event's time or place changes or it is cancelled (same UID, higher SEQUENCE).

The ``icalendar`` library writes the file: it escapes text (commas, semicolons,
backslashes, new lines) and folds lines at 75 octets. Times are written in UTC, so every
calendar shows them in its own time zone without a VTIMEZONE block.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as CalendarEvent

from aktivist.programmes.models import Event

PRODID = "-//Aktivist//Events//SV"
# The attachment's type: the METHOD parameter repeats the file's METHOD (RFC 6047).
MIMETYPE = "text/calendar; method=PUBLISH"
FILENAME = "event.ics"


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "aktivist.invalid"


def _sender_address() -> str:
    """The bare address of DEFAULT_FROM_EMAIL (everything before ``<`` is its name)."""
    value = settings.DEFAULT_FROM_EMAIL
    if "<" in value:
        value = value.rpartition("<")[2].partition(">")[0]
    return value.strip()


def event_uid(event_id: int) -> str:
    """One calendar entry per event: the confirmation's file, a promotion's and the
    thank-you page's download share it, so a later file replaces the entry instead of
    adding one (and the page's link needs no registration's id)."""
    return f"event-{event_id}@{_host()}"


def event_url(event: Event, language: str = "") -> str:
    """The event's public page, absolute (in emails and calendar files)."""
    path = reverse("public:event", args=[event.slug])
    suffix = f"?lang={language}" if language else ""
    return f"{settings.SITE_URL.rstrip('/')}{path}{suffix}"


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def event_location(event: Event) -> str:
    return event.place or event.online_url


def event_calendar(
    event: Event, *, uid: str, language: str = "sv", now: dt.datetime | None = None
) -> bytes:
    """One VEVENT in a VCALENDAR with METHOD:PUBLISH, as bytes with CRLF line ends."""
    with translation.override(language):
        lines = [event.description.strip()]
        if event.online_url and event.place:
            lines.append(_("Online: %(url)s") % {"url": event.online_url})
        lines.append(_("Event page: %(url)s") % {"url": event_url(event, language)})
        description = "\n\n".join(line for line in lines if line)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    entry = CalendarEvent()
    entry.add("uid", uid)
    # Every file of an event shares its UID; a higher SEQUENCE makes calendar apps
    # replace the entry after a change of time or place, or a cancellation.
    entry.add("sequence", event.calendar_sequence)
    entry.add("dtstamp", _utc(now or timezone.now()))
    entry.add("dtstart", _utc(event.starts_at))
    entry.add("dtend", _utc(event.ends_at))
    entry.add("summary", event.title)
    entry.add("description", description)
    location = event_location(event)
    if location:
        entry.add("location", location)
    entry.add("url", event_url(event))
    entry.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    # RFC 5546 wants one ORGANIZER in a PUBLISH (libical refuses the file without): the
    # unit's address, else the organisation's sender address, named after the unit.
    organiser = vCalAddress(f"mailto:{event.unit.email or _sender_address()}")
    organiser.params["cn"] = vText(event.unit.name)
    entry.add("organizer", organiser)
    calendar.add_component(entry)
    return bytes(calendar.to_ical())
