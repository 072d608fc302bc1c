"""Writes on imports: mapping, dry run, start, resume, undo (issue 3, items 1–4); the upload
is ``uploads.py``, discarding one that never started ``discard.py``.

Every function is keyword-only, checks who may do it, and writes an ``AuditEvent`` per batch
(never per row: the import is a bulk path, DESIGN.md "Bulk paths"). Business refusals raise
``ApplicationError`` with a message safe to show. The rows themselves are matched and
written by ``runner`` (chunks in their own transactions; the batch's ``processed_rows`` is
the resume point); ``batch_start`` enqueues ``tasks.run_import`` after commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from aktivist.accounts.access import scope_for
from aktivist.accounts.capabilities import Capability, can
from aktivist.core import audit
from aktivist.core.exceptions import ApplicationError
from aktivist.core.spreadsheets import CONTENT_TYPES, ExportFile, csv_stream
from aktivist.core.table_columns import PERSONNUMMER
from aktivist.imports.columns import IMPORT_FIELDS, REPEATABLE_FIELDS
from aktivist.imports.dry_run import dry_run
from aktivist.imports.models import ColumnMapping, ImportBatch
from aktivist.imports.register_sync import register_missing_members
from aktivist.imports.selectors import (
    batches_visible_to,
    refused_rows,
    refused_rows_headers,
)
from aktivist.imports.undo import undo
from aktivist.organisation.models import Unit
from aktivist.organisation.selectors import units_visible_to
from aktivist.people.models import Consent, Person

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


def require_importer(actor: Any, kind: str = ImportBatch.Kind.PEOPLE) -> None:
    if not can(actor, Capability.IMPORTS_RUN):
        raise ApplicationError(_("You may not import people."))
    if kind == ImportBatch.Kind.REGISTER_FULL and not scope_for(actor).is_national:
        raise ApplicationError(_("Only the secretariat may sync the membership register."))


def require_batch(actor: Any, batch: ImportBatch) -> None:
    """The actor must see the batch (a batch outside the scope is answered as missing)."""
    if actor is None:
        return  # commands and tasks
    if not batches_visible_to(actor).filter(pk=batch.pk).exists():
        raise ApplicationError(_("No such import."))
    require_importer(actor, batch.kind)


def _field_names() -> dict[str, str]:
    return {str(k): str(v) for k, v in IMPORT_FIELDS.items() if k != PERSONNUMMER}


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
    unit_id = _clean_unit(actor, options.get("unit"))
    tags = _clean_tags(options.get("tags") or [])
    source = " ".join(str(options.get("source") or "").split())
    if len(source) > 200:
        raise ApplicationError(_("The source label can have at most 200 characters."))
    consents = _clean_consents(options.get("consents") or [])
    return {"unit": unit_id, "tags": tags, "source": source, "consents": consents}


def _clean_unit(actor: Any, unit_id: Any) -> int | None:
    """The unit the new people join: one the actor sees; required of a scoped importer."""
    if unit_id in ("", None):
        if actor is not None and not scope_for(actor).is_national:
            raise ApplicationError(
                _("Choose the unit the new people join, so that they are within your scope.")
            )
        return None
    try:
        unit_id = int(unit_id)
    except (TypeError, ValueError):
        raise ApplicationError(_("Choose a unit.")) from None
    qs = units_visible_to(actor) if actor is not None else None
    if qs is not None and not qs.filter(pk=unit_id, is_active=True).exists():
        raise ApplicationError(_("Choose a unit within your scope."))
    return unit_id


def _clean_tags(raw_tags: list[Any]) -> list[str]:
    tags: list[str] = []
    seen: set[str] = set()
    for raw in raw_tags:
        name = " ".join(str(raw).split())
        if not name or name.lower() in seen:
            continue
        if len(name) > 80:
            raise ApplicationError(_("A tag can have at most 80 characters."))
        seen.add(name.lower())
        tags.append(name)
    if len(tags) > MAX_TAGS:
        raise ApplicationError(_("Choose at most %(n)s tags.") % {"n": MAX_TAGS})
    return tags


def _clean_consents(raw_consents: list[Any]) -> list[dict[str, str]]:
    consents: list[dict[str, str]] = []
    pairs: set[tuple[str, str]] = set()
    for raw in raw_consents:
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
    return consents


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
    require_batch(actor, batch)
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
    require_importer(actor)
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
    probe the register unseen (``holds.write_holds``). Status ANALYSED. Runs in the
    caller's process; ``batch_dry_run_start`` runs it as a background task for large
    files."""
    require_batch(actor, batch)
    batch.refresh_from_db()
    if batch.status not in EDITABLE_STATUSES:
        raise ApplicationError(_("This import has already started."))
    _require_identity_column(batch.mapping, batch.kind)
    mapping, options = batch.mapping, batch.options
    summary = dry_run(batch, actor=actor)
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
    from aktivist.imports.tasks import dry_run_import  # tasks imports this module

    require_batch(actor, batch)
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
    members = Person.objects.filter(
        membership_status=Person.MembershipStatus.MEMBER, is_active=True
    ).count()
    missing = len(register_missing_members(batch))
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
    require_batch(actor, batch)
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
            if actor is not None and not can(actor, Capability.SETTINGS_ADMIN):
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
    from aktivist.imports.tasks import run_import  # tasks imports this module

    transaction.on_commit(lambda: run_import.enqueue(batch_id))


@transaction.atomic
def batch_resume(*, actor: Any, batch: ImportBatch, enqueue: bool = True) -> ImportBatch:
    """Continue a failed or interrupted import from its last committed chunk
    (``processed_rows``): nothing is imported twice and no row is lost."""
    require_batch(actor, batch)
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
    require_batch(actor, batch)
    batch.refresh_from_db()
    if batch.status not in (ImportBatch.Status.FINISHED, ImportBatch.Status.FAILED):
        raise ApplicationError(_("Only a finished or failed import can be undone."))
    removed, kept = undo(batch)
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
    require_batch(actor, batch)
    if batch.created_count <= UNDO_IN_BACKGROUND_ABOVE:
        return False
    if batch.status not in (ImportBatch.Status.FINISHED, ImportBatch.Status.FAILED):
        raise ApplicationError(_("Only a finished or failed import can be undone."))
    from aktivist.imports.tasks import undo_import  # tasks imports this module

    user_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    transaction.on_commit(lambda: undo_import.enqueue(batch.pk, user_id))
    return True


def refused_rows_download(*, actor: Any, batch: ImportBatch) -> ExportFile:
    """The refused rows as CSV for the importer to fix and upload again, written like every
    other export (``core.spreadsheets.csv_stream``: UTF-8 with BOM, ``;``, every field quoted,
    formula-looking cells neutralised): the file's own columns, then the row's line and
    the reason, with those two headers in the active language. The rows hold personal
    data, so the download is audited like any export."""
    require_batch(actor, batch)
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
