"""The SMS transports against a local fake of each provider's API (aktivist/core/tests/
fake_sms.py, built from the providers' published documentation)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from aktivist.core.sms import (
    FortySixElksTransport,
    TwilioTransport,
    segments,
)
from aktivist.core.transport_errors import TransportError

TRANSPORTS = [("46elks", FortySixElksTransport), ("twilio", TwilioTransport)]


@pytest.mark.parametrize(("provider", "transport_class"), TRANSPORTS)
def test_a_message_reaches_the_provider_and_its_id_comes_back(
    provider, transport_class, fake_sms, settings
):
    fake_sms.use(settings, provider)
    settings.SMS_SENDER_ID = "Amnesti"
    transport = transport_class()
    try:
        message_id = transport.send(
            "+46701234567",
            "Hej! Skriv under: https://x.example.org/r/1/",
            callback_url="https://x/",
        )
    finally:
        transport.close()
    (sent,) = fake_sms.messages()
    assert sent["id"] == message_id
    assert (sent["to"], sent["from"], sent["provider"]) == ("+46701234567", "Amnesti", provider)
    assert sent["body"].startswith("Hej! Skriv under")


@pytest.mark.parametrize(("provider", "transport_class"), TRANSPORTS)
def test_a_number_the_provider_refuses_fails_for_good(
    provider, transport_class, fake_sms, settings
):
    fake_sms.use(settings, provider)
    transport = transport_class()
    with pytest.raises(TransportError) as refused:
        transport.send("+46701230000", "Hej")
    assert refused.value.permanent and not refused.value.ambiguous
    assert refused.value.recipient_refused
    assert "0000" not in refused.value.code  # the number never lands in our records
    assert fake_sms.messages() == []


@pytest.mark.parametrize(("provider", "transport_class"), TRANSPORTS)
def test_a_server_error_is_worth_trying_again(provider, transport_class, fake_sms, settings):
    fake_sms.use(settings, provider)
    with pytest.raises(TransportError) as failed:
        transport_class().send("+46701230500", "Hej")
    assert not failed.value.permanent


def test_twilio_says_when_a_number_opted_out(fake_sms, settings):
    fake_sms.use(settings, "twilio")
    with pytest.raises(TransportError) as refused:
        TwilioTransport().send("+46701230610", "Hej")
    assert refused.value.permanent and refused.value.recipient_refused
    assert refused.value.code == "Twilio 21610"


def test_no_answer_in_time_is_never_sent_again(fake_sms, settings):
    """The provider may have taken a message it did not answer for: retrying could send
    it twice, so it fails as ambiguous."""
    fake_sms.use(settings, "46elks")
    settings.SMS_TIMEOUT = 0.5
    with pytest.raises(TransportError) as silent:
        FortySixElksTransport().send("+46701230999", "Hej")
    assert silent.value.ambiguous and silent.value.permanent


def test_a_provider_that_cannot_be_reached_is_tried_again_later(settings):
    settings.SMS_46ELKS_API_URL = "http://127.0.0.1:9/a1"  # nothing listens there
    with pytest.raises(TransportError) as down:
        FortySixElksTransport().send("+46701234567", "Hej")
    assert not down.value.permanent


def test_wrong_credentials_wait_for_the_setting_to_be_mended(fake_sms, settings):
    fake_sms.use(settings, "46elks")
    settings.SMS_46ELKS_PASSWORD = "wrong"
    with pytest.raises(TransportError) as refused:
        FortySixElksTransport().send("+46701234567", "Hej")
    assert not refused.value.permanent


def test_outside_production_a_provider_must_be_on_this_machine(settings):
    settings.SMS_46ELKS_API_URL = "https://api.46elks.com/a1"
    with pytest.raises(ImproperlyConfigured):
        FortySixElksTransport()


@pytest.mark.parametrize(
    ("text", "encoding", "count"),
    [
        ("", "GSM-7", 0),
        ("Hej Åsa, skriv under för Amira!", "GSM-7", 1),
        ("x" * 160, "GSM-7", 1),
        ("x" * 161, "GSM-7", 2),
        ("x" * 306, "GSM-7", 2),
        ("x" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),  # the extension table counts twice: 160 septets
        ("€" * 81, "GSM-7", 2),
        ("Hej 🙂", "UCS-2", 1),
        ("ş" * 70, "UCS-2", 1),
        ("ş" * 71, "UCS-2", 2),
        ("ş" * 134, "UCS-2", 2),
        ("ş" * 135, "UCS-2", 3),
    ],
)
def test_segments_follow_gsm7_and_ucs2(text, encoding, count):
    result = segments(text)
    assert (result.encoding, result.count) == (encoding, count)
