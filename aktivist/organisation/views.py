"""Unit pages and the alumni list: scoped reads only (a unit outside the scope is a 404)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from aktivist.core.views import people_viewer_required
from aktivist.lib.normalise import format_phone
from aktivist.organisation import selectors
from aktivist.organisation.forms import AlumniFilterForm
from aktivist.people.selectors import page_of

MEMBER_LIMIT = 300
PER_PAGE = 50
MAX_INDENT = 6


def _page_number(request: HttpRequest) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


@people_viewer_required
def unit_list(request: HttpRequest) -> HttpResponse:
    units = list(selectors.units_with_member_counts(request.user))
    base = min((u.depth for u in units), default=0)
    for unit in units:
        unit.indent = min(unit.depth - base, MAX_INDENT)  # type: ignore[attr-defined]
    return render(request, "organisation/unit_list.html", {"nav": "units", "units": units})


@people_viewer_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.access_unit(request.user, pk)
    ancestors = list(unit.ancestors())
    visible_ids = set(
        selectors.units_visible_to(request.user)
        .filter(pk__in=[a.pk for a in ancestors])
        .values_list("pk", flat=True)
    )
    for ancestor in ancestors:
        ancestor.visible = ancestor.pk in visible_ids  # type: ignore[attr-defined]
    members = list(selectors.unit_members(request.user, unit)[: MEMBER_LIMIT + 1])
    for membership in members:
        membership.mobile_display = format_phone(membership.person.mobile)  # type: ignore[attr-defined]
    context = {
        "nav": "units",
        "unit": unit,
        "ancestors": ancestors,
        "children": list(selectors.units_with_member_counts(request.user).filter(parent=unit)),
        "members": members[:MEMBER_LIMIT],
        "members_truncated": len(members) > MEMBER_LIMIT,
        "member_limit": MEMBER_LIMIT,
        "current_roles": list(selectors.unit_roles(request.user, unit, current=True)),
        "former_roles": list(selectors.unit_roles(request.user, unit, current=False)[:100]),
    }
    return render(request, "organisation/unit_detail.html", context)


@people_viewer_required
def alumni_list(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    data.pop("page", None)
    form = AlumniFilterForm(data or None, viewer=request.user)
    rows: list = []
    has_next = False
    page = _page_number(request)
    if not form.is_bound or form.is_valid():
        filters = form.cleaned_data if form.is_bound else {}
        role_type = filters.get("role_type")
        qs = selectors.alumni(
            request.user,
            role_type_id=role_type.pk if role_type else None,
            unit=filters.get("unit"),
            ended_from_year=filters.get("ended_from"),
            ended_to_year=filters.get("ended_to"),
        )
        rows, has_next = page_of(qs, page=page, per_page=PER_PAGE)  # type: ignore[arg-type]
    context = {
        "nav": "alumni",
        "form": form,
        "roles": rows,
        "page": page,
        "has_next": has_next,
        "has_previous": page > 1,
        "next_page": page + 1,
        "previous_page": page - 1,
    }
    return render(request, "organisation/alumni_list.html", context)
