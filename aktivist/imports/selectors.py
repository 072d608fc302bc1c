"""Reads on import batches and saved mappings, scoped to the viewer (DESIGN.md "Who may see
what": the secretariat sees every import; a district representative their own and those of
units in their subtree; everyone else none)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from aktivist.accounts.access import scope_for
from aktivist.accounts.models import User
from aktivist.imports.models import ColumnMapping, ImportBatch, ImportIssue

IMPORTER_ROLES = (User.AccessRole.ADMIN, User.AccessRole.STAFF, User.AccessRole.DISTRICT)
REASON_HEADER = "Reason"


def may_import(viewer: Any) -> bool:
    """Secretariat admins and staff, and district representatives with a scope unit."""
    scope = scope_for(viewer)
    if scope.is_national:
        return True
    return scope.role == User.AccessRole.DISTRICT and bool(scope.unit_paths)


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
    if not may_import(viewer):
        return ColumnMapping.objects.none()
    return ColumnMapping.objects.all()


def batch_issues(batch: ImportBatch, *, kinds: list[str] | None = None) -> QuerySet[ImportIssue]:
    qs = batch.issues.all()
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs.order_by("line", "id")


def _csv_line(values: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue()


def refused_rows_csv(batch: ImportBatch) -> Iterator[str]:
    """CSV lines to fix and re-upload: the file's headers (personal identity number columns
    already dropped) and a "Reason" column, for every refused and conflicting row, in file
    order. Held rows are not included: they wait for the secretariat, and their reason names
    no one. Cells are the file's own text (formula-looking cells are escaped with a
    leading apostrophe so that a spreadsheet does not run them)."""
    headers = [str(h) for h in batch.headers]
    yield _csv_line([*headers, REASON_HEADER])
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
        cells = [_escape(str(c)) for c in cells[: len(headers)]]
        cells += [""] * (len(headers) - len(cells))
        yield _csv_line([*cells, _escape(reason or _("Refused"))])


_PHONE_LIKE = set("0123456789 -()")


def _escape(value: str) -> str:
    """Formula-looking cells get a leading apostrophe; a phone number such as +46 70-123 45
    67 stays as it is so that the fixed file imports again unchanged."""
    if not value:
        return value
    if value[0] in "=@\t\r":
        return "'" + value
    if value[0] in "+-" and not (len(value) > 1 and set(value[1:]) <= _PHONE_LIKE):
        return "'" + value
    return value
