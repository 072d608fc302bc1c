"""The transactional email helper: one template triple per message.

A message named ``accounts/invitation`` lives in ``templates/emails/accounts/invitation/``
as ``subject.txt``, ``body.txt`` and ``body.html``. It is rendered in the recipient's
language and sent through the same transports as bulk email (``core/transports.py``:
loopback SMTP or the console outside production, SMTP or an email service provider
through anymail in production).

Transactional mail reaches people who unsubscribed from campaigns, but never an address
that bounced or complained (the mobilization app registers that check: its
``recipients.py`` decides who may receive any message) nor an erased person.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from aktivist.core.exceptions import ApplicationError
from aktivist.core.transport_errors import TransportError
from aktivist.core.transports import OutgoingEmail, get_email_transport

RESERVED_DOMAINS = ("example.org", "example.com", "example.net")

logger = logging.getLogger(__name__)

# Checks an address must pass before any email goes to it: each returns a reason to hold
# the message back, or "" (registered by features in ready(); the base imports none).
RecipientCheck = Callable[[str], str]
recipient_checks: list[RecipientCheck] = []
# Called with (address, code) when a server refused an address for good.
RefusalHandler = Callable[[str, str], None]
refusal_handlers: list[RefusalHandler] = []


def register_recipient_check(check: RecipientCheck) -> None:
    if check not in recipient_checks:
        recipient_checks.append(check)


def register_refusal_handler(handler: RefusalHandler) -> None:
    if handler not in refusal_handlers:
        refusal_handlers.append(handler)


def is_reserved_address(address: str) -> bool:
    domain = address.rsplit("@", 1)[-1].lower().strip(">")
    return domain in RESERVED_DOMAINS or domain.endswith(tuple("." + d for d in RESERVED_DOMAINS))


def _check_recipient(address: str) -> None:
    if settings.PRODUCTION:
        return
    if not is_reserved_address(address):
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
    person: Any = None,
) -> bool:
    """Render and send one message. ``attachments``: (filename, content, mimetype).
    Returns False when the message was held back (an erased ``person``, an address that
    bounced or complained); raises TransportError when a retry may help."""
    _check_recipient(to)
    if person is not None and not getattr(person, "is_active", True):
        logger.info("email.transactional held name=%s reason=erased", name)
        return False
    for check in recipient_checks:
        reason = check(to)
        if reason:
            logger.info("email.transactional held name=%s reason=%s", name, reason)
            return False
    ctx = {"site_url": settings.SITE_URL, **(context or {})}
    subject, text, html = render_message(name, ctx, language)
    email = OutgoingEmail(
        to=to,
        subject=subject,
        text=text,
        html=html,
        headers=headers or {},
        attachments=list(attachments or []),
    )
    try:
        with get_email_transport() as transport:
            transport.send(email)
    except TransportError as exc:
        if exc.unsendable:  # an address this server cannot take: fails alone, never retried
            logger.warning("email.transactional unsendable name=%s reason=%s", name, exc.code)
            return False
        if not exc.recipient_refused:
            raise
        logger.info("email.transactional refused name=%s code=%s", name, exc.code[:3])
        for handler in refusal_handlers:
            handler(to, exc.code)
        return False
    return True
