"""Receiving and reading an upload (issue 3, item 1): the web upload stored and read in a
worker (``batch_receive`` → ``tasks.read_upload`` → ``batch_read``), the command line's
upload read in its own process (``batch_create``), and the hourly refusal of uploads never
read (``batches_refuse_unread``). Reading keeps a sanitised copy (``reading.py``) and
guesses the column mapping; a file that cannot be read is refused with a message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.core import audit
from aktivist.core.exceptions import ApplicationError
from aktivist.core.table_checks import FileRefused
from aktivist.core.table_columns import BIRTH_YEAR_COLUMN, PERSONNUMMER, guess_mapping
from aktivist.core.tables import open_table
from aktivist.core.uploads import local_path
from aktivist.imports.columns import personnummer_columns
from aktivist.imports.models import ImportBatch
from aktivist.imports.reading import open_sanitised_table, write_sanitised_csv
from aktivist.imports.selectors import (
    mappings_for,
)
from aktivist.imports.services import require_importer

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def _local_copy(uploaded_file: Any) -> Iterator[str]:
    """A path on disk for the upload: Django's temporary upload file when it has one, else a
    temporary copy that is removed afterwards (the original upload is not kept)."""
    path_of = getattr(uploaded_file, "temporary_file_path", None)
    if callable(path_of):
        yield str(path_of())
        return
    if isinstance(uploaded_file, (str, os.PathLike)):
        yield os.fspath(uploaded_file)
        return
    handle, path = tempfile.mkstemp(prefix="aktivist-upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            if hasattr(uploaded_file, "chunks"):
                for chunk in uploaded_file.chunks():
                    out.write(chunk)
            else:
                if hasattr(uploaded_file, "seek"):
                    uploaded_file.seek(0)
                while block := uploaded_file.read(1 << 20):
                    out.write(block if isinstance(block, bytes) else block.encode())
        yield path
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _mapping_for_headers(
    headers: list[str], guessed: dict[str, str], saved: dict[str, str] | None
) -> dict[str, str]:
    mapping = {h: str(guessed.get(h) or "") for h in headers}
    if saved is not None:
        for h in headers:
            if mapping[h] == PERSONNUMMER:
                continue  # recognised by its values: never stored, whatever a mapping says
            mapping[h] = str(saved.get(h) or "")
    return mapping


MAX_COLUMNS = 500  # the mapping page has one choice per column


@dataclass
class _Read:
    """What reading an upload found, and the sanitised copy written to ``copy_path``."""

    copy_path: str
    encoding: str
    delimiter: str
    headers: list[str]
    mapping: dict[str, str]
    dropped: list[str]
    total: int


@contextlib.contextmanager
def _read_upload(path: str, filename: str, saved: dict[str, str] | None) -> Iterator[_Read]:
    """Read the table at ``path`` (encoding, delimiter, XLSX), guess the column mapping (or
    apply the ``saved`` one) and write the sanitised UTF-8 copy to a temporary file, removed
    when the block ends: personal identity number columns are removed — when no birth-year
    column is mapped the birth year taken from them replaces them. Raises FileRefused."""
    table = open_table(path, filename)
    headers = [str(h) for h in table.headers]
    if len(headers) > MAX_COLUMNS:
        raise FileRefused(
            _("The file has more than %(max)s columns. Keep the columns to import and upload it.")
            % {"max": MAX_COLUMNS}
        )
    guessed = guess_mapping(headers, table.sample())
    mapping = _mapping_for_headers(headers, guessed, saved)
    drop = personnummer_columns(headers, mapping)
    birth_year_column = None
    if drop and not {"birth_year", "birth_date"} & set(mapping.values()):
        birth_year_column = drop[0]  # keep the year (youth reports), never the number
    handle, tmp = tempfile.mkstemp(prefix="aktivist-sanitised-", suffix=".csv")
    os.close(handle)
    try:
        total = write_sanitised_csv(
            table, tmp, drop_columns=drop, birth_year_column=birth_year_column
        )
        kept_headers = [str(h) for h in open_sanitised_table(tmp).headers]
        # The kept copy's _birth_year column stays unmapped: the row cleaner reads it as
        # the birth year when the file gives no other.
        new_mapping = {h: mapping.get(h, "") for h in kept_headers}
        if BIRTH_YEAR_COLUMN in new_mapping:
            new_mapping[BIRTH_YEAR_COLUMN] = ""
        yield _Read(
            copy_path=tmp,
            encoding=str(getattr(table, "encoding", "") or "")[:20],
            delimiter=str(getattr(table, "delimiter", "") or "")[:2],
            headers=kept_headers,
            mapping=new_mapping,
            dropped=[headers[i] for i in drop],
            total=total,
        )
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _keep_copy(batch: ImportBatch, read: _Read) -> None:
    """Set what was read on the batch and store the sanitised copy as its file (unsaved)."""
    batch.encoding = read.encoding
    batch.delimiter = read.delimiter
    batch.headers = read.headers
    batch.mapping = read.mapping
    batch.dropped_columns = read.dropped
    batch.total_rows = read.total
    with open(read.copy_path, "rb") as f:
        batch.file.save(f"batch-{uuid.uuid4().hex}.csv", File(f), save=False)


def _saved_mapping(actor: Any, mapping_name: str | None) -> dict[str, str] | None:
    if not mapping_name:
        return None
    found = mappings_for(actor).filter(name=mapping_name).first()
    if found is None:
        raise ApplicationError(_("There is no saved mapping with that name."))
    return dict(found.mapping)


def batch_create(
    *,
    actor: Any,
    uploaded_file: Any,
    filename: str,
    kind: str = ImportBatch.Kind.PEOPLE,
    mapping_name: str | None = None,
) -> ImportBatch:
    """Read the uploaded table in the caller's process (the command line; the web upload
    uses ``batch_receive``), guess the column mapping (or apply the saved mapping
    ``mapping_name``), and keep a sanitised UTF-8 copy (``_read_upload``). Counts the data
    rows; status UPLOADED. The original upload is not kept. A file that cannot be read
    raises ApplicationError with the reader's message."""
    require_importer(actor, kind)
    if kind not in ImportBatch.Kind.values:
        raise ApplicationError(_("Unknown kind of import."))
    saved = _saved_mapping(actor, mapping_name)
    filename = os.path.basename(filename or "upload.csv")[:255]
    with _local_copy(uploaded_file) as path:
        try:
            with _read_upload(path, filename, saved) as read, transaction.atomic():
                batch = ImportBatch(
                    kind=kind,
                    created_by=actor if getattr(actor, "is_authenticated", False) else None,
                    original_name=filename,
                    status=ImportBatch.Status.UPLOADED,
                )
                _keep_copy(batch, read)
                batch.save()
                _audit_upload(actor, batch)
        except FileRefused as e:
            raise ApplicationError(e.message) from None
    return batch


def _audit_upload(actor: Any, batch: ImportBatch) -> None:
    audit.record(
        actor=actor,
        verb="import.upload",
        obj=batch,
        details={
            "kind": batch.kind,
            "rows": batch.total_rows,
            "dropped_columns": len(batch.dropped_columns),
        },
    )


def batch_receive(
    *,
    actor: Any,
    uploaded_file: Any,
    filename: str,
    kind: str = ImportBatch.Kind.PEOPLE,
    mapping_name: str | None = None,
) -> ImportBatch:
    """The web upload: store the file as it came (moved, not copied, when it is already a
    temporary file on disk) in a new batch with status READING, and enqueue
    ``tasks.read_upload`` after commit. Nothing of the file is read here, however large or
    odd it is: ``batch_read`` does that in a worker."""
    from aktivist.imports.tasks import read_upload  # tasks imports this module

    require_importer(actor, kind)
    if kind not in ImportBatch.Kind.values:
        raise ApplicationError(_("Unknown kind of import."))
    saved = _saved_mapping(actor, mapping_name)
    filename = os.path.basename(filename or "upload.csv")[:255]
    batch = ImportBatch(
        kind=kind,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        original_name=filename,
        status=ImportBatch.Status.READING,
        options={"saved_mapping": saved} if saved is not None else {},
    )
    # A temporary upload file is moved into place, not copied (FileSystemStorage).
    content = uploaded_file if isinstance(uploaded_file, File) else File(uploaded_file)
    batch.file.save(f"upload-{uuid.uuid4().hex}", content, save=False)
    try:
        with transaction.atomic():
            batch.save()
            audit.record(actor=actor, verb="import.receive", obj=batch, details={"kind": kind})
            user_id = actor.pk if getattr(actor, "is_authenticated", False) else None
            transaction.on_commit(lambda: read_upload.enqueue(batch.pk, user_id))
    except BaseException:
        batch.file.delete(save=False)
        raise
    return batch


def batch_read(*, actor: Any, batch: ImportBatch) -> ImportBatch:
    """Read a READING batch's stored upload (in a worker): as ``batch_create`` does, then
    status UPLOADED with the sanitised copy as its file; or, for a file that cannot be read,
    status REFUSED with the reader's message in ``error``. Either way the upload as it came
    is deleted. A batch that is no longer READING is left as it is (a repeated task)."""
    batch.refresh_from_db()
    if batch.status != ImportBatch.Status.READING:
        return batch
    raw = batch.file.name
    saved = (batch.options or {}).get("saved_mapping")
    try:
        if not raw or not batch.file.storage.exists(raw):
            raise FileRefused(_("The file cannot be read."))
        with local_path(batch.file) as path, _read_upload(path, batch.original_name, saved) as read:
            _keep_copy(batch, read)
            batch.options = {}
            batch.status = ImportBatch.Status.UPLOADED
            with transaction.atomic():
                if not _still_reading(batch):
                    batch.file.delete(save=False)
                    return batch
                batch.save()
                _audit_upload(actor, batch)
    except FileRefused as e:
        _refuse(actor, batch, e.message)
    except Exception as e:  # an unforeseen failure of a reader: the page must not wait forever
        logger.error("import batch %s: reading the upload failed (%s)", batch.pk, type(e).__name__)
        _refuse(actor, batch, _("The file cannot be read."))
    if raw:
        batch.file.storage.delete(raw)
    batch.refresh_from_db()
    return batch


def _still_reading(batch: ImportBatch) -> bool:
    return (
        ImportBatch.objects.select_for_update()
        .filter(pk=batch.pk, status=ImportBatch.Status.READING)
        .exists()
    )


def _refuse(actor: Any, batch: ImportBatch, message: str) -> None:
    with transaction.atomic():
        updated = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.READING).update(
            status=ImportBatch.Status.REFUSED,
            error=message[:2000],
            file="",
            options={},
            updated_at=timezone.now(),
        )
        if updated:
            audit.record(
                actor=actor, verb="import.refused", obj=batch, details={"kind": batch.kind}
            )


NEVER_READ_AFTER = dt.timedelta(days=1)


def batches_refuse_unread(*, now: dt.datetime | None = None) -> int:
    """Batches still READING a day after the upload (the task that reads them never ran, or
    died) are refused — "The file was never read; upload it again." — and the upload as it
    came is deleted. Hourly (the job ``imports.refuse_unread_uploads``): else the batch page
    would poll for ever, and the file would wait for the import-files retention rule (which
    deletes it but leaves the batch READING). Returns the batches refused."""
    cutoff = (now or timezone.now()) - NEVER_READ_AFTER
    stuck = ImportBatch.objects.filter(status=ImportBatch.Status.READING, created_at__lt=cutoff)
    refused = 0
    for batch in stuck.only("pk", "kind", "file"):
        raw = batch.file.name
        _refuse(None, batch, _("The file was never read; upload it again."))
        # Only needed while READING: a task that read it meanwhile has deleted it already.
        if raw:
            batch.file.storage.delete(raw)
        refused += 1
    return refused
