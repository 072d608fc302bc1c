"""Unit pages, school groups and the alumni list with its invitations. Scoped: a unit
outside the viewer's scope is a 404, and so is a change the viewer may not make."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from aktivist.core import reads
from aktivist.core.exceptions import ApplicationError
from aktivist.core.views import people_viewer_required
from aktivist.lib.normalise import format_phone
from aktivist.organisation import alumni, selectors, services
from aktivist.organisation.alumni import AlumniFilter
from aktivist.organisation.forms import AlumniFilterForm, AlumniInviteForm, UnitSchoolForm
from aktivist.organisation.models import Unit
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


@people_viewer_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.access_unit(request.user, pk)
    return render(request, "organisation/unit_detail.html", _unit_context(request, unit))


@require_POST
@people_viewer_required
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


def _alumni_filter(form: AlumniFilterForm) -> AlumniFilter:
    filters = form.cleaned_data if form.is_bound else {}
    role_type = filters.get("role_type")
    return AlumniFilter(
        role_type_id=role_type.pk if role_type else None,
        unit=filters.get("unit"),
        ended_from_year=filters.get("ended_from"),
        ended_to_year=filters.get("ended_to"),
    )


def _filter_query(form: AlumniFilterForm) -> str:
    """The filter as the list's query string (to come back to the same list)."""
    data = {k: v for k, v in form.data.items() if k in form.fields and v not in ("", None)}
    return urlencode(data)


@people_viewer_required
def alumni_list(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    data.pop("page", None)
    form = AlumniFilterForm(data or None, viewer=request.user)
    return _render_alumni(request, form)


def _render_alumni(
    request: HttpRequest,
    form: AlumniFilterForm,
    invite_form: AlumniInviteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    rows: list = []
    has_next = False
    people = 0
    page = _page_number(request)
    valid = not form.is_bound or form.is_valid()
    if valid:
        filters = _alumni_filter(form)
        qs = filters.roles(request.user)
        rows, has_next = page_of(qs, page=page, per_page=PER_PAGE)  # type: ignore[arg-type]
        reads.record_shown(rows, actor=request.user, verb=reads.ALUMNI_READ)
        if rows:
            people = qs.values("person_id").distinct().count()
    context = {
        "nav": "alumni",
        "form": form,
        "roles": rows,
        "page": page,
        "has_next": has_next,
        "has_previous": page > 1,
        "next_page": page + 1,
        "previous_page": page - 1,
        "alumni_people": people,
        "invite_form": (invite_form or AlumniInviteForm(viewer=request.user))
        if valid and rows
        else None,
        "filter_fields": [(k, v) for k, v in form.data.items() if k in form.fields and v]
        if form.is_bound
        else [],
    }
    return render(request, "organisation/alumni_list.html", context, status=status)


@require_POST
@people_viewer_required
def alumni_invite(request: HttpRequest) -> HttpResponse:
    """Invite the alumni the list shows (its filter, within the viewer's scope) to an event."""
    form = AlumniFilterForm(request.POST, viewer=request.user)
    invite_form = AlumniInviteForm(request.POST, viewer=request.user)
    if not (form.is_valid() and invite_form.is_valid()):
        return _render_alumni(request, form, invite_form, status=400)
    try:
        result = alumni.alumni_invite(
            actor=request.user,
            event=invite_form.cleaned_data["event"],
            filters=_alumni_filter(form),
        )
    except ApplicationError as exc:
        invite_form.add_error("event", exc.message)
        return _render_alumni(request, form, invite_form, status=400)
    text = ngettext(
        "%(count)s alumnus was invited to %(event)s.",
        "%(count)s alumni were invited to %(event)s.",
        result.invited,
    ) % {"count": result.invited, "event": invite_form.cleaned_data["event"].title}
    if result.without_email:
        text += " " + ngettext(
            "%(count)s has no email address.",
            "%(count)s have no email address.",
            result.without_email,
        ) % {"count": result.without_email}
    if result.already_registered:
        text += " " + ngettext(
            "%(count)s is already signed up.",
            "%(count)s are already signed up.",
            result.already_registered,
        ) % {"count": result.already_registered}
    if result.already_invited:
        text += " " + ngettext(
            "%(count)s was invited to this event before.",
            "%(count)s were invited to this event before.",
            result.already_invited,
        ) % {"count": result.already_invited}
    if result.not_reachable:
        text += " " + ngettext(
            "%(count)s has not agreed to email from us, or unsubscribed.",
            "%(count)s have not agreed to email from us, or unsubscribed.",
            result.not_reachable,
        ) % {"count": result.not_reachable}
    messages.success(request, text)
    query = _filter_query(form)
    return redirect(reverse("organisation:alumni") + (f"?{query}" if query else ""))
