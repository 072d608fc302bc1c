from __future__ import annotations

import email.header
from pathlib import Path

import pytest

from aktivist.core.emails import send_transactional
from aktivist.core.exceptions import ApplicationError

TEMPLATES = Path(__file__).parent / "templates"


@pytest.fixture
def sample_templates(settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEMPLATES]}
    ]


def test_transactional_email_reaches_a_real_smtp_server_with_text_and_html(
    smtp_server, sample_templates, db
):
    send_transactional(
        "core/sample", to="amir@example.org", context={"name": "Amir Öberg"}, language="sv"
    )

    messages = list(smtp_server)
    assert len(messages) == 1
    message = messages[0]
    assert message["To"] == "amir@example.org"
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    assert "Amir" in subject
    parts = {part.get_content_type(): part for part in message.walk()}
    assert "Hej Amir Öberg!" in parts["text/plain"].get_payload(decode=True).decode()
    assert "<p>Hej Amir Öberg!</p>" in parts["text/html"].get_payload(decode=True).decode()


def test_outside_production_mail_to_a_real_domain_is_refused_and_nothing_sent(
    mailoutbox, sample_templates
):
    with pytest.raises(ApplicationError):
        send_transactional("core/sample", to="someone@gmail.com", context={"name": "X"})
    assert mailoutbox == []
