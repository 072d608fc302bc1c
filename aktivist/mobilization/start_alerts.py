"""A start that fails or is slow is shown and alerts the secretariat.

A start normally takes seconds (the snapshot of 100,000 recipients: one statement). When
one fails, or is still "starting" after ``MOBILIZATION_START_ALERT_MINUTES``, the
mobilization's page and its urgent case's page say so, and the secretariat is alerted once
per mobilization: an audit event (``mobilization.start_alert``) and an email to
``MOBILIZATION_ALERT_EMAILS`` or, if none are set, every active secretariat admin and staff
account. The email names the mobilization, never its recipients.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from aktivist.mobilization.models import Mobilization

logger = logging.getLogger(__name__)

ALERT_VERB = "mobilization.start_alert"
ALERT_EMAIL = "mobilization/start_alert"
FAILED = "failed"
SLOW = "slow"


def alert_after() -> dt.timedelta:
    return dt.timedelta(minutes=max(1, int(settings.MOBILIZATION_START_ALERT_MINUTES)))


def attempts_left(mobilization: Mobilization) -> bool:
    return mobilization.start_attempts < max(1, int(settings.MOBILIZATION_START_ATTEMPTS))


def is_slow(mobilization: Mobilization, now: dt.datetime | None = None) -> bool:
    since = mobilization.starting_at
    return (
        mobilization.status == Mobilization.Status.STARTING
        and since is not None
        and since < (now or timezone.now()) - alert_after()
    )


def start_problem(mobilization: Mobilization, now: dt.datetime | None = None) -> str:
    """What staff should know about a start that failed or is slow ("" when nothing)."""
    if mobilization.status != Mobilization.Status.STARTING:
        return ""
    now = now or timezone.now()
    if mobilization.start_error and not attempts_left(mobilization):
        return ngettext(
            "Starting failed %(count)d time and is not tried again. Nothing has been sent. "
            "Cancel it and send again, or ask the administrator. The secretariat has been "
            "alerted.",
            "Starting failed %(count)d times and is not tried again. Nothing has been sent. "
            "Cancel it and send again, or ask the administrator. The secretariat has been "
            "alerted.",
            mobilization.start_attempts,
        ) % {"count": mobilization.start_attempts}
    if mobilization.start_error:
        return _(
            "Starting failed (attempt %(attempt)d of %(attempts)d); it is tried again "
            "automatically within a few minutes. Nothing has been sent yet. The secretariat "
            "has been alerted."
        ) % {
            "attempt": mobilization.start_attempts,
            "attempts": max(1, int(settings.MOBILIZATION_START_ATTEMPTS)),
        }
    if is_slow(mobilization, now):
        assert mobilization.starting_at is not None  # noqa: S101 - is_slow checked it
        minutes = int((now - mobilization.starting_at).total_seconds() // 60)
        return ngettext(
            "Starting has taken %(count)d minute (it usually takes seconds). Nothing has "
            "been sent yet. The secretariat has been alerted.",
            "Starting has taken %(count)d minutes (it usually takes seconds). Nothing has "
            "been sent yet. The secretariat has been alerted.",
            minutes,
        ) % {"count": minutes}
    return ""


def alert_start(mobilization_id: int, kind: str) -> int | None:
    """Alert the secretariat about this start (``FAILED`` or ``SLOW``) unless it was
    alerted about already. Returns the alert's audit event id, or None."""
    from aktivist.core import audit

    now = timezone.now()
    with transaction.atomic():
        claimed = Mobilization.objects.filter(
            pk=mobilization_id,
            status=Mobilization.Status.STARTING,
            start_alerted_at__isnull=True,
        ).update(start_alerted_at=now)
        if not claimed:
            return None
        mobilization = Mobilization.objects.get(pk=mobilization_id)
        event = audit.record(
            actor=None,
            verb=ALERT_VERB,
            obj=mobilization,
            details={
                "kind": kind,
                "attempts": mobilization.start_attempts,
                "error": mobilization.start_error,
            },
        )
        event_id = event.pk
        transaction.on_commit(lambda: send_start_alert.enqueue(event_id), robust=True)
    logger.warning(
        "mobilization.start alert mobilization=%s kind=%s attempts=%s",
        mobilization_id,
        kind,
        mobilization.start_attempts,
    )
    return event_id


def _recipients() -> list[tuple[str, str]]:
    from aktivist.accounts.selectors import secretariat_alert_recipients

    return secretariat_alert_recipients(settings.MOBILIZATION_ALERT_EMAILS)


def start_alert_send(event_id: int) -> int:
    """Email the alert that audit event ``event_id`` recorded. Returns how many were sent."""
    from aktivist.core import emails
    from aktivist.core.models import AuditEvent

    event = AuditEvent.objects.filter(pk=event_id, verb=ALERT_VERB).first()
    if event is None:
        return 0
    mobilization = Mobilization.objects.filter(pk=event.object_id).first()
    if mobilization is None:
        return 0
    site = settings.SITE_URL.rstrip("/")
    context: dict[str, Any] = {
        "name": mobilization.name,
        "failed": event.details.get("kind") == FAILED,
        "attempts": event.details.get("attempts", 0),
        "error": event.details.get("error", ""),
        "minutes": int(alert_after().total_seconds() // 60),
        "url": site + reverse("mobilization:detail", args=[mobilization.pk]),
    }
    sent = failed = 0
    for address, language in _recipients():
        try:
            emails.send_transactional(ALERT_EMAIL, to=address, language=language, context=context)
        except Exception as exc:  # one address must not stop the rest
            failed += 1
            logger.warning(
                "mobilization start alert email failed event=%s error=%s",
                event_id,
                type(exc).__name__,
            )
        else:
            sent += 1
    logger.info("mobilization start alert event=%s sent=%d failed=%d", event_id, sent, failed)
    return sent


@task()
def send_start_alert(event_id: int) -> int:
    """Email the secretariat about a mobilization whose start failed or is slow."""
    return start_alert_send(event_id)


def alert_slow_starts(now: dt.datetime | None = None) -> int:
    """The sweeper's check: alert about every start still running after the alert time."""
    now = now or timezone.now()
    slow = Mobilization.objects.filter(
        status=Mobilization.Status.STARTING,
        start_alerted_at__isnull=True,
        starting_at__lt=now - alert_after(),
    ).values_list("pk", flat=True)
    return sum(1 for pk in list(slow) if alert_start(pk, SLOW) is not None)
