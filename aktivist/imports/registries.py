"""What an import keeps about people, in the merge, export and erasure registries
(registered in ImportsConfig.ready()).

ImportIssue (the rows a batch refused, held or found different, with their cells)
    merge: an issue that named the dropped person names the kept one. export: the issues
    that name the person, with the cells. erasure: the cells (and a reason that quotes
    them) are blanked — of the issues that name the person, and of the refused, conflicting
    and held rows whose cells hold their email, mobile, member number or both their names.
    Retention: the refused-cells rule.
ImportBatch (the kept copy of the upload, and the dry run's summary)
    export: the batch that created the person (its file name and date). erasure: every kept
    file is rewritten without the rows that hold the person's email, mobile or member
    number, or both their names: such a row keeps its line number and loses every cell
    (the first says "(erased)"), so the file stays readable for resuming (the rows and their
    line numbers do not move; a resumed run refuses the row, which has no key) and for
    undo. A dry-run reason that quotes such a value is blanked. An upload still waiting to
    be read (status READING: the file as it came) that holds such a row, or cannot be read,
    is refused and deleted. Retention: the import-files rule.

A row is the person's when one of its cells is their email, mobile (as typed: 070-123 45
67, +46 70 …) or member number, or when it carries both their first and last name. Every
file still kept is read, since a batch that matched the person does not record it; a file
with no such row is left as it was. The values compared are held in memory only.
"""

from __future__ import annotations

import contextlib
import csv
import os
import tempfile
from collections.abc import Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.core.tables import open_table
from aktivist.core.uploads import local_path
from aktivist.imports.models import ImportBatch, ImportIssue
from aktivist.people.needles import Needles, needles_for

# What an erased row's first cell says: a row with no text at all would be skipped when the
# file is read, and a resumed import would then start at the wrong row.
ERASED_CELL = "(erased)"
_SCANNED_KINDS = (
    ImportIssue.Kind.REFUSED,
    ImportIssue.Kind.CONFLICT,
    ImportIssue.Kind.HELD,
)


# --- ImportIssue ------------------------------------------------------------------------------


def merge_issues(keep: Any, drop: Any) -> None:
    ImportIssue.objects.filter(person_id=drop.pk).update(person_id=keep.pk)


def export_issues(person: Any) -> list[dict[str, Any]]:
    rows = (
        ImportIssue.objects.filter(person_id=person.pk)
        .order_by("batch_id", "line")
        .values("batch_id", "batch__original_name", "line", "kind", "reason", "data")
    )
    return [dict(row) for row in rows]


def _cells(data: Any) -> list[str]:
    cells = data.get("cells") if isinstance(data, dict) else None
    values = [str(c) for c in cells] if isinstance(cells, list) else []
    if isinstance(data, dict) and isinstance(data.get("value"), str):
        values.append(data["value"])
    return values


def erase_issues(person_ids: Sequence[int]) -> None:
    ids = list(person_ids)
    ImportIssue.objects.filter(person_id__in=ids).exclude(data={}).update(data={})
    needles = needles_for(ids)
    if not needles:
        return
    rows_hit: list[int] = []
    reasons_hit: list[int] = []
    candidates = (
        ImportIssue.objects.filter(kind__in=_SCANNED_KINDS, person_id__isnull=True)
        .exclude(data={})
        .values_list("pk", "data", "reason")
    )
    for pk, data, reason in candidates.iterator(chunk_size=2000):
        if needles.row_is_theirs(_cells(data)):
            rows_hit.append(pk)
        elif needles.quotes_them(reason):
            reasons_hit.append(pk)
    if rows_hit:
        ImportIssue.objects.filter(pk__in=rows_hit).update(data={}, reason="")
    if reasons_hit:
        ImportIssue.objects.filter(pk__in=reasons_hit).update(reason="")


# --- ImportBatch ------------------------------------------------------------------------------


def export_batches(person: Any) -> list[dict[str, Any]]:
    """The batch that created the person (the access export names its file and date)."""
    if not getattr(person, "import_batch_id", None):
        return []
    rows = ImportBatch.objects.filter(pk=person.import_batch_id).values(
        "pk", "original_name", "created_at", "created_by__email", "options__source"
    )
    return [dict(row) for row in rows]


def scrub_file(path: str, needles: Needles) -> int:
    """Rewrite the kept copy at ``path`` without the cells of the rows that are the erased
    people's (each keeps its ``_line``); untouched when it has none. Returns the rows
    blanked."""
    hits: set[int] = set()
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        for index, cells in enumerate(csv.reader(f)):
            if index and cells and needles.row_is_theirs(cells[1:]):
                hits.add(index)
    if not hits:
        return 0
    directory = os.path.dirname(path) or "."
    handle, tmp = tempfile.mkstemp(prefix=".scrub-", suffix=".csv", dir=directory)
    try:
        with (
            open(path, encoding="utf-8", errors="replace", newline="") as source,
            os.fdopen(handle, "w", encoding="utf-8", newline="") as out,
        ):
            writer = csv.writer(out, lineterminator="\n")
            for index, cells in enumerate(csv.reader(source)):
                if index in hits:
                    blank = [""] * (len(cells) - 1)
                    if blank:
                        blank[0] = ERASED_CELL
                    cells = [cells[0], *blank]
                writer.writerow(cells)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return len(hits)


def erase_batches(person_ids: Sequence[int]) -> None:
    needles = needles_for(person_ids)
    if not needles:
        return
    changed = []
    for batch in ImportBatch.objects.filter(~Q(dry_run={})).only("pk", "dry_run"):
        rows = batch.dry_run.get("rows") if isinstance(batch.dry_run, dict) else None
        if not isinstance(rows, list):
            continue
        touched = False
        for row in rows:
            if isinstance(row, dict) and needles.quotes_them(str(row.get("reason", ""))):
                row["reason"] = ""
                touched = True
        # The values the dry run showed for matched and conflicting rows (dry_run._tell_rows):
        # gone when they are the person's stored values or quote them.
        matched = batch.dry_run.get("matched")
        for entry in [*rows, *(matched if isinstance(matched, list) else [])]:
            if isinstance(entry, dict) and entry.get("differs"):
                if entry.get("person") in person_ids or any(
                    needles.cell_is_key(str(value)) or needles.quotes_them(f'"{value}"')
                    for item in entry["differs"]
                    if isinstance(item, dict)
                    for value in (item.get("stored", ""), item.get("value", ""))
                    if value
                ):
                    entry["differs"] = []
                    touched = True
        if touched:
            changed.append(batch)
    if changed:
        ImportBatch.objects.bulk_update(changed, ["dry_run"])
    for batch in ImportBatch.objects.exclude(file="").only("pk", "file", "status", "original_name"):
        if batch.status == ImportBatch.Status.READING:
            _erase_unread(batch, needles)
            continue
        try:
            path = batch.file.path
        except (NotImplementedError, ValueError):
            continue
        if os.path.exists(path):
            scrub_file(path, needles)


def _erase_unread(batch: ImportBatch, needles: Needles) -> None:
    """An upload still waiting for its task is the file as it came (any encoding, ``;`` or
    ``,``, XLSX): read as the task would read it. One that holds a row of theirs — or that
    cannot be read — is refused and deleted (erring on the side of erasure); the uploader is
    asked to upload it again."""
    try:
        with local_path(batch.file) as path:
            table = open_table(path, batch.original_name)
            theirs = needles.row_is_theirs(table.headers) or any(
                needles.row_is_theirs(cells) for _line, cells in table.rows()
            )
    except Exception:  # unreadable, missing, refused as a whole: nobody can tell
        theirs = True
    if not theirs:
        return
    raw = batch.file.name
    ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.READING).update(
        status=ImportBatch.Status.REFUSED,
        error=_("The file was removed before it was read; upload it again."),
        file="",
        options={},
        updated_at=timezone.now(),
    )
    batch.file.storage.delete(raw)
