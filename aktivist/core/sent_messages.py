"""The messages that never left this machine: outside production, what the email and SMS
transports "send" (``core/transports.py``, ``core/sms.py``) is also kept as a
``SentMessage`` row, so that development and the demo can read a confirmation link or an
SMS code on the admins' sent-messages page (``staff.views.sent_messages``).

* Kept only while ``settings.KEEP_SENT_MESSAGES`` (never in production: the setting is
  false there whatever the environment says; the benchmarks and the test suite switch it
  off, the tests of this page switch it on).
* Kept for the days of the ``sent_messages`` retention rule (7 by default, applied
  nightly: ``privacy/retention.py``), and deleted by erasure for every address of the
  people erased (``privacy/registries.py``).
* Keeping a copy never fails a send: an error is logged (by its class, never a value) and
  the message counts as sent.
"""

from __future__ import annotations

import datetime as dt
import logging
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import QuerySet

from aktivist.core.models import SentMessage

logger = logging.getLogger(__name__)

PAGE_SIZE = 100


def keeps() -> bool:
    return bool(settings.KEEP_SENT_MESSAGES) and not settings.PRODUCTION


def _bare(address: str) -> str:
    return (parseaddr(address)[1] or address).strip().lower()


def _keep(*, channel: str, to: str, subject: str, body: str) -> None:
    field = SentMessage._meta.get_field("subject")
    try:
        with transaction.atomic():
            SentMessage.objects.create(
                channel=channel,
                to=to[:254],
                subject=" ".join(subject.split())[: field.max_length],
                body=body,
            )
    except DatabaseError as exc:
        logger.warning("sent_messages.keep failed channel=%s error=%s", channel, type(exc).__name__)


def keep_email(email: Any) -> None:
    """A copy of an ``OutgoingEmail`` the transport handed over (its text part)."""
    if keeps():
        _keep(channel="email", to=_bare(email.to), subject=email.subject, body=email.text)


def keep_sms(to: str, body: str) -> None:
    if keeps():
        _keep(channel="sms", to=to.strip(), subject="", body=body)


def recent(*, limit: int = PAGE_SIZE) -> QuerySet[SentMessage]:
    """The newest kept messages first."""
    return SentMessage.objects.order_by("-created_at", "-id")[:limit]


def older_than(cutoff: dt.datetime) -> QuerySet[SentMessage]:
    """What the retention rule deletes."""
    return SentMessage.objects.filter(created_at__lt=cutoff)


def to_addresses(addresses: QuerySet[Any]) -> QuerySet[SentMessage]:
    """The kept messages to any address a subquery selects (erasure, the access export)."""
    return SentMessage.objects.filter(to__in=addresses)
