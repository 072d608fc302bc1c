"""Requests held for review: unusual volumes of holds by one account alert the secretariat.

A hold (an import row, a new or edited person, a walk-in or an attendance row that matched
someone outside the requester's scope) tells the requester that *someone* holds the
address they typed. One is ordinary; many from one account look like probing the register.

Every place that writes review items calls ``holds_recorded`` afterwards. When an account
that is not national has had ``HOLD_ALERT_THRESHOLD`` or more review items created within
the last ``HOLD_ALERT_WINDOW_HOURS``, the secretariat is alerted once per window: an audit
event (which is also what keeps a second alert from going out) and an email naming the
account — never the people its requests matched. The review queue lists such accounts.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from aktivist.accounts.models import AccessScope, User
from aktivist.accounts.selectors import secretariat_alert_recipients
from aktivist.core import audit, emails
from aktivist.core.models import AuditEvent
from aktivist.people.models import ReviewItem

logger = logging.getLogger(__name__)

ALERT_VERB = "review.volume_alert"
ALERT_EMAIL = "people/hold_volume_alert"
NATIONAL_ROLES = ("admin", "staff")  # User.AccessRole.ADMIN, STAFF: they see everyone


def window() -> dt.timedelta:
    return dt.timedelta(hours=max(1, int(settings.HOLD_ALERT_WINDOW_HOURS)))


def _may_alert(actor: Any) -> bool:
    """Only a signed-in account that is not national: a national account sees everyone (its
    requests are never held), and a system actor probes nothing."""
    return (
        getattr(actor, "is_authenticated", False)
        and getattr(actor, "access_role", "") not in NATIONAL_ROLES
    )


def holds_recorded(*, actor: Any, count: int) -> None:
    """Call after ``count`` review items were written for ``actor``'s requests (inside or
    after the transaction that wrote them). The check runs after commit; if it fails, it is
    logged and the caller's work stands."""
    if count <= 0 or not _may_alert(actor):
        return
    actor_id = actor.pk
    transaction.on_commit(lambda: check_hold_volume(actor_id), robust=True)


def _alerts_since(actor_id: int, since: dt.datetime) -> QuerySet[Any]:
    return AuditEvent.objects.filter(
        verb=ALERT_VERB,
        object_type="accounts.user",
        object_id=str(actor_id),
        created_at__gte=since,
    )


def check_hold_volume(actor_id: int) -> int | None:
    """Alert the secretariat if the account has reached the threshold within the window and
    was not alerted about within it. Returns the id of the alert's audit event, or None."""
    threshold = int(settings.HOLD_ALERT_THRESHOLD)
    since = timezone.now() - window()
    with transaction.atomic():
        # The account's row is locked: two checks at once for one account alert once.
        account = User.objects.select_for_update().filter(pk=actor_id).first()
        if account is None or account.access_role in NATIONAL_ROLES:
            return None
        count = ReviewItem.objects.filter(submitted_by_id=actor_id, created_at__gte=since).count()
        if count < threshold or _alerts_since(actor_id, since).exists():
            return None
        event = audit.record(
            actor=None,
            verb=ALERT_VERB,
            obj=account,
            details={
                "count": count,
                "window_hours": int(window().total_seconds()) // 3600,
                "threshold": threshold,
            },
        )
        event_id = event.pk
        transaction.on_commit(lambda: send_hold_volume_alert.enqueue(event_id))
    logger.warning("review holds: unusual volume account=%s count=%d", actor_id, count)
    return event_id


def _recipients() -> list[tuple[str, str]]:
    return secretariat_alert_recipients(settings.HOLD_ALERT_EMAILS)


def hold_volume_alert_send(event_id: int) -> int:
    """Email the alert that audit event ``event_id`` recorded. Returns how many were sent;
    one failed address does not stop the others."""
    event = AuditEvent.objects.filter(pk=event_id, verb=ALERT_VERB).first()
    if event is None:
        return 0
    account = User.objects.filter(pk=event.object_id).first()
    if account is None:
        return 0
    roles = dict(User.AccessRole.choices)
    context = {
        "account_name": account.name,
        "account_email": account.email,
        "access_role": roles.get(account.access_role, account.access_role),
        "units": list(account.scopes.order_by("unit__name").values_list("unit__name", flat=True)),
        "holds": event.details.get("count", 0),
        "window_hours": event.details.get("window_hours", 0),
        "review_url": settings.SITE_URL.rstrip("/") + reverse("people:review_list"),
    }
    sent = failed = 0
    for address, language in _recipients():
        try:
            emails.send_transactional(ALERT_EMAIL, to=address, language=language, context=context)
        except Exception as exc:  # one address must not stop the rest
            failed += 1
            # The error's class only: its message may hold the address.
            logger.warning(
                "hold volume alert email failed event=%s error=%s", event_id, type(exc).__name__
            )
        else:
            sent += 1
    logger.info("hold volume alert event=%s sent=%d failed=%d", event_id, sent, failed)
    return sent


@task()
def send_hold_volume_alert(event_id: int) -> int:
    """Email the secretariat about an account with an unusual number of holds."""
    return hold_volume_alert_send(event_id)


# --- The review queue's list of such accounts ---------------------------------------------


@dataclass
class HoldVolume:
    account: Any  # accounts.User
    count: int
    units: list[str] = field(default_factory=list)
    window_hours: int = 24


def unusual_hold_volumes() -> list[HoldVolume]:
    """Accounts (not national) with at least ``HOLD_ALERT_THRESHOLD`` review items created
    within the window, most first. Three queries at most."""
    since = timezone.now() - window()
    hours = int(window().total_seconds()) // 3600
    rows = (
        ReviewItem.objects.filter(created_at__gte=since, submitted_by__isnull=False)
        .exclude(submitted_by__access_role__in=NATIONAL_ROLES)
        .values("submitted_by")
        .annotate(n=Count("id"))
        .filter(n__gte=int(settings.HOLD_ALERT_THRESHOLD))
        .order_by()
    )
    counts = {row["submitted_by"]: row["n"] for row in rows}
    if not counts:
        return []
    scopes = AccessScope.objects.select_related("unit").order_by("unit__name")
    accounts = User.objects.filter(pk__in=counts).prefetch_related(Prefetch("scopes", scopes))
    found = [
        HoldVolume(
            account=account,
            count=counts[account.pk],
            units=[scope.unit.name for scope in account.scopes.all()],
            window_hours=hours,
        )
        for account in accounts
    ]
    return sorted(found, key=lambda v: (-v.count, v.account.pk))
