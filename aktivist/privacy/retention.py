"""Retention: the rules of ``rules.py`` applied — who or what each would remove now (the
preview), and the runs that remove it (nightly, ``privacy/jobs.py``; ``manage.py retention``).

Every rule is set-based and runs in resumable batches: a ``RetentionRun`` per rule and
night keeps its cutoff and a cursor (the last id done), committed with each batch, so a
killed run resumes where it stopped with the same cutoff. People are anonymised in batches
of ids through the erasure service (``erasure.people_erase``), never one call per person;
the other stores are blanked or deleted by one statement per batch.

What each rule selects and what it does to a batch: ``privacy/retention_stores.py``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aktivist.accounts.access import scope_for
from aktivist.accounts.capabilities import Capability, can
from aktivist.core import audit
from aktivist.core import retention_rules as rules
from aktivist.core.audit import purge_audit_rows
from aktivist.core.exceptions import ApplicationError
from aktivist.core.retention_rules import RULES, RuleSpec
from aktivist.privacy.models import RetentionRule, RetentionRun
from aktivist.privacy.retention_stores import (
    STORES,
    audit_rows,
    former_members_without_end,
    runnable_keys,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
# A run that has not committed a batch for this long is taken to have been killed: the next
# runner resumes it from its cursor. (A live runner commits a batch every few seconds.)
RUN_LEASE = dt.timedelta(minutes=10)
PREVIEW_NAMES = 20
MAX_DAYS = 36_500


# --- Rules: reading and changing -------------------------------------------------------------


def rule_rows() -> dict[str, RetentionRule]:
    """The stored rule of every key in ``rules.py`` (created with its default days and
    switched off when missing)."""
    stored = {rule.key: rule for rule in RetentionRule.objects.all()}
    for key, spec in RULES.items():
        if key not in stored:
            stored[key], _created = RetentionRule.objects.get_or_create(
                key=key, defaults={"days": spec.days, "enabled": False}
            )
    return stored


def cutoff_for(rule: RetentionRule, now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=rule.days)


def rule_update(
    *, actor: Any, key: str, days: int, enabled: bool, confirmed: bool = False
) -> RetentionRule:
    """Change a rule's days or switch it on or off, audited with the old and new values.
    Switching on a rule that anonymises people needs ``confirmed`` (the admin has looked at
    the preview)."""
    # Admins decide how long data is kept; the data-protection officer advises and sees
    # (Art. 38(6): the officer does not decide the means of processing).
    if not can(actor, Capability.SETTINGS_ADMIN):
        raise ApplicationError(_("Only a secretariat admin can change the retention rules."))
    spec = RULES.get(key)
    if spec is None or key not in STORES:
        raise ApplicationError(_("This rule has no days of its own."))
    if days < spec.min_days or days > MAX_DAYS:
        raise ValidationError(
            {
                "days": _("Enter a number of days between %(low)s and %(high)s.")
                % {"low": spec.min_days, "high": MAX_DAYS}
            }
        )
    with transaction.atomic():
        rule = RetentionRule.objects.select_for_update().filter(key=key).first()
        if rule is None:
            rule = RetentionRule(key=key, days=spec.days, enabled=False)
        if enabled and not rule.enabled and key in rules.PEOPLE_RULES and not confirmed:
            raise ApplicationError(
                _("Look at the preview and confirm before people are anonymised by this rule.")
            )
        before = {"days": rule.days, "enabled": rule.enabled}
        if rule.pk and before == {"days": days, "enabled": enabled}:
            return rule
        rule.days, rule.enabled = days, enabled
        rule.updated_by = actor if getattr(actor, "is_authenticated", False) else None
        rule.save()
        audit.record(
            actor=actor,
            verb="privacy.retention_rule_changed",
            obj=rule,
            details={
                "rule": key,
                "days": [before["days"], days],
                "enabled": [before["enabled"], enabled],
            },
        )
    return rule


# --- Preview ---------------------------------------------------------------------------------


@dataclass
class RulePreview:
    key: str
    spec: RuleSpec
    rule: RetentionRule
    runnable: bool
    unit: str = ""
    cutoff: dt.datetime | None = None
    count: int = 0
    people: list[tuple[int, str]] | None = None  # (id, name) for those who may see people
    note: str = ""
    last_run: RetentionRun | None = None


def preview_rule(
    key: str,
    *,
    rule: RetentionRule | None = None,
    now: dt.datetime | None = None,
    names: bool = False,
) -> RulePreview:
    """How many (and, with ``names``, the first few people) the rule would remove now."""
    spec = RULES[key]
    rule = rule or rule_rows()[key]
    store = STORES.get(key)
    preview = RulePreview(key=key, spec=spec, rule=rule, runnable=store is not None)
    if store is None:
        return preview
    cutoff = cutoff_for(rule, now)
    preview.unit, preview.cutoff = store.unit, cutoff
    querysets = store.select(cutoff)
    preview.count = sum(qs.count() for qs in querysets)
    if names and store.names and preview.count:
        preview.people = [
            (pk, f"{first} {last}".strip())
            for pk, first, last in querysets[0]
            .order_by("pk")
            .values_list("pk", "first_name", "last_name")[:PREVIEW_NAMES]
        ]
    if key == rules.FORMER_MEMBERS:
        missing = former_members_without_end()
        if missing:
            preview.note = ngettext(
                "%(count)s former member has no date when the membership ended: this rule "
                "leaves them alone.",
                "%(count)s former members have no date when their membership ended: this rule "
                "leaves them alone.",
                missing,
            ) % {"count": missing}
    return preview


def preview_all(viewer: Any, *, now: dt.datetime | None = None) -> list[RulePreview]:
    """Every rule of ``rules.py`` with its preview. Names only for the secretariat (who see
    people anyway); the data-protection officer sees counts."""
    names = scope_for(viewer).is_national
    stored = rule_rows()
    last_runs: dict[str, RetentionRun] = {}
    for run in RetentionRun.objects.order_by("-created_at", "-id")[:200]:
        last_runs.setdefault(run.rule, run)
    previews = []
    for key in RULES:
        preview = preview_rule(key, rule=stored[key], now=now, names=names)
        preview.last_run = last_runs.get(key)
        previews.append(preview)
    return previews


def preview_names_shown(previews: Iterable[RulePreview]) -> list[int]:
    """The ids of the people a preview names (for the read audit)."""
    return [pk for p in previews for pk, _name in (p.people or [])]


# --- Runs ------------------------------------------------------------------------------------


@dataclass
class RunOutcome:
    rule: str
    run: RetentionRun | None
    processed: int = 0
    skipped: str = ""  # why nothing ran: "disabled", "busy"
    errors: list[str] = field(default_factory=list)


class _Stop(Exception):
    """Raised between batches by the ``stop_after`` hook (tests simulate a killed run)."""


WINDOW_BATCHES = 4


def _batches(qs: QuerySet[Any], *, after: int, batch_size: int) -> Iterator[tuple[list[int], int]]:
    """The ids ``qs`` selects above ``after``, in id order, ``batch_size`` at a time, each
    with the cursor to record once it is done: its last id, or — when nothing selected lies
    between it and the end of the ids looked at — the end of those ids.

    The selection is read through windows of the id space (``WINDOW_BATCHES`` batches wide):
    a query over a range of ids is an index range scan, where "the next batch above the
    cursor" would have the database test every remaining row again for each batch."""
    bounds = qs.model._default_manager.aggregate(low=models.Min("pk"), top=models.Max("pk"))
    top = bounds["top"] or 0
    window = batch_size * WINDOW_BATCHES
    pending: list[int] = []
    # Rows deleted long ago (login records, import issues) leave no ids to walk through.
    scanned = max(after, (bounds["low"] or 1) - 1)
    while True:
        while len(pending) < batch_size and scanned < top:
            upper = scanned + window
            pending.extend(
                qs.filter(pk__gt=scanned, pk__lte=upper).order_by("pk").values_list("pk", flat=True)
            )
            scanned = upper
        if not pending:
            return
        ids, pending = pending[:batch_size], pending[batch_size:]
        yield ids, (ids[-1] if pending else min(scanned, top))


def _resumable(key: str) -> tuple[RetentionRun | None, bool]:
    """The unfinished run of this rule, and whether another runner is holding it (it has
    committed a batch within the lease — by the wall clock, whatever ``now`` a run was given
    for its cutoff)."""
    run = (
        RetentionRun.objects.filter(
            rule=key, status__in=(RetentionRun.Status.RUNNING, RetentionRun.Status.FAILED)
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if run is None:
        return None, False
    busy = run.status == RetentionRun.Status.RUNNING and run.updated_at > timezone.now() - RUN_LEASE
    return run, busy


def run_rule(
    key: str,
    *,
    actor: Any = None,
    now: dt.datetime | None = None,
    batch_size: int = BATCH_SIZE,
    stop_after: int | None = None,
    require_enabled: bool = True,
) -> RunOutcome:
    """Apply one rule in batches, resuming an unfinished run of it from its cursor.

    ``stop_after`` (tests, the benchmark's interruption) stops after that many batches and
    leaves the run as a killed process would: running, with its cursor."""
    if key == rules.AUDIT_ROWS:
        return run_audit_purge(actor=actor, now=now, require_enabled=require_enabled)
    store = STORES.get(key)
    if store is None:
        raise ApplicationError(_("This rule has no days of its own."))
    rule = rule_rows()[key]
    outcome = RunOutcome(rule=key, run=None)
    if require_enabled and not rule.enabled:
        outcome.skipped = "disabled"
        return outcome
    now = now or timezone.now()
    run, busy = _resumable(key)
    if busy:
        outcome.skipped = "busy"
        outcome.run = run
        return outcome
    if run is None:
        cutoff = cutoff_for(rule, now)
        run = RetentionRun.objects.create(
            rule=key, cutoff=cutoff, total=sum(qs.count() for qs in store.select(cutoff))
        )
        logger.info("retention run=%s rule=%s started total=%d", run.pk, key, run.total)
    else:
        logger.info("retention run=%s rule=%s resumed at cursor=%d", run.pk, key, run.cursor)
        run.status, run.error = RetentionRun.Status.RUNNING, ""
        run.save(update_fields=["status", "error", "updated_at"])
    outcome.run = run
    batches = 0
    try:
        for part, qs in enumerate(store.select(run.cutoff)):
            # The cursor is the last id done of the part being worked on; a rule over more
            # than one table (login records) starts each further table from its beginning
            # (deleting what is left of it is the same as resuming).
            start = run.cursor if part == 0 else 0
            for ids, cursor in _batches(qs, after=start, batch_size=batch_size):
                if stop_after is not None and batches >= stop_after:
                    raise _Stop
                with transaction.atomic():
                    if store.apply is None:
                        _count, by_model = qs.model._default_manager.filter(pk__in=ids).delete()
                        done = by_model.get(qs.model._meta.label, 0)
                    else:
                        done = store.apply(ids, key=key, actor=actor)
                    run.processed += done
                    if part == 0:
                        run.cursor = cursor
                    run.save(update_fields=["processed", "cursor", "updated_at"])
                batches += 1
                outcome.processed += done
    except _Stop:
        return outcome
    except Exception as exc:
        # The error's class only: a message may quote a value.
        run.status, run.error = RetentionRun.Status.FAILED, type(exc).__name__[:200]
        run.save(update_fields=["status", "error", "updated_at"])
        outcome.errors.append(run.error)
        logger.exception("retention run=%s rule=%s failed", run.pk, key)
        return outcome
    with transaction.atomic():
        run.status, run.finished_at = RetentionRun.Status.FINISHED, timezone.now()
        run.save(update_fields=["status", "finished_at", "updated_at"])
        audit.record(
            actor=actor,
            verb="privacy.retention_run",
            obj=run,
            details={
                "rule": key,
                "cutoff": run.cutoff.isoformat(),
                "processed": run.processed,
                "total": run.total,
            },
        )
    logger.info("retention run=%s rule=%s finished processed=%d", run.pk, key, run.processed)
    return outcome


def run_audit_purge(
    *, actor: Any = None, now: dt.datetime | None = None, require_enabled: bool = True
) -> RunOutcome:
    """The audit trail's rule through the trail's own purge (``core.audit.purge_audit_rows``:
    no other path deletes audit rows; it commits each batch, so it resumes by itself)."""
    rule = rule_rows()[rules.AUDIT_ROWS]
    outcome = RunOutcome(rule=rules.AUDIT_ROWS, run=None)
    if require_enabled and not rule.enabled:
        outcome.skipped = "disabled"
        return outcome
    now = now or timezone.now()
    cutoff = cutoff_for(rule, now)
    run = RetentionRun.objects.create(
        rule=rules.AUDIT_ROWS, cutoff=cutoff, total=audit_rows(cutoff).count()
    )
    outcome.run = run
    try:
        deleted = purge_audit_rows(older_than=cutoff, batch_size=BATCH_SIZE)
    except Exception as exc:
        run.status, run.error = RetentionRun.Status.FAILED, type(exc).__name__[:200]
        run.save(update_fields=["status", "error", "updated_at"])
        outcome.errors.append(run.error)
        logger.exception("retention run=%s rule=%s failed", run.pk, rules.AUDIT_ROWS)
        return outcome
    outcome.processed = int(deleted or 0)
    run.processed = outcome.processed
    run.status, run.finished_at = RetentionRun.Status.FINISHED, timezone.now()
    run.save(update_fields=["processed", "status", "finished_at", "updated_at"])
    # Written after the purge: it is the first row of the trail that follows.
    audit.record(
        actor=actor,
        verb="privacy.retention_run",
        obj=run,
        details={
            "rule": rules.AUDIT_ROWS,
            "cutoff": cutoff.isoformat(),
            "processed": run.processed,
        },
    )
    return outcome


def run_enabled_rules(
    *, actor: Any = None, now: dt.datetime | None = None, batch_size: int = BATCH_SIZE
) -> list[RunOutcome]:
    """The nightly job: every enabled rule in turn (one failing rule does not stop the
    others)."""
    outcomes = []
    for key in runnable_keys():
        try:
            outcomes.append(run_rule(key, actor=actor, now=now, batch_size=batch_size))
        except Exception as exc:
            logger.exception("retention rule=%s could not start", key)
            outcomes.append(RunOutcome(rule=key, run=None, errors=[type(exc).__name__]))
    return outcomes
