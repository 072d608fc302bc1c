"""The dry run: what the real run would do, writing nothing but its holds.

Counts, and the first rows of each kind of issue (refused, conflict, held, differs) with
their line and reason; the rows that found someone the importer may see, with the key and
the values that differ; the rows that are not people; the columns the mapping leaves out.
Stored as the batch's ``dry_run`` (docs/imports.md "What the dry run tells").
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from aktivist.core.table_columns import BIRTH_YEAR_COLUMN
from aktivist.imports import chunks, matcher
from aktivist.imports.holds import write_holds
from aktivist.imports.lookup import KeyFilter, StoredPeople
from aktivist.imports.matcher import Decision, Matcher
from aktivist.imports.models import ImportBatch
from aktivist.imports.plan import Counts, Options, as_text, importer_language, plan_chunk
from aktivist.imports.register_sync import register_missing_members
from aktivist.people.holds import holds_recorded
from aktivist.people.services import erased_identities

DRY_RUN_ISSUES = 500  # the dry run keeps the first rows of each kind to show


def dry_run(batch: ImportBatch, *, actor: Any = None) -> dict[str, Any]:
    """What the real run would do, writing nothing but its holds: counts, and the first
    rows of each kind of issue (refused, conflict, held, differs) with their line and
    reason. For a register sync also the members who would become former. A row held for
    the secretariat is queued for review and audited as in the real run (``write_holds``;
    the real run of the same file then adds no second review item)."""
    options = Options.of(batch)
    if actor is not None and batch.created_by_id is None:
        options.actor = actor
    key_filter = KeyFilter.from_database() if batch.total_rows >= chunks.PIPELINE_MIN_ROWS else None
    match = Matcher(
        lookup=StoredPeople(scope=options.scope, key_filter=key_filter).lookup,
        register=options.register,
        membership=options.scope is None,  # only the secretariat's imports set membership
        remember=True,
        today=timezone.localdate(),
        erased=erased_identities,
        tell_erased=options.scope is None,
    )
    counts = Counts()
    shown: list[dict[str, Any]] = []
    issue_counts: dict[str, int] = defaultdict(int)
    collecting = gc.isenabled()
    gc.disable()  # see runner.run()
    try:
        return _dry_run(batch, options, match, counts, shown, issue_counts)
    finally:
        if collecting:
            gc.enable()


def ignored_columns(batch: ImportBatch) -> list[str]:
    """Every column of the file that the mapping leaves out, by its header (the kept
    copy's own columns aside; the dropped personal identity number columns are listed
    apart, in ``dropped_columns``)."""
    mapping = batch.mapping or {}
    return [
        str(header)
        for header in batch.headers
        if header != BIRTH_YEAR_COLUMN and not mapping.get(str(header))
    ]


def _differences(
    names: Iterable[str], row: dict[str, Any], stored: dict[str, Any]
) -> list[dict[str, str]]:
    return [
        {"field": name, "stored": as_text(stored.get(name)), "value": as_text(row.get(name))}
        for name in names
    ]


def _conflict_detail(d: Decision) -> dict[str, Any]:
    """What the dry run tells about a conflict (every person involved is in the importer's
    scope, or the row would be held): the keys that found someone, and for a row refused
    because its mobile's owner has another name and email, how they differ."""
    detail: dict[str, Any] = {"keys": list(d.matched_by)}
    target = d.owner
    if target is not None and target.values is not None:
        names = [
            name
            for name in ("first_name", "last_name", "email")
            if d.row.values.get(name) and d.row.values.get(name) != target.values.get(name)
        ]
        detail["differs"] = _differences(names, d.row.values, target.values)
        if target.pk is not None:
            detail["person"] = target.pk  # for erasure (imports/registries.py)
    return detail


def _tell_rows(
    decisions: Sequence[Decision], matched: list[dict[str, Any]], skipped: list[dict[str, Any]]
) -> None:
    """The dry run's entries for rows that found someone the importer may see (line, the
    keys that found them, what the import fills and which values differ: the stored one and
    the file's) and for rows that are not people (line, organisation or test lead). Held
    rows never come here: the matcher names no key for them, and they are not matched."""
    for d in decisions:
        kind = d.kind
        if kind == matcher.UPDATE or kind == matcher.UNCHANGED:
            if len(matched) >= DRY_RUN_ISSUES:
                continue
            target = d.target
            if target is None or not target.visible:
                continue  # cannot happen (held), but never tell about the unseen
            entry: dict[str, Any] = {
                "line": d.row.line,
                "kind": kind,
                "keys": list(d.matched_by),
                # Found a person an earlier row of this file creates, not a stored one.
                "earlier_row": target.pk is None,
                "fills": sorted(d.changes),
                "differs": _differences(d.differs, d.row.values, target.values or {}),
            }
            if target.pk is not None:
                entry["person"] = target.pk  # for erasure (imports/registries.py)
            matched.append(entry)
        elif kind == matcher.SKIPPED and len(skipped) < DRY_RUN_ISSUES:
            skipped.append({"line": d.row.line, "kind": d.row.skipped, "reason": d.reason})


def _dry_run(
    batch: ImportBatch,
    options: Options,
    match: Matcher,
    counts: Counts,
    shown: list[dict[str, Any]],
    issue_counts: dict[str, int],
) -> dict[str, Any]:
    matched: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    with importer_language(batch):
        for chunk in chunks.chunked(chunks.iter_rows(batch), chunks.CHUNK):
            decisions = match.match(chunk)
            plan = plan_chunk(decisions, options)
            counts.add(plan.counts)
            _tell_rows(decisions, matched, skipped)
            if plan.held:
                # Nothing else is written, but a hold is: see write_holds.
                with transaction.atomic():
                    written = write_holds(
                        batch_id=batch.pk,
                        actor=options.actor,
                        unit_id=options.unit_id,
                        held=plan.held,
                        now=timezone.now(),
                        dry_run=True,
                    )
                    holds_recorded(actor=options.actor, count=written)
            for d, kind, reason, extra in plan.issues:
                issue_counts[kind] += 1
                if len(shown) < DRY_RUN_ISSUES:
                    entry: dict[str, Any] = {
                        "line": d.row.line,
                        "kind": kind,
                        "reason": reason,
                        **({"field": extra["field"]} if "field" in extra else {}),
                    }
                    if kind == matcher.CONFLICT:
                        entry.update(_conflict_detail(d))
                    # A held row's entry stays line, kind and the held message: nothing
                    # about whom it matched, by which key, or what differs.
                    shown.append(entry)
        summary: dict[str, Any] = {
            "counts": counts.as_dict(),
            "skipped_counts": counts.skipped_dict(),
            "issues": issue_counts,
            "rows": shown,
            "matched": matched,
            "skipped": skipped,
            "ignored_columns": ignored_columns(batch),
            "dropped_columns": list(batch.dropped_columns),
        }
        if options.register:
            summary["counts"]["former"] = len(register_missing_members(batch))
    return summary
