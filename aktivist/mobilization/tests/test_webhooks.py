"""Bounce and complaint webhooks through django-anymail (here Postmark's, as the provider
posts it): verified by basic auth, they suppress the address and mark the delivery."""

from __future__ import annotations

import base64
import json

import pytest
from django.urls import reverse

from aktivist.mobilization.models import Delivery, Suppression
from aktivist.mobilization.tests.factories import DeliveryFactory

pytestmark = pytest.mark.django_db

SECRET = "hook:s3cret-for-tests"


@pytest.fixture
def webhook(settings, client):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}

    def post(payload, *, auth=SECRET):
        headers = {}
        if auth:
            headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(auth.encode()).decode()
        return client.post(
            reverse("anymail:postmark_tracking_webhook"),
            json.dumps(payload),
            content_type="application/json",
            **headers,
        )

    return post


def bounce(email, *, kind="HardBounce", delivery=None):
    return {
        "RecordType": "Bounce",
        "Type": kind,
        "TypeCode": 1,
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Email": email,
        "BouncedAt": "2026-12-06T16:33:54.9070259Z",
        "Description": "The server was unable to deliver your message.",
        "Metadata": {"delivery": str(delivery.pk)} if delivery else {},
    }


def test_a_hard_bounce_suppresses_the_address_and_fails_the_delivery(webhook):
    delivery = DeliveryFactory(person__email="gone@example.org")
    response = webhook(bounce("gone@example.org", delivery=delivery))
    assert response.status_code == 200
    suppression = Suppression.objects.get(address="gone@example.org")
    assert suppression.reason == Suppression.Reason.BOUNCED
    assert suppression.mobilization == delivery.mobilization
    delivery.refresh_from_db()
    assert (delivery.status, delivery.reason) == (Delivery.Status.FAILED, Delivery.Reason.BOUNCED)


def test_a_spam_complaint_suppresses_the_address(webhook):
    response = webhook(
        {
            "RecordType": "SpamComplaint",
            "Type": "SpamComplaint",
            "Email": "angry@example.org",
            "MessageID": "00000000-0000-0000-0000-000000000000",
            "BouncedAt": "2026-12-06T16:33:54Z",
        }
    )
    assert response.status_code == 200
    assert Suppression.objects.get(address="angry@example.org").reason == "complained"


def test_a_soft_bounce_suppresses_nothing(webhook):
    assert webhook(bounce("busy@example.org", kind="SoftBounce")).status_code == 200
    assert not Suppression.objects.exists()


def test_a_forged_webhook_is_refused(webhook):
    assert webhook(bounce("victim@example.org"), auth=None).status_code == 400
    assert webhook(bounce("victim@example.org"), auth="hook:wrong").status_code == 400
    assert not Suppression.objects.exists()
