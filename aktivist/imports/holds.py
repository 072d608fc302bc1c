"""Review items for rows held for the secretariat, and their audit rows.

A row that matched someone outside the importer's scope (``write_holds``), and a row whose
membership values wait for the secretariat (``membership.write_membership_holds``), become
a ``ReviewItem`` — unless the same importer's same values for the same person already wait
— and a ``review.held`` audit row each, in bulk (``write_review_items``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from django.db.models import Q

from aktivist.core.models import AuditEvent
from aktivist.imports.matcher import Decision
from aktivist.people.models import ReviewItem

HELD_VERB = "review.held"

Signature = tuple[int | None, str]  # (matched person id, the held values as JSON)


def write_review_items(
    *,
    user: Any,
    open_filter: Q,
    compared: str,
    held: Sequence[tuple[Signature, Callable[[], ReviewItem], dict[str, Any]]],
) -> int:
    """For each held row (its signature, how to make its review item, its audit details):
    a review item unless one with the same signature is open already (``open_filter``
    among the user's open items; ``compared`` names the payload's values to compare) or
    made for an earlier row, and an audit row for every row, each in one bulk statement.
    Returns how many review items were created."""
    open_items: dict[Signature, int] = {
        (pid, json.dumps(payload.get(compared, {}), sort_keys=True)): pk
        for pk, pid, payload in ReviewItem.objects.filter(
            open_filter,
            status=ReviewItem.Status.OPEN,
            submitted_by=user,
        ).values_list("pk", "matched_person_id", "payload")
        if isinstance(payload, dict)
    }
    items: list[ReviewItem] = []
    new: dict[Signature, ReviewItem] = {}
    for signature, make, _details in held:
        if signature in open_items or signature in new:
            continue  # the same row is already waiting for the secretariat
        item = make()
        new[signature] = item
        items.append(item)
    ReviewItem.objects.bulk_create(items, batch_size=1000)
    events = []
    for signature, _make, details in held:
        found = new.get(signature)
        item_id = found.pk if found is not None else open_items.get(signature)
        events.append(
            AuditEvent(
                actor=user,
                verb=HELD_VERB,
                object_type=ReviewItem._meta.label_lower,
                object_id=str(item_id or ""),
                person_id=signature[0],
                details=details,
            )
        )
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    return len(items)


def write_holds(
    *,
    batch_id: int,
    actor: Any,
    unit_id: int | None,
    held: list[Decision],
    now: dt.datetime,
    dry_run: bool,
) -> int:
    """For rows that matched someone outside the importer's scope: a review item for the
    secretariat (unless the same actor's same values for the same person already wait
    there, from a dry run or an earlier run) and an audit event for every row, each in one
    bulk statement. A dry run's holds are written too: otherwise an importer could probe the
    register by dry-running addresses without a trace. The audit events name the matched
    person, the batch and the line, never the row's values. Returns how many review items
    were created (for ``holds_recorded``)."""
    if not held:
        return 0
    user = actor if getattr(actor, "is_authenticated", False) else None
    pks = {d.target.pk for d in held if d.target is not None}
    # A row held because it would bring back an erased person names no one (kind
    # ERASED_IDENTITY, with the day of the erasure).
    open_filter = Q(kind=ReviewItem.Kind.IMPORT_ROW, matched_person_id__in=pks)
    if any(d.target is None for d in held):
        open_filter |= Q(kind=ReviewItem.Kind.ERASED_IDENTITY, matched_person__isnull=True)
    rows = []
    for d in held:
        person_pk = d.target.pk if d.target is not None else None
        values = {
            k: v.isoformat() if isinstance(v, dt.date) else v for k, v in d.row.values.items()
        }
        payload: dict[str, Any] = {
            **values,
            "values": values,
            "import_batch": batch_id,
            "line": d.row.line,
        }
        if dry_run:
            payload["dry_run"] = True
        if d.erased_on is not None:
            payload["erased_on"] = d.erased_on.isoformat()
        kind = (
            ReviewItem.Kind.IMPORT_ROW if d.target is not None else ReviewItem.Kind.ERASED_IDENTITY
        )
        make = partial(
            ReviewItem,
            kind=kind,
            submitted_by=user,
            unit_id=unit_id,
            matched_person_id=person_pk,
            # review_apply reads the person fields; the rest says where it came from.
            payload=payload,
            created_at=now,
            updated_at=now,
        )
        details = {
            "kind": kind.value,
            "import_batch": batch_id,
            "line": d.row.line,
            "dry_run": dry_run,
        }
        rows.append(((person_pk, json.dumps(values, sort_keys=True)), make, details))
    return write_review_items(user=user, open_filter=open_filter, compared="values", held=rows)
