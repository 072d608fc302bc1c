"""The public action page: readable without login, Swedish or English, the form with its
consents and privacy notice, closed actions, and no session or CSRF cookie."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from freezegun import freeze_time

from aktivist.campaigns.models import Action, Participation
from aktivist.campaigns.tests.factories import ActionFactory, ParticipationFactory
from aktivist.people.consents import CHOICES

pytestmark = pytest.mark.django_db


def _url(action, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("public:action", args=[action.slug]) + (f"?{query}" if query else "")


def _signed_earlier(action, n):
    """n participations from before the public figure's current interval."""
    ParticipationFactory.create_batch(n, action=action)
    Participation.objects.filter(action=action).update(
        created_at=timezone.now() - dt.timedelta(hours=1)
    )


def test_anyone_sees_the_action_text_count_and_form_without_cookies(client):
    action = ActionFactory(text_en="First paragraph.\n\nSecond paragraph.", goal=500)
    _signed_earlier(action, 23)
    response = client.get(_url(action, lang="en"))
    assert response.status_code == 200
    html = response.content.decode()
    assert action.title_en in html
    assert action.campaign.name in html
    assert "<p>First paragraph.</p>" in html and "<p>Second paragraph.</p>" in html
    assert "At least <strong>20</strong> people have taken part" in html  # rounded down
    assert "<strong>23</strong>" not in html and "23 people" not in html  # never exact
    assert 'max="500" value="20"' in html
    assert 'name="first_name"' in html and 'name="email"' in html
    assert response.cookies == {}  # no session, no CSRF cookie
    assert "csrfmiddlewaretoken" not in html
    assert response["Content-Language"] == "en"


@freeze_time("2030-05-06 10:02:00")
def test_the_page_costs_one_query_for_the_action_and_a_cached_count(client):
    action = ActionFactory()
    client.get(_url(action))  # warms the count
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(action))
    assert response.status_code == 200
    assert len(queries) == 1


def test_swedish_is_the_default_and_english_is_a_link_away(client, settings):
    settings.LANGUAGE_CODE = "sv"
    action = ActionFactory(title_sv="Frige journalisten", title_en="Free the journalist")
    swedish = client.get(_url(action)).content.decode()
    assert "<h1>Frige journalisten</h1>" in swedish
    assert '<html lang="sv">' in swedish
    switch = f'href="{_url(action, lang="en")}"'
    assert switch in swedish
    english = client.get(_url(action, lang="en")).content.decode()
    assert "<h1>Free the journalist</h1>" in english
    assert '<html lang="en">' in english
    assert f'href="{_url(action, lang="sv")}"' in english


def test_the_language_switch_keeps_the_tracking_reference(client):
    action = ActionFactory()
    html = client.get(_url(action, ref="mob-123", lang="en")).content.decode()
    assert f"{_url(action)}?ref=mob-123&amp;lang=sv" in html
    assert 'name="ref" value="mob-123"' in html


def test_consent_boxes_show_exactly_the_stored_wording_in_the_page_language(client):
    action = ActionFactory()
    html = client.get(_url(action, lang="en")).content.decode()
    for key, choice in CHOICES.items():
        with translation.override("en"):
            wording = str(choice.label)
        assert f'value="{key}"' in html
        assert wording in html


def test_the_privacy_notice_names_the_controller_and_a_contact(client, settings):
    settings.ORGANISATION_NAME = "Människorättsorganisationen"
    settings.ORGANISATION_PRIVACY_EMAIL = "dataskydd@example.org"
    html = client.get(_url(ActionFactory(), lang="en")).content.decode()
    assert "Människorättsorganisationen is the controller" in html
    assert "dataskydd@example.org" in html
    assert reverse("public:privacy") in html


def test_an_age_group_list_offers_under_13(client):
    html = client.get(_url(ActionFactory(), lang="en")).content.decode()
    assert '<option value="under-13">Under 13</option>' in html
    assert 'name="birth_year"' in html


def test_a_letter_action_offers_the_letter_to_edit_with_the_target(client):
    action = ActionFactory(
        kind=Action.Kind.LETTER,
        target_name="Utrikesministern",
        letter_text_en="Dear Minister,\n\nPlease act.",
    )
    html = client.get(_url(action, lang="en")).content.decode()
    assert "Your letter to Utrikesministern" in html
    assert "Dear Minister,\n\nPlease act.</textarea>" in html
    assert 'name="named"' not in html  # letters are not handed over with names


def test_a_petition_asks_whether_to_name_the_signer_at_hand_over(client):
    html = client.get(_url(ActionFactory(), lang="en")).content.decode()
    assert 'name="named"' in html
    assert 'name="letter_text"' not in html


def test_an_unpublished_or_unknown_action_is_not_found(client):
    action = ActionFactory(is_published=False)
    response = client.get(_url(action))
    assert response.status_code == 404
    assert action.title_sv not in response.content.decode()
    assert response.cookies == {}
    assert client.get("/a/finns-inte/").status_code == 404


def test_a_closed_action_shows_its_text_and_count_but_no_form(client):
    action = ActionFactory(
        opens_at=timezone.now() - dt.timedelta(days=10),
        closes_at=timezone.now() - dt.timedelta(days=1),
    )
    _signed_earlier(action, 1)
    html = client.get(_url(action, lang="en")).content.decode()
    assert "This action is closed." in html
    assert "Fewer than <strong>10</strong> people have taken part" in html
    assert action.text_en in html
    assert "<form" not in html


def test_an_action_not_yet_open_says_when_it_opens(client):
    action = ActionFactory(opens_at=timezone.now() + dt.timedelta(days=2))
    html = client.get(_url(action, lang="en")).content.decode()
    assert "This action has not opened yet." in html
    assert "<form" not in html


def test_the_count_partial_is_what_the_page_includes(client):
    action = ActionFactory(goal=10)
    ParticipationFactory.create_batch(2, action=action)
    partial = client.get(reverse("public:action_count", args=[action.slug]) + "?lang=en")
    assert partial.status_code == 200
    html = partial.content.decode()
    assert html.startswith('<div id="action-count"')
    assert 'hx-trigger="every 60s"' in html
    assert html in client.get(_url(action, lang="en")).content.decode()


def test_pages_other_than_the_embed_refuse_frames(client):
    action = ActionFactory()
    for url in (_url(action), reverse("public:privacy")):
        response = client.get(url)
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
        assert response["X-Frame-Options"] == "DENY"
