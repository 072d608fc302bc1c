"""The records of processing (Art. 30) at /privacy/records/: generated from the settings and
the code (``privacy/records.py``), printable. The secretariat and the data-protection
officer; everyone else gets a 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from aktivist.privacy.records import may_view_records, processing_record

NAV = "privacy_records"


@login_required
def records(request: HttpRequest) -> HttpResponse:
    if not may_view_records(request.user):
        raise Http404
    return render(
        request, "privacy/records/records.html", {"nav": NAV, "record": processing_record()}
    )
