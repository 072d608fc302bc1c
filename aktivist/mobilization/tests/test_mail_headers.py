"""What every email carries, read back from a real SMTP server on loopback: a Message-ID on
the site's own domain, List-Id and Feedback-ID on bulk mail, encoded words a reader can
parse (at most 75 characters each, RFC 2047) in a message that needs no 8BITMIME, and HTML
in the reader's language that fits a phone."""

from __future__ import annotations

import email
import re
from collections.abc import Iterator
from email.header import decode_header, make_header
from email.message import Message as EmailMessage

import pytest
from django.utils import timezone

from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.core.emails import send_transactional
from aktivist.mobilization.tests.factories import MessageFactory
from aktivist.mobilization.tests.test_sending import body_of, consenting, send, tagged
from aktivist.people.models import Consent
from aktivist.people.tests.factories import ConsentFactory

pytestmark = pytest.mark.django_db(transaction=True)

SITE = "https://aktivist.example.org"
ENCODED_WORD = re.compile(rb"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
ORGANISATION = "Människorättsorganisationen, svenska sektionen"
LONG_SUBJECT = (
    "Människorättsförsvararen sitter fängslad – skriv under för hennes frigivning "
    "innan rättegången börjar på måndag, {{ first_name | vän }}"
)


@pytest.fixture
def site(settings):
    settings.SITE_URL = SITE
    settings.DEFAULT_FROM_EMAIL = "Aktivist <noreply@example.org>"
    settings.ORGANISATION_NAME = ORGANISATION


def raw_messages(sink) -> list[bytes]:
    """Each message exactly as the server received it (after the sink's envelope line)."""
    return [path.read_bytes().split(b"\n", 1)[1] for path in sink.files()]


def header_block(raw: bytes) -> bytes:
    return re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]


def encoded_words(raw: bytes) -> Iterator[bytes]:
    """Every encoded word in the message's headers and in its parts' headers."""
    yield from ENCODED_WORD.findall(header_block(raw))
    for part in email.message_from_bytes(raw).walk():
        for value in part.values():
            yield from ENCODED_WORD.findall(str(value).encode())


def decoded(value: str) -> str:
    return str(make_header(decode_header(value)))


def html_lang(message: EmailMessage) -> str:
    html = body_of(message, "html")
    assert re.search(r'<meta name="viewport" content="width=device-width, initial-scale=1">', html)
    found = re.search(r'<html lang="([a-z-]+)"', html)
    assert found, html[:200]
    return found.group(1)


def test_bulk_mail_has_ids_on_the_site_domain_list_id_feedback_id_and_the_readers_lang(
    sink, personas, site
):
    consenting(first_name="Åsa", email="asa@example.org", language="sv")
    consenting(first_name="Amir", email="amir@example.org", language="en")
    message = MessageFactory(action=ActionFactory(slug="frige-henne"), subject_sv=LONG_SUBJECT)
    mobilization = send(personas.staff, message=message)

    assert sink.wait_for(2) == 2
    by_to = {m["To"]: m for m in sink.messages()}
    ids = {m["Message-ID"] for m in by_to.values()}
    assert len(ids) == 2
    assert all(re.fullmatch(r"<[^@<>\s]+@aktivist\.example\.org>", i) for i in ids), ids
    for received in by_to.values():
        list_id = decoded(received["List-Id"])
        assert list_id == f"{ORGANISATION} <campaigns.aktivist.example.org>"
        assert received["Feedback-ID"] == f"m{mobilization.pk}:campaigns:bulk:aktivist.example.org"
        # The address is nowhere in what a provider's feedback loop reports back.
        assert received["To"] not in received["Feedback-ID"] + received["List-Id"]
    assert html_lang(by_to["asa@example.org"]) == "sv"
    assert html_lang(by_to["amir@example.org"]) == "en"


def test_each_purpose_is_its_own_list(sink, personas, site):
    person = tagged(email="natverk@example.org")
    ConsentFactory(
        person=person,
        purpose=Consent.Purpose.RAPID_RESPONSE,
        status=Consent.Status.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    message = MessageFactory(purpose="rapid_response")
    send(personas.staff, message=message)

    assert sink.wait_for(1) == 1
    (received,) = sink.messages()
    assert decoded(received["List-Id"]).endswith("<rapid-response.aktivist.example.org>")
    assert ":rapid-response:bulk:aktivist.example.org" in received["Feedback-ID"]


def test_bulk_mail_with_long_swedish_headers_uses_short_encoded_words_and_no_8bit(
    sink, personas, site, settings
):
    settings.DEFAULT_FROM_EMAIL = f"{ORGANISATION} – Göteborgs lokalgrupp <noreply@example.org>"
    consenting(first_name="Åsa-Märta", email="asa@example.org", language="sv")
    message = MessageFactory(subject_sv=LONG_SUBJECT)
    send(personas.staff, message=message)

    assert sink.wait_for(1) == 1
    (raw,) = raw_messages(sink)
    words = list(encoded_words(raw))
    assert words, "the Swedish subject is encoded"
    assert all(len(word) <= 75 for word in words), [w for w in words if len(w) > 75]
    # Every byte 7-bit: no server has to offer 8BITMIME for this message.
    assert raw.isascii()
    (received,) = sink.messages()
    assert decoded(received["Subject"]).startswith("Människorättsförsvararen sitter fängslad")
    assert "Åsa-Märta" in decoded(received["Subject"])
    assert decoded(received["From"]) == (
        f"{ORGANISATION} – Göteborgs lokalgrupp <noreply@example.org>"
    )


@pytest.mark.parametrize("language", ["sv", "en"])
def test_transactional_mail_has_a_site_message_id_and_html_in_its_language(sink, site, language):
    assert send_transactional(
        "accounts/password_reset",
        to="reset@example.org",
        context={"url": f"{SITE}/reset/", "name": "Åsa", "valid_days": 1},
        language=language,
    )

    assert sink.wait_for(1) == 1
    (received,) = sink.messages()
    assert received["Message-ID"].endswith("@aktivist.example.org>")
    assert received["List-Id"] is None and received["Feedback-ID"] is None
    assert html_lang(received) == language


def test_mail_with_an_attachment_is_7bit_with_short_encoded_words_and_a_site_message_id(sink, site):
    calendar = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Aktivist//SV\r\nBEGIN:VEVENT\r\n"
        "UID:1@aktivist.example.org\r\nSUMMARY:Möte om människorättsförsvarare i Göteborg"
        "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert send_transactional(
        "programmes/registrants_message",
        to="deltagare@example.org",
        context={
            "subject": LONG_SUBJECT.split(",")[0],
            "body": "Välkommen till mötet på Järntorget!",
            "title": "Möte i Göteborg",
        },
        language="sv",
        attachments=[("möte.ics", calendar, "text/calendar")],
    )

    assert sink.wait_for(1) == 1
    (raw,) = raw_messages(sink)
    assert raw.isascii()
    assert all(len(word) <= 75 for word in encoded_words(raw))
    (received,) = sink.messages()
    assert received["Message-ID"].endswith("@aktivist.example.org>")
    assert html_lang(received) == "sv"
    (ics,) = [p for p in received.walk() if p.get_content_type() == "text/calendar"]
    payload = ics.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert "människorättsförsvarare" in payload.decode("utf-8")


def test_through_djangos_backend_the_message_id_is_on_the_site_domain(sink, site, settings):
    settings.EMAIL_TRANSPORT = "django"
    assert send_transactional(
        "accounts/password_reset", to="x@example.org", context={"valid_days": 1}, language="en"
    )

    assert sink.wait_for(1) == 1
    (raw,) = raw_messages(sink)
    assert raw.isascii()
    (received,) = sink.messages()
    assert received["Message-ID"].endswith("@aktivist.example.org>")
    assert "localhost" not in received["Message-ID"]


def test_a_site_reached_by_ip_address_takes_the_from_domain_for_message_ids(settings):
    from aktivist.core.transports import message_id_for, new_message_id

    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.DEFAULT_FROM_EMAIL = "Aktivist <noreply@example.org>"
    assert message_id_for("d1.m2") == "<d1.m2@example.org>"
    assert new_message_id().endswith("@example.org>")
    settings.SITE_URL = "https://bokmärken.example.org/"
    assert message_id_for("d1.m2") == "<d1.m2@xn--bokmrken-3za.example.org>"
