"""Retention: the rules of ``rules.py`` applied — who or what each would remove now (the
preview), and the runs that remove it (nightly, ``privacy/jobs.py``; ``manage.py retention``).

Every rule is set-based and runs in resumable batches: a ``RetentionRun`` per rule and
night keeps its cutoff and a cursor (the last id done), committed with each batch, so a
killed run resumes where it stopped with the same cutoff. People are anonymised in batches
of ids through the erasure service (``erasure.people_erase``), never one call per person;
the other stores are blanked or deleted by one statement per batch.

What each rule selects (``cutoff`` = now − the rule's days):

* inactive non-members: non-members created before the cutoff with no action, no
  registration that was not cancelled (made or attended) and no consent confirmed since the
  cutoff;
* former members: former members whose membership ended before the cutoff, with no action,
  registration or confirmed consent since the cutoff (former members without an end date
  are never selected: the preview counts them);
* both spare anyone who holds a current role or group membership, is a unit's contact
  person, has a staff account, or has an open data-subject request;
* import files: the kept copy of uploads made before the cutoff, unless the batch is being
  analysed or imported (the batch and its counts stay; an upload never confirmed becomes
  "failed");
* refused-row cells: the cells of every issue (refused, conflict, held, differs) of batches
  uploaded before the cutoff;
* review payloads: what a held request carried, once handled before the cutoff;
* login records: django-axes' attempts, access log and failure log from before the cutoff;
* audit rows: through the audit trail's own ``purge_audit_rows`` (``core/audit.py``);
* data-subject requests: closed before the cutoff — who asked, what they wrote, how their
  identity was checked and the link to the person are blanked; kind, dates, status and the
  outcome stay as the record that the duty was carried out;
* sent messages: the copies of emails and SMS kept outside production
  (``core/sent_messages.py``) made before the cutoff are deleted (on from the start, 7 days).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aktivist.accounts.access import scope_for
from aktivist.core import audit
from aktivist.core import retention_rules as rules
from aktivist.core.exceptions import ApplicationError
from aktivist.core.retention_rules import RULES, RuleSpec
from aktivist.privacy.models import DataSubjectRequest, RetentionRule, RetentionRun

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
# A run that has not committed a batch for this long is taken to have been killed: the next
# runner resumes it from its cursor. (A live runner commits a batch every few seconds.)
RUN_LEASE = dt.timedelta(minutes=10)
PREVIEW_NAMES = 20
MAX_DAYS = 36_500


# --- What each rule selects ------------------------------------------------------------------


def _sign_of_life_since(cutoff: dt.datetime) -> Q:
    """An action, a registration that was not cancelled (made or attended) or a consent
    confirmed since ``cutoff``."""
    from aktivist.campaigns.models import Participation
    from aktivist.people.models import Consent
    from aktivist.programmes.models import Registration

    acted = Participation.objects.filter(person=OuterRef("pk"), created_at__gte=cutoff)
    registered = Registration.objects.filter(
        Q(created_at__gte=cutoff) | Q(attended_at__gte=cutoff), person=OuterRef("pk")
    ).exclude(status=Registration.Status.CANCELLED)
    consented = Consent.objects.filter(
        person=OuterRef("pk"), status=Consent.Status.CONFIRMED, confirmed_at__gte=cutoff
    )
    return Q(Exists(acted)) | Q(Exists(registered)) | Q(Exists(consented))


def _spared() -> Q:
    """People no people rule touches: a current role or group membership, a unit's contact
    person, a staff account, an open data-subject request."""
    from aktivist.accounts.models import User
    from aktivist.organisation.models import Role, Unit, UnitMembership

    return (
        Q(Exists(Role.objects.filter(person=OuterRef("pk"), ended_on__isnull=True)))
        | Q(Exists(UnitMembership.objects.filter(person=OuterRef("pk"), ended_on__isnull=True)))
        | Q(Exists(Unit.objects.filter(contact_person=OuterRef("pk"))))
        | Q(Exists(User.objects.filter(person=OuterRef("pk"))))
        | Q(
            Exists(
                DataSubjectRequest.objects.filter(
                    person=OuterRef("pk"), status__in=DataSubjectRequest.OPEN
                )
            )
        )
    )


def inactive_non_members(cutoff: dt.datetime) -> QuerySet[Any]:
    from aktivist.people.models import Person

    return (
        Person.objects.filter(
            is_active=True,
            membership_status=Person.MembershipStatus.NON_MEMBER,
            created_at__lt=cutoff,
        )
        .exclude(_sign_of_life_since(cutoff))
        .exclude(_spared())
    )


def former_members(cutoff: dt.datetime) -> QuerySet[Any]:
    from aktivist.people.models import Person

    return (
        Person.objects.filter(
            is_active=True,
            membership_status=Person.MembershipStatus.FORMER,
            membership_ended_on__lt=timezone.localdate(cutoff),
            created_at__lt=cutoff,
        )
        .exclude(_sign_of_life_since(cutoff))
        .exclude(_spared())
    )


def former_members_without_end() -> int:
    """Former members the rule cannot judge: no date when the membership ended."""
    from aktivist.people.models import Person

    return Person.objects.filter(
        is_active=True,
        membership_status=Person.MembershipStatus.FORMER,
        membership_ended_on__isnull=True,
    ).count()


IN_FLIGHT_IMPORTS = ("analysing", "queued", "running")
UNCONFIRMED_IMPORTS = ("uploaded", "analysed")


def import_files(cutoff: dt.datetime) -> QuerySet[Any]:
    from aktivist.imports.models import ImportBatch

    return (
        ImportBatch.objects.filter(created_at__lt=cutoff)
        .exclude(file="")
        .exclude(status__in=IN_FLIGHT_IMPORTS)
    )


def refused_cells(cutoff: dt.datetime) -> QuerySet[Any]:
    from aktivist.imports.models import ImportIssue

    return ImportIssue.objects.filter(batch__created_at__lt=cutoff).exclude(data={})


def review_payloads(cutoff: dt.datetime) -> QuerySet[Any]:
    from aktivist.people.models import ReviewItem

    handled = ReviewItem.objects.exclude(status=ReviewItem.Status.OPEN).exclude(payload={})
    return handled.filter(
        Q(resolved_at__lt=cutoff) | Q(resolved_at__isnull=True, updated_at__lt=cutoff)
    )


def login_record_models() -> list[type[models.Model]]:
    """django-axes' tables that are installed (attempts, access log, failure log)."""
    found: list[type[models.Model]] = []
    if apps.is_installed("axes"):
        for name in ("AccessAttempt", "AccessLog", "AccessFailureLog"):
            try:
                found.append(apps.get_model("axes", name))
            except LookupError:
                continue
    return found


def login_records(cutoff: dt.datetime) -> list[QuerySet[Any]]:
    return [
        model._default_manager.filter(attempt_time__lt=cutoff) for model in login_record_models()
    ]


def closed_requests(cutoff: dt.datetime) -> QuerySet[Any]:
    return DataSubjectRequest.objects.filter(
        status__in=(DataSubjectRequest.Status.FULFILLED, DataSubjectRequest.Status.REFUSED),
        closed_at__lt=cutoff,
        anonymised_at__isnull=True,
    )


def sent_messages(cutoff: dt.datetime) -> QuerySet[Any]:
    from aktivist.core.sent_messages import older_than

    return older_than(cutoff)


def audit_rows(cutoff: dt.datetime) -> QuerySet[Any]:
    from aktivist.core.models import AuditEvent

    return AuditEvent.objects.filter(created_at__lt=cutoff)


# --- What each rule does to a batch ----------------------------------------------------------


def _erase_people(ids: list[int], *, key: str, actor: Any) -> int:
    from aktivist.privacy.erasure import people_erase

    result = people_erase(
        actor=actor,
        person_ids=ids,
        reason=f"retention:{key}",
        batch_size=max(len(ids), 1),
    )
    return result.erased


def _delete_import_files(ids: list[int], **_kw: Any) -> int:
    from aktivist.imports.models import ImportBatch

    batches = list(ImportBatch.objects.filter(pk__in=ids).exclude(file=""))
    for batch in batches:
        # Deleting a missing file is a no-op: a run killed after the deletes and before the
        # update below repeats them harmlessly.
        batch.file.storage.delete(batch.file.name)
    now = timezone.now()
    # The dry run's summary goes with the file: it quotes rows' values and matched people's
    # stored values (imports.runner._tell_rows).
    ImportBatch.objects.filter(pk__in=[b.pk for b in batches]).update(
        file="", dry_run={}, updated_at=now
    )
    # An upload that was never confirmed cannot be imported without its file.
    ImportBatch.objects.filter(
        pk__in=[b.pk for b in batches], status__in=UNCONFIRMED_IMPORTS
    ).update(status="failed", error=_("The uploaded file was deleted by the retention rule."))
    return len(batches)


def _blank_refused_cells(ids: list[int], **_kw: Any) -> int:
    from aktivist.imports.models import ImportIssue

    return ImportIssue.objects.filter(pk__in=ids).update(data={})


def _blank_review_payloads(ids: list[int], **_kw: Any) -> int:
    from aktivist.people.models import ReviewItem

    return ReviewItem.objects.filter(pk__in=ids).update(payload={}, updated_at=timezone.now())


def _anonymise_requests(ids: list[int], **_kw: Any) -> int:
    now = timezone.now()
    return DataSubjectRequest.objects.filter(pk__in=ids, anonymised_at__isnull=True).update(
        requester_name="",
        requester_contact="",
        details="",
        identity_method="",
        person=None,
        anonymised_at=now,
        updated_at=now,
    )


@dataclass(frozen=True)
class Store:
    """How one rule finds and removes what it covers. ``select`` gives the querysets (in
    the order they are worked through) of the rows or people the rule covers at a cutoff."""

    key: str
    unit: str  # "people", "rows" or "files": how the preview counts
    select: Callable[[dt.datetime], list[QuerySet[Any]]]
    apply: Callable[..., int] | None  # (ids, key=, actor=) -> done; None: delete the rows
    names: bool = False  # the preview may name them (people)


def _one(
    fn: Callable[[dt.datetime], QuerySet[Any]],
) -> Callable[[dt.datetime], list[QuerySet[Any]]]:
    return lambda cutoff: [fn(cutoff)]


STORES: dict[str, Store] = {
    store.key: store
    for store in (
        Store(
            rules.INACTIVE_NON_MEMBERS,
            "people",
            _one(inactive_non_members),
            _erase_people,
            names=True,
        ),
        Store(rules.FORMER_MEMBERS, "people", _one(former_members), _erase_people, names=True),
        Store(rules.IMPORT_FILES, "files", _one(import_files), _delete_import_files),
        Store(rules.IMPORT_REFUSED_CELLS, "rows", _one(refused_cells), _blank_refused_cells),
        Store(rules.REVIEW_PAYLOADS, "rows", _one(review_payloads), _blank_review_payloads),
        Store(rules.LOGIN_RECORDS, "rows", login_records, None),
        Store(rules.AUDIT_ROWS, "rows", _one(audit_rows), None),
        Store(rules.DATA_SUBJECT_REQUESTS, "rows", _one(closed_requests), _anonymise_requests),
        Store(rules.SENT_MESSAGES, "rows", _one(sent_messages), None),
    )
}


def runnable_keys() -> list[str]:
    """The rules that run, in the order the nightly job runs them (people first, the audit
    trail last: it records what the others did)."""
    return [key for key in RULES if key in STORES]


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


def may_view_retention(viewer: Any) -> bool:
    scope = scope_for(viewer)
    return scope.is_national or scope.is_dpo


def may_change_retention(viewer: Any) -> bool:
    """Admins decide how long data is kept; the data-protection officer advises and sees
    (Art. 38(6): the officer does not decide the means of processing)."""
    return scope_for(viewer).is_admin


def rule_update(
    *, actor: Any, key: str, days: int, enabled: bool, confirmed: bool = False
) -> RetentionRule:
    """Change a rule's days or switch it on or off, audited with the old and new values.
    Switching on a rule that anonymises people needs ``confirmed`` (the admin has looked at
    the preview)."""
    if not may_change_retention(actor):
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
    from aktivist.core.audit import purge_audit_rows

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
