"""The SMS providers' webhooks: delivery receipts update the delivery; STOP / STOPP /
AVSLUTA and START are honoured; forged requests are refused and change nothing."""

from __future__ import annotations

import logging
from typing import cast
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from aktivist.core.models import AuditEvent
from aktivist.mobilization.models import Channel, Delivery, Suppression
from aktivist.mobilization.tests.factories import DeliveryFactory, MobilizationFactory
from aktivist.mobilization.views_sms import twilio_signature
from aktivist.people.models import Consent
from aktivist.people.tests.factories import ConsentFactory, PersonFactory

pytestmark = pytest.mark.django_db

SITE = "https://aktivist.example.org"
TOKEN = "twilio-auth-token"  # a test value


@pytest.fixture(autouse=True)
def _sms_settings(settings):
    settings.SITE_URL = SITE
    settings.SMS_WEBHOOK_SECRET = "elk-secret"  # a test value
    settings.SMS_TWILIO_AUTH_TOKEN = TOKEN


def sent_sms(provider_id: str = "s123") -> Delivery:
    mobilization = MobilizationFactory(channel=Channel.SMS)
    return cast(Delivery, DeliveryFactory(mobilization=mobilization, provider_id=provider_id))


def elks(kind: str, secret: str = "elk-secret") -> str:  # noqa: S107 - a test value
    return reverse(f"sms_webhooks:elks_{kind}", args=[secret])


def twilio_post(client, name: str, data: dict, *, query: str = "", signature: str | None = None):
    path = reverse(f"sms_webhooks:twilio_{name}") + (f"?{query}" if query else "")
    if signature is None:
        signature = twilio_signature(SITE + path, list(data.items()), TOKEN)
    return client.post(path, data, headers={"X-Twilio-Signature": signature})


def texter(mobile: str = "+46701234567"):
    person = PersonFactory(mobile=mobile, email="texter@example.org")
    now = timezone.now()
    for purpose in (Consent.Purpose.CAMPAIGNS, Consent.Purpose.RAPID_RESPONSE):
        ConsentFactory(
            person=person,
            channel=Consent.Channel.SMS,
            purpose=purpose,
            status=Consent.Status.CONFIRMED,
            confirmed_at=now,
            confirmed_by=Consent.ConfirmedBy.SMS_CODE,
        )
    ConsentFactory(
        person=person,
        channel=Consent.Channel.EMAIL,
        status=Consent.Status.CONFIRMED,
        confirmed_at=now,
    )
    return person


def sms_statuses(person) -> set[str]:
    return set(person.consents.filter(channel="sms").values_list("status", flat=True))


# --- Delivery receipts -------------------------------------------------------------------


def test_a_46elks_receipt_marks_the_sms_delivered_once(client):
    delivery = sent_sms("s123")
    url = elks("delivery") + f"?d={delivery.pk}"
    response = client.post(url, {"id": "s123", "status": "delivered", "delivered": "2026-12-06"})
    assert response.status_code == 204
    delivery.refresh_from_db()
    first = delivery.delivered_at
    assert first is not None
    client.post(url, {"id": "s123", "status": "delivered"})
    delivery.refresh_from_db()
    assert delivery.delivered_at == first


def test_a_failed_receipt_fails_the_delivery_with_the_providers_word(client):
    delivery = sent_sms("s123")
    client.post(elks("delivery") + f"?d={delivery.pk}", {"id": "s123", "status": "failed"})
    delivery.refresh_from_db()
    assert (delivery.status, delivery.reason) == (
        Delivery.Status.FAILED,
        Delivery.Reason.UNDELIVERED,
    )
    assert delivery.error == "46elks failed"


def test_a_receipt_for_another_message_id_changes_nothing(client):
    delivery = sent_sms("s123")
    response = client.post(
        elks("delivery") + f"?d={delivery.pk}", {"id": "s999", "status": "failed"}
    )
    assert response.status_code == 204  # answered, so the provider does not retry
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT


def test_a_46elks_webhook_with_the_wrong_secret_is_refused(client):
    delivery = sent_sms("s123")
    response = client.post(
        elks("delivery", "guessed") + f"?d={delivery.pk}", {"id": "s123", "status": "failed"}
    )
    assert response.status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert client.get(elks("delivery")).status_code == 405


def test_a_signed_twilio_status_callback_is_honoured_and_a_forged_one_refused(client):
    delivery = sent_sms("SM0123")
    data = {"MessageSid": "SM0123", "MessageStatus": "undelivered", "ErrorCode": "30003"}
    forged = twilio_post(client, "status", data, query=f"d={delivery.pk}", signature="bm9wZQ==")
    assert forged.status_code == 403
    unsigned = client.post(reverse("sms_webhooks:twilio_status") + f"?d={delivery.pk}", data)
    assert unsigned.status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT

    # Signed for another delivery: the signature covers the address, query included.
    other = twilio_signature(
        SITE + reverse("sms_webhooks:twilio_status") + f"?d={delivery.pk + 1}",
        list(data.items()),
        TOKEN,
    )
    moved = twilio_post(client, "status", data, query=f"d={delivery.pk}", signature=other)
    assert moved.status_code == 403

    signed = twilio_post(client, "status", data, query=f"d={delivery.pk}")
    assert signed.status_code == 204
    delivery.refresh_from_db()
    assert delivery.reason == Delivery.Reason.UNDELIVERED
    assert delivery.error == "Twilio 30003"


def test_twilio_signatures_follow_the_published_example():
    """Twilio's documented example (url, parameters, token "12345")."""
    params = [
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", "+12349013030"),
        ("Digits", "1234"),
        ("From", "+12349013030"),
        ("To", "+18005551212"),
    ]
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert twilio_signature(url, params, "12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_a_receipt_from_the_fake_provider_reaches_its_delivery(
    client, fake_sms, settings, personas, django_capture_on_commit_callbacks
):
    """The address given with the message, as the provider would call it."""
    from aktivist.mobilization.tests.test_sms_sending import send
    from aktivist.mobilization.tests.test_sms_sending import texter as tagged_texter

    fake_sms.use(settings, "46elks")
    settings.SMS_QUIET_HOURS = ()
    tagged_texter("+46701234599")
    with django_capture_on_commit_callbacks(execute=True):
        mobilization = send(personas.staff)
    (message,) = fake_sms.messages()
    callback = urlsplit(message["callback"])
    assert f"{callback.scheme}://{callback.netloc}" == SITE
    client.post(f"{callback.path}?{callback.query}", {"id": message["id"], "status": "delivered"})
    assert Delivery.objects.get(mobilization=mobilization).delivered_at is not None


# --- Replies -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["STOPP", "stop", "Avsluta", " Stop! tack"])
def test_a_stop_reply_withdraws_every_sms_consent_and_suppresses_the_number(client, text):
    person = texter()
    response = client.post(elks("inbound"), {"from": "+46701234567", "message": text})
    assert response.status_code == 204
    assert response.content == b""  # no reply SMS
    assert sms_statuses(person) == {Consent.Status.WITHDRAWN}
    assert person.consents.get(channel="email").status == Consent.Status.CONFIRMED
    suppression = Suppression.objects.get(channel=Channel.SMS, address="+46701234567")
    assert (suppression.reason, suppression.purpose) == (Suppression.Reason.UNSUBSCRIBED, "")
    assert AuditEvent.objects.filter(verb="sms.stop", object_id=str(person.pk)).exists()


def test_start_confirms_the_sms_consents_again_by_the_message_from_the_number(client):
    person = texter()
    client.post(elks("inbound"), {"from": "+46701234567", "message": "STOPP"})
    client.post(elks("inbound"), {"from": "+46701234567", "message": "START"})
    consents = person.consents.filter(channel="sms")
    assert {c.status for c in consents} == {Consent.Status.CONFIRMED}
    assert {c.confirmed_by for c in consents} == {Consent.ConfirmedBy.INBOUND_SMS}
    assert not Suppression.objects.filter(channel=Channel.SMS).exists()


def test_a_stop_from_an_unknown_number_is_logged_and_ignored(client, caplog):
    person = texter()
    with caplog.at_level(logging.INFO, logger="aktivist.mobilization.sms_events"):
        response = client.post(elks("inbound"), {"from": "+46709999999", "message": "STOPP"})
    assert response.status_code == 204
    assert "unknown number ignored" in caplog.text
    assert "+46709999999" not in caplog.text and "709999999" not in caplog.text
    assert not Suppression.objects.exists()
    assert sms_statuses(person) == {Consent.Status.CONFIRMED}


def test_other_replies_change_nothing(client):
    person = texter()
    client.post(elks("inbound"), {"from": "+46701234567", "message": "Stoppa tortyren nu"})
    assert sms_statuses(person) == {Consent.Status.CONFIRMED}


def test_a_forged_twilio_reply_is_refused_and_a_signed_one_honoured(client):
    person = texter()
    data = {"From": "+46701234567", "To": "+46766860001", "Body": "STOP", "MessageSid": "SM1"}
    assert twilio_post(client, "inbound", data, signature="Zm9yZ2Vk").status_code == 403
    assert sms_statuses(person) == {Consent.Status.CONFIRMED}
    response = twilio_post(client, "inbound", data)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert sms_statuses(person) == {Consent.Status.WITHDRAWN}


def test_without_an_auth_token_every_twilio_request_is_refused(client, settings):
    settings.SMS_TWILIO_AUTH_TOKEN = ""
    texter()
    data = {"From": "+46701234567", "Body": "STOP"}
    signature = twilio_signature(
        SITE + reverse("sms_webhooks:twilio_inbound"), list(data.items()), ""
    )
    assert twilio_post(client, "inbound", data, signature=signature).status_code == 403
