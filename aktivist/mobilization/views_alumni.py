"""The alumni list and its invitations: former role holders (organisation's ended roles),
filtered, and invited to an upcoming event through a mobilization (alumni.py). Scoped: the
list shows only the roles of people the viewer may see."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from aktivist.accounts.capabilities import Capability
from aktivist.accounts.decorators import requires
from aktivist.core import reads
from aktivist.core.exceptions import ApplicationError
from aktivist.mobilization import alumni
from aktivist.mobilization.alumni import AlumniFilter
from aktivist.mobilization.forms_alumni import AlumniFilterForm, AlumniInviteForm
from aktivist.people.selectors import page_of

PER_PAGE = 50


def _page_number(request: HttpRequest) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


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


@requires(Capability.PEOPLE_VIEW)
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
    return render(request, "mobilization/alumni_list.html", context, status=status)


@require_POST
@requires(Capability.PEOPLE_VIEW)
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
    return redirect(reverse("alumni:list") + (f"?{query}" if query else ""))
