"""The engagement report: people per level now, and who moved between two months.

Counts only, never a person. Staff see everyone; district representatives and group
coordinators the people they may see; the board sees the counts for everyone."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from aktivist.accounts.access import scope_for
from aktivist.engagement import selectors
from aktivist.engagement.forms import MovementForm


@login_required
def report(request: HttpRequest) -> HttpResponse:
    if not selectors.can_see_report(request.user):
        raise Http404
    months = selectors.snapshot_months()
    form = MovementForm(request.GET, months=months)
    movement = None
    period = None
    if len(months) >= 2 and form.is_valid():
        period = form.period()
        movement = selectors.movement(request.user, *period)
    levels = selectors.levels_now(request.user)
    context = {
        "nav": "engagement",
        "levels": levels,
        "total": sum(row["people"] for row in levels),
        "young_total": sum(row["young"] for row in levels),
        "form": form,
        "months": months,
        "period": period,
        "movement": movement,
        "everyone": scope_for(request.user).is_national or not scope_for(request.user).sees_people,
    }
    return render(request, "engagement/report.html", context)
