"""Background work of the imports app. Tasks take ids (or nothing), call a service and
return what the service returns; no logic lives here."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from aktivist.accounts.models import User
from aktivist.imports.discard import batches_discard_abandoned
from aktivist.imports.duplicates import find_duplicates
from aktivist.imports.models import ImportBatch
from aktivist.imports.runner import run
from aktivist.imports.services import batch_dry_run, batch_undo
from aktivist.imports.uploads import batch_read, batches_refuse_unread

# --- Duplicate finder ---------------------------------------------------------------------------


@task()
def find_duplicates_task() -> dict[str, Any]:
    """The nightly duplicate finder (and the "Find duplicates now" button): counts only."""

    return find_duplicates().as_dict()


# --- end of duplicate finder ---


# --- Reading an upload ----------------------------------------------------------------------------


@task()
def read_upload(batch_id: int, user_id: int | None = None) -> dict[str, Any]:
    """Read a stored upload (status READING → UPLOADED, or REFUSED): never in the request."""

    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return {}
    actor = User.objects.filter(pk=user_id).first() if user_id else None
    batch = batch_read(actor=actor, batch=batch)
    return {"status": batch.status, "rows": batch.total_rows}


@task()
def refuse_unread_uploads() -> int:
    """Refuse the batches still waiting to be read a day after the upload (hourly job
    ``imports.refuse_unread_uploads``), deleting their files."""

    return batches_refuse_unread()


@task()
def discard_abandoned_uploads() -> int:
    """Discard the uploads left unstarted for IMPORT_ABANDONED_DAYS days (daily job
    ``imports.discard_abandoned``), deleting their files."""

    return batches_discard_abandoned()


# --- Import runs --------------------------------------------------------------------------------


@task()
def run_import(batch_id: int) -> dict[str, Any]:
    """Run (or resume) an import batch from its last committed chunk: counts only."""

    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return {}
    batch = run(batch)
    return {"status": batch.status, "processed": batch.processed_rows}


@task()
def dry_run_import(batch_id: int, user_id: int | None = None) -> dict[str, Any]:
    """The dry run of an upload, in the background (status ANALYSING → ANALYSED)."""

    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return {}
    actor = User.objects.filter(pk=user_id).first() if user_id else None
    batch = batch_dry_run(actor=actor, batch=batch)
    return dict(batch.dry_run.get("counts", {}))


@task()
def undo_import(batch_id: int, user_id: int | None = None) -> dict[str, int]:
    """Undo a large batch in the background (removing a million people takes minutes)."""

    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return {}
    actor = User.objects.filter(pk=user_id).first() if user_id else None
    result = batch_undo(actor=actor, batch=batch)
    return {"removed": result.removed, "kept": result.kept}
