"""Reads on messages, mobilizations and their outbox, scoped by the viewer.

The secretariat sees every message and mobilization; district representatives and
coordinators those owned by a unit in their subtree (and their own). A mobilization's
recipients are people: its lists go through ``people_visible_to``. Board viewers see none
of this (404).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from aktivist.accounts.access import Scope, scope_for
from aktivist.mobilization.models import Delivery, Message, Mobilization
from aktivist.organisation.scoping import subtree_q

RATE_WINDOW = dt.timedelta(minutes=1)


def _owned_q(viewer: Any) -> Q | None:
    """None: everything; else the rows owned by a unit in the viewer's subtree or by them."""
    scope = scope_for(viewer)
    if scope.is_national:
        return None
    if not scope.sees_people:
        return Q(pk__in=[])
    return subtree_q(scope, field="unit__path") | Q(created_by=viewer)


def messages_visible_to(viewer: Any) -> QuerySet[Message]:
    qs = Message.objects.select_related("action", "event", "unit").filter(is_archived=False)
    q = _owned_q(viewer)
    return qs if q is None else qs.filter(q)


def access_message(viewer: Any, pk: Any) -> Message:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    message = messages_visible_to(viewer).filter(pk=pk).first()
    if message is None:
        raise Http404
    return message


def mobilizations_visible_to(viewer: Any) -> QuerySet[Mobilization]:
    qs = Mobilization.objects.select_related(
        "message", "segment", "unit", "created_by", "approved_by", "requested_by"
    )
    q = _owned_q(viewer)
    return qs if q is None else qs.filter(q)


def access_mobilization(viewer: Any, pk: Any) -> Mobilization:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    mobilization = mobilizations_visible_to(viewer).filter(pk=pk).first()
    if mobilization is None:
        raise Http404
    return mobilization


def scope_covers(outer: Scope, inner: Scope) -> bool:
    """Whether everyone ``inner`` may see, ``outer`` may see too (the approver's scope
    must hold the author's)."""
    if outer.is_national:
        return True
    if inner.is_national or not outer.sees_people or not inner.sees_people:
        return False
    return all(outer.covers_path(path) for path in inner.unit_paths)


def awaiting_approval_by(viewer: Any) -> QuerySet[Mobilization]:
    """Mobilizations waiting for a second staff member that this viewer may approve."""
    qs = mobilizations_visible_to(viewer).filter(status=Mobilization.Status.AWAITING_APPROVAL)
    qs = qs.exclude(created_by=viewer).exclude(requested_by=viewer)
    viewer_scope = scope_for(viewer)
    allowed = [
        m.pk
        for m in qs.select_related("created_by")
        if m.created_by is not None and scope_covers(viewer_scope, scope_for(m.created_by))
    ]
    return qs.filter(pk__in=allowed)


# --- Progress ---------------------------------------------------------------------------------


@dataclass
class Progress:
    total: int = 0
    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    cancelled: int = 0
    skip_reasons: list[tuple[str, str, int]] = field(default_factory=list)
    fail_reasons: list[tuple[str, str, int]] = field(default_factory=list)
    rate_per_minute: int = 0
    finishes_at: dt.datetime | None = None
    clicked: int = 0
    acted: int = 0

    @property
    def to_send(self) -> int:
        return self.pending + self.sending

    @property
    def percent_done(self) -> int:
        sendable = self.total - self.skipped - self.cancelled
        if sendable <= 0:
            return 100 if self.total else 0
        return min(100, (self.sent + self.failed) * 100 // sendable)


def progress(mobilization: Mobilization, *, now: dt.datetime | None = None) -> Progress:
    """Counts by status and reason, the rate over the last minute and the estimated finish
    (a few grouped queries on the outbox's indexes)."""
    now = now or timezone.now()
    result = Progress()
    deliveries = Delivery.objects.filter(mobilization=mobilization)
    labels = dict(Delivery.Reason.choices)
    for status, reason, count in (
        deliveries.values_list("status", "reason").annotate(n=Count("id")).order_by()
    ):
        result.total += count
        setattr(result, status, getattr(result, status) + count)
        if status == Delivery.Status.SKIPPED:
            result.skip_reasons.append((reason, str(labels.get(reason, reason)), count))
        elif status == Delivery.Status.FAILED:
            result.fail_reasons.append((reason, str(labels.get(reason, reason)), count))
    result.skip_reasons.sort(key=lambda r: -r[2])
    result.fail_reasons.sort(key=lambda r: -r[2])
    if mobilization.status == Mobilization.Status.SENDING:
        result.rate_per_minute = deliveries.filter(
            status=Delivery.Status.SENT, sent_at__gte=now - RATE_WINDOW
        ).count()
        if result.rate_per_minute and result.to_send:
            minutes = result.to_send / result.rate_per_minute
            result.finishes_at = now + dt.timedelta(minutes=minutes)
    funnel = deliveries.aggregate(
        clicked=Count("id", filter=Q(clicked_at__isnull=False)),
        acted=Count("id", filter=Q(acted_at__isnull=False)),
    )
    result.clicked, result.acted = funnel["clicked"], funnel["acted"]
    return result
