"""Public pages behind the links in bulk email: the personal link that forwards to an
action or event (and records the click), one-click unsubscribe (RFC 8058) and the
preference centre. Signed tokens, no login, no cookie; never a 500 for a bad token (it is
answered as a page that does not exist)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from aktivist.core.exceptions import ApplicationError
from aktivist.mobilization import preferences, tracking
from aktivist.mobilization.models import Delivery, Purpose
from aktivist.mobilization.suppressions import unsubscribe_from_purpose
from aktivist.mobilization.tokens import delivery_id_from, person_id_from, preference_token
from aktivist.people.models import Person
from aktivist.public import limits
from aktivist.public.forms import SmsCodeForm
from aktivist.public.views import public_view, render_public, too_many, with_params


@public_view()
def personal_link(
    request: HttpRequest, token: str, target: str = "action", *, embed: bool = False
) -> HttpResponse:
    """/r/<token>/ (the action) and /r/<token>/event/: record the click, forward with the
    token as ``ref`` so that acting on the page is attributed."""
    found = tracking.record_click(token)
    if found is None:
        raise Http404
    if target == "event" and found.event_slug:
        path = reverse("public:event", args=[found.event_slug])
    elif found.action_slug:
        path = reverse("public:action", args=[found.action_slug])
    elif found.event_slug:
        path = reverse("public:event", args=[found.event_slug])
    else:
        raise Http404
    return HttpResponseRedirect(with_params(path, ref=token, lang=found.language))


def _delivery(token: str) -> Delivery:
    delivery_id = delivery_id_from(token)
    if delivery_id is None:
        raise Http404
    delivery = (
        Delivery.objects.select_related("mobilization", "person").filter(pk=delivery_id).first()
    )
    if delivery is None:
        raise Http404
    return delivery


def _purpose_label(delivery: Delivery) -> str:
    return str(Purpose(delivery.mobilization.purpose).label)


@public_view(methods=("GET", "HEAD", "POST"))
def unsubscribe(request: HttpRequest, token: str, *, embed: bool = False) -> HttpResponse:
    """GET shows a button (mail scanners open links and must not unsubscribe anyone);
    POST unsubscribes — the button, or a mail client's one-click POST (RFC 8058)."""
    delivery = _delivery(token)
    person = delivery.person
    context: dict[str, Any] = {
        "purpose": _purpose_label(delivery),
        "done": False,
        "gone": person is None or not person.is_active,
        "form_url": with_params(request.path, lang=translation.get_language() or "sv"),
        "preferences_url": "",
    }
    if person is not None and person.is_active:
        context["preferences_url"] = with_params(
            reverse("public:preferences", args=[preference_token(person.pk)]),
            lang=translation.get_language() or "sv",
        )
        if request.method == "POST":
            # RFC 8058: the client posts "List-Unsubscribe=One-Click" as a form body.
            one_click = request.POST.get("List-Unsubscribe") == "One-Click"
            unsubscribe_from_purpose(
                person=person,
                purpose=delivery.mobilization.purpose,
                mobilization=delivery.mobilization,
                source="one-click" if one_click else "unsubscribe page",
            )
            context["done"] = True
    return render_public(request, "public/unsubscribe.html", context, embed=embed)


def _person(token: str) -> Person:
    person_id = person_id_from(token)
    if person_id is None:
        raise Http404
    person = Person.objects.filter(pk=person_id, is_active=True).first()
    if person is None:
        raise Http404
    return person


@public_view(methods=("GET", "HEAD", "POST"))
def preference_centre(request: HttpRequest, token: str, *, embed: bool = False) -> HttpResponse:
    person = _person(token)
    language = translation.get_language() or "sv"
    notice = ""
    network_error = ""
    network_step = request.POST.get("network", "") if request.method == "POST" else ""
    if network_step:
        limited = (
            limits.sms_code_sent_to_person(request, person.pk)
            if network_step == "join"
            else limits.sms_code_by_ip(request)
        )
        if limited:
            return too_many(request, limited.retry_after, embed=embed)
        notice, network_error = _network_step(request, person, network_step, language)
    elif request.method == "POST":
        if request.POST.get("leave") == "everything":
            preferences.preferences_leave_everything(person=person)
            notice = _(
                "You will get no more messages from us, except answers to what you do "
                "yourself (such as a confirmation when you sign up for an event)."
            )
        else:
            wanted = set(request.POST.getlist("topic"))
            changed = preferences.preferences_save(person=person, wanted=wanted, language=language)
            notice = _("Your choices are saved.") if changed else _("Nothing was changed.")
    context = {
        "preferences": preferences.preferences_of(person),
        "network": preferences.network_sms_of(person),
        "network_label": preferences.NETWORK_SMS.label,
        "network_error": network_error,
        "code_form": SmsCodeForm(),
        "notice": notice,
        "form_url": with_params(request.path, lang=language),
    }
    return render_public(request, "public/preferences.html", context, embed=embed)


def _network_step(
    request: HttpRequest, person: Person, step: str, language: str
) -> tuple[str, str]:
    """Join the rapid-response network by SMS: ask for a code, then give it. Returns
    (notice, error)."""
    if step == "join":
        try:
            preferences.network_sms_request(
                person=person, mobile=request.POST.get("mobile", ""), language=language
            )
        except ApplicationError as exc:
            return "", exc.message
        return _("We have sent you a code by SMS. Enter it below."), ""
    form = SmsCodeForm(request.POST)
    if form.is_valid() and preferences.network_sms_confirm(
        person=person, code=form.cleaned_data["code"]
    ):
        return _("Welcome to the rapid-response network! We will text you when it counts."), ""
    return "", _("That code is wrong or has expired.")
