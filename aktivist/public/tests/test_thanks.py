"""The thank-you page: the public figure (never a fresh count), sharing, the local group,
next steps and the SMS code that confirms SMS consent."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from aktivist.campaigns.models import Participation
from aktivist.campaigns.tests.factories import ActionFactory, ParticipationFactory
from aktivist.people.models import Consent, Person
from aktivist.people.tests.factories import PersonFactory
from aktivist.public.tests.helpers import post_signature

pytestmark = pytest.mark.django_db


def _sign_and_open(client, action, **overrides):
    response = post_signature(client, action, query="lang=en", **overrides)
    assert response.status_code == 303
    url = response["Location"]
    return url, client.get(url)


def test_the_thank_you_page_shows_the_public_figure_not_a_fresh_count_and_share_links(
    client, settings
):
    settings.SITE_URL = "https://aktivist.example.org"
    action = ActionFactory(title_en="Free the journalist", goal=100)
    ParticipationFactory.create_batch(19, action=action)
    Participation.objects.filter(action=action).update(
        created_at=timezone.now() - dt.timedelta(hours=1)
    )
    _url, page = _sign_and_open(client, action)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Thank you for taking action!" in html
    # 20 people now, but the page shows the figure of the interval's start, rounded down.
    assert Participation.objects.filter(action=action).count() == 20
    assert "At least <strong>10</strong> people have taken part" in html
    target = quote(f"https://aktivist.example.org/a/{action.slug}/", safe="")
    assert f"https://www.facebook.com/sharer/sharer.php?u={target}" in html
    assert f"https://x.com/intent/tweet?url={target}" in html
    assert "https://wa.me/?text=Free%20the%20journalist%20https" in html
    assert f"mailto:?subject=Free%20the%20journalist&amp;body={target}" in html
    assert page.cookies == {}


def test_the_local_group_covering_the_postcode_is_offered(client, world):
    world.group_a1.email = "malmo@example.org"
    world.group_a1.save(update_fields=["email"])
    _url, page = _sign_and_open(client, ActionFactory(), postcode="211 45")
    html = page.content.decode()
    assert world.group_a1.name in html
    assert "mailto:malmo@example.org" in html
    _url, page = _sign_and_open(client, ActionFactory(), email="b@example.org", postcode="")
    assert world.group_a1.name not in page.content.decode()


def test_other_open_actions_of_the_campaign_are_the_next_steps(client):
    action = ActionFactory()
    sibling = ActionFactory(campaign=action.campaign, title_en="Write to the minister")
    unpublished = ActionFactory(campaign=action.campaign, is_published=False)
    elsewhere = ActionFactory(title_en="Another campaign's action")
    _url, page = _sign_and_open(client, action)
    html = page.content.decode()
    assert "Write to the minister" in html
    assert reverse("public:action", args=[sibling.slug]) in html
    assert unpublished.title_en not in html
    assert elsewhere.title_en not in html


def test_the_page_for_a_known_signer_is_the_same_as_for_a_new_one(client):
    PersonFactory(email="known@example.org", mobile="+46701234567")
    action, twin = (
        ActionFactory(title_en="Same", slug="known-signer"),
        ActionFactory(title_en="Same", slug="new-signer"),
    )
    _u, known = _sign_and_open(
        client, action, email="known@example.org", mobile="070-123 45 67", consents=["sms"]
    )
    _u, new = _sign_and_open(
        client, twin, email="new@example.org", mobile="070-765 43 21", consents=["sms"]
    )
    token = re.compile(r"([?;])t=[^&\"]+")

    def page(response, slug):
        return token.sub("", response.content.decode()).replace(slug, "SLUG")

    assert page(known, action.slug) == page(new, twin.slug)


def test_an_sms_code_confirms_the_sms_consent(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    action = ActionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        url, page = _sign_and_open(client, action, mobile="070-123 45 67", consents=["sms"])
    assert "Confirm your mobile number" in page.content.decode()
    assert len(sms_outbox) == 1
    to, body = sms_outbox[0]
    assert to == "+46701234567"
    code = re.search(r"\d{6}", body).group(0)

    wrong = client.post(url, {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "That code is wrong or has expired." in wrong.content.decode()
    consent = Consent.objects.get(channel=Consent.Channel.SMS)
    assert consent.status == Consent.Status.PENDING

    right = client.post(url, {"code": code})
    assert right.status_code == 200
    html = right.content.decode()
    assert "Thank you, your mobile number is confirmed." in html
    assert 'name="code"' not in html
    consent.refresh_from_db()
    assert consent.status == Consent.Status.CONFIRMED
    assert consent.confirmed_by == Consent.ConfirmedBy.SMS_CODE  # SMS may go to it
    assert Person.objects.get().mobile == "+46701234567"


def test_an_expired_sms_code_confirms_nothing(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    with freeze_time("2026-11-20 10:00:00"):
        action = ActionFactory()
        with django_capture_on_commit_callbacks(execute=True):
            url, _page = _sign_and_open(client, action, mobile="070-123 45 67", consents=["sms"])
    code = re.search(r"\d{6}", sms_outbox[0][1]).group(0)
    with freeze_time("2026-11-20 11:00:00"):
        response = client.post(url, {"code": code})
    assert "That code is wrong or has expired." in response.content.decode()
    assert Consent.objects.get(channel=Consent.Channel.SMS).status == Consent.Status.PENDING


def test_no_code_form_without_a_mobile_and_an_sms_choice(client):
    _url, page = _sign_and_open(client, ActionFactory(), consents=["email_news"])
    assert 'name="code"' not in page.content.decode()


def test_a_forged_thank_you_token_shows_a_plain_thank_you(client):
    action = ActionFactory()
    url = reverse("public:action_thanks", args=[action.slug]) + "?t=forged&lang=en"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Thank you for taking action!" in html
    assert 'name="code"' not in html
    assert client.post(url, {"code": "123456"}).status_code == 200


def test_sms_code_attempts_are_limited_per_address(client, settings):
    settings.PUBLIC_SIGNATURES_PER_IP_PER_MINUTE = 3
    with freeze_time("2026-11-20 10:00:00"):
        action = ActionFactory()
        url = post_signature(client, action, mobile="070-123 45 67", consents=["sms"])["Location"]
        codes = [client.post(url, {"code": "123456"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
