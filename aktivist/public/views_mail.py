"""Public pages behind the links in bulk email: the personal link that forwards to an
action or event (and records the click), one-click unsubscribe (RFC 8058), the
preference centre, and the form that sends a fresh preference-centre link. Signed tokens,
one per purpose (aktivist/mobilization/tokens.py), no login, no cookie; never a 500 for a
bad token (it is answered as a page that does not exist)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aktivist.core.exceptions import ApplicationError
from aktivist.mobilization import preferences, tracking
from aktivist.mobilization.models import Delivery, Purpose
from aktivist.mobilization.preference_links import preference_link_request
from aktivist.mobilization.suppressions import unsubscribe_from_purpose
from aktivist.mobilization.tokens import (
    preference_link_from,
    preference_token,
    unsubscribe_link_from,
)
from aktivist.people.models import Person
from aktivist.public import limits
from aktivist.public.forms import PreferenceLinkForm, SmsCodeForm
from aktivist.public.views import public_view, render_public, too_many, with_params


@public_view()
def personal_link(
    request: HttpRequest, token: str, target: str = "action", *, embed: bool = False
) -> HttpResponse:
    """/r/<token>/ (the action) and /r/<token>/event/: record the click, forward with the
    delivery's reference token as ``ref`` so that acting on the page is attributed (the
    reference opens nothing: the page's address may be shared)."""
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
    return HttpResponseRedirect(with_params(path, ref=found.ref, lang=found.language))


def _unsubscribe_delivery(token: str) -> tuple[Delivery, bool]:
    """The delivery an unsubscribe link names, and whether the link is a legacy delivery
    token (of a message sent before issue 15)."""
    link = unsubscribe_link_from(token)
    if link is None:
        raise Http404
    delivery = (
        Delivery.objects.select_related("mobilization", "person")
        .filter(pk=link.delivery_id)
        .first()
    )
    if delivery is None:
        raise Http404
    return delivery, link.legacy


def _sent_at(delivery: Delivery) -> datetime:
    return delivery.sent_at or delivery.due_at


def _sent_within(delivery: Delivery, days: int) -> bool:
    return _sent_at(delivery) >= timezone.now() - timedelta(days=days)


def _purpose_label(delivery: Delivery) -> str:
    return str(Purpose(delivery.mobilization.purpose).label)


@public_view(methods=("GET", "HEAD", "POST"))
def unsubscribe(request: HttpRequest, token: str, *, embed: bool = False) -> HttpResponse:
    """GET shows a button (mail scanners open links and must not unsubscribe anyone);
    POST unsubscribes — the button, or a mail client's one-click POST (RFC 8058).

    Unsubscribe links never expire. A legacy delivery token was also the reference in
    shared addresses: it unsubscribes only within LEGACY_UNSUBSCRIBE_LINK_DAYS of sending
    (then the page asks for the address), and never leads to the preference centre."""
    delivery, legacy = _unsubscribe_delivery(token)
    if legacy and not _sent_within(delivery, settings.LEGACY_UNSUBSCRIBE_LINK_DAYS):
        return _ask_for_address(request, reason="old_unsubscribe", embed=embed)
    person = delivery.person
    language = translation.get_language() or "sv"
    context: dict[str, Any] = {
        "purpose": _purpose_label(delivery),
        "done": False,
        "gone": person is None or not person.is_active,
        "form_url": with_params(request.path, lang=language),
        # The preference centre as long as the message's own link to it would open it;
        # after that (and from a legacy token) the form that sends a fresh link.
        "preferences_url": with_params(reverse("public:preferences_request"), lang=language),
    }
    if person is not None and person.is_active:
        if not legacy and _sent_within(delivery, settings.PREFERENCE_LINK_MAX_AGE_DAYS):
            # Made when the message was sent: it expires with the message's own link.
            issued = _sent_at(delivery).timestamp()
            context["preferences_url"] = with_params(
                reverse("public:preferences", args=[preference_token(person.pk, issued_at=issued)]),
                lang=language,
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


@public_view(methods=("GET", "HEAD", "POST"))
def preference_centre(request: HttpRequest, token: str, *, embed: bool = False) -> HttpResponse:
    """A person's choices; an expired link (PREFERENCE_LINK_MAX_AGE_DAYS) shows the form
    that sends a fresh one, and changes nothing."""
    link = preference_link_from(token)
    if link is None:
        raise Http404
    if link.expired:
        return _ask_for_address(request, reason="expired", embed=embed)
    person = Person.objects.filter(pk=link.person_id, is_active=True).first()
    if person is None:
        raise Http404
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


# --- A fresh preference-centre link -------------------------------------------------------


def _ask_for_address(
    request: HttpRequest,
    *,
    reason: str = "",
    embed: bool,
    form: PreferenceLinkForm | None = None,
    sent: bool = False,
    notice: str = "",
) -> HttpResponse:
    language = translation.get_language() or "sv"
    context = {
        "reason": reason,  # "expired", "old_unsubscribe" or "" (the form's own address)
        "form": form or PreferenceLinkForm(),
        "sent": sent,
        "notice": notice,
        "valid_days": settings.PREFERENCE_LINK_MAX_AGE_DAYS,
        "form_url": with_params(reverse("public:preferences_request"), lang=language),
    }
    return render_public(request, "public/preference_link.html", context, embed=embed)


@public_view(methods=("GET", "HEAD", "POST"))
def preference_link(request: HttpRequest, *, embed: bool = False) -> HttpResponse:
    """/p/: type an address, get a fresh link to the preference centre. The answer is the
    same for every address, known or not, limited or not (only a client over its own limit
    is told to wait); the email goes out from a task."""
    if request.method != "POST":
        return _ask_for_address(request, embed=embed)
    limited = limits.preference_link_by_ip(request)
    if limited:
        return too_many(request, limited.retry_after, embed=embed)
    form = PreferenceLinkForm(request.POST)
    if form.honeypot_filled():
        return _ask_for_address(request, embed=embed, sent=True)  # a robot: store nothing
    if not form.token_valid():
        kept = PreferenceLinkForm(
            initial={**form.initial, "email": str(form.data.get("email", ""))[:254]}
        )
        notice = _(
            "We could not check your form (perhaps the page was open for a long time). "
            "Please send it again."
        )
        return _ask_for_address(request, embed=embed, form=kept, notice=notice)
    if not form.is_valid():
        return _ask_for_address(request, embed=embed, form=form)
    email = form.cleaned_data["email"]
    if not limits.preference_link_by_email(request, email):
        preference_link_request(email=email)
    return _ask_for_address(request, embed=embed, sent=True)
