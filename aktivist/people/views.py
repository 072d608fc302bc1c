"""Staff pages on people: the list, the person page and its actions, the person forms and
the secretariat's review queue. Views parse input, call services and render; every read
goes through the scoped selectors (a person outside the viewer's scope is a 404)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from aktivist.accounts.access import forget_scope, scope_for
from aktivist.accounts.capabilities import Capability
from aktivist.accounts.decorators import requires
from aktivist.core import reads
from aktivist.core.conditions import compile_tree
from aktivist.core.exceptions import ApplicationError
from aktivist.lib.normalise import format_phone
from aktivist.organisation import services as org_services
from aktivist.organisation.models import Role, UnitMembership
from aktivist.people import services
from aktivist.people.filters import PeopleFilterForm
from aktivist.people.follow_up_panel import render_follow_ups
from aktivist.people.forms import (
    EndForm,
    InteractionForm,
    MembershipStartForm,
    PersonForm,
    RoleStartForm,
    TagForm,
    add_service_errors,
)
from aktivist.people.models import Interaction, Person, Tag
from aktivist.people.panels import panels_for
from aktivist.people.selectors import (
    access_person,
    accounts_who_see_person,
    can_see_person,
    page_of,
    people_search,
)

PER_PAGE = 50
TIMELINE_LIMIT = 100
MAX_QUERY_LENGTH = 200


def _page_number(request: HttpRequest) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


def _is_partial(request: HttpRequest) -> bool:
    """An htmx request for a fragment (a history restore wants the whole page)."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


# --- The people list ----------------------------------------------------------------------


@requires(Capability.PEOPLE_VIEW)
@vary_on_headers("HX-Request")
def person_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:MAX_QUERY_LENGTH]
    filter_data = request.GET.copy()
    filter_data.pop("q", None)
    filter_data.pop("page", None)
    form = PeopleFilterForm(request.GET or None, viewer=request.user, label_suffix="")
    qs = people_search(request.user, query)
    filter_error = ""
    filtering = False
    if form.is_bound:
        if form.is_valid():
            tree = form.to_tree()
            if tree:
                filtering = True
                try:
                    qs = qs.filter(compile_tree(tree, request.user))
                except ApplicationError as exc:
                    filter_error = exc.message
                    qs = qs.none()
        else:
            filtering = True
            filter_error = _("Correct the filters below.")
            qs = qs.none()
    page = _page_number(request)
    rows, has_next = page_of(qs, page=page, per_page=PER_PAGE)
    reads.record_shown(rows, actor=request.user, verb=reads.PEOPLE_LIST, search=query)
    for person in rows:
        person.mobile_display = format_phone(person.mobile)  # type: ignore[attr-defined]
    context = {
        "nav": "people",
        "query": query,
        "filter_form": form,
        "filtering": filtering or any(v for k, v in filter_data.items()),
        "filter_error": filter_error,
        "people": rows,
        "page": page,
        "has_next": has_next,
        "has_previous": page > 1,
        "next_page": page + 1,
        "previous_page": page - 1,
        "searched": bool(query.strip()) or filtering,
    }
    template = "people/_results.html" if _is_partial(request) else "people/person_list.html"
    return render(request, template, context)


# --- Create and edit ----------------------------------------------------------------------


def _duplicate_message(person: Person) -> str:
    return format_html(
        '{} <a href="{}">{}</a>',
        _("Someone already has this value:"),
        reverse("people:detail", args=[person.pk]),
        person.full_name or _("(no name)"),
    )


def _save_person(
    request: HttpRequest, form: PersonForm, save: Callable[[], Person], *, held_url: str
) -> HttpResponse | None:
    """Run the service; on success or hold return the redirect, on refusal put the errors on
    the form and return None."""
    try:
        person = save()
    except ValidationError as exc:
        add_service_errors(form, exc)
    except services.DuplicatePersonError as exc:
        form.add_error(exc.field, _duplicate_message(exc.person))
    except services.HeldForReview as exc:
        # Nothing saved, and nothing said about who matched (the secretariat is told when
        # the new person had been erased: HeldForReview's message says so).
        messages.warning(request, exc.message)
        return redirect(held_url)
    except ApplicationError as exc:
        form.add_error(None, exc.message)
    else:
        messages.success(request, _("Saved."))
        return redirect("people:detail", pk=person.pk)
    return None


@requires(Capability.PEOPLE_VIEW)
def person_create(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST or None, viewer=request.user, creating=True)
    if request.method == "POST" and form.is_valid():
        response = _save_person(
            request,
            form,
            lambda: services.person_create(
                actor=request.user, data=form.person_data(), unit=form.cleaned_data.get("unit")
            ),
            held_url=reverse("people:list"),
        )
        if response is not None:
            return response
    return render(
        request, "people/person_form.html", {"nav": "people", "form": form, "person": None}
    )


@requires(Capability.PEOPLE_VIEW)
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = access_person(request.user, pk)
    reads.record_reads(actor=request.user, verb=reads.PERSON_READ, person_ids=[person.pk])
    initial = {field: getattr(person, field) for field in services.EDITABLE_FIELDS}
    form = PersonForm(request.POST or None, initial=initial, viewer=request.user, creating=False)
    if request.method == "POST" and form.is_valid():
        response = _save_person(
            request,
            form,
            lambda: services.person_update(
                actor=request.user, person=person, data=form.person_data()
            ),
            held_url=reverse("people:detail", args=[person.pk]),
        )
        if response is not None:
            return response
    return render(
        request, "people/person_form.html", {"nav": "people", "form": form, "person": person}
    )


# --- The person page ------------------------------------------------------------------------


def _timeline_context(
    request: HttpRequest, person: Person, form: forms.Form | None = None
) -> dict[str, Any]:
    interactions = list(
        person.interactions.select_related("author", "follow_up_owner").order_by(
            "-occurred_at", "-pk"
        )[: TIMELINE_LIMIT + 1]
    )
    return {
        "person": person,
        "interactions": interactions[:TIMELINE_LIMIT],
        "timeline_truncated": len(interactions) > TIMELINE_LIMIT,
        "interaction_form": form
        or InteractionForm(viewer=request.user, owners=accounts_who_see_person(person)),
        "today": timezone.localdate(),
    }


def _tags_context(
    request: HttpRequest, person: Person, form: forms.Form | None = None
) -> dict[str, Any]:
    return {
        "person": person,
        "tags": list(person.tags.order_by("name")),
        "tag_form": form or TagForm(),
    }


def _units_context(
    request: HttpRequest, person: Person, form: forms.Form | None = None
) -> dict[str, Any]:
    scope = scope_for(request.user)
    rows = list(
        UnitMembership.objects.filter(person=person)
        .select_related("unit")
        .order_by("-started_on", "-pk")
    )
    for row in rows:
        row.can_change = scope.covers_path(row.unit.path)  # type: ignore[attr-defined]
    return {
        "person": person,
        "current_memberships": [m for m in rows if m.ended_on is None],
        "past_memberships": [m for m in rows if m.ended_on is not None],
        "membership_form": form or MembershipStartForm(viewer=request.user),
        "today": timezone.localdate(),
    }


def _roles_context(
    request: HttpRequest, person: Person, form: forms.Form | None = None
) -> dict[str, Any]:
    scope = scope_for(request.user)
    rows = list(
        Role.objects.filter(person=person)
        .select_related("unit", "role_type")
        .order_by("-started_on", "-pk")
    )
    for row in rows:
        row.can_change = scope.covers_path(row.unit.path)  # type: ignore[attr-defined]
    return {
        "person": person,
        "current_roles": [r for r in rows if r.ended_on is None],
        "former_roles": sorted(
            (r for r in rows if r.ended_on is not None),
            key=lambda r: (r.ended_on, r.pk),
            reverse=True,
        ),
        "role_form": form or RoleStartForm(viewer=request.user),
        "today": timezone.localdate(),
    }


SECTIONS: dict[str, Callable[[HttpRequest, Person, forms.Form | None], dict[str, Any]]] = {
    "timeline": _timeline_context,
    "tags": _tags_context,
    "units": _units_context,
    "roles": _roles_context,
}


def _detail_context(
    request: HttpRequest, person: Person, *, section: str = "", form: forms.Form | None = None
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "nav": "people",
        "person": person,
        "mobile_display": format_phone(person.mobile),
        "other_phone_display": format_phone(person.other_phone),
        "consents": list(person.consents.order_by("channel", "purpose")),
    }
    for name, build in SECTIONS.items():
        context.update(build(request, person, form if name == section else None))
    context["panels"] = panels_for(request.user, person)
    return context


@requires(Capability.PEOPLE_VIEW)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = access_person(request.user, pk)
    reads.record_reads(actor=request.user, verb=reads.PERSON_READ, person_ids=[person.pk])
    return render(request, "people/person_detail.html", _detail_context(request, person))


def _section_response(
    request: HttpRequest,
    person: Person,
    section: str,
    *,
    message: str = "",
    error: str = "",
    form: forms.Form | None = None,
) -> HttpResponse:
    """After an action on the person page: the section's partial for htmx, else a redirect
    back with a message (or the whole page with the form's errors)."""
    # A change of memberships or roles may move the person (or the viewer's own access)
    # out of scope: then the list is the only place to go back to.
    forget_scope(request.user)
    if not can_see_person(request.user, person.pk):
        messages.success(
            request,
            _("Saved. %(name)s is no longer within your scope.") % {"name": person.full_name},
        )
        url = reverse("people:list")
        return HttpResponseClientRedirect(url) if _is_partial(request) else redirect(url)
    invalid = form is not None and bool(form.errors)
    if _is_partial(request):
        context = SECTIONS[section](request, person, form if invalid else None)
        context.update({"section_message": message, "section_error": error})
        return render(request, f"people/_{section}.html", context)
    if invalid:
        context = _detail_context(request, person, section=section, form=form)
        return render(request, "people/person_detail.html", context, status=400)
    if message:
        messages.success(request, message)
    if error:
        messages.error(request, error)
    return redirect(reverse("people:detail", args=[person.pk]) + f"#{section}")


def _first_error(form: forms.Form) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return _("Check the form.")


@require_POST
@requires(Capability.PEOPLE_VIEW)
def interaction_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = access_person(request.user, pk)
    form = InteractionForm(
        request.POST, viewer=request.user, owners=accounts_who_see_person(person)
    )
    if not form.is_valid():
        return _section_response(request, person, "timeline", form=form)
    data = form.cleaned_data
    follow_up = (
        services.FollowUp(owner=data["follow_up_owner"], due=data["follow_up_due"])
        if data.get("follow_up_due")
        else None
    )
    try:
        services.interaction_add(
            actor=request.user,
            person=person,
            kind=data["kind"],
            text=data["text"],
            outcome=data["outcome"],
            follow_up=follow_up,
        )
    except (ApplicationError, ValidationError) as exc:
        form.add_error(None, _error_text(exc))
        return _section_response(request, person, "timeline", form=form)
    return _section_response(request, person, "timeline", message=_("Added to the timeline."))


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


@require_POST
@requires(Capability.PEOPLE_VIEW)
def follow_up_done(request: HttpRequest, pk: int, interaction_pk: int) -> HttpResponse:
    person = access_person(request.user, pk)
    interaction = Interaction.objects.filter(pk=interaction_pk, person=person).first()
    if interaction is None:
        raise Http404
    error = ""
    try:
        services.follow_up_complete(actor=request.user, interaction=interaction)
    except ApplicationError as exc:
        error = exc.message
    message = "" if error else _("Follow-up marked as done.")
    if request.POST.get("return_to") == "start":
        if _is_partial(request):
            return render_follow_ups(request, message=message or error)
        if message:
            messages.success(request, message)
        if error:
            messages.error(request, error)
        return redirect("staff:start")
    return _section_response(request, person, "timeline", message=message, error=error)


@require_POST
@requires(Capability.PEOPLE_VIEW)
def tag_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = access_person(request.user, pk)
    form = TagForm(request.POST)
    if not form.is_valid():
        return _section_response(request, person, "tags", form=form)
    try:
        tag = services.tag_add(actor=request.user, person=person, name=form.cleaned_data["name"])
    except (ApplicationError, ValidationError) as exc:
        form.add_error("name", _error_text(exc))
        return _section_response(request, person, "tags", form=form)
    return _section_response(
        request, person, "tags", message=_("Tagged “%(tag)s”.") % {"tag": tag.name}
    )


@require_POST
@requires(Capability.PEOPLE_VIEW)
def tag_remove(request: HttpRequest, pk: int, tag_pk: int) -> HttpResponse:
    person = access_person(request.user, pk)
    tag = Tag.objects.filter(pk=tag_pk).first()
    if tag is None:
        raise Http404
    services.tag_remove(actor=request.user, person=person, tag=tag)
    return _section_response(
        request, person, "tags", message=_("Removed the tag “%(tag)s”.") % {"tag": tag.name}
    )


@require_POST
@requires(Capability.PEOPLE_VIEW)
def membership_start(request: HttpRequest, pk: int) -> HttpResponse:
    person = access_person(request.user, pk)
    form = MembershipStartForm(request.POST, viewer=request.user)
    if not form.is_valid():
        return _section_response(request, person, "units", form=form)
    unit = form.cleaned_data["unit"]
    try:
        org_services.membership_start(
            actor=request.user, person=person, unit=unit, started_on=form.cleaned_data["started_on"]
        )
    except (ApplicationError, ValidationError) as exc:
        form.add_error(None, _error_text(exc))
        return _section_response(request, person, "units", form=form)
    return _section_response(
        request, person, "units", message=_("Now a member of %(unit)s.") % {"unit": unit.name}
    )


@require_POST
@requires(Capability.PEOPLE_VIEW)
def membership_end(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    person = access_person(request.user, pk)
    membership = (
        UnitMembership.objects.filter(pk=membership_pk, person=person)
        .select_related("unit")
        .first()
    )
    if membership is None:
        raise Http404
    form = EndForm(request.POST)
    if not form.is_valid():
        return _section_response(request, person, "units", error=_first_error(form))
    try:
        org_services.membership_end(
            actor=request.user, membership=membership, ended_on=form.cleaned_data["ended_on"]
        )
    except (ApplicationError, ValidationError) as exc:
        return _section_response(request, person, "units", error=_error_text(exc))
    return _section_response(
        request,
        person,
        "units",
        message=_("The membership of %(unit)s has ended.") % {"unit": membership.unit.name},
    )


@require_POST
@requires(Capability.PEOPLE_VIEW)
def role_start(request: HttpRequest, pk: int) -> HttpResponse:
    person = access_person(request.user, pk)
    form = RoleStartForm(request.POST, viewer=request.user)
    if not form.is_valid():
        return _section_response(request, person, "roles", form=form)
    data = form.cleaned_data
    try:
        role = org_services.role_start(
            actor=request.user,
            person=person,
            unit=data["unit"],
            role_type=data["role_type"],
            started_on=data["started_on"],
        )
    except (ApplicationError, ValidationError) as exc:
        form.add_error(None, _error_text(exc))
        return _section_response(request, person, "roles", form=form)
    return _section_response(
        request, person, "roles", message=_("Role added: %(role)s.") % {"role": role}
    )


@require_POST
@requires(Capability.PEOPLE_VIEW)
def role_end(request: HttpRequest, pk: int, role_pk: int) -> HttpResponse:
    person = access_person(request.user, pk)
    role = (
        Role.objects.filter(pk=role_pk, person=person).select_related("unit", "role_type").first()
    )
    if role is None:
        raise Http404
    form = EndForm(request.POST)
    if not form.is_valid():
        return _section_response(request, person, "roles", error=_first_error(form))
    try:
        org_services.role_end(actor=request.user, role=role, ended_on=form.cleaned_data["ended_on"])
    except (ApplicationError, ValidationError) as exc:
        return _section_response(request, person, "roles", error=_error_text(exc))
    return _section_response(
        request, person, "roles", message=_("The role %(role)s has ended.") % {"role": role}
    )
