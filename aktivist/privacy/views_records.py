"""The records of processing (Art. 30) at /privacy/records/: generated from the settings and
the code (``privacy/records.py``), printable. The secretariat and the data-protection
officer; everyone else gets a 404."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from aktivist.accounts.capabilities import Capability
from aktivist.accounts.decorators import requires
from aktivist.privacy.records import processing_record

NAV = "privacy_records"


@requires(Capability.PRIVACY_RECORDS)
def records(request: HttpRequest) -> HttpResponse:
    return render(
        request, "privacy/records/records.html", {"nav": NAV, "record": processing_record()}
    )
