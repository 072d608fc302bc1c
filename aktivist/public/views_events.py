"""Public event pages with no login: the event and its sign-up form, the thank-you page
with its calendar file, the cancel link of the emails and the calendar of upcoming events.

Like the action pages (aktivist.public.views) nothing here touches the session or sets a
cookie (the form is only filled from the pre-fill cookie an action signature set, see
aktivist.public.prefill, and deletes it once used): the form carries a signed token, a
honeypot and rate limits, and the answer never tells whether the person was known or had
signed up before.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aktivist.organisation.models import Unit
from aktivist.programmes import ics, registering
from aktivist.programmes.models import Event, Programme, Registration
from aktivist.programmes.next_steps import upcoming_public_events
from aktivist.programmes.notifications import read_cancel_token
from aktivist.public import limits, prefill
from aktivist.public.forms import HONEYPOT, form_token, form_token_valid
from aktivist.public.forms_events import (
    EventSignUpForm,
    event_form_key,
    event_thanks_token,
    read_event_thanks_token,
)
from aktivist.public.views import (
    HttpResponseSeeOther,
    public_view,
    ref_param,
    render_public,
    share_links,
    sms_code_step,
    too_many,
    with_params,
)

NOT_FOUND = "public/events/not_found.html"
CALENDAR_PAGE_SIZE = 20
TYPED_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "mobile",
    "postcode",
    "birth_year",
    "age_bracket",
    "guardian_name",
    "guardian_contact",
)


def _lang() -> str:
    return translation.get_language() or "sv"


def _public_event(slug: str) -> Event:
    event = Event.objects.select_related("unit", "programme").filter(slug=slug).first()
    if event is None:
        raise Http404
    return event


def _seats_taken(event: Event) -> int:
    return Registration.objects.filter(event=event, status__in=Registration.SEATED).count()


def _seat_facts(capacity: int | None, taken: int) -> dict[str, Any]:
    """What a public page says about places: full, few left (``PUBLIC_FEW_SEATS`` or
    fewer) or available — never how many, so that signing someone up does not tell whether
    they were signed up already. ``limited``: the event has a capacity."""
    if capacity is None:
        return {"limited": False, "full": False, "few_seats": False}
    left = max(0, capacity - taken)
    return {
        "limited": True,
        "full": left == 0,
        "few_seats": 0 < left <= settings.PUBLIC_FEW_SEATS,
    }


def _event_context(event: Event) -> dict[str, Any]:
    """The facts every page of an event shows."""
    start, end = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
    return {
        "event": event,
        "same_day": start.date() == end.date(),
        "kind": event.programme.get_kind_display() if event.programme else "",
        "event_url": with_params(reverse("public:event", args=[event.slug]), lang=_lang()),
        "calendar_url": with_params(reverse("public:calendar"), lang=_lang()),
    }


# --- The event page and its form ---------------------------------------------------------


def _page(
    request: HttpRequest,
    event: Event,
    *,
    form: EventSignUpForm | None,
    notice: str = "",
    closed: str = "",
) -> HttpResponse:
    context = {
        **_event_context(event),
        **_seat_facts(event.capacity, _seats_taken(event)),
        "form": form,
        "notice": notice,
        "closed": closed,
        "form_url": with_params(reverse("public:event", args=[event.slug]), lang=_lang()),
        "honeypot": HONEYPOT,
    }
    return render_public(request, "public/events/event.html", context, embed=False)


@public_view(methods=("GET", "HEAD", "POST"), not_found=NOT_FOUND)
def event_page(request: HttpRequest, slug: str, *, embed: bool = False) -> HttpResponse:
    event = _public_event(slug)
    closed = registering.sign_up_closed_reason(event) or ""
    if request.method == "POST":
        if closed:
            return _page(request, event, form=None, closed=closed, notice=_nothing_saved())
        return _sign_up(request, event)
    form = None
    # What this browser typed when it just signed an action (a signed cookie, public.prefill).
    typed = prefill.recall(request)
    if not closed:
        initial = {"form_token": form_token(event_form_key(event.pk)), "ref": ref_param(request)}
        form = EventSignUpForm(initial={**typed, **initial}, event=event, language=_lang())
    response = _page(request, event, form=form, closed=closed)
    if typed:
        prefill.private(response)
    return response


def _nothing_saved() -> str:
    return _("Nothing was saved.")


def _typed_values(request: HttpRequest) -> dict[str, Any]:
    """What was typed, as initial values of a fresh form (no errors shown)."""
    initial: dict[str, Any] = {name: request.POST.get(name, "") for name in TYPED_FIELDS}
    initial["consents"] = request.POST.getlist("consents")
    return initial


def _sign_up(request: HttpRequest, event: Event) -> HttpResponse:
    lang = _lang()
    limited = limits.signature_by_ip(request)
    if limited:
        return too_many(request, limited.retry_after, embed=False)
    key = event_form_key(event.pk)
    if not form_token_valid(request.POST.get("form_token"), key):
        initial = {
            **_typed_values(request),
            "form_token": form_token(key),
            "ref": ref_param(request),
        }
        form = EventSignUpForm(initial=initial, event=event, language=lang)
        notice = _(
            "We could not check your form (perhaps the page was open for a long time). "
            "Your answers are kept: please send the form again."
        )
        return _page(request, event, form=form, notice=notice)
    form = EventSignUpForm(request.POST, event=event, language=lang)
    if form.honeypot_filled:
        # A robot: answer exactly as to a person, store nothing.
        full = _seat_facts(event.capacity, _seats_taken(event))["full"]
        status = Registration.Status.WAITLISTED if full else Registration.Status.REGISTERED
        return _to_thanks(event, status=status, ticket="")
    valid = form.is_valid()
    if form.under_age is not None:
        context = {**_event_context(event), "message": str(form.under_age.message)}
        return render_public(request, "public/events/under_13.html", context, embed=False)
    if valid and form.signature is not None:
        signature = form.signature
        limited = limits.signature_by_address(request, signature)
        if limited:
            return too_many(request, limited.retry_after, embed=False)
        guardian_name, guardian_contact = form.guardian()
        try:
            result = registering.sign_up(
                event=event,
                signature=signature,
                source=Registration.Source.WEB,
                guardian_name=guardian_name,
                guardian_contact=guardian_contact,
                tracking_token=ref_param(request),
            )
        except registering.SignUpClosed as e:
            return _page(request, event, form=None, closed=str(e.message), notice=_nothing_saved())
        except ValidationError as e:
            for name, messages in e.message_dict.items():
                form.add_error(name if name in form.fields else None, messages)
        else:
            response = _to_thanks(event, status=result.status, ticket=result.ticket)
            prefill.forget(request, response)
            return response
    data = request.POST.copy()
    data["form_token"] = form_token(key)
    form.data = data
    return _page(request, event, form=form)


def _to_thanks(event: Event, *, status: str, ticket: str) -> HttpResponse:
    """The thank-you page's URL names the status the signer is told and a random ticket for
    the SMS code form: no registration, person or consent id, no postcode."""
    token = event_thanks_token(event_id=event.pk, status=status, ticket=ticket)
    path = reverse("public:event_thanks", args=[event.slug])
    return HttpResponseSeeOther(with_params(path, t=token, lang=_lang()))


# --- The thank-you page and its calendar file ---------------------------------------------


@public_view(methods=("GET", "HEAD", "POST"), not_found=NOT_FOUND)
def event_thanks(request: HttpRequest, slug: str, *, embed: bool = False) -> HttpResponse:
    event = _public_event(slug)
    token = request.GET.get("t", "")
    answer = read_event_thanks_token(token, event.pk)
    if answer is None and not event.is_published:
        raise Http404  # a draft's facts only for those who signed up before
    sms = sms_code_step(request, answer.thanks if answer else None)
    if sms.limited:
        return too_many(request, sms.limited.retry_after, embed=False)
    lang = _lang()
    path = reverse("public:event_thanks", args=[event.slug])
    context = {
        **_event_context(event),
        "answer": answer,
        "code_form": sms.form,
        "sms_result": sms.result,
        "code_url": with_params(path, t=token, lang=lang),
        "ics_url": with_params(
            reverse("public:event_ics", args=[event.slug]), t=token if answer else "", lang=lang
        ),
        "share_links": share_links(reverse("public:event", args=[event.slug]), event.title),
    }
    return render_public(request, "public/events/thanks.html", context, embed=False)


@public_view(not_found=NOT_FOUND)
def event_ics(request: HttpRequest, slug: str, *, embed: bool = False) -> HttpResponse:
    """The event as a calendar file, with the same UID as the confirmation email's file
    (one per event), so a calendar keeps one entry. The thank-you page's token opens a
    draft's file to those who signed up before it was unpublished."""
    event = _public_event(slug)
    answer = read_event_thanks_token(request.GET.get("t", ""), event.pk)
    if answer is None and not event.is_published:
        raise Http404
    content = ics.event_calendar(event, uid=ics.event_uid(event.pk), language=_lang())
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Cancelling by the emails' link ------------------------------------------------------


@public_view(methods=("GET", "HEAD", "POST"), not_found=NOT_FOUND)
def event_cancel(
    request: HttpRequest, slug: str, token: str, *, embed: bool = False
) -> HttpResponse:
    """GET only shows a button: mail scanners open links, and must cancel nothing."""
    registration_id = read_cancel_token(token)
    registration = (
        Registration.objects.select_related("event__unit", "event__programme")
        .filter(pk=registration_id, event__slug=slug)
        .first()
        if registration_id
        else None
    )
    if registration is None:
        raise Http404
    event = registration.event
    state = _cancel_state(registration)
    if request.method == "POST" and state in ("registered", "waitlisted"):
        registering.registration_cancel(actor=None, registration=registration)
        state = "done"
    context = {
        **_event_context(event),
        "state": state,
        "form_url": with_params(request.path, lang=_lang()),
    }
    response = render_public(request, "public/events/cancel.html", context, embed=False)
    response["Cache-Control"] = "private, no-store"
    return response


def _cancel_state(registration: Registration) -> str:
    """What the cancel page can do: cancel a seat or a waiting-list place, or say why not."""
    event = registration.event
    if registration.status == Registration.Status.CANCELLED:
        return "cancelled"
    if event.is_cancelled:
        return "event_cancelled"
    if event.starts_at <= timezone.now():
        return "started"
    if registration.status == Registration.Status.WAITLISTED:
        return "waitlisted"
    if registration.status == Registration.Status.REGISTERED:
        return "registered"
    return "started"  # attended or did not come: the event is over


# --- The calendar of upcoming events -------------------------------------------------------


def _choice(value: str, allowed: set[str]) -> str:
    return value if value in allowed else ""


@public_view()
def calendar_page(request: HttpRequest, *, embed: bool = False) -> HttpResponse:
    districts = list(
        Unit.objects.filter(kind=Unit.Kind.DISTRICT, is_active=True)
        .order_by("name")
        .only("id", "name", "path")
    )
    by_id = {str(d.pk): d for d in districts}
    district = by_id.get(request.GET.get("district", ""))
    kind = _choice(request.GET.get("kind", ""), set(Programme.Kind.values))
    young = request.GET.get("young", "") == "1"

    events = upcoming_public_events()
    if district is not None:
        events = events.filter(unit__path__startswith=district.path)
    if kind:
        events = events.filter(programme__kind=kind)
    if young:
        events = events.filter(for_young_people=True)
    events = (
        events.select_related("unit", "programme")
        .annotate(
            taken=Count("registrations", filter=Q(registrations__status__in=Registration.SEATED))
        )
        .order_by("starts_at", "id")
    )
    page = Paginator(events, CALENDAR_PAGE_SIZE).get_page(request.GET.get("page"))
    lang = _lang()
    now = timezone.now()
    items = [
        {
            "event": event,
            "url": with_params(reverse("public:event", args=[event.slug]), lang=lang),
            "kind": event.programme.get_kind_display() if event.programme else "",
            "open": now < (event.registration_deadline or event.starts_at),
            **_seat_facts(event.capacity, event.taken),
        }
        for event in page.object_list
    ]
    filters = {
        "district": str(district.pk) if district else "",
        "kind": kind,
        "young": "1" if young else "",
    }
    base = reverse("public:calendar")
    context = {
        "items": items,
        "page": page,
        "districts": districts,
        "kinds": Programme.Kind.choices,
        "filters": filters,
        "filtered": any(filters.values()),
        "form_url": base,
        "clear_url": with_params(base, lang=lang),
        "previous_url": (
            with_params(base, **filters, page=str(page.previous_page_number()), lang=lang)
            if page.has_previous()
            else ""
        ),
        "next_url": (
            with_params(base, **filters, page=str(page.next_page_number()), lang=lang)
            if page.has_next()
            else ""
        ),
    }
    return render_public(request, "public/events/calendar.html", context, embed=False)
