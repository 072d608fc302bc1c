"""Discarding an upload that never started (by its uploader or the secretariat, or the
daily job for abandoned uploads). The batch stays, with status ``discarded``; its file, dry
run and issue rows go; the review items its dry run wrote stay (docs/imports.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.accounts.access import scope_for
from aktivist.accounts.capabilities import Capability, can
from aktivist.core import audit
from aktivist.core.exceptions import ApplicationError
from aktivist.imports.models import ImportBatch
from aktivist.imports.services import EDITABLE_STATUSES, require_batch

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
    if batch.status not in DISCARDABLE_STATUSES or not can(actor, Capability.IMPORTS_RUN):
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
    require_batch(actor, batch)
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
