"""Starting a mobilization and finishing it: the snapshot of its recipients into the
outbox (under a lease, retried by the sweeper), the minutely sweep, and marking it done.

See ``services`` for the life of a mobilization before it starts.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from aktivist.core import audit
from aktivist.core.conditions import SegmentError
from aktivist.lib.db import analyze_if_stale, is_statement_timeout
from aktivist.mobilization import outbox
from aktivist.mobilization.models import Delivery, Mobilization
from aktivist.mobilization.services import needs_approval, recipients_of, start_if_due
from aktivist.mobilization.start_alerts import FAILED, alert_slow_starts, alert_start

logger = logging.getLogger(__name__)

Status = Mobilization.Status


def max_start_attempts() -> int:
    return max(1, int(settings.MOBILIZATION_START_ATTEMPTS))


def start_lease_length() -> dt.timedelta:
    """Longer than the snapshot may run: a live worker never loses its start."""
    return dt.timedelta(seconds=max(1, settings.MOBILIZATION_SNAPSHOT_TIMEOUT_SECONDS) + 120)


# A start task that nobody took (lost in a queue, or a failed attempt) is queued again
# after this long.
START_REQUEUE_AFTER = dt.timedelta(minutes=2)


def mobilization_start(mobilization_id: int) -> bool:
    """Snapshot the recipients into the outbox and open it to the workers. True when this
    call started the sending (a second call, a start another worker holds, or a cancelled
    mobilization does nothing).

    The start runs under a lease, like a batch of deliveries: each attempt takes it (and
    counts itself in ``start_attempts``), so a start whose worker died is taken up again by
    the sweeper once the lease has run out. The snapshot is one transaction that checks,
    at its end, that its attempt still holds the start: whatever happens, the outbox is
    written once. The mobilization's row is not locked while the snapshot runs, so a
    cancel, the sweeper and the pages never wait for it. A failed attempt is recorded,
    shown and alerted, and tried again by the sweeper."""
    attempt = _take_start_lease(mobilization_id)
    if attempt is None:
        return False
    try:
        return _snapshot(mobilization_id, attempt)
    except Exception as exc:  # recorded, shown, alerted and retried; never left "starting"
        _start_failed(mobilization_id, attempt, exc)
        return False


def _take_start_lease(mobilization_id: int) -> int | None:
    """This attempt's number, or None when the start is not free to take."""
    now = timezone.now()
    with transaction.atomic():
        taken = (
            Mobilization.objects.filter(
                pk=mobilization_id,
                status=Status.STARTING,
                start_attempts__lt=max_start_attempts(),
            )
            .filter(Q(start_lease_until__isnull=True) | Q(start_lease_until__lt=now))
            .update(
                start_attempts=F("start_attempts") + 1,
                start_lease_until=now + start_lease_length(),
                updated_at=now,
            )
        )
        if not taken:
            return None
        return int(
            Mobilization.objects.filter(pk=mobilization_id)
            .values_list("start_attempts", flat=True)
            .get()
        )


def _snapshot(mobilization_id: int, attempt: int) -> bool:
    started = time.monotonic()
    mobilization = Mobilization.objects.get(pk=mobilization_id)
    try:
        people = recipients_of(mobilization)
        # Statistics first (a fresh database, a bulk load): outside the transaction.
        analysed = outbox.prepare_statistics(mobilization, people)
        with transaction.atomic():
            with transaction.atomic():  # a savepoint: an unapproved oversized one rolls back
                inserted = outbox.insert_deliveries(mobilization, people)
                held = needs_approval(inserted) and mobilization.approved_at is None
                if held:
                    transaction.set_rollback(True)
            current = Mobilization.objects.select_for_update().filter(pk=mobilization_id).first()
            if (
                current is None
                or current.status != Status.STARTING
                or current.start_attempts != attempt
            ):
                # Cancelled meanwhile, or the sweeper gave the start to another attempt.
                transaction.set_rollback(True)
                return False
            if held:
                _hold_for_approval(current, inserted)
                return False
            counts = _open(current, inserted, round(time.monotonic() - started, 3))
    except SegmentError as exc:
        _refuse(mobilization_id, attempt, exc)
        return False
    logger.info(
        "mobilization.start mobilization=%s recipients=%s seconds=%s attempt=%s analysed=%s",
        mobilization_id,
        inserted,
        current.snapshot_seconds,
        attempt,
        len(analysed),
    )
    # The outbox just took a bulk load: its statistics follow (the workers' queries).
    analyze_if_stale([Delivery._meta.db_table])
    if not counts.get(Delivery.Status.PENDING):
        finish_if_done(mobilization_id)
    return True


def _open(mobilization: Mobilization, inserted: int, seconds: float) -> dict[str, int]:
    counts = dict(
        Delivery.objects.filter(mobilization=mobilization)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    mobilization.status = Status.SENDING
    mobilization.started_at = timezone.now()
    mobilization.recipients = inserted
    mobilization.snapshot_seconds = seconds
    mobilization.start_lease_until = None
    mobilization.start_error = ""
    mobilization.save(
        update_fields=[
            "status",
            "started_at",
            "recipients",
            "snapshot_seconds",
            "start_lease_until",
            "start_error",
            "updated_at",
        ]
    )
    audit.record(
        actor=None,
        verb="mobilization.start",
        obj=mobilization,
        details={
            "recipients": inserted,
            "pending": counts.get(Delivery.Status.PENDING, 0),
            "skipped": counts.get(Delivery.Status.SKIPPED, 0),
            "seconds": seconds,
            "attempt": mobilization.start_attempts,
        },
    )
    return counts


def _hold_for_approval(mobilization: Mobilization, inserted: int) -> None:
    mobilization.status = Status.AWAITING_APPROVAL
    mobilization.estimated_count = inserted
    mobilization.start_lease_until = None
    mobilization.save(
        update_fields=["status", "estimated_count", "start_lease_until", "updated_at"]
    )
    audit.record(
        actor=None,
        verb="mobilization.held_for_approval",
        obj=mobilization,
        details={"recipients": inserted},
    )


def _refuse(mobilization_id: int, attempt: int, exc: SegmentError) -> None:
    """The frozen segment no longer compiles: back to draft, with the reason audited."""
    logger.warning("mobilization.start refused mobilization=%s", mobilization_id)
    with transaction.atomic():
        updated = Mobilization.objects.filter(
            pk=mobilization_id, status=Status.STARTING, start_attempts=attempt
        ).update(status=Status.DRAFT, start_lease_until=None, updated_at=timezone.now())
        if updated:
            audit.record(
                actor=None,
                verb="mobilization.start_refused",
                object_type=Mobilization._meta.label_lower,
                object_id=mobilization_id,
                details={"error": exc.message},
            )


def _start_failed(mobilization_id: int, attempt: int, exc: BaseException) -> None:
    """Record a failed attempt (the sweeper tries again after START_REQUEUE_AFTER, up to
    MOBILIZATION_START_ATTEMPTS) and alert the secretariat."""
    # The error's kind only: a database error's text may quote the data.
    error = "statement timeout" if is_statement_timeout(exc) else type(exc).__name__
    logger.warning(
        "mobilization.start failed mobilization=%s attempt=%s error=%s",
        mobilization_id,
        attempt,
        error,
    )
    if connection.errors_occurred and not connection.in_atomic_block and not connection.is_usable():
        connection.close()  # the server went away: the next query connects again
    _record_start_error(mobilization_id, attempt, error)
    alert_start(mobilization_id, FAILED)


def _record_start_error(mobilization_id: int, attempt: int, error: str) -> bool:
    """The attempt failed (or its worker stopped): the lease is given up, the error kept."""
    with transaction.atomic():
        updated = Mobilization.objects.filter(
            pk=mobilization_id, status=Status.STARTING, start_attempts=attempt
        ).update(start_error=error[:200], start_lease_until=None, updated_at=timezone.now())
        if updated:
            audit.record(
                actor=None,
                verb="mobilization.start_failed",
                object_type=Mobilization._meta.label_lower,
                object_id=mobilization_id,
                details={"attempt": attempt, "error": error[:200]},
            )
    return bool(updated)


def finish_if_done(mobilization_id: int) -> bool:
    """Mark a sending mobilization done once its outbox holds nothing more to send."""
    if outbox.has_open_work(mobilization_id):
        return False
    with transaction.atomic():
        updated = Mobilization.objects.filter(pk=mobilization_id, status=Status.SENDING).update(
            status=Status.DONE, finished_at=timezone.now(), updated_at=timezone.now()
        )
        if not updated:
            return False
        counts = dict(
            Delivery.objects.filter(mobilization_id=mobilization_id)
            .values_list("status")
            .annotate(n=Count("id"))
            .order_by()
        )
        audit.record(
            actor=None,
            verb="mobilization.finish",
            object_type=Mobilization._meta.label_lower,
            object_id=mobilization_id,
            details={status: counts.get(status, 0) for status in Delivery.Status.values},
        )
    return True


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """The minutely check: start what is due, put the rows of dead workers back, wake the
    workers for retries that have come due, finish what is done."""
    # tasks.py imports this module (task → service → enqueue): imported when called.
    from aktivist.mobilization.tasks import enqueue_dispatch

    now = now or timezone.now()
    summary = {"started": 0, "requeued": 0, "woken": 0, "finished": 0, "alerted": 0}
    summary["requeued"] = outbox.requeue_expired(now)
    due = Mobilization.objects.filter(status=Status.SCHEDULED).filter(
        Q(send_at__isnull=True) | Q(send_at__lte=now)
    )
    for mobilization in due:
        with transaction.atomic():
            start_if_due(mobilization, now)
        summary["started"] += 1
    summary["started"] += retry_starts(now)
    summary["alerted"] = alert_slow_starts(now)
    lanes: set[str] = set()
    for mobilization in Mobilization.objects.filter(status=Status.SENDING):
        if outbox.has_due_work(mobilization.pk, now):
            lanes.add(mobilization.lane)
        elif finish_if_done(mobilization.pk):
            summary["finished"] += 1
    for lane in sorted(lanes):
        enqueue_dispatch(lane, count=1)
        summary["woken"] += 1
    return summary


def retry_starts(now: dt.datetime) -> int:
    """Queue again the starts nobody holds: a worker that died during the snapshot (its
    lease ran out: recorded as a failed attempt and alerted), a failed attempt, or a task
    lost in a queue. At most MOBILIZATION_START_ATTEMPTS attempts. Returns how many."""
    # tasks.py imports this module (task → service → enqueue): imported when called.
    from aktivist.mobilization.tasks import enqueue_start

    starting = Mobilization.objects.filter(status=Status.STARTING)
    queued = 0
    expired = starting.filter(start_lease_until__lt=now).values_list(
        "pk", "start_attempts", "urgent"
    )
    for pk, attempt, urgent in expired:
        if _record_start_error(pk, attempt, "the worker stopped (its lease ran out)"):
            logger.warning("mobilization.start lease expired mobilization=%s", pk)
            alert_start(pk, FAILED)
            if attempt < max_start_attempts():
                enqueue_start(pk, "urgent" if urgent else "default")
                queued += 1
    free = starting.filter(
        start_lease_until__isnull=True,
        updated_at__lt=now - START_REQUEUE_AFTER,
        start_attempts__lt=max_start_attempts(),
    )
    for mobilization in free:
        # Conditional: a worker may take it meanwhile. No row lock is held for long.
        if (
            Mobilization.objects.filter(
                pk=mobilization.pk, status=Status.STARTING, start_lease_until__isnull=True
            )
            .filter(updated_at__lt=now - START_REQUEUE_AFTER)
            .update(updated_at=now)
        ):
            enqueue_start(mobilization.pk, mobilization.lane)
            queued += 1
    return queued
