"""The import pages: the list of batches, the upload, the column mapping, the dry run, the
progress of the real run and what can be done afterwards (refused rows, undo, resume).
Views parse input, call the services and render; every batch is read through the scoped
selectors (a batch outside the viewer's scope is a 404). National roles and district
representatives may import; everyone else gets the 404 page.

No request reads what an uploaded file holds: the upload is streamed to disk (capped at
``IMPORT_MAX_FILE_BYTES``) and stored, and a task reads it; the dry run is a task too. The
batch page polls until the task is done (issue 15)."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from aktivist.accounts.capabilities import Capability, can
from aktivist.accounts.decorators import requires
from aktivist.core import reads
from aktivist.core.exceptions import ApplicationError
from aktivist.core.table_checks import FileRefused
from aktivist.core.uploads import streamed_upload
from aktivist.imports import services, uploads
from aktivist.imports.columns import IMPORT_FIELDS
from aktivist.imports.discard import DISCARDABLE_STATUSES, batch_discard, may_discard
from aktivist.imports.forms import MappingForm, UploadForm
from aktivist.imports.models import ImportBatch, ImportIssue
from aktivist.imports.selectors import (
    access_batch,
    batch_issues,
    batches_visible_to,
    dry_run_for,
    mappings_for,
)
from aktivist.people.forms import add_service_errors
from aktivist.people.models import Person

PER_PAGE = 50
SAMPLE_COUNT = 3
SAMPLE_SCAN_ROWS = 200  # look this far into the file for non-empty sample values
ISSUE_LIMIT = 500
POLL_SECONDS = 2

Status = ImportBatch.Status
RUNNING_STATUSES = (Status.QUEUED, Status.RUNNING)
POLLING_STATUSES = (Status.READING, Status.ANALYSING, Status.QUEUED, Status.RUNNING)
MAPPABLE_STATUSES = (Status.UPLOADED, Status.ANALYSED)
UNDOABLE_STATUSES = (Status.FINISHED, Status.FAILED)


def _page_number(request: HttpRequest) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


def _is_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def _error_text(exc: Exception) -> str:
    if isinstance(exc, (ApplicationError, FileRefused)):
        return str(getattr(exc, "message", "") or exc)
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


# --- The list of batches and saved mappings -------------------------------------------------


@requires(Capability.IMPORTS_RUN)
def batch_list(request: HttpRequest) -> HttpResponse:
    page = _page_number(request)
    start = (page - 1) * PER_PAGE
    rows = list(batches_visible_to(request.user)[start : start + PER_PAGE + 1])
    for row in rows:
        row.can_discard = may_discard(request.user, row)  # type: ignore[attr-defined]
    return render(
        request,
        "imports/batch_list.html",
        {
            "nav": "imports",
            "batches": rows[:PER_PAGE],
            "page": page,
            "has_next": len(rows) > PER_PAGE,
            "has_previous": page > 1,
            "next_page": page + 1,
            "previous_page": page - 1,
        },
    )


@requires(Capability.IMPORTS_RUN)
def mapping_list(request: HttpRequest) -> HttpResponse:
    mappings = mappings_for(request.user).select_related("created_by").order_by("name")
    return render(
        request, "imports/mapping_list.html", {"nav": "imports", "mappings": list(mappings)}
    )


# --- Upload -----------------------------------------------------------------------------------


def _upload_limit() -> int:
    return int(settings.IMPORT_MAX_FILE_BYTES)


@requires(Capability.IMPORTS_RUN)
@streamed_upload(_upload_limit)
def upload(request: HttpRequest) -> HttpResponse:
    """Store the file and go to the batch page, which shows "Reading the file…" until the
    task has read it and then the column mapping (or why the file was not accepted)."""
    form = UploadForm(request.POST or None, request.FILES or None, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        saved_mapping = form.cleaned_data.get("mapping")
        try:
            batch = uploads.batch_receive(
                actor=request.user,
                uploaded_file=uploaded,
                filename=uploaded.name or "",
                kind=form.cleaned_data["kind"],
                mapping_name=saved_mapping.name if saved_mapping is not None else None,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except (ApplicationError, FileRefused) as exc:
            form.add_error("file", _error_text(exc))
        else:
            return redirect("imports:dry_run", pk=batch.pk)
    return render(request, "imports/upload.html", {"nav": "imports", "form": form})


# --- Column mapping and options -------------------------------------------------------------


def _samples(batch: ImportBatch) -> dict[str, list[str]]:
    """Up to three non-empty values per column from the copy the batch keeps (UTF-8 CSV,
    first column ``_line``, personal identity numbers already removed)."""
    samples: dict[str, list[str]] = {header: [] for header in batch.headers}
    if not batch.file:
        return samples
    try:
        with batch.file.open("rb") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            reader = csv.reader(text)
            file_headers = next(reader, [])
            for count, values in enumerate(reader):
                if count >= SAMPLE_SCAN_ROWS:
                    break
                for header, value in zip(file_headers, values, strict=False):
                    found = samples.get(header)
                    value = value.strip()
                    if found is not None and value and len(found) < SAMPLE_COUNT:
                        found.append(value[:80])
                if all(len(v) >= SAMPLE_COUNT for v in samples.values()):
                    break
    except (OSError, UnicodeDecodeError, csv.Error):
        pass  # samples are a help, not a requirement
    return samples


@requires(Capability.IMPORTS_RUN)
def mapping(request: HttpRequest, pk: int) -> HttpResponse:
    batch = access_batch(request.user, pk)
    if batch.status not in MAPPABLE_STATUSES:
        return redirect("imports:dry_run", pk=batch.pk)
    form = MappingForm(
        request.POST or None, viewer=request.user, batch=batch, samples=_samples(batch)
    )
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.batch_update_mapping(
                actor=request.user, batch=batch, mapping=form.mapping(), options=form.options()
            )
            name = form.cleaned_data.get("save_as", "").strip()
            if name:
                try:
                    services.mapping_save(actor=request.user, name=name, mapping=form.mapping())
                except ValidationError as exc:
                    form.add_error("save_as", " ".join(exc.messages))
                    raise
                messages.success(request, _("Saved the mapping “%(name)s”.") % {"name": name})
            # The dry run reads the whole file: always in the background; the batch page
            # polls until it is done.
            services.batch_dry_run_start(actor=request.user, batch=batch)
        except ValidationError as exc:
            if not form.errors:
                add_service_errors(form, exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("imports:dry_run", pk=batch.pk)
    return render(
        request,
        "imports/mapping.html",
        {
            "nav": "imports",
            "batch": batch,
            "form": form,
            "can_discard": may_discard(request.user, batch),
        },
    )


# --- The batch page: dry run, progress, result ------------------------------------------------


def _field_label(field: str) -> str:
    return str(IMPORT_FIELDS.get(field, field))


def _dry_run_context(batch: ImportBatch, viewer: Any) -> dict[str, Any]:
    """The dry-run summary as the page shows it: ``counts`` (created, updated, unchanged,
    refused — conflicts included —, held, and for a register sync former), ``issues``
    (count per kind) and ``rows`` (the first 500 issues: line, kind, reason, field), the
    matched rows (line, the keys that found the person, values that differ), the rows that
    are not people, and every ignored column. A held row shows its line and nothing more."""
    summary, shown = dry_run_for(viewer, batch)
    # Matched people's stored values are a read of their record.
    reads.record_reads(
        actor=viewer, verb=reads.IMPORT_DRY_RUN_READ, person_ids=shown, details={"batch": batch.pk}
    )
    counts = summary.get("counts") or {}
    issue_counts = summary.get("issues") or {}
    if not isinstance(issue_counts, dict):
        issue_counts = {}
    rows = summary.get("rows") or []
    refused: list[dict[str, Any]] = []
    conflicts: list[dict[str, Any]] = []
    differing: list[dict[str, Any]] = []
    held_lines: list[Any] = []
    membership_held_lines: list[Any] = []
    for issue in rows[:ISSUE_LIMIT]:
        kind = issue.get("kind")
        if kind == ImportIssue.Kind.REFUSED:
            refused.append(issue)
        elif kind == ImportIssue.Kind.CONFLICT:
            conflicts.append(_told_match(issue))
        elif kind == ImportIssue.Kind.DIFFERS:
            differing.append({**issue, "field_label": _field_label(str(issue.get("field", "")))})
        elif kind == ImportIssue.Kind.HELD and issue.get("field") == "membership":
            membership_held_lines.append(issue.get("line"))  # the rest of the row applies
        elif kind == ImportIssue.Kind.HELD:
            held_lines.append(issue.get("line"))  # the line, and nothing else
    listed = sum(int(n) for n in issue_counts.values())
    skipped_counts = summary.get("skipped_counts") or {}
    return {
        "dry_counts": {
            "create": counts.get("created", 0),
            "update": counts.get("updated", 0),
            "unchanged": counts.get("unchanged", 0),
            "refused": counts.get("refused", 0),
            "conflict": issue_counts.get(ImportIssue.Kind.CONFLICT, 0),
            "held": counts.get("held", 0),
            "differs": issue_counts.get(ImportIssue.Kind.DIFFERS, 0),
            "former": counts.get("former", 0),
            "organisations": skipped_counts.get("organisations", 0),
            "test_leads": skipped_counts.get("test_leads", 0),
            "opted_out": counts.get("opted_out", 0),
        },
        "refused_issues": refused,
        "conflict_issues": conflicts,
        "differing_issues": differing,
        "matched_rows": [_told_match(m) for m in summary.get("matched") or []][:ISSUE_LIMIT],
        "held_lines": held_lines,
        "membership_held_lines": membership_held_lines,
        "skipped_rows": (summary.get("skipped") or [])[:ISSUE_LIMIT],
        "ignored_columns": summary.get("ignored_columns") or [],
        "dropped_columns": summary.get("dropped_columns") or [],
        "issues_truncated": listed > len(rows),
    }


def _key_names() -> dict[str, str]:
    return {"member_number": _("member number"), "email": _("email"), "mobile": _("mobile")}


def _shown_value(field: str, value: Any) -> str:
    """A stored or file value as the page shows it: a choice by its label."""
    text = str(value or "")
    choices = {"language": Person.Language, "membership_status": Person.MembershipStatus}
    if text and field in choices:
        return str(dict(choices[field].choices).get(text, text))
    return text


def _told_match(entry: dict[str, Any]) -> dict[str, Any]:
    """A matched or conflicting row of the dry run with labels: the keys that found the
    person ("email and mobile"), the fields it fills and the values that differ."""
    names = _key_names()
    keys = [names.get(str(k), str(k)) for k in entry.get("keys") or []]
    keys_label = ", ".join(keys)
    if len(keys) > 1:
        keys_label = _("%(keys)s and %(last)s") % {"keys": ", ".join(keys[:-1]), "last": keys[-1]}
    return {
        **entry,
        "keys_label": keys_label,
        "fills_label": ", ".join(_field_label(str(f)) for f in entry.get("fills") or []),
        "differs": [
            {
                "label": _field_label(str(d.get("field", ""))),
                "stored": _shown_value(str(d.get("field", "")), d.get("stored")),
                "value": _shown_value(str(d.get("field", "")), d.get("value")),
            }
            for d in entry.get("differs") or []
            if isinstance(d, dict)
        ],
    }


def _batch_context(request: HttpRequest, batch: ImportBatch, **extra: Any) -> dict[str, Any]:
    """Everything the status section shows, whatever the batch's state (the batch page
    includes the section; htmx polls the same section while work is under way)."""
    status = batch.status
    finished_issues: list[ImportIssue] = []
    if status == Status.FINISHED and batch.refused_count:
        kinds: list[str] = [ImportIssue.Kind.REFUSED, ImportIssue.Kind.CONFLICT]
        finished_issues = list(batch_issues(batch, kinds=kinds)[: ISSUE_LIMIT + 1])
    held_lines: list[int] = []
    membership_held_lines: list[int] = []
    if status == Status.FINISHED:
        # Lines only: nothing about whom a held row matched (DESIGN: outside one's scope
        # nothing is named); a membership hold is the importer's own row's membership.
        held = batch_issues(batch, kinds=[ImportIssue.Kind.HELD]).values_list("line", "data__field")
        for line, field in held[: ISSUE_LIMIT * 2]:
            (membership_held_lines if field == "membership" else held_lines).append(line)
    context: dict[str, Any] = {
        "batch": batch,
        "held_lines": held_lines[:ISSUE_LIMIT],
        "membership_held_lines": membership_held_lines[:ISSUE_LIMIT],
        "reading": status == Status.READING,
        "refused": status == Status.REFUSED,
        "analysing": status == Status.ANALYSING,
        "analysed": status == Status.ANALYSED,
        "running": status in RUNNING_STATUSES,
        "polling": status in POLLING_STATUSES,
        "finished": status == Status.FINISHED,
        "failed": status == Status.FAILED,
        "undone": status == Status.UNDONE,
        "discarded": status == Status.DISCARDED,
        "can_discard": may_discard(request.user, batch),
        "finished_issues": finished_issues[:ISSUE_LIMIT],
        "finished_issues_truncated": len(finished_issues) > ISSUE_LIMIT,
        "is_register": batch.kind == ImportBatch.Kind.REGISTER_FULL,
        "poll_seconds": POLL_SECONDS,
        "guard_error": "",
    }
    if status == Status.ANALYSED:
        context.update(_dry_run_context(batch, request.user))
    context.update(extra)
    return context


@requires(Capability.IMPORTS_RUN)
@vary_on_headers("HX-Request")
def dry_run(request: HttpRequest, pk: int) -> HttpResponse:
    batch = access_batch(request.user, pk)
    if batch.status == Status.UPLOADED:
        return redirect("imports:mapping", pk=batch.pk)
    context = {"nav": "imports", **_batch_context(request, batch)}
    return render(request, "imports/batch.html", context)


@requires(Capability.IMPORTS_RUN)
@vary_on_headers("HX-Request")
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The status section alone (what the batch page includes), for htmx polling."""
    batch = access_batch(request.user, pk)
    if not _is_partial(request):
        return redirect("imports:dry_run", pk=batch.pk)
    if batch.status == Status.UPLOADED:
        # The file has been read: on to the column mapping, as a whole page.
        return HttpResponseClientRedirect(reverse("imports:mapping", args=[batch.pk]))
    return render(request, "imports/_status.html", _batch_context(request, batch))


@require_POST
@requires(Capability.IMPORTS_RUN)
def start(request: HttpRequest, pk: int) -> HttpResponse:
    batch = access_batch(request.user, pk)
    confirm = bool(request.POST.get("confirm_register_guard")) and can(
        request.user, Capability.SETTINGS_ADMIN
    )
    try:
        services.batch_start(actor=request.user, batch=batch, confirm_register_guard=confirm)
    except ApplicationError as exc:
        if "would_be_former" in exc.extra and batch.status == Status.ANALYSED:
            # The register guard: show the dry run again with the warning (and, for an
            # admin, the box that confirms it).
            context = {"nav": "imports", **_batch_context(request, batch, guard_error=exc.message)}
            return render(request, "imports/batch.html", context)
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    # On success the batch page itself says that the import runs (no message needed).
    return redirect("imports:dry_run", pk=batch.pk)


@require_POST
@requires(Capability.IMPORTS_RUN)
def resume(request: HttpRequest, pk: int) -> HttpResponse:
    batch = access_batch(request.user, pk)
    try:
        services.batch_resume(actor=request.user, batch=batch)
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
    return redirect("imports:dry_run", pk=batch.pk)


@requires(Capability.IMPORTS_RUN)
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation step. POST: remove the people the batch created (those that
    nothing has happened to since) and report how many were removed and kept."""
    batch = access_batch(request.user, pk)
    if batch.status not in UNDOABLE_STATUSES:
        return redirect("imports:dry_run", pk=batch.pk)
    if request.method == "POST":
        try:
            if services.batch_undo_start(actor=request.user, batch=batch):
                messages.info(
                    request,
                    _("The undo runs in the background; this page shows the result when done."),
                )
                return redirect("imports:dry_run", pk=batch.pk)
            result = services.batch_undo(actor=request.user, batch=batch)
        except (ApplicationError, ValidationError) as exc:
            messages.error(request, _error_text(exc))
        else:
            text = ngettext(
                "Import undone: %(removed)d person removed.",
                "Import undone: %(removed)d people removed.",
                result.removed,
            ) % {"removed": result.removed}
            if result.kept:
                text += " " + ngettext(
                    "%(kept)d kept: something has happened to them since the import.",
                    "%(kept)d kept: something has happened to them since the import.",
                    result.kept,
                ) % {"kept": result.kept}
            messages.success(request, text)
        return redirect("imports:dry_run", pk=batch.pk)
    return render(request, "imports/undo_confirm.html", {"nav": "imports", "batch": batch})


@requires(Capability.IMPORTS_RUN)
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation step. POST: discard the upload (it never started): its file is
    deleted and the batch kept as a record. Someone else's upload (for a district
    representative) is a 403; an import that has started goes back to its page."""
    batch = access_batch(request.user, pk)
    if batch.status not in DISCARDABLE_STATUSES:
        if request.method == "POST":
            messages.error(request, _("Only an import that has not started can be discarded."))
        return redirect("imports:dry_run", pk=batch.pk)
    if not may_discard(request.user, batch):
        raise PermissionDenied
    if request.method == "POST":
        try:
            batch_discard(actor=request.user, batch=batch)
        except (ApplicationError, ValidationError) as exc:
            messages.error(request, _error_text(exc))
            return redirect("imports:dry_run", pk=batch.pk)
        messages.success(
            request,
            _("%(name)s was discarded and its file deleted.") % {"name": batch.original_name},
        )
        return redirect("imports:batch_list")
    return render(request, "imports/discard_confirm.html", {"nav": "imports", "batch": batch})


@requires(Capability.IMPORTS_RUN)
def refused_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    batch = access_batch(request.user, pk)
    export = services.refused_rows_download(actor=request.user, batch=batch)
    response = StreamingHttpResponse(export.stream or iter(()), content_type=export.content_type)
    disposition = content_disposition_header(as_attachment=True, filename=export.filename)
    if disposition:
        response["Content-Disposition"] = disposition
    response["Cache-Control"] = "private, no-store"
    return response


def batch_url(batch: ImportBatch) -> str:
    return reverse("imports:dry_run", args=[batch.pk])
