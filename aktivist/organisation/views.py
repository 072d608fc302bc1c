"""Unit pages and school groups. Scoped: a unit outside the viewer's scope is a 404, and so
is a change the viewer may not make. (The alumni list and its invitations are the
mobilization app's: aktivist/mobilization/views_alumni.py.)"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aktivist.accounts.capabilities import Capability
from aktivist.accounts.decorators import requires
from aktivist.core import reads
from aktivist.core.exceptions import ApplicationError
from aktivist.lib.normalise import format_phone
from aktivist.organisation import selectors, services
from aktivist.organisation.forms import UnitSchoolForm
from aktivist.organisation.models import Unit

MEMBER_LIMIT = 300
MAX_INDENT = 6


@requires(Capability.PEOPLE_VIEW)
def unit_list(request: HttpRequest) -> HttpResponse:
    if request.GET.get("kind") == Unit.Kind.SCHOOL_GROUP:
        schools = list(selectors.school_groups(request.user))
        reads.record_reads(
            actor=request.user,
            verb=reads.SCHOOLS_READ,
            person_ids=[u.contact_person_id for u in schools if u.contact_visible],  # type: ignore[attr-defined]
        )
        return render(
            request,
            "organisation/school_list.html",
            {"nav": "units", "schools": schools, "showing": "schools"},
        )
    units = list(selectors.units_with_member_counts(request.user))
    base = min((u.depth for u in units), default=0)
    for unit in units:
        unit.indent = min(unit.depth - base, MAX_INDENT)  # type: ignore[attr-defined]
    return render(
        request, "organisation/unit_list.html", {"nav": "units", "units": units, "showing": "all"}
    )


def _school_context(
    request: HttpRequest, unit: Unit, form: UnitSchoolForm | None = None
) -> dict[str, Any]:
    """The school card: the school, its contact and, for editors, the form."""
    contact = selectors.visible_contact(request.user, unit)
    can_edit = selectors.can_edit_unit(request.user, unit)
    context: dict[str, Any] = {
        "contact": contact,
        "contact_mobile_display": format_phone(contact.mobile) if contact else "",
        "can_edit_school": can_edit,
    }
    if can_edit:
        query = request.GET.get("contact_q", "")[:100]
        candidates = reads.record_shown(
            selectors.contact_candidates(request.user, query) if query else [],
            actor=request.user,
            verb=reads.UNIT_READ,
            details={"unit": unit.pk},
            search=query,
        )
        context["contact_q"] = query
        context["contact_searched"] = bool(query.strip())
        context["contact_found"] = len(candidates)
        context["school_form"] = form or UnitSchoolForm(
            viewer=request.user, unit=unit, current_contact=contact, candidates=candidates
        )
    return context


def _unit_context(request: HttpRequest, unit: Unit) -> dict[str, Any]:
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
    context: dict[str, Any] = {
        "nav": "units",
        "unit": unit,
        "ancestors": ancestors,
        "children": list(selectors.units_with_member_counts(request.user).filter(parent=unit)),
        "members": members[:MEMBER_LIMIT],
        "members_truncated": len(members) > MEMBER_LIMIT,
        "member_limit": MEMBER_LIMIT,
        "current_roles": list(selectors.unit_roles(request.user, unit, current=True)),
        "former_roles": list(selectors.unit_roles(request.user, unit, current=False)[:100]),
        "youth": selectors.unit_youth_share(unit),
        "youth_max_age": settings.YOUTH_MAX_AGE,
        "is_school": unit.kind == Unit.Kind.SCHOOL_GROUP,
    }
    if unit.kind == Unit.Kind.SCHOOL_GROUP or unit.contact_person_id:
        context.update(_school_context(request, unit))
    reads.record_reads(
        actor=request.user,
        verb=reads.UNIT_READ,
        person_ids=reads.person_ids_in(
            [
                *context["members"],
                *context["current_roles"],
                *context["former_roles"],
                *([context["contact"]] if context.get("contact") else []),
            ]
        ),
        details={"unit": unit.pk},
    )
    return context


@requires(Capability.PEOPLE_VIEW)
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.access_unit(request.user, pk)
    return render(request, "organisation/unit_detail.html", _unit_context(request, unit))


@require_POST
@requires(Capability.PEOPLE_VIEW)
def unit_school(request: HttpRequest, pk: int) -> HttpResponse:
    """Save a school group's school and contact person."""
    unit = selectors.access_unit(request.user, pk)
    if unit.kind != Unit.Kind.SCHOOL_GROUP or not selectors.can_edit_unit(request.user, unit):
        raise Http404
    contact = selectors.visible_contact(request.user, unit)
    form = UnitSchoolForm(
        request.POST, viewer=request.user, unit=unit, current_contact=contact, candidates=[]
    )
    if form.is_valid():
        try:
            services.unit_school_update(
                actor=request.user,
                unit=unit,
                school_name=form.cleaned_data["school_name"],
                contact_person=form.cleaned_data["contact_person"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The school details are saved."))
            return redirect(reverse("organisation:unit_detail", args=[unit.pk]) + "#school")
    context = _unit_context(request, unit)
    context.update(_school_context(request, unit, form))
    return render(request, "organisation/unit_detail.html", context, status=400)
