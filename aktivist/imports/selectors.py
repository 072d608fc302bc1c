"""Reads on import batches and saved mappings, scoped to the viewer (DESIGN.md "Who may see
what": the secretariat sees every import; a district representative their own and those of
units in their subtree; everyone else none)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from aktivist.accounts.access import scope_for
from aktivist.accounts.capabilities import Capability, can
from aktivist.accounts.models import User
from aktivist.imports.models import ColumnMapping, ImportBatch, ImportIssue
from aktivist.people.models import Person
from aktivist.people.selectors import people_visible_to


def batches_visible_to(viewer: Any) -> QuerySet[ImportBatch]:
    """National roles: every batch. A district representative: the batches they made and
    those whose unit lies in their subtree. Everyone else: none."""
    scope = scope_for(viewer)
    qs = ImportBatch.objects.select_related("created_by", "unit")
    if scope.is_national:
        return qs
    if scope.role != User.AccessRole.DISTRICT or not scope.unit_paths:
        return qs.none()
    q = Q(created_by=viewer)
    for path in scope.unit_paths:
        q |= Q(unit__path__startswith=path)
    return qs.filter(q)


def access_batch(viewer: Any, pk: Any) -> ImportBatch:
    """The batch with this id if the viewer may see it, else 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    batch = batches_visible_to(viewer).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


def mappings_for(viewer: Any) -> QuerySet[ColumnMapping]:
    """Saved column mappings hold header names only (no personal data): every importer may
    use every mapping; non-importers get none."""
    if not can(viewer, Capability.IMPORTS_RUN):
        return ColumnMapping.objects.none()
    return ColumnMapping.objects.all()


def batch_issues(batch: ImportBatch, *, kinds: list[str] | None = None) -> QuerySet[ImportIssue]:
    qs = batch.issues.all()
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs.order_by("line", "id")


def refused_rows_headers(batch: ImportBatch) -> list[str]:
    """The refused-rows file's header: the file's own headers (personal identity number
    columns already dropped), then "Line" and "Reason" in the active language."""
    return [*(str(h) for h in batch.headers), _("Line"), _("Reason")]


def refused_rows(batch: ImportBatch) -> Iterator[list[Any]]:
    """The refused and conflicting rows to fix and upload again, in file order: the file's
    own cells, the row's line in the file and the reason. Held rows are not included: they
    wait for the secretariat, and their reason names no one. Cells are the file's own text;
    the CSV writer (``core.spreadsheets.csv_stream``) neutralises formula-looking cells as
    every export does."""
    headers = [str(h) for h in batch.headers]
    issues = (
        batch.issues.filter(kind__in=[ImportIssue.Kind.REFUSED, ImportIssue.Kind.CONFLICT])
        .order_by("line", "id")
        .values_list("line", "reason", "data")
        .iterator(chunk_size=2000)
    )
    last_line = None
    for line, reason, data in issues:
        if line == last_line:
            continue  # one row, one line (a row has at most one refusal)
        last_line = line
        cells = data.get("cells") if isinstance(data, dict) else None
        if not isinstance(cells, list):
            cells = [data.get(h, "") if isinstance(data, dict) else "" for h in headers]
        cells = [str(c) for c in cells[: len(headers)]]
        cells += [""] * (len(headers) - len(cells))
        yield [*cells, line, reason or _("Refused")]


def dry_run_for(viewer: Any, batch: ImportBatch) -> tuple[dict[str, Any], list[int]]:
    """The batch's dry-run summary as this viewer may see it, and the people it shows them.
    The summary was made in the importer's scope; someone else who may see the batch (a
    district representative, for a national import into their district) is shown a matched
    or conflicting row's key and values only for people in their own scope: a row that
    matched anyone else is left out, a conflict keeps its line and reason."""
    summary = dict(batch.dry_run or {})
    entries = [
        entry
        for name in ("matched", "rows")
        for entry in summary.get(name) or []
        if isinstance(entry, dict) and entry.get("person") is not None
    ]
    ids = {int(entry["person"]) for entry in entries}
    scope = importer_scope(viewer)
    visible = ids
    if ids and scope is not None:
        visible = set(scope.filter(pk__in=ids).values_list("pk", flat=True))
    if visible != ids:
        hidden = ids - visible

        def masked(entry: Any) -> Any:
            if isinstance(entry, dict) and entry.get("person") in hidden:
                return {k: v for k, v in entry.items() if k in ("line", "kind", "reason", "field")}
            return entry

        summary["rows"] = [masked(entry) for entry in summary.get("rows") or []]
        summary["matched"] = [
            entry
            for entry in summary.get("matched") or []
            if not (isinstance(entry, dict) and entry.get("person") in hidden)
        ]
    return summary, sorted(visible)


def importer_scope(viewer: Any) -> QuerySet[Person] | None:
    """None for national roles and system actors (they see everyone), else the viewer's
    people (the one selector every import match goes through)."""
    if viewer is None or scope_for(viewer).is_national:
        return None
    return people_visible_to(viewer)
