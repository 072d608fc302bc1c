"""The data-subject requests pages (/privacy/requests/): the list by deadline, registering a
request, and one request's page with its steps. The secretariat (admins and staff) and the
data-protection officer; everyone else gets a 404. Only the secretariat finds and links the
person a request is about (the officer has no people pages)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from aktivist.accounts.capabilities import Capability, can
from aktivist.accounts.decorators import requires
from aktivist.core import reads
from aktivist.core.exceptions import ApplicationError
from aktivist.core.forms import add_errors
from aktivist.core.models import AuditEvent
from aktivist.people.selectors import access_person, people_search
from aktivist.privacy import requests as services
from aktivist.privacy.models import DataSubjectRequest

NAV = "privacy_requests"
SEARCH_LIMIT = 10


# --- Forms -----------------------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Request"), choices=DataSubjectRequest.Kind.choices)
    channel = forms.ChoiceField(
        label=gettext_lazy("Received by"), choices=DataSubjectRequest.Channel.choices
    )
    received_on = forms.DateField(
        label=gettext_lazy("Received on"),
        widget=DateInput(format="%Y-%m-%d"),
        help_text=gettext_lazy("The legal deadline is one month from this day."),
    )
    requester_name = forms.CharField(label=gettext_lazy("Requester's name"), max_length=200)
    requester_contact = forms.CharField(
        label=gettext_lazy("Requester's email, phone or address"),
        max_length=254,
        required=False,
        help_text=gettext_lazy("Where the answer goes."),
    )
    details = forms.CharField(
        label=gettext_lazy("What they ask for"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_received_on(self) -> Any:
        value = self.cleaned_data["received_on"]
        if value > timezone.localdate():
            raise ValidationError(_("A request cannot be received in the future."))
        return value


class IdentityForm(forms.Form):
    method = forms.CharField(
        label=gettext_lazy("How was the identity checked?"),
        max_length=200,
        help_text=gettext_lazy(
            "For example: the request came from the address we have; identity document "
            "shown at the office. Do not write the document's number."
        ),
    )


class ExtendForm(forms.Form):
    months = forms.TypedChoiceField(
        label=gettext_lazy("Extend by"),
        coerce=int,
        choices=[(1, gettext_lazy("one month")), (2, gettext_lazy("two months"))],
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (the requester is told)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FulfilForm(forms.Form):
    outcome = forms.CharField(
        label=gettext_lazy("What was done"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for refusing (the requester is told)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- Pages -----------------------------------------------------------------------------------


@requires(Capability.PRIVACY_REQUESTS)
def request_list(request: HttpRequest) -> HttpResponse:
    board = services.request_board(request.user)
    return render(
        request,
        "privacy/requests/list.html",
        {"nav": NAV, "board": board, "due_soon_days": services.DUE_SOON_DAYS},
    )


def _linkable_person(viewer: Any, raw: Any) -> Any:
    """A person the secretariat viewer may see, by id (None when absent or not theirs)."""
    if not raw or not can(viewer, Capability.PRIVACY_ACT):
        return None

    return access_person(viewer, raw)


@requires(Capability.PRIVACY_REQUESTS)
def request_new(request: HttpRequest) -> HttpResponse:
    person = _linkable_person(request.user, request.GET.get("person") or request.POST.get("person"))
    form = RequestForm(
        request.POST if request.method == "POST" else None,
        initial={"received_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.request_register(
                actor=request.user,
                kind=data["kind"],
                channel=data["channel"],
                received_on=data["received_on"],
                requester_name=data["requester_name"],
                requester_contact=data["requester_contact"],
                details=data["details"],
                person=person,
            )
        except (ValidationError, ApplicationError) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The request is registered."))
            return redirect("privacy:request_detail", pk=created.pk)
    return render(
        request,
        "privacy/requests/new.html",
        {"nav": NAV, "form": form, "person": person},
        status=400 if form.errors else 200,
    )


def _optional_url(name: str, *args: Any) -> str:
    """A page another part of the privacy app provides, when it is there."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


ACCESS_EXPORT_URLS = ("privacy:access",)  # the page with the export's form
ERASE_URLS = ("privacy:person_erase",)


def _first_url(names: tuple[str, ...], *args: Any) -> str:
    for name in names:
        url = _optional_url(name, *args)
        if url:
            return url
    return ""


STEP_LABELS = {
    "privacy.request_received": gettext_lazy("Registered"),
    "privacy.request_person_linked": gettext_lazy("Linked to the person"),
    "privacy.request_identity_checked": gettext_lazy("Identity checked"),
    "privacy.request_extended": gettext_lazy("Deadline extended"),
    "privacy.request_fulfilled": gettext_lazy("Fulfilled"),
    "privacy.request_refused": pgettext_lazy("a data-subject request", "Refused"),
}


def _history(item: DataSubjectRequest) -> list[tuple[AuditEvent, str]]:
    """The request's steps from the audit trail."""
    events = (
        AuditEvent.objects.filter(
            object_type=DataSubjectRequest._meta.label_lower, object_id=str(item.pk)
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )
    return [(event, str(STEP_LABELS.get(event.verb, event.verb))) for event in events]


def _detail_context(request: HttpRequest, item: DataSubjectRequest, **forms_: Any) -> dict:
    viewer = request.user
    national = can(viewer, Capability.PRIVACY_ACT)
    person = item.person if item.person_id and item.person and item.person.is_active else None
    matches: list[Any] = []
    query = request.GET.get("q", "").strip()
    if national and item.is_open and query:
        matches = list(people_search(viewer, query)[:SEARCH_LIMIT])
        _record_search_read(viewer, query, matches)
    today = timezone.localdate()
    context = {
        "nav": NAV,
        "item": item,
        "person": person,
        "national": national,
        "today": today,
        "overdue": item.is_open and item.deadline < today,
        "may_extend": item.is_open and item.extended_to is None and item.due_on >= today,
        "query": query,
        "matches": matches,
        "searched": bool(query),
        "history": _history(item),
        "identity_form": forms_.get("identity_form") or IdentityForm(),
        "extend_form": forms_.get("extend_form") or ExtendForm(),
        "fulfil_form": forms_.get("fulfil_form") or FulfilForm(),
        "refuse_form": forms_.get("refuse_form") or RefuseForm(),
        "access_url": "",
        "erase_url": "",
    }
    if person is not None and national:
        context["access_url"] = _first_url(ACCESS_EXPORT_URLS, person.pk)
        erase = _first_url(ERASE_URLS, person.pk)
        context["erase_url"] = f"{erase}?request={item.pk}" if erase else ""
        _record_person_read(viewer, person)
    return context


def _record_person_read(viewer: Any, person: Any) -> None:
    """The linked person's name on the page is a read of personal data."""
    reads.record_reads(
        actor=viewer,
        verb=reads.PEOPLE_LIST,
        person_ids=[person.pk],
        details={"page": "privacy.request"},
    )


def _record_search_read(viewer: Any, query: str, matches: list[Any]) -> None:
    """The search for the person a request is about: its kind and keyed hash, and the
    people it showed."""
    reads.record_reads(
        actor=viewer,
        verb=reads.PEOPLE_LIST,
        person_ids=[p.pk for p in matches],
        details={"page": "privacy.request_person_search"},
        search=query,
    )


@requires(Capability.PRIVACY_REQUESTS)
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = services.access_request(request.user, pk)
    return render(request, "privacy/requests/detail.html", _detail_context(request, item))


def _step(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form],
    form_key: str,
    act: Callable[[DataSubjectRequest, dict[str, Any]], None],
    done: str,
) -> HttpResponse:
    item = services.access_request(request.user, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(item, form.cleaned_data)
        except (ValidationError, ApplicationError) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("privacy:request_detail", pk=item.pk)
    item.refresh_from_db()
    context = _detail_context(request, item, **{form_key: form})
    return render(request, "privacy/requests/detail.html", context, status=400)


@requires(Capability.PRIVACY_REQUESTS)
@require_POST
def request_identity(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        IdentityForm,
        "identity_form",
        lambda item, data: services.request_check_identity(
            actor=request.user, request=item, method=data["method"]
        ),
        _("The identity check is recorded."),
    )


@requires(Capability.PRIVACY_REQUESTS)
@require_POST
def request_extend(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        ExtendForm,
        "extend_form",
        lambda item, data: services.request_extend(
            actor=request.user, request=item, months=data["months"], reason=data["reason"]
        ),
        _("The deadline is extended. Tell the requester why."),
    )


@requires(Capability.PRIVACY_REQUESTS)
@require_POST
def request_fulfil(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        FulfilForm,
        "fulfil_form",
        lambda item, data: services.request_fulfil(
            actor=request.user, request=item, outcome=data["outcome"]
        ),
        _("The request is closed as fulfilled."),
    )


@requires(Capability.PRIVACY_REQUESTS)
@require_POST
def request_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        RefuseForm,
        "refuse_form",
        lambda item, data: services.request_refuse(
            actor=request.user, request=item, reason=data["reason"]
        ),
        _("The request is closed as refused."),
    )


@requires(Capability.PRIVACY_REQUESTS)
@require_POST
def request_person(request: HttpRequest, pk: int) -> HttpResponse:
    """The secretariat links the person the request is about."""
    if not can(request.user, Capability.PRIVACY_ACT):
        raise Http404
    item = services.access_request(request.user, pk)
    person = _linkable_person(request.user, request.POST.get("person"))
    try:
        services.request_link_person(actor=request.user, request=item, person=person)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The request is linked to the person."))
    return redirect("privacy:request_detail", pk=item.pk)
