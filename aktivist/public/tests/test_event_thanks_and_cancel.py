"""The event's thank-you page (the answer, the calendar file, sharing, the SMS code) and the
cancel link of the emails (a button, never a cancellation on opening; promotion)."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone
from icalendar import Calendar

from aktivist.people.models import Consent
from aktivist.programmes.ics import event_uid
from aktivist.programmes.models import Registration
from aktivist.programmes.notifications import cancel_token
from aktivist.programmes.tests.factories import EventFactory, RegistrationFactory
from aktivist.public.tests.event_helpers import post_sign_up

pytestmark = pytest.mark.django_db


def _cancel_url(registration: Registration) -> str:
    return f"/e/{registration.event.slug}/cancel/{cancel_token(registration.pk)}/?lang=en"


def test_the_thank_you_page_says_registered_and_offers_the_calendar_file(client, settings):
    settings.SITE_URL = "https://aktivist.example.org"
    event = EventFactory(title="Campaign training", slug="training-lund", capacity=10)
    response = post_sign_up(client, event)
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "You are signed up!" in html
    assert "You have a place." in html
    target = quote("https://aktivist.example.org/e/training-lund/", safe="")
    assert f"https://www.facebook.com/sharer/sharer.php?u={target}" in html
    assert page.cookies == {}

    ics_url = re.search(r'href="(/e/training-lund/calendar\.ics\?[^"]+)"', html).group(1)
    download = client.get(ics_url.replace("&amp;", "&"))
    assert download.status_code == 200
    assert download["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in download["Content-Disposition"]
    entry = Calendar.from_ical(download.content).walk("VEVENT")[0]
    # The same entry as the confirmation email's file: one entry in the calendar.
    [confirmation] = [m for m in mail.outbox if m.subject.startswith("You have a place")]
    _name, attached, _type = confirmation.attachments[0]
    raw = attached.encode() if isinstance(attached, str) else attached
    emailed = Calendar.from_ical(raw).walk("VEVENT")[0]
    assert str(entry["UID"]) == str(emailed["UID"]) == event_uid(event.pk)
    assert str(entry["SUMMARY"]) == "Campaign training"


def test_the_calendar_file_without_a_token_is_the_events_own(client):
    event = EventFactory()
    entry = Calendar.from_ical(client.get(f"/e/{event.slug}/calendar.ics").content).walk("VEVENT")[
        0
    ]
    assert str(entry["UID"]).startswith(f"event-{event.pk}@")
    draft = EventFactory(is_published=False)
    assert client.get(f"/e/{draft.slug}/calendar.ics").status_code == 404


def test_a_forged_or_foreign_thanks_token_shows_no_answer(client):
    event, other = EventFactory(), EventFactory()
    response = post_sign_up(client, other)
    token_url = response["Location"].replace(f"/e/{other.slug}/", f"/e/{event.slug}/")
    html = client.get(token_url).content.decode()
    assert "This page's link has expired" in html
    assert "You have a place." not in html


def test_an_sms_choice_shows_the_code_form_and_the_code_confirms(client, sms_outbox):
    event = EventFactory()
    response = post_sign_up(client, event, mobile="070-111 22 33", consents=["sms"])
    url = response["Location"]
    html = client.get(url).content.decode()
    assert "Confirm your mobile number" in html
    code = re.search(r"\d{6}", sms_outbox[-1][1]).group(0)
    wrong = client.post(url, {"code": "000000" if code != "000000" else "111111"})
    assert "That code is wrong" in wrong.content.decode()
    right = client.post(url, {"code": code})
    assert "your mobile number is confirmed" in right.content.decode()
    consent = Consent.objects.get(person__mobile="+46701112233", channel=Consent.Channel.SMS)
    assert consent.status == Consent.Status.CONFIRMED


def test_opening_the_cancel_link_cancels_nothing_and_the_button_does(client):
    registration = RegistrationFactory(event=EventFactory(title="Seminar"))
    page = client.get(_cancel_url(registration))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Cancel your place?" in html
    assert "Yes, cancel my place" in html
    registration.refresh_from_db()
    assert registration.status == Registration.Status.REGISTERED

    done = client.post(_cancel_url(registration))
    assert "Your registration is cancelled." in done.content.decode()
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    again = client.post(_cancel_url(registration))
    assert "already cancelled" in again.content.decode()
    assert done.cookies == {}


def test_a_cancellation_gives_the_seat_to_the_first_on_the_waiting_list(client):
    event = EventFactory(capacity=1)
    holder = RegistrationFactory(event=event)
    now = timezone.now()
    second = RegistrationFactory(
        event=event,
        status=Registration.Status.WAITLISTED,
        waitlisted_at=now,
        person__language="en",
    )
    first = RegistrationFactory(
        event=event,
        status=Registration.Status.WAITLISTED,
        waitlisted_at=now - dt.timedelta(minutes=5),
        person__language="en",
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(_cancel_url(holder))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Registration.Status.REGISTERED
    assert second.status == Registration.Status.WAITLISTED
    assert [m.to for m in mail.outbox] == [[first.person.email]]
    assert mail.outbox[0].subject == f"You got a place: {event.title}"


def test_a_waiting_list_place_can_be_left(client):
    registration = RegistrationFactory(status=Registration.Status.WAITLISTED)
    html = client.get(_cancel_url(registration)).content.decode()
    assert "Leave the waiting list?" in html
    client.post(_cancel_url(registration))
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED


def test_after_the_start_nothing_can_be_cancelled(client):
    event = EventFactory.create()
    registration = RegistrationFactory(event=event)
    event.starts_at = timezone.now() - dt.timedelta(minutes=1)
    event.save()
    response = client.post(_cancel_url(registration))
    assert "This event has already started" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == Registration.Status.REGISTERED


def test_a_cancelled_event_needs_nothing_from_the_person(client):
    event = EventFactory(cancelled_at=timezone.now())
    registration = RegistrationFactory(event=event)
    response = client.post(_cancel_url(registration))
    assert "you need not do anything" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == Registration.Status.REGISTERED


def test_a_forged_token_or_another_events_address_is_a_404(client):
    registration = RegistrationFactory()
    other = EventFactory()
    assert client.get(f"/e/{registration.event.slug}/cancel/forged:token/").status_code == 404
    wrong_event = f"/e/{other.slug}/cancel/{cancel_token(registration.pk)}/"
    assert client.post(wrong_event).status_code == 404
    registration.refresh_from_db()
    assert registration.status == Registration.Status.REGISTERED


def test_a_drafts_thank_you_page_without_a_token_is_a_404(client):
    draft = EventFactory(is_published=False, title="Secret planning")
    response = client.get(f"/e/{draft.slug}/thanks/?lang=en")
    assert response.status_code == 404
    assert "Secret planning" not in response.content.decode()
