"""Staff pages on programmes, events and their registrations. Views parse input, call the
services and render; every read goes through the scoped selectors. An event, registration
or person outside the viewer's scope is a 404, and so is a page the viewer may not use
(board viewers see none; programme forms are the secretariat's)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from aktivist.accounts.capabilities import Capability
from aktivist.accounts.decorators import requires
from aktivist.core import reads
from aktivist.core.exceptions import ApplicationError
from aktivist.core.forms import add_errors
from aktivist.people.selectors import access_person
from aktivist.programmes import selectors, services
from aktivist.programmes.forms import AddPersonForm, EventFilterForm, EventForm, ProgrammeForm
from aktivist.programmes.models import Event, Registration

LIST_LIMIT = 200
NAV = "events"
# The attendance pages (aktivist/programmes/urls_attendance.py) linked from an event.
EVENT_LINKS = [
    ("attendance:checkin", "checkin_url"),
    ("attendance:upload", "attendance_url"),
]


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def _share(part: int, whole: int) -> int | None:
    return round(part * 100 / whole) if whole else None


# --- Programmes ----------------------------------------------------------------------------


@requires(Capability.PEOPLE_VIEW)
def programme_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "programmes/programme_list.html",
        {"nav": NAV, "tab": "programmes", "programmes": selectors.programme_list()},
    )


@requires(Capability.PEOPLE_VIEW)
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = selectors.access_programme(pk)
    events = list(selectors.event_list(request.user).filter(programme=programme)[:LIST_LIMIT])
    context = {
        "nav": NAV,
        "tab": "programmes",
        "programme": programme,
        "previous": list(selectors.previous_steps(programme)),
        "next": list(programme.next_steps.order_by("name")),
        "events": _with_shares(events),
    }
    return render(request, "programmes/programme_detail.html", context)


@requires(Capability.NATIONAL_PLANNING)
def programme_create(request: HttpRequest) -> HttpResponse:
    form = ProgrammeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_create(actor=request.user, data=form.programme_data())
        except (ValidationError, ApplicationError) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Programme created."))
            return redirect("programmes:programme_detail", pk=programme.pk)
    return render(
        request,
        "programmes/programme_form.html",
        {"nav": NAV, "tab": "programmes", "form": form, "programme": None},
    )


@requires(Capability.NATIONAL_PLANNING)
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = selectors.access_programme(pk)
    form = ProgrammeForm(
        _posted(request), initial=ProgrammeForm.initial_for(programme), programme=programme
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_update(
                actor=request.user, programme=programme, data=form.programme_data()
            )
        except (ValidationError, ApplicationError) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("programmes:programme_detail", pk=programme.pk)
    return render(
        request,
        "programmes/programme_form.html",
        {"nav": NAV, "tab": "programmes", "form": form, "programme": programme},
    )


# --- Events: list, forms, cancel -----------------------------------------------------------


def _with_shares(events: list[Event]) -> list[Event]:
    for event in events:
        event.young_share = _share(event.young, event.age_known)  # type: ignore[attr-defined]
    return events


@requires(Capability.PEOPLE_VIEW)
@vary_on_headers("HX-Request")
def event_list(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    data.setdefault("when", "upcoming")
    form = EventFilterForm(data, viewer=request.user)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    past = filters.get("when") == "past"
    events = list(
        selectors.event_list(
            request.user,
            past=past,
            unit=filters.get("unit"),
            kind=filters.get("kind") or "",
            young=bool(filters.get("young")),
        )[: LIST_LIMIT + 1]
    )
    context = {
        "nav": NAV,
        "tab": "events",
        "form": form,
        "past": past,
        "filtered": form.is_filtered(),
        "events": _with_shares(events[:LIST_LIMIT]),
        "truncated": len(events) > LIST_LIMIT,
        "list_limit": LIST_LIMIT,
    }
    if _is_htmx(request):
        return render(request, "programmes/_event_results.html", context)
    return render(request, "programmes/event_list.html", context)


def _editable_event(request: HttpRequest, pk: int) -> Event:
    event = selectors.access_event(request.user, pk)
    if not selectors.can_edit_event(request.user, event):
        raise Http404
    return event


@requires(Capability.PEOPLE_VIEW)
def event_create(request: HttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {"language": "sv"}
    programme_id = request.GET.get("programme", "")
    if programme_id.isdigit():
        initial["programme"] = int(programme_id)
    form = EventForm(_posted(request), initial=initial, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(actor=request.user, data=form.event_data())
        except (ValidationError, ApplicationError) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Event created. Its public link is below."))
            return redirect("programmes:event_detail", pk=event.pk)
    return render(request, "programmes/event_form.html", {"nav": NAV, "form": form, "event": None})


@requires(Capability.PEOPLE_VIEW)
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = _editable_event(request, pk)
    if event.is_cancelled:
        messages.error(request, _("A cancelled event cannot be changed."))
        return redirect("programmes:event_detail", pk=event.pk)
    locked = Registration.objects.filter(event=event).exists()
    form = EventForm(
        _posted(request),
        initial=EventForm.initial_for(event),
        viewer=request.user,
        event=event,
        slug_locked=locked,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(actor=request.user, event=event, data=form.event_data())
        except (ValidationError, ApplicationError) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("programmes:event_detail", pk=event.pk)
    return render(request, "programmes/event_form.html", {"nav": NAV, "form": form, "event": event})


@requires(Capability.PEOPLE_VIEW)
def event_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page (GET); POST cancels and tells the registrants."""
    event = _editable_event(request, pk)
    counts = selectors.event_counts(event)
    if request.method == "POST":
        try:
            services.event_cancel(actor=request.user, event=event)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("The event is cancelled. Everyone signed up is told by email."),
            )
        return redirect("programmes:event_detail", pk=event.pk)
    return render(
        request,
        "programmes/event_cancel.html",
        {"nav": NAV, "event": event, "counts": counts},
    )


# --- Event page and registrations ----------------------------------------------------------


def event_links(event: Event) -> dict[str, str]:
    """The check-in list and the attendance upload, when those pages exist."""
    links = {}
    for name, key in EVENT_LINKS:
        try:
            links[key] = reverse(name, args=[event.pk])
        except NoReverseMatch:
            continue
    return links


def _registrations_context(
    request: HttpRequest, event: Event, *, notice: str = ""
) -> dict[str, Any]:
    counts = selectors.event_counts(event)
    groups = selectors.registrations_by_status(request.user, event)
    reads.record_reads(
        actor=request.user,
        verb=reads.REGISTRATIONS_READ,
        person_ids=(r.person_id for _status, _label, rows in groups for r in rows),
        details={"event": event.pk},
    )
    return {
        "event": event,
        "counts": counts,
        "groups": groups,
        "organiser": selectors.is_organiser(request.user, event),
        "can_give_seat": bool(counts.waitlisted)
        and not event.is_cancelled
        and (counts.seats_free is None or counts.seats_free > 0),
        "open_for_changes": not event.is_cancelled and event.ends_at >= timezone.now(),
        "notice": notice,
        "youth_max_age": settings.YOUTH_MAX_AGE,
    }


def _add_context(request: HttpRequest, event: Event) -> dict[str, Any]:
    form = AddPersonForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    return {
        "event": event,
        "add_form": form,
        "query": query,
        "candidates": reads.record_shown(
            selectors.people_to_add(request.user, event, query),
            actor=request.user,
            verb=reads.ADD_SEARCH,
            details={"event": event.pk},
            search=query,
        ),
    }


@requires(Capability.PEOPLE_VIEW)
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.access_event(request.user, pk)
    context = {
        "nav": NAV,
        "can_edit": selectors.can_edit_event(request.user, event),
        "public_url": request.build_absolute_uri(selectors.public_event_path(event)),
        "accepts_sign_ups": event.accepts_sign_ups(),
        **event_links(event),
        **_registrations_context(request, event),
        **_add_context(request, event),
    }
    return render(request, "programmes/event_detail.html", context)


@requires(Capability.PEOPLE_VIEW)
@vary_on_headers("HX-Request")
def registration_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Search (GET: the results partial for htmx, else a page) and sign up (POST)."""
    event = selectors.access_event(request.user, pk)
    if request.method == "POST":
        person = access_person(request.user, request.POST.get("person"))
        try:
            result = services.registration_add(
                actor=request.user,
                event=event,
                person=person,
                send_confirmation=request.POST.get("confirm") != "0",
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            name = person.full_name
            if result.already:
                messages.info(request, _("%(name)s is already on the list.") % {"name": name})
            elif result.waitlisted:
                messages.warning(
                    request,
                    _("Every seat is taken: %(name)s is on the waiting list.") % {"name": name},
                )
            else:
                messages.success(request, _("%(name)s is signed up.") % {"name": name})
        return redirect(reverse("programmes:event_detail", args=[event.pk]) + "#registrations")
    context = {"nav": NAV, **_add_context(request, event)}
    if _is_htmx(request):
        return render(request, "programmes/_add_results.html", context)
    return render(request, "programmes/registration_add.html", context)


def _after_change(request: HttpRequest, event: Event, notice: str) -> HttpResponse:
    """The registrations partial for htmx (with the notice), else back to the event page."""
    if _is_htmx(request):
        return render(
            request,
            "programmes/_registrations.html",
            _registrations_context(request, event, notice=notice),
        )
    messages.success(request, notice)
    return redirect(reverse("programmes:event_detail", args=[event.pk]) + "#registrations")


def _refusal(request: HttpRequest, event: Event, exc: ApplicationError) -> HttpResponse:
    if _is_htmx(request):
        context = _registrations_context(request, event, notice=exc.message)
        context["notice_is_error"] = True
        return render(request, "programmes/_registrations.html", context)
    messages.error(request, exc.message)
    return redirect(reverse("programmes:event_detail", args=[event.pk]) + "#registrations")


@require_POST
@requires(Capability.PEOPLE_VIEW)
def registration_cancel(request: HttpRequest, pk: int, registration_pk: int) -> HttpResponse:
    event = selectors.access_event(request.user, pk)
    registration = selectors.access_registration(request.user, event, registration_pk)
    name = registration.shown_name or _("the registrant")  # type: ignore[attr-defined]
    try:
        promoted = services.registration_cancel(actor=request.user, registration=registration)
    except ApplicationError as exc:
        return _refusal(request, event, exc)
    notice = _("%(name)s's registration is cancelled.") % {"name": name}
    if promoted is not None:
        promoted_name = selectors.with_people(request.user, [promoted])[0].shown_name  # type: ignore[attr-defined]
        if promoted_name:
            notice += " " + _(
                "%(name)s got the seat from the waiting list and is told by email."
            ) % {"name": promoted_name}
        else:
            notice += " " + _("The first on the waiting list got the seat and is told by email.")
    return _after_change(request, event, notice)


@require_POST
@requires(Capability.PEOPLE_VIEW)
def registration_give_seat(request: HttpRequest, pk: int, registration_pk: int) -> HttpResponse:
    event = selectors.access_event(request.user, pk)
    registration = selectors.access_registration(request.user, event, registration_pk)
    try:
        services.registration_give_seat(actor=request.user, registration=registration)
    except ApplicationError as exc:
        return _refusal(request, event, exc)
    name = registration.shown_name or _("The registrant")  # type: ignore[attr-defined]
    return _after_change(
        request, event, _("%(name)s has a seat now and is told by email.") % {"name": name}
    )
