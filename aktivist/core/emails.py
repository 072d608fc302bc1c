"""The transactional email helper: one template triple per message.

A message named ``accounts/invitation`` lives in ``templates/emails/accounts/invitation/``
as ``subject.txt``, ``body.txt`` and ``body.html``. It is rendered in the recipient's
language and sent through Django's email backend (console or loopback SMTP outside
production, an email service provider through anymail in production).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from aktivist.core.exceptions import ApplicationError

RESERVED_DOMAINS = ("example.org", "example.com", "example.net")


def _check_recipient(address: str) -> None:
    if settings.PRODUCTION:
        return
    domain = address.rsplit("@", 1)[-1].lower().strip(">")
    if not (
        domain in RESERVED_DOMAINS or domain.endswith(tuple("." + d for d in RESERVED_DOMAINS))
    ):
        # Outside production nothing may reach a real person, whatever the backend.
        raise ApplicationError("Outside production, email goes only to reserved domains.")


def render_message(
    name: str, context: dict[str, Any], language: str | None = None
) -> tuple[str, str, str]:
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{name}/subject.txt", context)
        text = render_to_string(f"emails/{name}/body.txt", context)
        html = render_to_string(f"emails/{name}/body.html", context)
    return " ".join(subject.split()), text, html


def send_transactional(
    name: str,
    *,
    to: str,
    context: dict[str, Any] | None = None,
    language: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes | str, str]] | None = None,
) -> None:
    """Render and send one message. ``attachments``: (filename, content, mimetype)."""
    _check_recipient(to)
    ctx = {"site_url": settings.SITE_URL, **(context or {})}
    subject, text, html = render_message(name, ctx, language)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers or {},
    )
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments or []:
        message.attach(filename, content, mimetype)
    message.send()
