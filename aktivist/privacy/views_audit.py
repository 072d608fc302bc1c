"""The audit viewer at /privacy/audit/: the audit trail for the secretariat's admins and the
data-protection officer — by account, by person ("who saw her?"), by time and by kind — and
its export as CSV. Everyone else gets the 404 page, secretariat staff included: the people
whose reads are recorded do not read the record (the admins who run the system and the
officer who checks it do).

What the viewer itself reads is recorded like any other read: the person search as a
search (its kind and keyed hash, and the people it found), the trail of one person as a read
of that person, and the export as an export (one summary event and one row per person in
the file)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from aktivist.accounts.capabilities import Capability
from aktivist.accounts.decorators import requires
from aktivist.core import audit, reads
from aktivist.core.spreadsheets import csv_stream
from aktivist.privacy import audit_viewer

EXPORT_VERB = "audit.export"


def _before(request: HttpRequest) -> int | None:
    try:
        value = int(request.GET.get("before", ""))
    except ValueError:
        return None
    return value if value > 0 else None


def _filtered(request: HttpRequest) -> tuple[audit_viewer.AuditFilterForm, Any, Any, Any]:
    """The form, the filter, how to name its person and the person's row (if any)."""
    data = request.GET.copy()
    data.pop("before", None)
    form = audit_viewer.AuditFilterForm(data or None)
    flt = audit_viewer.AuditFilter.from_form(form)
    subject, person = audit_viewer.subject_of(flt.person_id)
    return form, flt, subject, person


@requires(Capability.PRIVACY_AUDIT)
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    form, flt, subject, person = _filtered(request)
    query = form.cleaned_data.get("q", "") if form.is_bound and form.is_valid() else ""
    found: list[Any] = []
    if query.strip() and flt.person_id is None:
        found = audit_viewer.find_people(query)
        reads.record_reads(
            actor=request.user,
            verb=reads.AUDIT_PERSON_SEARCH,
            person_ids=[p.pk for p in found],
            search=query,
        )
    if flt.person_id is not None:
        reads.record_reads(
            actor=request.user, verb=reads.AUDIT_PERSON_READ, person_ids=[flt.person_id]
        )
    valid = not form.is_bound or form.is_valid()
    rows: list[audit_viewer.Row] = []
    next_before = None
    if valid:
        page, next_before = audit_viewer.page_of_events(
            audit_viewer.events(flt, subject=person), before=_before(request)
        )
        rows = audit_viewer.rows_for(page)
    export_query = request.GET.copy()
    export_query.pop("before", None)
    context = {
        "nav": "privacy_audit",
        "form": form,
        "rows": rows,
        "subject": subject,
        "found": found,
        "searched": bool(query.strip()) and flt.person_id is None,
        "next_before": next_before,
        "paged": _before(request) is not None,
        "export_query": export_query.urlencode(),
        "valid": valid,
    }
    return render(request, "privacy/audit/list.html", context, status=200 if valid else 400)


@requires(Capability.PRIVACY_AUDIT)
@require_POST
def audit_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered trail as CSV (formula-escaped, for Swedish Excel). Recorded before a
    byte leaves: a summary event with the filter and the count, and one row per person in
    the file. The file holds the rows up to the moment of the request (not the export's own
    rows)."""
    form, flt, _subject, person = _filtered(request)
    if form.is_bound and not form.is_valid():
        raise Http404
    qs = audit_viewer.events(flt, subject=person)
    last = qs.values_list("id", flat=True).first()
    qs = qs.filter(id__lte=last or 0)
    rows = qs.count()
    audit.record(
        actor=request.user,
        verb=EXPORT_VERB,
        object_type="core.auditevent",
        details={**flt.as_details(), "rows": rows, "format": "csv"},
    )
    reads.record_reads(
        actor=request.user,
        verb=reads.EXPORT,
        person_ids=qs.filter(person_id__isnull=False),
        details={"export": EXPORT_VERB},
    )
    response = StreamingHttpResponse(
        csv_stream(audit_viewer.csv_rows(qs), audit_viewer.csv_headers()),
        content_type="text/csv; charset=utf-8",
    )
    filename = f"aktivist-audit-{timezone.localdate().isoformat()}.csv"
    disposition = content_disposition_header(as_attachment=True, filename=filename)
    if disposition:
        response["Content-Disposition"] = disposition
    add_never_cache_headers(response)
    return response
