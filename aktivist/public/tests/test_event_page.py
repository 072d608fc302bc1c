"""The public event page /e/<slug>/: the facts, the sign-up form with the action pages'
matching, consent, age rule and protection, the guardian rule, and bad input that
changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aktivist.organisation.models import Unit
from aktivist.people.models import Consent, Person
from aktivist.people.tests.factories import PersonFactory
from aktivist.programmes.models import Programme, Registration
from aktivist.programmes.tests.factories import EventFactory, ProgrammeFactory, RegistrationFactory
from aktivist.public.forms import form_token
from aktivist.public.tests.event_helpers import answer_of, post_sign_up

pytestmark = pytest.mark.django_db


def test_the_page_shows_the_facts_in_stockholm_time_and_sets_no_cookie(client):
    national = Unit.objects.create(name="Sverige", kind=Unit.Kind.NATIONAL)
    starts = dt.datetime(2031, 3, 4, 17, 30, tzinfo=dt.UTC)  # 18:30 in Stockholm (CET)
    event = EventFactory(
        title="Introduction evening",
        slug="intro-malmo",
        unit=national,
        programme=ProgrammeFactory(kind=Programme.Kind.RECRUITMENT_MEETING),
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        place="Folkets hus, Malmö",
        for_young_people=True,
        capacity=10,
    )
    RegistrationFactory.create_batch(3, event=event)
    RegistrationFactory(event=event, status=Registration.Status.CANCELLED)
    response = client.get("/e/intro-malmo/?lang=en")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert "<h1>Introduction evening</h1>" in html
    assert "Tuesday 4 March 2031, 18:30–20:30" in html
    assert "Folkets hus, Malmö" in html
    assert "Sverige" in html
    assert "Recruitment meeting" in html
    assert "Young people" in html
    assert "Places available" in html  # 7 of 10 left: not few, and never the number
    assert "7 places" not in html
    assert 'name="first_name"' in html
    assert response.cookies == {}


def test_a_swedish_browser_gets_swedish(client):
    event = EventFactory(title="Introduktionskväll")
    response = client.get(f"/e/{event.slug}/", HTTP_ACCEPT_LANGUAGE="sv-SE,sv;q=0.9")
    assert response["Content-Language"] == "sv"
    assert '<html lang="sv">' in response.content.decode()
    assert "English" in response.content.decode()


def test_an_online_event_shows_its_link(client):
    event = EventFactory(place="", online_url="https://meet.example.org/abc")
    html = client.get(f"/e/{event.slug}/?lang=en").content.decode()
    assert 'href="https://meet.example.org/abc"' in html


def test_an_unknown_event_is_a_public_404(client):
    response = client.get("/e/no-such-event/?lang=en")
    assert response.status_code == 404
    assert "There is no event at this address" in response.content.decode()


def test_signing_up_creates_a_non_member_in_the_unit_of_the_postcode(client, world, mailoutbox):
    event = EventFactory(unit=world.group_a1, capacity=5)
    response = post_sign_up(client, event, ref="mail-42")
    assert response.status_code == 303
    assert response["Location"].startswith(f"/e/{event.slug}/thanks/?t=")
    assert answer_of(response, event).status == Registration.Status.REGISTERED
    person = Person.objects.get(email="amir.haddad@example.org")
    assert person.membership_status == Person.MembershipStatus.NON_MEMBER
    assert person.home_unit == world.group_a1
    assert person.language == "en"
    registration = Registration.objects.get(person=person, event=event)
    assert registration.status == Registration.Status.REGISTERED
    assert registration.source == Registration.Source.WEB
    assert registration.tracking_token == "mail-42"
    assert [m.subject for m in mailoutbox] == [f"You have a place: {event.title}"]
    assert response.cookies == {}


def test_a_known_person_is_matched_and_never_changed(client):
    known = PersonFactory(first_name="Maja", email="maja@example.org", postcode="90325")
    event = EventFactory()
    response = post_sign_up(client, event, first_name="Someone", email="MAJA@example.org")
    assert response.status_code == 303
    known.refresh_from_db()
    assert known.first_name == "Maja" and known.postcode == "90325"
    assert Person.objects.count() == 1
    assert Registration.objects.get(event=event).person == known


def test_a_repeat_sign_up_answers_as_a_newcomer_would_now(client, mailoutbox):
    event = EventFactory(capacity=1)
    first = post_sign_up(client, event)
    # The event is full now: the repeat keeps its seat, but is told what a newcomer is
    # told (a seat for the repeat would tell a visitor that this person had one).
    second = post_sign_up(client, event)
    newcomer = post_sign_up(client, event, email="newcomer@example.org")
    assert first.status_code == second.status_code == newcomer.status_code == 303
    assert answer_of(first, event).status == Registration.Status.REGISTERED
    assert answer_of(second, event) == answer_of(newcomer, event)
    assert answer_of(second, event).status == Registration.Status.WAITLISTED
    assert Registration.objects.get(person__email="amir.haddad@example.org").status == (
        Registration.Status.REGISTERED
    )
    # The repeat's own inbox is told the truth again.
    to_signer = [m.subject for m in mailoutbox if m.to == ["amir.haddad@example.org"]]
    assert len(to_signer) == 2 and to_signer[0] == to_signer[1]
    # A known person's first sign-up answers like a stranger's.
    PersonFactory(email="known@example.org")
    other = EventFactory()
    known = post_sign_up(client, other, email="known@example.org")
    stranger = post_sign_up(client, other, email="stranger@example.org")
    assert answer_of(known, other).status == answer_of(stranger, other).status


def test_a_full_event_puts_the_signer_on_the_waiting_list(client, mailoutbox):
    event = EventFactory(capacity=1)
    RegistrationFactory(event=event)
    page = client.get(f"/e/{event.slug}/?lang=en").content.decode()
    assert "Full: you can join the waiting list" in page
    assert "Join the waiting list" in page
    response = post_sign_up(client, event)
    assert answer_of(response, event).status == Registration.Status.WAITLISTED
    registration = Registration.objects.get(person__email="amir.haddad@example.org")
    assert registration.status == Registration.Status.WAITLISTED
    assert registration.waitlisted_at is not None
    thanks = client.get(response["Location"]).content.decode()
    assert "You are on the waiting list" in thanks
    assert "The event is full, so you are on the waiting list." in thanks
    assert "Add to my calendar" not in thanks
    assert mailoutbox[-1].subject == f"You are on the waiting list: {event.title}"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cancelled_at": "now"}, "This event has been cancelled."),
        ({"registration_deadline": "past"}, "Sign-up for this event has closed."),
        ({"is_published": False}, "This event is not open for sign-up."),
    ],
)
def test_a_closed_event_shows_why_and_a_post_stores_nothing(client, mailoutbox, change, message):
    now = timezone.now()
    values = {"now": now, "past": now - dt.timedelta(hours=1)}
    fields = {k: values.get(v, v) if isinstance(v, str) else v for k, v in change.items()}
    event = EventFactory(title="Kept quiet" if "is_published" in change else "Open evening")
    for field, value in fields.items():
        setattr(event, field, value)
    event.save()
    page = client.get(f"/e/{event.slug}/?lang=en")
    html = page.content.decode()
    assert page.status_code == 200
    assert message in html
    assert 'name="first_name"' not in html
    if "is_published" in change:
        assert "Kept quiet" not in html  # a draft's facts stay hidden
    response = post_sign_up(client, event)
    assert response.status_code == 200
    assert "Nothing was saved." in response.content.decode()
    assert not Person.objects.exists()
    assert not Registration.objects.exists()
    assert mailoutbox == []


def test_the_form_token_of_an_action_does_not_pass(client):
    event = EventFactory()
    response = post_sign_up(client, event, form_token=form_token(event.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "We could not check your form" in html
    assert 'value="amir.haddad@example.org"' in html  # what was typed is kept
    assert not Registration.objects.exists()


def test_a_filled_honeypot_answers_as_a_person_and_stores_nothing(client):
    event = EventFactory()
    response = post_sign_up(client, event, website="http://spam.example")
    assert response.status_code == 303
    assert answer_of(response, event).status == Registration.Status.REGISTERED
    assert not Person.objects.exists()


def test_bad_input_gets_errors_by_the_fields_and_keeps_what_was_typed(client):
    event = EventFactory()
    response = post_sign_up(client, event, email="amir@", birth_year="")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_email_error"' in html
    assert "Enter your birth year or choose an age group." in html
    assert 'value="Amir"' in html
    assert not Person.objects.exists()


def test_under_13_stores_nothing(client):
    event = EventFactory()
    year = timezone.localdate().year - 11
    response = post_sign_up(client, event, birth_year=str(year), consents=["email_news"])
    html = response.content.decode()
    assert response.status_code == 200
    assert "People under 13 cannot sign up on their own" in html
    assert "Nothing you typed in the form has been saved." in html
    assert not Person.objects.exists()
    assert not Registration.objects.exists()
    assert not Consent.objects.exists()


def test_under_18s_give_a_guardian_when_the_event_asks(client):
    event = EventFactory(guardian_required_under_18=True)
    page = client.get(f"/e/{event.slug}/?lang=en").content.decode()
    assert "Parent&#x27;s or guardian&#x27;s name" in page
    year = str(timezone.localdate().year - 16)
    response = post_sign_up(client, event, birth_year=year)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_guardian_name_error"' in html
    assert 'id="id_guardian_contact_error"' in html
    assert not Registration.objects.exists()

    response = post_sign_up(
        client, event, birth_year=year, guardian_name="Sara Haddad", guardian_contact="not a phone"
    )
    assert "Enter a valid email address or phone number." in response.content.decode()
    assert not Registration.objects.exists()

    guardian = {"guardian_name": "Sara Haddad", "guardian_contact": "070-123 45 67"}
    response = post_sign_up(client, event, birth_year=year, **guardian)
    assert response.status_code == 303
    registration = Registration.objects.get(event=event)
    assert (registration.guardian_name, registration.guardian_contact) == (
        "Sara Haddad",
        "+46701234567",
    )


def test_an_adult_guardian_field_is_not_kept(client):
    event = EventFactory(guardian_required_under_18=True)
    response = post_sign_up(client, event, guardian_name="Sara", guardian_contact="s@example.org")
    assert response.status_code == 303
    registration = Registration.objects.get(event=event)
    assert (registration.guardian_name, registration.guardian_contact) == ("", "")


def test_the_guardian_fields_are_not_shown_when_the_event_does_not_ask(client):
    event = EventFactory(guardian_required_under_18=False)
    html = client.get(f"/e/{event.slug}/?lang=en").content.decode()
    assert "guardian" not in html


def test_consent_choices_become_pending_consents(client, mailoutbox):
    event = EventFactory()
    post_sign_up(client, event, consents=["email_news"])
    consent = Consent.objects.get(person__email="amir.haddad@example.org")
    assert consent.status == Consent.Status.PENDING
    assert consent.source == f"event:{event.slug}"
    assert sorted(m.subject for m in mailoutbox) == sorted(
        ["Confirm your choice", f"You have a place: {event.title}"]
    )


def test_a_repeat_with_a_new_choice_records_it(client):
    event = EventFactory()
    post_sign_up(client, event)
    post_sign_up(client, event, consents=["email_news"])
    assert Consent.objects.filter(person__email="amir.haddad@example.org").count() == 1


def test_the_rate_limit_per_address_answers_429(client, settings):
    settings.PUBLIC_SIGNATURES_PER_ADDRESS_PER_HOUR = 2
    event = EventFactory()
    for _ in range(2):
        assert post_sign_up(client, event).status_code == 303
    response = post_sign_up(client, event)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
