"""Signing up (registering.sign_up) and what people are told: seats, the waiting list in
order, repeats, closed events, the guardian rule, the confirmation with its .ics file and
cancel link, and the promotion email."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.utils import timezone, translation
from django.utils.formats import date_format
from freezegun import freeze_time
from icalendar import Calendar

from aktivist.campaigns.signing import SignatureInput
from aktivist.people.tests.factories import PersonFactory
from aktivist.programmes import registering
from aktivist.programmes.ics import event_uid
from aktivist.programmes.models import Registration
from aktivist.programmes.notifications import read_cancel_token, send_confirmation
from aktivist.programmes.tests.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def signature(n: int = 0, **overrides: Any) -> SignatureInput:
    values: dict[str, Any] = {
        "first_name": f"Signer{n}",
        "last_name": "Test",
        "email": f"signer{n}@example.org",
        "mobile": None,
        "postcode": "",
        "birth_year": 1990,
        "age_bracket": "",
        "language": "en",
    }
    values.update(overrides)
    return SignatureInput(**values)


def sign_up(event: Any, sig: SignatureInput, **kwargs: Any) -> registering.SignUpResult:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return registering.sign_up(event=event, signature=sig, **kwargs)


def test_seats_fill_then_the_waiting_list_takes_people_in_order():
    event = EventFactory(capacity=2)
    results = [sign_up(event, signature(n)) for n in range(4)]
    assert [r.status for r in results] == ["registered", "registered", "waitlisted", "waitlisted"]
    waiting = Registration.objects.filter(event=event, status="waitlisted").order_by(
        "waitlisted_at", "id"
    )
    assert [r.pk for r in waiting] == [results[2].registration_id, results[3].registration_id]


def test_no_capacity_means_everyone_gets_a_seat():
    event = EventFactory(capacity=None)
    assert {sign_up(event, signature(n)).status for n in range(5)} == {"registered"}


def test_a_repeat_is_one_registration_and_changes_nothing():
    event = EventFactory(capacity=2)
    first = sign_up(event, signature(1))
    before = Registration.objects.filter(pk=first.registration_id).values().get()
    again = sign_up(event, signature(1, first_name="Other"))
    assert (again.status, again.registration_id, again.person_id) == (
        "registered",  # a seat is free: what a new sign-up would be told too
        first.registration_id,
        first.person_id,
    )
    assert Registration.objects.filter(event=event).count() == 1
    assert Registration.objects.filter(pk=first.registration_id).values().get() == before


def test_a_repeat_on_a_full_event_answers_waitlisted_like_a_newcomer_and_gets_the_mail_again():
    event = EventFactory(capacity=1, title="Campaign training")
    first = sign_up(event, signature(1))
    before = Registration.objects.filter(pk=first.registration_id).values().get()
    newcomer = sign_up(event, signature(2))
    again = sign_up(event, signature(1, first_name="Other"))
    assert first.status == "registered"
    assert again.status == newcomer.status == "waitlisted"  # the seat stays untold
    assert Registration.objects.filter(pk=first.registration_id).values().get() == before
    # The person's own inbox hears the truth again: they have a place.
    to_signer = [m.subject for m in mail.outbox if m.to == ["signer1@example.org"]]
    assert to_signer == ["You have a place: Campaign training"] * 2


def test_signing_up_again_after_cancelling_takes_a_place_anew():
    event = EventFactory(capacity=1)
    first = sign_up(event, signature(1))
    registration = Registration.objects.get(pk=first.registration_id)
    registering.registration_cancel(actor=None, registration=registration)
    sign_up(event, signature(2))  # takes the free seat
    again = sign_up(event, signature(1))
    assert again.registration_id == first.registration_id
    assert again.status == "waitlisted"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"cancelled_at": "now"}, "This event has been cancelled."),
        ({"is_published": False}, "This event is not open for sign-up."),
        ({"registration_deadline": "past"}, "Sign-up for this event has closed."),
        ({"starts_at": "past"}, "Sign-up for this event has closed."),
    ],
)
def test_a_closed_event_refuses_and_stores_nothing(change, reason):
    now = timezone.now()
    values = {"now": now, "past": now - dt.timedelta(minutes=1)}
    event = EventFactory.create()
    for field, value in change.items():
        setattr(event, field, values.get(value, value) if isinstance(value, str) else value)
    if event.ends_at < event.starts_at or event.starts_at < now:
        event.ends_at = event.starts_at + dt.timedelta(hours=1)
    event.save()
    with pytest.raises(registering.SignUpClosed) as refused:
        sign_up(event, signature())
    assert refused.value.message == reason
    assert not Registration.objects.exists()
    assert mail.outbox == []


def test_an_event_cancelled_while_the_request_waited_is_refused_under_the_lock():
    event = EventFactory()
    stale = type(event).objects.get(pk=event.pk)
    event.cancelled_at = timezone.now()
    event.save()
    with pytest.raises(registering.SignUpClosed):
        sign_up(stale, signature())
    assert not Registration.objects.exists()


def test_the_deadline_is_exact():
    deadline = timezone.now() + dt.timedelta(hours=1)
    event = EventFactory(registration_deadline=deadline)
    with freeze_time(deadline - dt.timedelta(seconds=1)):
        assert sign_up(event, signature(1)).status == "registered"
    with freeze_time(deadline), pytest.raises(registering.SignUpClosed):
        sign_up(event, signature(2))


def test_an_under_18_gives_a_guardians_name_and_contact():
    event = EventFactory(guardian_required_under_18=True)
    young = signature(birth_year=timezone.localdate().year - 15)
    with pytest.raises(ValidationError) as refused:
        sign_up(event, young)
    assert set(refused.value.message_dict) == {"guardian_name", "guardian_contact"}
    with pytest.raises(ValidationError) as refused:
        sign_up(event, young, guardian_name="Sara", guardian_contact="sara@")
    assert set(refused.value.message_dict) == {"guardian_contact"}
    assert not Registration.objects.exists()
    result = sign_up(event, young, guardian_name="Sara", guardian_contact=" Sara@Example.org ")
    registration = Registration.objects.get(pk=result.registration_id)
    assert registration.guardian_contact == "sara@example.org"
    # The age group alone says under 18 too; an event that does not ask needs nothing.
    bracket = signature(2, birth_year=None, age_bracket="13-17")
    with pytest.raises(ValidationError):
        sign_up(event, bracket)
    assert sign_up(EventFactory(), bracket).status == "registered"


def test_the_confirmation_has_the_ics_file_and_a_cancel_link(settings):
    settings.SITE_URL = "https://aktivist.example.org"
    event = EventFactory(title="Campaign training", place="Folkets hus")
    result = sign_up(event, signature(1))
    message = mail.outbox[0]
    assert message.to == ["signer1@example.org"]
    assert message.subject == "You have a place: Campaign training"
    assert "Hello Signer1," in message.body
    assert "Where: Folkets hus" in message.body
    link = re.search(r"https://aktivist\.example\.org/e/[^\s]+/cancel/([^/\s]+)/", message.body)
    assert link is not None
    assert read_cancel_token(link.group(1)) == result.registration_id
    html = message.alternatives[0][0]
    assert "Cancel my place" in html
    filename, content, mimetype = message.attachments[0]
    assert filename == "event.ics"
    assert mimetype.startswith("text/calendar")
    raw = content.encode() if isinstance(content, str) else content
    entry = Calendar.from_ical(raw).walk("VEVENT")[0]
    assert str(entry["UID"]) == event_uid(event.pk)  # the thank-you page's file has it too
    mime = message.message()
    parts = [p for p in mime.walk() if p.get_content_type() == "text/calendar"]
    assert parts[0].get_param("method") == "PUBLISH"


def test_the_confirmation_is_in_the_signers_language():
    event = EventFactory(title="Introduktion")
    sign_up(event, signature(1, language="sv"))
    body = mail.outbox[0].body
    assert body.startswith("Hej Signer1")
    with translation.override("sv"):
        month = date_format(timezone.localtime(event.starts_at), "F")
    assert month in body
    assert "/cancel/" in body and "?lang=sv" in body


def test_the_waiting_list_confirmation_has_no_calendar_file():
    event = EventFactory(capacity=0)
    sign_up(event, signature(1))
    message = mail.outbox[0]
    assert message.subject == f"You are on the waiting list: {event.title}"
    assert message.attachments == []
    assert "/cancel/" in message.body


def test_nothing_is_sent_to_an_erased_or_inactive_person_or_one_without_email():
    event = EventFactory()
    erased = RegistrationFactory(event=event, person=None)
    inactive = RegistrationFactory(event=event, person__is_active=False)
    no_email = RegistrationFactory(event=event, person__email=None)
    for registration in (erased, inactive, no_email):
        assert send_confirmation(registration.pk, "en") == ""
    assert mail.outbox == []


def test_a_cancellation_promotes_the_first_waiting_and_emails_them():
    event = EventFactory(capacity=1, title="Seminar")
    holder = sign_up(event, signature(1))
    first = sign_up(event, signature(2))
    sign_up(event, signature(3))
    mail.outbox.clear()
    holder_registration = Registration.objects.get(pk=holder.registration_id)
    with TestCase.captureOnCommitCallbacks(execute=True):
        promoted = registering.registration_cancel(actor=None, registration=holder_registration)
    assert promoted is not None and promoted.pk == first.registration_id
    statuses = dict(Registration.objects.filter(event=event).values_list("id", "status"))
    assert list(statuses.values()).count("registered") == 1
    assert statuses[first.registration_id] == "registered"
    assert [m.to for m in mail.outbox] == [["signer2@example.org"]]
    message = mail.outbox[0]
    assert message.subject == "You got a place: Seminar"
    assert message.attachments[0][0] == "event.ics"


def test_cancelling_a_waiting_list_place_promotes_nobody():
    event = EventFactory(capacity=1)
    sign_up(event, signature(1))
    waiting = sign_up(event, signature(2))
    sign_up(event, signature(3))
    mail.outbox.clear()
    registration = Registration.objects.get(pk=waiting.registration_id)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert registering.registration_cancel(actor=None, registration=registration) is None
    assert mail.outbox == []
    assert Registration.objects.filter(event=event, status="waitlisted").count() == 1


def test_a_known_person_is_not_changed_by_signing_up():
    known = PersonFactory(first_name="Maja", email="signer1@example.org", language="sv")
    result = sign_up(EventFactory(), signature(1, first_name="Mallory", language="en"))
    known.refresh_from_db()
    assert result.person_id == known.pk
    assert (known.first_name, known.language) == ("Maja", "sv")
