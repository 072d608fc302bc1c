"""Double opt-in: a GET only shows a button (mail scanners open links), a POST confirms;
and the privacy notice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from aktivist.people.consents import email_confirmation_token
from aktivist.people.models import Consent
from aktivist.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _pending_email_consent():
    return Consent.objects.create(
        person=PersonFactory(email="amir@example.org"),
        channel=Consent.Channel.EMAIL,
        purpose=Consent.Purpose.CAMPAIGNS,
        status=Consent.Status.PENDING,
    )


def test_opening_the_link_does_not_confirm_but_pressing_the_button_does(client):
    consent = _pending_email_consent()
    url = reverse("public:confirm_email", args=[email_confirmation_token([consent.pk])])
    page = client.get(url + "?lang=en")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<form method="post"' in html and "Confirm</button>" in html
    assert page.cookies == {}
    consent.refresh_from_db()
    assert consent.status == Consent.Status.PENDING

    done = client.post(url + "?lang=en")
    assert done.status_code == 200
    assert "your email address is confirmed" in done.content.decode()
    assert "Campaigns and news" in done.content.decode()
    consent.refresh_from_db()
    assert consent.status == Consent.Status.CONFIRMED
    assert consent.confirmed_by == Consent.ConfirmedBy.DOUBLE_OPT_IN
    assert client.post(url).status_code == 200  # twice is harmless


def test_an_expired_link_says_so_on_a_normal_page(client):
    consent = _pending_email_consent()
    with freeze_time(timezone.now() - timedelta(days=15)):
        token = email_confirmation_token([consent.pk])
    url = reverse("public:confirm_email", args=[token]) + "?lang=en"
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 200
        assert "not valid or has expired" in response.content.decode()
        assert "<form" not in response.content.decode()
    consent.refresh_from_db()
    assert consent.status == Consent.Status.PENDING


def test_a_link_that_is_not_ours_is_a_page_that_does_not_exist(client):
    """Like every other token address (test_link_tokens.py): no button to press."""
    consent = _pending_email_consent()
    for token in ("not-a-token", signing.dumps([consent.pk], salt="another-salt")):
        url = reverse("public:confirm_email", args=[token]) + "?lang=en"
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    consent.refresh_from_db()
    assert consent.status == Consent.Status.PENDING


def test_the_privacy_notice_names_controller_purposes_bases_and_rights(client, settings):
    settings.ORGANISATION_NAME = "Människorättsorganisationen"
    settings.ORGANISATION_PRIVACY_EMAIL = "dataskydd@example.org"
    response = client.get(reverse("public:privacy") + "?lang=en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Människorättsorganisationen is the controller" in html
    assert "mailto:dataskydd@example.org" in html
    assert "legitimate interest" in html
    assert "with your consent" in html
    assert "How long we keep it" in html
    assert "Integritetsskyddsmyndigheten" in html
    assert response.cookies == {}
