"""Addresses that survive any configuration: the organisation's own name (a comma, Swedish
letters) as the From of transactional mail and of mail with an .ics file, sent through a
real SMTP server on loopback; a setting with no usable address refused at start-up;
recipients with non-ASCII domains (IDNA) or local parts."""

from __future__ import annotations

import logging
import re
from email import message_from_bytes
from email.headerregistry import Address
from email.message import Message
from email.policy import default as default_policy
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from aktivist.core.emails import send_transactional
from aktivist.core.transports import OutgoingEmail, build_raw

TEMPLATES = Path(__file__).parent / "templates"
ORGANISATION_FROM = f"{django_settings.ORGANISATION_NAME} <noreply@example.org>"


@pytest.fixture
def sample_templates(settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEMPLATES]}
    ]


def parsed(message: Message, name: str) -> tuple[Address, ...]:
    """An address header as a mail program reads it (the standard library's parser), its
    folded lines unfolded."""
    value = re.sub(r"\r?\n(?=[ \t])", "", str(message[name]))
    return default_policy.header_factory(name, value).addresses


def test_transactional_mail_from_the_organisations_own_name_arrives_whole(
    smtp_server, sample_templates, settings, db
):
    assert "," in settings.ORGANISATION_NAME and "ä" in settings.ORGANISATION_NAME
    settings.DEFAULT_FROM_EMAIL = ORGANISATION_FROM  # unquoted, as an admin types it

    assert send_transactional("core/sample", to="amir@example.org", context={"name": "Amir"})

    (message,) = list(smtp_server)
    assert parsed(message, "From") == (
        Address(settings.ORGANISATION_NAME, "noreply", "example.org"),
    )
    assert message["To"] == "amir@example.org"


def test_a_seat_confirmation_with_its_calendar_file_arrives_from_the_organisations_name(
    smtp_server, settings, db
):
    from aktivist.people.tests.factories import PersonFactory
    from aktivist.programmes import notifications
    from aktivist.programmes.tests.factories import RegistrationFactory

    settings.DEFAULT_FROM_EMAIL = ORGANISATION_FROM
    registration = RegistrationFactory(person=PersonFactory(email="anna@example.org"))

    assert notifications.send_confirmation(registration.pk, "sv") == "registered"

    (message,) = list(smtp_server)
    assert parsed(message, "From") == (
        Address(settings.ORGANISATION_NAME, "noreply", "example.org"),
    )
    types = [part.get_content_type() for part in message.walk()]
    assert "text/calendar" in types


def test_a_reply_to_with_a_comma_in_the_name_stays_one_address_in_mail_with_an_ics(
    smtp_server, sample_templates, settings, db
):
    settings.DEFAULT_FROM_EMAIL = ORGANISATION_FROM
    send_transactional(
        "core/sample",
        to="amir@example.org",
        context={"name": "Amir"},
        headers={"Reply-To": "Lokalgrupp Malmö, Syd <malmo@example.org>"},
        attachments=[("event.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")],
    )

    (message,) = list(smtp_server)
    assert parsed(message, "Reply-To") == (
        Address("Lokalgrupp Malmö, Syd", "malmo", "example.org"),
    )


def test_through_a_django_email_backend_the_organisations_name_stays_one_address(
    mailoutbox, sample_templates, settings, db
):
    """The provider path (anymail; here Django's in-memory backend) parses the From itself."""
    settings.DEFAULT_FROM_EMAIL = ORGANISATION_FROM
    settings.EMAIL_TRANSPORT = "django"

    assert send_transactional("core/sample", to="amir@example.org", context={"name": "Amir"})

    (sent,) = mail.outbox
    assert sent.from_email  # what Django was given, and what it wrote:
    message = sent.message()
    assert parsed(message, "From") == (
        Address(settings.ORGANISATION_NAME, "noreply", "example.org"),
    )


def test_a_recipient_on_a_non_ascii_domain_gets_transactional_mail_at_its_idna_form(
    smtp_server, sample_templates, settings, db
):
    settings.DEFAULT_FROM_EMAIL = ORGANISATION_FROM

    assert send_transactional("core/sample", to="anna@åäö.example.org", context={"name": "A"})

    (message,) = list(smtp_server)
    assert message["To"] == "anna@xn--4cab6c.example.org"


def test_a_non_ascii_local_part_the_server_cannot_take_fails_alone_with_a_reason(
    smtp_server, sample_templates, settings, db, caplog
):
    """The loopback server offers no SMTPUTF8: that message is not sent and says why; the
    helper does not raise (a task would retry it for ever); the next message goes."""
    settings.DEFAULT_FROM_EMAIL = ORGANISATION_FROM

    with caplog.at_level(logging.WARNING, logger="aktivist.core.emails"):
        assert not send_transactional("core/sample", to="åsa@example.org", context={"name": "Å"})
    assert "SMTPUTF8" in caplog.text and "åsa" not in caplog.text
    assert send_transactional("core/sample", to="bo@example.org", context={"name": "Bo"})
    assert [m["To"] for m in smtp_server] == ["bo@example.org"]


@pytest.mark.parametrize(
    "value",
    [
        "Människorättsorganisationen, svenska sektionen <noreply@example.org>",
        '"Amnesty, Sverige" <noreply@example.org>',
        "Åsa Öberg <noreply@åäö.example.org>",
        "noreply@example.org",
    ],
)
def test_a_from_setting_with_any_name_passes_the_start_up_check(value, settings):
    settings.DEFAULT_FROM_EMAIL = value
    assert not [e for e in run_checks() if e.id.startswith("aktivist.E00")]


@pytest.mark.parametrize(
    "value", ["Människorättsorganisationen", "Aktivist <>", "Aktivist <noreply", ""]
)
def test_a_from_setting_with_no_usable_address_is_refused_at_start_up(value, settings):
    settings.DEFAULT_FROM_EMAIL = value

    errors = [e for e in run_checks() if e.id == "aktivist.E001"]
    assert len(errors) == 1
    assert "DEFAULT_FROM_EMAIL has no usable address" in errors[0].msg
    with pytest.raises(SystemCheckError, match="DEFAULT_FROM_EMAIL"):
        call_command("check")


def test_a_raw_bulk_message_writes_a_comma_name_and_an_idna_reply_to_as_single_addresses():
    raw = build_raw(
        OutgoingEmail(
            to="bo@åäö.example.org",
            subject="Hej",
            text="x",
            html="<p>x</p>",
            from_email=ORGANISATION_FROM,
            headers={"Reply-To": "Grupp, Syd <syd@exämple.org>"},
        )
    )
    assert raw.isascii()
    message = message_from_bytes(raw)
    assert parsed(message, "From") == (
        Address(django_settings.ORGANISATION_NAME, "noreply", "example.org"),
    )
    assert parsed(message, "To") == (Address("", "bo", "xn--4cab6c.example.org"),)
    assert parsed(message, "Reply-To") == (Address("Grupp, Syd", "syd", "xn--exmple-cua.org"),)
