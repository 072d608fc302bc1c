"""Signing on the action page: one participation, the same answer for a first and a repeated
signature and for a known address, and the form's protections (token, honeypot)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from aktivist.campaigns.models import Action, Participation
from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.people.models import Consent, ConsentWording, Person
from aktivist.people.tests.factories import PersonFactory
from aktivist.public.forms import FORM_TOKEN_MAX_AGE, form_token, read_thanks_token
from aktivist.public.tests.helpers import form_data, post_signature, thanks_token_of

pytestmark = pytest.mark.django_db


def test_a_signature_is_stored_and_answered_with_a_see_other_to_the_thank_you_page(client, world):
    action = ActionFactory()
    response = post_signature(client, action, query="lang=en")
    assert response.status_code == 303
    assert response["Location"].startswith(reverse("public:action_thanks", args=[action.slug]))
    assert "lang=en" in response["Location"]
    person = Person.objects.get(email="amir.haddad@example.org")
    participation = Participation.objects.get(person=person, action=action)
    assert participation.source == Participation.Source.WEB
    assert person.language == "en"
    assert person.home_unit == world.group_a1
    # No session, no CSRF cookie: only the event form's pre-fill (test_prefill_event_sign_up).
    assert set(response.cookies) == {"aktivist_prefill"}


def test_the_thank_you_token_carries_only_the_unit_and_a_random_ticket(client, world):
    action = ActionFactory()
    response = post_signature(client, action, mobile="070-123 45 67", consents=["sms"])
    payload = signing.loads(thanks_token_of(response), salt="aktivist.public.thanks")
    assert set(payload) == {"a", "u", "k"}
    assert payload["u"] == world.group_a1.pk  # the unit covering 211 45, not the postcode
    person = Person.objects.get(email="amir.haddad@example.org")
    consent = Consent.objects.get(person=person, channel=Consent.Channel.SMS)
    text = str(payload)
    assert "21145" not in text and "Amir" not in text and "example.org" not in text
    assert payload["k"] not in (str(person.pk), str(consent.pk))
    thanks = read_thanks_token(thanks_token_of(response), action.pk)
    assert thanks is not None and thanks.wants_sms and thanks.ticket == payload["k"]


def test_signing_twice_is_one_participation_and_the_same_answer(client):
    action = ActionFactory()
    first = post_signature(client, action, consents=["email_news"])
    second = post_signature(client, action, consents=["email_news"])
    assert Participation.objects.filter(action=action).count() == 1
    assert first.status_code == second.status_code == 303
    assert first["Location"].split("?")[0] == second["Location"].split("?")[0]
    assert read_thanks_token(thanks_token_of(first), action.pk) == read_thanks_token(
        thanks_token_of(second), action.pk
    )
    assert len(client.get(first["Location"]).content) == len(client.get(second["Location"]).content)


def test_a_known_email_gets_the_same_answer_and_its_owner_is_not_changed(client):
    owner = PersonFactory(
        first_name="Karin", last_name="Lund", email="karin@example.org", postcode="90325"
    )
    action = ActionFactory()
    known = post_signature(client, action, first_name="Någon", email="karin@example.org")
    unknown = post_signature(client, action, first_name="Någon", email="ny@example.org")
    assert known.status_code == unknown.status_code == 303
    assert read_thanks_token(thanks_token_of(known), action.pk) == read_thanks_token(
        thanks_token_of(unknown), action.pk
    )
    known_page = client.get(known["Location"]).content.decode()
    unknown_page = client.get(unknown["Location"]).content.decode()
    assert known_page.replace("<strong>2</strong>", "") == unknown_page.replace(
        "<strong>2</strong>", ""
    )
    owner.refresh_from_db()
    assert (owner.first_name, owner.postcode) == ("Karin", "90325")
    assert owner.participations.filter(action=action).exists()


def test_a_ticked_consent_is_stored_pending_with_the_wording_shown(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    action = ActionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        post_signature(client, action, consents=["email_news"], query="lang=en")
    consent = Consent.objects.get(person__email="amir.haddad@example.org")
    assert consent.status == Consent.Status.PENDING
    wording = ConsentWording.objects.get(text_hash=consent.wording_hash)
    assert wording.text.startswith("Yes, send me news and calls to action by email.")
    assert len(mailoutbox) == 1  # the double opt-in link
    assert reverse("public:confirm_email", args=["x"]).split("x")[0] in mailoutbox[0].body


def test_the_signer_may_agree_to_be_named_at_hand_over(client):
    action = ActionFactory()
    post_signature(client, action, named="on")
    assert Participation.objects.get(action=action).named is True


def test_a_letter_keeps_the_text_the_signer_edited(client):
    action = ActionFactory(kind=Action.Kind.LETTER, letter_text_sv="Bästa minister")
    post_signature(client, action, letter_text="Bästa minister,\r\nfrige henne nu.")
    assert (
        Participation.objects.get(action=action).letter_text == "Bästa minister,\nfrige henne nu."
    )


def test_errors_stand_next_to_their_fields_and_keep_what_was_typed(client):
    action = ActionFactory()
    response = post_signature(
        client, action, email="inte-en-adress", first_name="Åsa", query="lang=en"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-describedby="id_email_error"' in html
    assert 'aria-invalid="true"' in html
    assert '<ul class="errorlist" id="id_email_error">' in html
    assert 'value="Åsa"' in html and 'value="inte-en-adress"' in html
    assert "Please check the fields marked below." in html
    assert Person.objects.count() == 0


def test_birth_year_or_age_group_is_required(client):
    action = ActionFactory()
    response = post_signature(client, action, birth_year="", query="lang=en")
    assert response.status_code == 200
    assert "Enter your birth year or choose an age group." in response.content.decode()
    response = post_signature(client, action, birth_year="", age_bracket="26-39")
    assert response.status_code == 303
    assert Participation.objects.get(action=action).age_bracket == "26-39"


def test_a_filled_honeypot_is_answered_like_a_success_and_stores_nothing(client):
    action = ActionFactory()
    response = post_signature(client, action, website="http://spam.example.com")
    assert response.status_code == 303
    assert response["Location"].startswith(reverse("public:action_thanks", args=[action.slug]))
    assert client.get(response["Location"]).status_code == 200
    assert Person.objects.count() == 0
    assert Participation.objects.count() == 0


def test_a_forged_token_asks_to_send_again_and_keeps_the_values(client):
    action = ActionFactory()
    response = post_signature(client, action, form_token="1:forged:token", query="lang=en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "please send the form again" in html
    assert 'value="Amir"' in html and 'value="amir.haddad@example.org"' in html
    assert "errorlist" not in html
    assert Person.objects.count() == 0
    fresh = html.split('name="form_token" value="')[1].split('"')[0]
    assert post_signature(client, action, form_token=fresh).status_code == 303


def test_a_token_for_another_action_is_refused(client):
    action, other = ActionFactory(), ActionFactory()
    response = post_signature(client, action, form_token=form_token(other.pk))
    assert response.status_code == 200
    assert Person.objects.count() == 0


def test_an_expired_token_asks_to_send_again(client):
    action = ActionFactory()
    with freeze_time(timezone.now() - dt.timedelta(seconds=FORM_TOKEN_MAX_AGE + 60)):
        old = form_token(action.pk)
    response = post_signature(client, action, form_token=old, query="lang=en")
    assert response.status_code == 200
    assert "please send the form again" in response.content.decode()
    assert Participation.objects.count() == 0


def test_under_13_gets_a_friendly_page_and_nothing_is_stored(
    client, mailoutbox, sms_outbox, django_capture_on_commit_callbacks
):
    action = ActionFactory()
    for overrides in (
        {"age_bracket": "under-13", "birth_year": ""},
        {"birth_year": str(timezone.localdate().year - 10)},
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = post_signature(
                client,
                action,
                mobile="070-123 45 67",
                consents=["email_news", "sms"],
                query="lang=en",
                **overrides,
            )
        assert response.status_code == 200
        html = response.content.decode()
        assert "People under 13 cannot sign up on their own" in html
        assert "Nothing you typed in the form has been saved." in html
    assert Person.objects.count() == 0
    assert Participation.objects.count() == 0
    assert Consent.objects.count() == 0
    assert ConsentWording.objects.count() == 0
    assert mailoutbox == [] and sms_outbox == []


def test_a_post_to_a_closed_action_changes_nothing_and_says_so(client):
    action = ActionFactory(
        opens_at=timezone.now() - dt.timedelta(days=10),
        closes_at=timezone.now() - dt.timedelta(days=1),
    )
    response = post_signature(client, action, query="lang=en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "This action is closed, so nothing was saved." in html
    assert "<form" not in html
    assert Person.objects.count() == 0


def test_the_form_is_posted_without_a_csrf_cookie(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    action = ActionFactory()
    response = strict.post(reverse("public:action", args=[action.slug]), form_data(action))
    assert response.status_code == 303
