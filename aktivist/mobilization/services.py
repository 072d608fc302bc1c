"""Writes on messages and mobilizations: validated, scoped and audited.

The life of a mobilization::

    draft ──request──▶ awaiting approval ──approve──▶ scheduled ──(time)──▶ starting
      ▲                   │ decline                        │                   │ snapshot
      └───────────────────┘                                └──(now)────────────▶ sending ⇄ paused
                                                                                   │
                                                          done ◀──(outbox empty)───┘
    (cancel from any state before done)

* Requesting a send freezes the segment's tree and the message's texts on the
  mobilization: what is approved is what is sent, whatever is edited later.
* The segment is evaluated in its author's scope. Sending to more people than
  ``MOBILIZATION_APPROVAL_THRESHOLD`` needs a second staff member's approval, and the
  approver's scope must hold the author's. The snapshot checks the size again.
* Only the secretariat marks a mobilization urgent (the urgent lane goes ahead of every
  bulk send).

Every function takes ``actor`` (a staff account; None for tasks) and records one audit
event. ``ValidationError`` carries messages per field; ``ApplicationError`` is a refusal
whose message is safe to show.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.accounts.access import scope_for
from aktivist.core import audit
from aktivist.core.conditions import SegmentError, validate_tree
from aktivist.core.exceptions import ApplicationError
from aktivist.mobilization.composing import message_problems, message_snapshot
from aktivist.mobilization.models import Delivery, Message, Mobilization
from aktivist.mobilization.selectors import (
    access_message,
    mobilizations_visible_to,
    scope_covers,
)
from aktivist.organisation.services import owner_unit
from aktivist.people.selectors import filter_people
from aktivist.segments.models import Segment
from aktivist.segments.selectors import segments_visible_to

logger = logging.getLogger(__name__)

Status = Mobilization.Status


def _check_draft_parts(
    actor: Any, *, message: Message, segment: Segment | None, urgent: bool
) -> None:
    access_message(actor, message.pk)  # 404 outside scope
    if segment is not None and not segments_visible_to(actor).filter(pk=segment.pk).exists():
        raise ValidationError({"segment": _("Unknown segment.")})
    if urgent and not scope_for(actor).is_national:
        raise ValidationError({"urgent": _("Only the secretariat sends in the urgent lane.")})


@transaction.atomic
def mobilization_create(
    *,
    actor: Any,
    name: str,
    message: Message,
    segment: Segment | None,
    urgent: bool = False,
    send_at: dt.datetime | None = None,
    follows: Mobilization | None = None,
) -> Mobilization:
    _check_draft_parts(actor, message=message, segment=segment, urgent=urgent)
    mobilization = Mobilization(
        name=name.strip(),
        message=message,
        segment=segment,
        channel=message.channel,
        urgent=urgent,
        send_at=send_at,
        follows=follows,
        unit=owner_unit(actor),
        created_by=actor,
    )
    mobilization.full_clean()
    mobilization.save()
    audit.record(
        actor=actor,
        verb="mobilization.create",
        obj=mobilization,
        details={"message": message.pk, "segment": segment.pk if segment else None},
    )
    return mobilization


@transaction.atomic
def mobilization_update(
    *,
    actor: Any,
    mobilization: Mobilization,
    name: str,
    message: Message,
    segment: Segment | None,
    urgent: bool = False,
    send_at: dt.datetime | None = None,
) -> Mobilization:
    mobilization = _locked(actor, mobilization)
    if mobilization.status not in Mobilization.EDITABLE:
        raise ApplicationError(_("Only a draft can be changed."))
    _check_draft_parts(actor, message=message, segment=segment, urgent=urgent)
    mobilization.name = name.strip()
    mobilization.message = message
    mobilization.segment = segment
    mobilization.channel = message.channel
    mobilization.urgent = urgent
    mobilization.send_at = send_at
    mobilization.full_clean()
    mobilization.save()
    audit.record(actor=actor, verb="mobilization.update", obj=mobilization)
    return mobilization


def _locked(actor: Any, mobilization: Mobilization) -> Mobilization:
    """The row, locked, if the actor may see it (404 otherwise)."""
    qs = Mobilization.objects.select_for_update()
    if actor is not None:
        qs = qs.filter(pk__in=mobilizations_visible_to(actor).values("pk"))
    found = qs.filter(pk=mobilization.pk).first()
    if found is None:
        raise Http404
    return found


def recipients_of(mobilization: Mobilization, tree: Any | None = None) -> Any:
    """The people the mobilization's segment names, in its author's scope."""
    return filter_people(mobilization.created_by, tree or mobilization.segment_tree)


def estimate(mobilization: Mobilization) -> int:
    """How many people the segment names now (before skipping anyone)."""
    if mobilization.segment is None:
        return 0
    return recipients_of(mobilization, mobilization.segment.tree).count()


def needs_approval(count: int) -> bool:
    return count > settings.MOBILIZATION_APPROVAL_THRESHOLD


# --- Mobilizations: sending ---------------------------------------------------------------------


@transaction.atomic
def mobilization_request_send(
    *, actor: Any, mobilization: Mobilization, send_at: dt.datetime | None = None
) -> Mobilization:
    """Freeze the segment and the message and send now, at ``send_at``, or once a second
    staff member has approved (large sends)."""
    mobilization = _locked(actor, mobilization)
    if mobilization.status != Status.DRAFT:
        raise ApplicationError(_("This mobilization has already been sent or requested."))
    if mobilization.segment is None or mobilization.segment.is_archived:
        raise ApplicationError(_("Choose a segment first."))
    message = mobilization.message
    if message.is_archived:
        raise ApplicationError(_("The message has been archived: choose another."))
    if message_problems(message):
        raise ApplicationError(_("Correct the message before sending it."))
    if send_at is not None and send_at < timezone.now() - dt.timedelta(minutes=5):
        raise ApplicationError(_("The time to send is in the past."))
    try:
        count = recipients_of(mobilization, mobilization.segment.tree).count()
    except SegmentError as exc:
        raise ApplicationError(exc.message) from None
    now = timezone.now()
    mobilization.segment_tree = mobilization.segment.tree
    mobilization.message_snapshot = message_snapshot(message)
    mobilization.channel = message.channel
    mobilization.estimated_count = count
    mobilization.requested_by = actor
    mobilization.requested_at = now
    mobilization.send_at = send_at
    if needs_approval(count):
        mobilization.status = Status.AWAITING_APPROVAL
    else:
        mobilization.status = Status.SCHEDULED
    mobilization.save()
    audit.record(
        actor=actor,
        verb="mobilization.request",
        obj=mobilization,
        details={"estimated": count, "send_at": send_at.isoformat() if send_at else None},
    )
    if mobilization.status == Status.SCHEDULED:
        start_if_due(mobilization)
    return mobilization


@transaction.atomic
def mobilization_send_preapproved(
    *,
    actor: Any,
    name: str,
    message: Message,
    tree: Any,
    audience: str,
    basis: str,
    urgent: bool = False,
    approved_by: Any = None,
    send_at: dt.datetime | None = None,
    follows: Mobilization | None = None,
) -> Mobilization:
    """Send without asking for a second approval, because it was given before: a message
    from an urgent template a second staff member approved when it was written, or a case
    update (it goes only to those who acted). ``basis`` says which, for the audit trail.
    The tree is frozen as given (no saved segment); ``audience`` says in words who it is."""
    _check_draft_parts(actor, message=message, segment=None, urgent=urgent)
    try:
        tree = validate_tree(tree)
    except SegmentError as exc:
        raise ApplicationError(exc.message) from None
    now = timezone.now()
    mobilization = Mobilization(
        name=name.strip()[:200],
        message=message,
        segment=None,
        segment_tree=tree,
        message_snapshot=message_snapshot(message),
        channel=message.channel,
        urgent=urgent,
        follows=follows,
        audience=audience[:200],
        send_at=send_at,
        unit=owner_unit(actor),
        created_by=actor,
        requested_by=actor,
        requested_at=now,
        approved_by=approved_by,
        approved_at=now,
        status=Status.SCHEDULED,
    )
    mobilization.full_clean()
    mobilization.save()
    audit.record(
        actor=actor,
        verb="mobilization.send_preapproved",
        obj=mobilization,
        details={
            "basis": basis,
            "approved_by": approved_by.pk if approved_by else None,
            "send_at": send_at.isoformat() if send_at else None,
        },
    )
    start_if_due(mobilization)
    return mobilization


def can_approve(actor: Any, mobilization: Mobilization) -> bool:
    if actor is None or mobilization.status != Status.AWAITING_APPROVAL:
        return False
    if actor.pk in (mobilization.created_by_id, mobilization.requested_by_id):
        return False
    author = mobilization.created_by
    if author is None:
        return False
    return scope_covers(scope_for(actor), scope_for(author))


@transaction.atomic
def mobilization_approve(*, actor: Any, mobilization: Mobilization) -> Mobilization:
    mobilization = _locked(actor, mobilization)
    if mobilization.status != Status.AWAITING_APPROVAL:
        raise ApplicationError(_("This mobilization is not waiting for approval."))
    if actor.pk in (mobilization.created_by_id, mobilization.requested_by_id):
        raise ApplicationError(_("A second staff member must approve: not the one who asked."))
    if not can_approve(actor, mobilization):
        raise ApplicationError(
            _(
                "Your scope does not hold everyone this mobilization reaches: "
                "ask someone whose does."
            )
        )
    mobilization.approved_by = actor
    mobilization.approved_at = timezone.now()
    mobilization.status = Status.SCHEDULED
    mobilization.save(update_fields=["approved_by", "approved_at", "status", "updated_at"])
    audit.record(
        actor=actor,
        verb="mobilization.approve",
        obj=mobilization,
        details={"estimated": mobilization.estimated_count},
    )
    start_if_due(mobilization)
    return mobilization


@transaction.atomic
def mobilization_decline(*, actor: Any, mobilization: Mobilization, note: str = "") -> Mobilization:
    """Back to draft: the approver declines, or the author withdraws the request."""
    mobilization = _locked(actor, mobilization)
    if mobilization.status not in (Status.AWAITING_APPROVAL, Status.SCHEDULED):
        raise ApplicationError(_("Only a mobilization that has not started can go back to draft."))
    mobilization.status = Status.DRAFT
    mobilization.approved_by = None
    mobilization.approved_at = None
    mobilization.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    audit.record(
        actor=actor, verb="mobilization.decline", obj=mobilization, details={"note": note[:500]}
    )
    return mobilization


def start_if_due(mobilization: Mobilization, now: dt.datetime | None = None) -> None:
    """Scheduled and due: move to starting and let a worker take the snapshot."""
    if mobilization.send_at is not None and mobilization.send_at > (now or timezone.now()):
        return
    at = now or timezone.now()
    updated = Mobilization.objects.filter(pk=mobilization.pk, status=Status.SCHEDULED).update(
        status=Status.STARTING,
        starting_at=at,
        start_attempts=0,
        start_lease_until=None,
        start_error="",
        start_alerted_at=None,
        updated_at=at,
    )
    if updated:
        mobilization.status = Status.STARTING
        # tasks.py imports this module (task → service → enqueue): imported when called.
        from aktivist.mobilization.tasks import enqueue_start

        pk, lane = mobilization.pk, mobilization.lane
        transaction.on_commit(lambda: enqueue_start(pk, lane))


@transaction.atomic
def mobilization_pause(*, actor: Any, mobilization: Mobilization) -> Mobilization:
    mobilization = _locked(actor, mobilization)
    if mobilization.status != Status.SENDING:
        raise ApplicationError(_("Only a mobilization that is sending can be paused."))
    mobilization.status = Status.PAUSED
    mobilization.paused_at = timezone.now()
    mobilization.save(update_fields=["status", "paused_at", "updated_at"])
    audit.record(actor=actor, verb="mobilization.pause", obj=mobilization)
    return mobilization


@transaction.atomic
def mobilization_resume(*, actor: Any, mobilization: Mobilization) -> Mobilization:
    mobilization = _locked(actor, mobilization)
    if mobilization.status != Status.PAUSED:
        raise ApplicationError(_("Only a paused mobilization can be resumed."))
    mobilization.status = Status.SENDING
    mobilization.paused_at = None
    mobilization.save(update_fields=["status", "paused_at", "updated_at"])
    audit.record(actor=actor, verb="mobilization.resume", obj=mobilization)
    # tasks.py imports this module (task → service → enqueue): imported when called.
    from aktivist.mobilization.tasks import enqueue_dispatch

    lane = mobilization.lane
    transaction.on_commit(
        lambda: enqueue_dispatch(lane, count=settings.MOBILIZATION_PARALLEL_TASKS)
    )
    return mobilization


CANCELLABLE = (
    Status.DRAFT,
    Status.AWAITING_APPROVAL,
    Status.SCHEDULED,
    Status.STARTING,
    Status.SENDING,
    Status.PAUSED,
)


@transaction.atomic
def mobilization_cancel(*, actor: Any, mobilization: Mobilization) -> Mobilization:
    """Nothing more is sent: pending rows are cancelled now, rows a worker holds as soon
    as it notices (within about a second)."""
    mobilization = _locked(actor, mobilization)
    if mobilization.status not in CANCELLABLE:
        raise ApplicationError(_("This mobilization has finished and cannot be cancelled."))
    mobilization.status = Status.CANCELLED
    mobilization.cancelled_at = timezone.now()
    mobilization.save(update_fields=["status", "cancelled_at", "updated_at"])
    cancelled = Delivery.objects.filter(
        mobilization=mobilization, status=Delivery.Status.PENDING
    ).update(status=Delivery.Status.CANCELLED)
    audit.record(
        actor=actor, verb="mobilization.cancel", obj=mobilization, details={"cancelled": cancelled}
    )
    return mobilization
