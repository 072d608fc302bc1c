"""The records of processing (Art. 30) at /privacy/records/: generated from the settings and
the code (``privacy/records.py``), printable. The secretariat and the data-protection
officer; everyone else gets a 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from aktivist.privacy.nav import NAV_ENTRIES, NavEntry, is_secretariat_or_officer
from aktivist.privacy.records import may_view_records, processing_record

NAV = "privacy_records"

if not any(entry.url_name == "privacy:records" for entry in NAV_ENTRIES):
    NAV_ENTRIES.append(
        NavEntry(
            "privacy:records",
            gettext_lazy("Records of processing"),
            NAV,
            visible=is_secretariat_or_officer,
        )
    )


@login_required
def records(request: HttpRequest) -> HttpResponse:
    if not may_view_records(request.user):
        raise Http404
    return render(
        request, "privacy/records/records.html", {"nav": NAV, "record": processing_record()}
    )
