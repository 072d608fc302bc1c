"""Writes on imports: upload, mapping, dry run, start, resume, undo (issue 3, items 1–4).

Every function is keyword-only, checks who may do it, and writes an ``AuditEvent`` per batch
(never per row: the import is a bulk path, DESIGN.md "Bulk paths"). Business refusals raise
``ApplicationError`` with a message safe to show. The rows themselves are matched and
written by ``runner`` (chunks in their own transactions; the batch's ``processed_rows`` is
the resume point); ``batch_start`` enqueues ``tasks.run_import`` after commit.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from aktivist.accounts.access import scope_for
from aktivist.core import audit
from aktivist.core.exceptions import ApplicationError
from aktivist.core.spreadsheets import CONTENT_TYPES, ExportFile, csv_stream
from aktivist.core.table_columns import BIRTH_YEAR_COLUMN, PERSONNUMMER, guess_mapping
from aktivist.core.tables import FileRefused, open_table
from aktivist.core.uploads import local_path
from aktivist.imports.columns import IMPORT_FIELDS, REPEATABLE_FIELDS, personnummer_columns
from aktivist.imports.models import ColumnMapping, ImportBatch
from aktivist.imports.reading import open_sanitised_table, write_sanitised_csv
from aktivist.imports.selectors import batches_visible_to, mappings_for, may_import
from aktivist.people.models import Consent

logger = logging.getLogger(__name__)

IDENTITY_FIELDS = ("member_number", "email", "mobile")
MAX_TAGS = 20
MAX_CONSENTS = 10
REGISTER_GUARD_SHARE = 0.10  # a full register file may turn at most 10 % of members former
# A dry run in the background (ANALYSING) does not hold the batch: a worker that died must
# not leave it stuck, and the dry run's result never overwrites a later status.
EDITABLE_STATUSES = (
    ImportBatch.Status.UPLOADED,
    ImportBatch.Status.ANALYSING,
    ImportBatch.Status.ANALYSED,
)


@dataclass(frozen=True)
class UndoResult:
    removed: int
    kept: int


# --- Permissions ---------------------------------------------------------------------------


def _require_importer(actor: Any, kind: str = ImportBatch.Kind.PEOPLE) -> None:
    if not may_import(actor):
        raise ApplicationError(_("You may not import people."))
    if kind == ImportBatch.Kind.REGISTER_FULL and not scope_for(actor).is_national:
        raise ApplicationError(_("Only the secretariat may sync the membership register."))


def _require_batch(actor: Any, batch: ImportBatch) -> None:
    """The actor must see the batch (a batch outside the scope is answered as missing)."""
    if actor is None:
        return  # commands and tasks
    if not batches_visible_to(actor).filter(pk=batch.pk).exists():
        raise ApplicationError(_("No such import."))
    _require_importer(actor, batch.kind)


def _field_names() -> dict[str, str]:
    return {str(k): str(v) for k, v in IMPORT_FIELDS.items() if k != PERSONNUMMER}


# --- Upload --------------------------------------------------------------------------------


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
    _require_importer(actor, kind)
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
    from aktivist.imports.tasks import read_upload

    _require_importer(actor, kind)
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


# --- Discarding an upload that never started ---------------------------------------------

# Every status before the import starts: the file read or not, mapped, dry-run or not.
DISCARDABLE_STATUSES = (
    ImportBatch.Status.READING,
    ImportBatch.Status.REFUSED,
    *EDITABLE_STATUSES,
)


def may_discard(actor: Any, batch: ImportBatch) -> bool:
    """An upload that never started may be discarded by the person who uploaded it and by
    the secretariat (a district representative cannot discard a colleague's upload, even
    one they see because its unit is in their district)."""
    if batch.status not in DISCARDABLE_STATUSES or not may_import(actor):
        return False
    if scope_for(actor).is_national:
        return True
    return batch.created_by_id is not None and batch.created_by_id == getattr(actor, "pk", None)


def batch_discard(*, actor: Any, batch: ImportBatch) -> ImportBatch:
    """Give up an upload that never started: the stored file (the upload as it came while it
    is being read, else the sanitised copy the batch keeps) is deleted from storage after
    commit, the dry run's summary and any issue rows are deleted, and the batch becomes
    DISCARDED — kept as a record (who uploaded what, when; audited ``import.discard``).
    The review items and ``review.held`` audit rows its dry run wrote stay: they are the
    trace that an upload matched people outside the importer's scope, and discarding must
    not wipe it. A task still reading or dry-running the file finds the batch no longer
    editable and writes nothing."""
    _require_batch(actor, batch)
    if not may_discard(actor, batch) and batch.status in DISCARDABLE_STATUSES:
        raise ApplicationError(
            _("Only the person who uploaded the file, or the secretariat, may discard it.")
        )
    _discard(actor, batch, automatic=False)
    batch.refresh_from_db()
    return batch


def _discard(actor: Any, batch: ImportBatch, *, automatic: bool) -> None:
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().filter(pk=batch.pk).first()
        if locked is None or locked.status not in DISCARDABLE_STATUSES:
            raise ApplicationError(_("Only an import that has not started can be discarded."))
        before = locked.status
        stored = locked.file.name
        storage = locked.file.storage
        issues, _kinds = locked.issues.all().delete()
        ImportBatch.objects.filter(pk=locked.pk).update(
            status=ImportBatch.Status.DISCARDED,
            file="",
            dry_run={},
            error="",
            updated_at=timezone.now(),
        )
        audit.record(
            actor=actor,
            verb="import.discard",
            obj=locked,
            details={
                "status": before,
                "automatic": automatic,
                "file_deleted": bool(stored),
                "issues_deleted": issues,
            },
        )
        if stored:
            transaction.on_commit(lambda: storage.delete(stored))


def batches_discard_abandoned(*, now: dt.datetime | None = None) -> int:
    """Discard (as ``batch_discard``) every upload left unstarted and unchanged for
    ``IMPORT_ABANDONED_DAYS`` days — the daily job ``imports.discard_abandoned``. A file
    nobody imports should not stay on disk until the import-files retention rule. Returns
    how many were discarded."""
    days = int(settings.IMPORT_ABANDONED_DAYS)
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    stale = ImportBatch.objects.filter(status__in=DISCARDABLE_STATUSES, updated_at__lt=cutoff)
    discarded = 0
    for batch in stale.only("pk").order_by("pk"):
        try:
            _discard(None, batch, automatic=True)
        except ApplicationError:
            continue  # started (or discarded) meanwhile
        discarded += 1
    return discarded


# --- Mapping and options -------------------------------------------------------------------


def _clean_mapping(mapping: dict[str, str], *, headers: list[str] | None) -> dict[str, str]:
    fields = _field_names()
    cleaned: dict[str, str] = {}
    used: set[str] = set()
    for header, field in mapping.items():
        header, field = str(header), str(field or "")
        if headers is not None and header not in headers:
            raise ApplicationError(_("The file has no column “%(h)s”.") % {"h": header[:80]})
        if field and field != PERSONNUMMER and field not in fields:
            raise ApplicationError(_("Unknown field “%(f)s”.") % {"f": field[:40]})
        if field and field not in REPEATABLE_FIELDS and field in used:
            raise ApplicationError(
                _("Two columns are mapped to “%(f)s”.") % {"f": fields.get(field, field)}
            )
        used.add(field)
        cleaned[header] = field
    if headers is not None:
        for header in headers:
            cleaned.setdefault(header, "")
    return cleaned


def _clean_options(actor: Any, batch: ImportBatch, options: dict[str, Any]) -> dict[str, Any]:
    from aktivist.organisation.selectors import units_visible_to

    scope = scope_for(actor)
    unit_id = options.get("unit")
    if unit_id in ("", None):
        unit_id = None
    if unit_id is not None:
        try:
            unit_id = int(unit_id)
        except (TypeError, ValueError):
            raise ApplicationError(_("Choose a unit.")) from None
        qs = units_visible_to(actor) if actor is not None else None
        if qs is not None and not qs.filter(pk=unit_id, is_active=True).exists():
            raise ApplicationError(_("Choose a unit within your scope."))
    elif actor is not None and not scope.is_national:
        raise ApplicationError(
            _("Choose the unit the new people join, so that they are within your scope.")
        )

    tags: list[str] = []
    seen: set[str] = set()
    for raw in options.get("tags") or []:
        name = " ".join(str(raw).split())
        if not name or name.lower() in seen:
            continue
        if len(name) > 80:
            raise ApplicationError(_("A tag can have at most 80 characters."))
        seen.add(name.lower())
        tags.append(name)
    if len(tags) > MAX_TAGS:
        raise ApplicationError(_("Choose at most %(n)s tags.") % {"n": MAX_TAGS})

    source = " ".join(str(options.get("source") or "").split())
    if len(source) > 200:
        raise ApplicationError(_("The source label can have at most 200 characters."))

    consents: list[dict[str, str]] = []
    pairs: set[tuple[str, str]] = set()
    for raw in options.get("consents") or []:
        if not isinstance(raw, dict):
            raise ApplicationError(_("Invalid consent."))
        channel = str(raw.get("channel") or "")
        purpose = str(raw.get("purpose") or "")
        if channel not in Consent.Channel.values or purpose not in Consent.Purpose.values:
            raise ApplicationError(_("Choose a channel and a purpose for each consent."))
        if (channel, purpose) in pairs:
            raise ApplicationError(_("Each channel and purpose can be given once."))
        pairs.add((channel, purpose))
        c_source = " ".join(str(raw.get("source") or "").split())
        version = " ".join(str(raw.get("wording_version") or "").split())
        wording = str(raw.get("wording") or "").strip()
        if len(c_source) > 200 or len(version) > 40:
            raise ApplicationError(_("The consent's source or wording version is too long."))
        if bool(wording) != bool(version):
            raise ApplicationError(_("Give both the wording's version and its text, or neither."))
        consents.append(
            {
                "channel": channel,
                "purpose": purpose,
                "source": c_source,
                "wording_version": version,
                "wording": wording,
            }
        )
    if len(consents) > MAX_CONSENTS:
        raise ApplicationError(_("Too many consents."))
    return {"unit": unit_id, "tags": tags, "source": source, "consents": consents}


def consent_is_confirmed(spec: dict[str, str]) -> bool:
    """DESIGN.md "Consent": an import records a confirmed consent only when the importer
    states its source and the wording shown (version and text). Otherwise it is pending."""
    return bool(spec.get("source") and spec.get("wording") and spec.get("wording_version"))


def wording_hash(wording: str) -> str:
    return hashlib.sha256(wording.encode("utf-8")).hexdigest()


def _require_identity_column(mapping: dict[str, str], kind: str) -> None:
    mapped = set(mapping.values())
    if kind == ImportBatch.Kind.REGISTER_FULL and "member_number" not in mapped:
        raise ApplicationError(_("A membership register file needs a member number column."))
    if not mapped & set(IDENTITY_FIELDS):
        raise ApplicationError(
            _(
                "Map at least one column to member number, email or mobile: without them rows "
                "cannot be matched and importing again would create duplicates."
            )
        )


@transaction.atomic
def batch_update_mapping(
    *, actor: Any, batch: ImportBatch, mapping: dict[str, str], options: dict[str, Any]
) -> ImportBatch:
    """Set the column mapping and the options of an uploaded batch: ``{"unit": id|None,
    "tags": [names], "source": str, "consents": [{"channel", "purpose", "source",
    "wording_version", "wording"}]}``. A scoped importer (district representative) must
    choose a unit in their scope: the new people join it. A dry run done before is
    discarded (status back to UPLOADED)."""
    from aktivist.organisation.models import Unit

    _require_batch(actor, batch)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status not in EDITABLE_STATUSES:
        raise ApplicationError(_("This import has already started."))
    cleaned_mapping = _clean_mapping(mapping, headers=[str(h) for h in batch.headers])
    if PERSONNUMMER in cleaned_mapping.values():
        raise ApplicationError(_("Personal identity numbers are never imported."))
    _require_identity_column(cleaned_mapping, batch.kind)
    cleaned_options = _clean_options(actor, batch, options)
    batch.mapping = cleaned_mapping
    batch.options = cleaned_options
    batch.unit = (
        Unit.objects.filter(pk=cleaned_options["unit"]).first() if cleaned_options["unit"] else None
    )
    batch.status = ImportBatch.Status.UPLOADED
    batch.dry_run = {}
    batch.save(update_fields=["mapping", "options", "unit", "status", "dry_run", "updated_at"])
    audit.record(
        actor=actor,
        verb="import.mapping",
        obj=batch,
        details={
            "fields": sorted({f for f in cleaned_mapping.values() if f}),
            "unit": cleaned_options["unit"],
            "tags": len(cleaned_options["tags"]),
            "consents": len(cleaned_options["consents"]),
        },
    )
    return batch


@transaction.atomic
def mapping_save(*, actor: Any, name: str, mapping: dict[str, str]) -> ColumnMapping:
    """Save (or replace) a reusable mapping from headers to fields under a name."""
    _require_importer(actor)
    name = " ".join(str(name).split())
    if not name:
        raise ApplicationError(_("Give the mapping a name."))
    if len(name) > 100:
        raise ApplicationError(_("A name can have at most 100 characters."))
    cleaned = {h: f for h, f in _clean_mapping(mapping, headers=None).items() if f}
    saved = ColumnMapping.objects.select_for_update().filter(name=name).first()
    if saved is None:
        saved = ColumnMapping(
            name=name, created_by=actor if getattr(actor, "is_authenticated", False) else None
        )
    saved.mapping = cleaned
    saved.full_clean()
    saved.save()
    audit.record(actor=actor, verb="import.mapping_save", obj=saved)
    return saved


# --- Dry run, start, resume -----------------------------------------------------------------


def batch_dry_run(*, actor: Any, batch: ImportBatch) -> ImportBatch:
    """Analyse the whole file without writing anything but the batch's summary and its
    holds: counts of what would be created, updated, unchanged, refused, held (and, for a
    register sync, made former), and the first 500 refused / conflicting / held / differing
    rows with their line and reason (never whom a held row matched). A held row is queued
    for the secretariat's review and audited as in the real run, so that dry runs cannot
    probe the register unseen (``runner.write_holds``). Status ANALYSED. Runs in the
    caller's process; ``batch_dry_run_start`` runs it as a background task for large
    files."""
    from aktivist.imports import runner

    _require_batch(actor, batch)
    batch.refresh_from_db()
    if batch.status not in EDITABLE_STATUSES:
        raise ApplicationError(_("This import has already started."))
    _require_identity_column(batch.mapping, batch.kind)
    mapping, options = batch.mapping, batch.options
    summary = runner.dry_run(batch, actor=actor)
    with transaction.atomic():
        # Only if nothing changed meanwhile (a new mapping, a start): else it is stale.
        ImportBatch.objects.filter(
            pk=batch.pk, status__in=EDITABLE_STATUSES, mapping=mapping, options=options
        ).update(dry_run=summary, status=ImportBatch.Status.ANALYSED, updated_at=timezone.now())
        audit.record(
            actor=actor,
            verb="import.dry_run",
            obj=batch,
            details={k: v for k, v in summary.get("counts", {}).items()},
        )
    batch.refresh_from_db()
    return batch


@transaction.atomic
def batch_dry_run_start(*, actor: Any, batch: ImportBatch) -> ImportBatch:
    """Queue the dry run as a background task (status ANALYSING until it is done)."""
    from aktivist.imports.tasks import dry_run_import

    _require_batch(actor, batch)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status not in EDITABLE_STATUSES:
        raise ApplicationError(_("This import has already started."))
    _require_identity_column(batch.mapping, batch.kind)
    batch.status = ImportBatch.Status.ANALYSING
    batch.save(update_fields=["status", "updated_at"])
    user_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    transaction.on_commit(lambda: dry_run_import.enqueue(batch.pk, user_id))
    return batch


def register_guard(batch: ImportBatch) -> tuple[int, int]:
    """(current members, members the full file would make former)."""
    from aktivist.imports import runner
    from aktivist.people.models import Person

    members = Person.objects.filter(
        membership_status=Person.MembershipStatus.MEMBER, is_active=True
    ).count()
    missing = len(runner.register_missing_members(batch))
    return members, missing


def batch_start(
    *,
    actor: Any,
    batch: ImportBatch,
    confirm_register_guard: bool = False,
    enqueue: bool = True,
) -> ImportBatch:
    """Queue the import (status QUEUED; ``tasks.run_import`` is enqueued after commit; the
    CLI passes ``enqueue=False`` and runs ``runner.run`` itself). A full membership-register
    file that would turn more than 10 % of current members former is refused unless
    ``confirm_register_guard`` is given by a secretariat admin (recorded as ``confirmed_by``)."""
    _require_batch(actor, batch)
    batch.refresh_from_db()
    if batch.status not in EDITABLE_STATUSES:
        raise ApplicationError(_("This import has already started."))
    _require_identity_column(batch.mapping, batch.kind)
    if actor is not None and not scope_for(actor).is_national and batch.unit_id is None:
        raise ApplicationError(
            _("Choose the unit the new people join, so that they are within your scope.")
        )
    confirmed_by = None
    guard: dict[str, int] = {}
    if batch.kind == ImportBatch.Kind.REGISTER_FULL:
        members, missing = register_guard(batch)
        guard = {"members": members, "would_be_former": missing}
        if members and missing > REGISTER_GUARD_SHARE * members:
            if not confirm_register_guard:
                raise ApplicationError(
                    _(
                        "This file would make %(missing)s of %(members)s members former "
                        "(more than 10 %%). A secretariat admin must confirm it."
                    )
                    % {"missing": missing, "members": members},
                    extra=guard,
                )
            if actor is not None and not scope_for(actor).is_admin:
                raise ApplicationError(
                    _("Only a secretariat admin can confirm a file that makes this many former."),
                    extra=guard,
                )
            confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status not in EDITABLE_STATUSES:
            raise ApplicationError(_("This import has already started."))
        locked.status = ImportBatch.Status.QUEUED
        locked.confirmed_by = confirmed_by
        locked.save(update_fields=["status", "confirmed_by", "updated_at"])
        audit.record(
            actor=actor,
            verb="import.start",
            obj=locked,
            details={"rows": locked.total_rows, **guard, "confirmed": confirmed_by is not None},
        )
        if enqueue:
            _enqueue_run(locked.pk)
    return locked


def _enqueue_run(batch_id: int) -> None:
    from aktivist.imports.tasks import run_import

    transaction.on_commit(lambda: run_import.enqueue(batch_id))


@transaction.atomic
def batch_resume(*, actor: Any, batch: ImportBatch, enqueue: bool = True) -> ImportBatch:
    """Continue a failed or interrupted import from its last committed chunk
    (``processed_rows``): nothing is imported twice and no row is lost."""
    _require_batch(actor, batch)
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status not in (
        ImportBatch.Status.FAILED,
        ImportBatch.Status.RUNNING,
        ImportBatch.Status.QUEUED,
    ):
        raise ApplicationError(_("Only a failed or interrupted import can be resumed."))
    locked.status = ImportBatch.Status.QUEUED
    locked.error = ""
    locked.save(update_fields=["status", "error", "updated_at"])
    audit.record(
        actor=actor, verb="import.resume", obj=locked, details={"from_row": locked.processed_rows}
    )
    if enqueue:
        _enqueue_run(locked.pk)
    return locked


# --- Undo ----------------------------------------------------------------------------------


def batch_undo(*, actor: Any, batch: ImportBatch) -> UndoResult:
    """Remove the people this batch created as long as nothing has happened to them since
    the batch finished: no edit, and no row in any model pointing to a person (notes,
    memberships, roles, actions, registrations … — every model, later ones included)
    created or changed after the batch finished. The batch's own memberships, taggings and
    consents do not count. Returns how many were removed and kept; status UNDONE."""
    from aktivist.imports import runner

    _require_batch(actor, batch)
    batch.refresh_from_db()
    if batch.status not in (ImportBatch.Status.FINISHED, ImportBatch.Status.FAILED):
        raise ApplicationError(_("Only a finished or failed import can be undone."))
    removed, kept = runner.undo(batch)
    with transaction.atomic():
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.UNDONE, undone_at=timezone.now(), updated_at=timezone.now()
        )
        audit.record(
            actor=actor, verb="import.undo", obj=batch, details={"removed": removed, "kept": kept}
        )
    batch.refresh_from_db()
    return UndoResult(removed=removed, kept=kept)


UNDO_IN_BACKGROUND_ABOVE = 20_000  # people; larger undos take minutes


def batch_undo_start(*, actor: Any, batch: ImportBatch) -> bool:
    """Undo now, or — for a batch that created many people — in the background. Returns
    True when the undo was queued (the batch page shows the result when it is done)."""
    _require_batch(actor, batch)
    if batch.created_count <= UNDO_IN_BACKGROUND_ABOVE:
        return False
    if batch.status not in (ImportBatch.Status.FINISHED, ImportBatch.Status.FAILED):
        raise ApplicationError(_("Only a finished or failed import can be undone."))
    from aktivist.imports.tasks import undo_import

    user_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    transaction.on_commit(lambda: undo_import.enqueue(batch.pk, user_id))
    return True


def refused_rows_download(*, actor: Any, batch: ImportBatch) -> ExportFile:
    """The refused rows as CSV for the importer to fix and upload again, written like every
    other export (``core.spreadsheets.csv_stream``: UTF-8 with BOM, ``;``, every field quoted,
    formula-looking cells neutralised): the file's own columns, then the row's line and
    the reason, with those two headers in the active language. The rows hold personal
    data, so the download is audited like any export."""
    from aktivist.imports.selectors import refused_rows, refused_rows_headers

    _require_batch(actor, batch)
    audit.record(
        actor=actor,
        verb="import.refused_rows_download",
        obj=batch,
        details={"rows": batch.refused_count},
    )
    stem = get_valid_filename(batch.original_name.rsplit(".", 1)[0]) or "import"
    return ExportFile(
        filename=f"{stem}-refused.csv",
        content_type=CONTENT_TYPES["csv"],
        rows=batch.refused_count,
        stream=csv_stream(refused_rows(batch), refused_rows_headers(batch)),
    )
