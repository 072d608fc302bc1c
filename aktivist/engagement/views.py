"""The engagement report: people per level now, and who moved between two months.

Counts only, never a person. Staff see everyone; district representatives and group
coordinators the people they may see; the board sees the counts for everyone, with counts
under five hidden (and whatever would give them back)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from aktivist.accounts.access import scope_for
from aktivist.accounts.capabilities import Capability, can
from aktivist.accounts.decorators import requires
from aktivist.engagement import selectors
from aktivist.engagement.forms import MovementForm


@requires(Capability.ENGAGEMENT_REPORT)
def report(request: HttpRequest) -> HttpResponse:
    months = selectors.snapshot_months()
    form = MovementForm(request.GET, months=months)
    movement = None
    period = None
    if len(months) >= 2 and form.is_valid():
        period = form.period()
        movement = selectors.movement(request.user, *period)
    levels = selectors.levels_now(request.user)
    total: Any = sum(row["people"] for row in levels)
    young_total: Any = sum(row["young"] for row in levels)
    small_counts_hidden = False
    if not can(request.user, Capability.PEOPLE_VIEW):
        # The board viewer (no people): counts under five hidden, and what would give them back.
        levels, totals, movement, small_counts_hidden = selectors.hide_small_counts(
            levels, movement
        )
        total, young_total = totals["people"], totals["young"]
    context = {
        "nav": "engagement",
        "levels": levels,
        "total": total,
        "young_total": young_total,
        "form": form,
        "months": months,
        "period": period,
        "movement": movement,
        "everyone": scope_for(request.user).is_national or not scope_for(request.user).sees_people,
        "small_counts_hidden": small_counts_hidden,
    }
    return render(request, "engagement/report.html", context)
