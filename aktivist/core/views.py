"""The error pages (the root URLconf's handler404 and handler500)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from aktivist.core.outage import outage_response_for_current_error


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # A database outage is a 503, and the 500 page would need the database (the user).
    return outage_response_for_current_error(request) or render(request, "500.html", status=500)
