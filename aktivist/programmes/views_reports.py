"""The red-thread report page and its CSV (aktivist/programmes/reports.py). Counts only:
the secretariat, board viewers and district representatives (their districts) see it;
anyone else gets the 404 page. The board viewer's page and CSV hide small counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.accounts.capabilities import Capability
from aktivist.accounts.decorators import requires
from aktivist.core import audit
from aktivist.core.spreadsheets import csv_stream
from aktivist.programmes import reports

MAX_DAYS = 366 * 5


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """This year so far."""
    today = today or timezone.localdate()
    return dt.date(today.year, 1, 1), today


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                raise ValidationError(_("The period ends before it starts."))
            if (end - start).days > MAX_DAYS:
                raise ValidationError(_("Choose a period of at most five years."))
        return cleaned


def _period(request: HttpRequest) -> tuple[PeriodForm, tuple[dt.date, dt.date] | None]:
    start, end = default_period()
    data = {"start": start.isoformat(), "end": end.isoformat()}
    for key in ("start", "end"):
        if request.GET.get(key):
            data[key] = request.GET[key]
    form = PeriodForm(data)
    if form.is_valid():
        return form, (form.cleaned_data["start"], form.cleaned_data["end"])
    return form, None


@requires(Capability.REPORTS_RED_THREAD)
def red_thread(request: HttpRequest) -> HttpResponse:
    form, period = _period(request)
    report = reports.report_for(request.user, start=period[0], end=period[1]) if period else None
    return render(
        request,
        "programmes/reports/red_thread.html",
        {
            "nav": "reports",
            "form": form,
            "report": report,
            "youth_max_age": settings.YOUTH_MAX_AGE,
        },
        status=200 if period else 400,
    )


@requires(Capability.REPORTS_RED_THREAD)
def red_thread_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    form, period = _period(request)
    if period is None:
        return render(
            request,
            "programmes/reports/red_thread.html",
            {"nav": "reports", "form": form, "report": None},
            status=400,
        )
    start, end = period
    report = reports.report_for(request.user, start=start, end=end)
    audit.record(
        actor=request.user,
        verb="report.red_thread_export",
        details={"start": start.isoformat(), "end": end.isoformat(), "rows": len(report.rows)},
    )
    response = StreamingHttpResponse(
        csv_stream(reports.csv_rows(report), reports.csv_headers()),
        content_type="text/csv; charset=utf-8",
    )
    disposition = content_disposition_header(
        as_attachment=True, filename=f"red-thread-{start.isoformat()}-{end.isoformat()}.csv"
    )
    if disposition:
        response["Content-Disposition"] = disposition
    return response
