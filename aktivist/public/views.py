"""Public pages with no login: the action page and its embeddable twin, the thank-you page,
the live count, double opt-in confirmation and the privacy notice.

No page here touches the session or sets the CSRF cookie (a full-page signature sets only
the short-lived pre-fill cookie of the event form, aktivist.public.prefill): forms are
protected by a signed form token, a honeypot and rate limits (aktivist.public.forms,
aktivist.public.limits).
They render without the staff context processors, so a page costs one query for the
action and a cached count.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from aktivist.accounts.decorators import open_to_anyone
from aktivist.campaigns import selectors
from aktivist.campaigns.models import Action, Channel, Participation
from aktivist.campaigns.signing import ActionClosed, sign
from aktivist.core.middleware import CSP
from aktivist.core.next_steps import NextStep, next_steps
from aktivist.lib.figures import PUBLIC_MIN_STEP
from aktivist.lib.normalise import clean_utm
from aktivist.organisation.models import Unit
from aktivist.people import consents
from aktivist.public import limits, prefill
from aktivist.public.forms import (
    HONEYPOT,
    SignatureForm,
    SmsCodeForm,
    Thanks,
    form_token,
    form_token_valid,
    read_thanks_token,
    thanks_token,
)

View = Callable[..., HttpResponse]
LANGUAGES = ("sv", "en")
REF_RE = re.compile(r"^[A-Za-z0-9._~:+/=-]{1,200}$")
ORIGIN_RE = re.compile(r"^https?://(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?$")
EMBED_ORIGINS_CACHE_SECONDS = 60
# Parameters a link to the page in the other language keeps (the calendar's filters too).
KEPT_PARAMS = ("ref", "t", "district", "kind", "young", "page")


class HttpResponseSeeOther(HttpResponseRedirect):
    status_code = 303


# --- Language, rendering and the frame policy ----------------------------------------------


def _language(request: HttpRequest) -> str:
    """?lang= wins; otherwise the browser's language, Swedish by default."""
    chosen = request.GET.get("lang", "")
    if chosen in LANGUAGES:
        return chosen
    negotiated = getattr(request, "LANGUAGE_CODE", "") or settings.LANGUAGE_CODE
    return "en" if negotiated.startswith("en") else "sv"


def with_params(path: str, **params: str) -> str:
    kept = {k: v for k, v in params.items() if v}
    return f"{path}?{urlencode(kept)}" if kept else path


def _language_links(request: HttpRequest, lang: str) -> list[dict[str, str]]:
    """Links to this page in the other language, keeping its other parameters."""
    links = []
    for code, name in (("sv", "Svenska"), ("en", "English")):
        if code == lang:
            continue
        params = {k: str(request.GET.get(k, "")) for k in KEPT_PARAMS}
        links.append(
            {"code": code, "name": name, "url": with_params(request.path, **params, lang=code)}
        )
    return links


def render_public(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    embed: bool,
    status: int = 200,
) -> HttpResponse:
    lang = translation.get_language() or "sv"
    base = {
        "lang": lang,
        "embed": embed,
        "language_links": _language_links(request, lang),
        "organisation_name": settings.ORGANISATION_NAME,
        "privacy_email": settings.ORGANISATION_PRIVACY_EMAIL,
        "privacy_url": with_params(reverse("public:privacy"), lang=lang),
    }
    # No request: the staff context processors (user, scope, CSRF) stay out of public pages.
    return HttpResponse(render_to_string(template, {**base, **context}), status=status)


def _embed_origins() -> list[str]:
    def load() -> list[str]:
        origins: list[str] = []
        for channel in Channel.objects.filter(is_active=True).only("allowed_origins"):
            origins.extend(channel.origins())
        return origins

    configured = list(settings.EMBED_ALLOWED_ORIGINS)
    found = cache.get_or_set("public:embed-origins", load, EMBED_ORIGINS_CACHE_SECONDS)
    allowed: list[str] = []
    for origin in [*configured, *(found or [])]:
        origin = origin.strip().rstrip("/")
        if ORIGIN_RE.match(origin) and origin not in allowed:
            allowed.append(origin)
    return allowed


def embed_csp() -> str:
    """The site's policy, except that the allow-listed origins may frame the page."""
    ancestors = " ".join(["'self'", *_embed_origins()])
    return CSP.replace("frame-ancestors 'none'", f"frame-ancestors {ancestors}")


def public_view(
    *,
    embed: bool = False,
    methods: tuple[str, ...] = ("GET", "HEAD"),
    not_found: str = "public/not_found.html",
) -> Any:
    """A page open to anyone: no CSRF cookie, the page's language, a public 404, and for
    embeds the frame policy."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            lang = _language(request)
            with translation.override(lang):
                if request.method not in methods:
                    response: HttpResponse = HttpResponseNotAllowed(methods)
                else:
                    try:
                        response = view(request, *args, embed=embed, **kwargs)
                    except Http404:
                        response = render_public(request, not_found, {}, embed=embed, status=404)
            response["Content-Language"] = lang
            if embed:
                response["Content-Security-Policy"] = embed_csp()
            return response

        exempt = open_to_anyone(csrf_exempt(wrapped))
        return xframe_options_exempt(exempt) if embed else exempt

    return decorate


# --- Next steps: other open actions of the same campaign -------------------------------------


def other_actions_of_campaign(action: Action, unit: Unit | None) -> list[NextStep]:
    now = timezone.now()
    others = (
        Action.objects.filter(campaign_id=action.campaign_id, is_published=True, opens_at__lte=now)
        .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
        .exclude(pk=action.pk)
        .order_by("-opens_at")[:3]
    )
    lang = translation.get_language() or "sv"
    return [
        NextStep(
            title=other.title(),
            url=with_params(reverse("public:action", args=[other.slug]), lang=lang),
            when=other.closes_at,
        )
        for other in others
    ]


# --- The action page ---------------------------------------------------------------------


def _count_context(action: Action) -> dict[str, Any]:
    """The figure anonymous visitors see: as it stood at the start of the current interval
    and rounded down (``selectors.public_participation_figure``), the same right after a
    signature as before it. The exact count never reaches a public template."""
    figure = selectors.public_participation_figure(action)
    goal = action.goal or action.campaign.goal
    return {
        "figure": figure,
        "figure_display": number_format(figure, force_grouping=True),
        "fewer_than_display": number_format(PUBLIC_MIN_STEP, force_grouping=True),
        "goal": goal,
        "goal_display": number_format(goal, force_grouping=True) if goal else "",
        "progress": min(figure, goal) if goal else None,
        "percent": min(100, figure * 100 // goal) if goal else None,
    }


def ref_param(request: HttpRequest) -> str:
    ref = request.POST.get("ref") or request.GET.get("ref") or ""
    return ref if REF_RE.match(ref) else ""


def utm_params(request: HttpRequest) -> dict[str, str]:
    """The action page's ``utm_source``/``utm_medium`` (carried by the form), cleaned."""
    return {
        name: clean_utm(request.POST.get(name) or request.GET.get(name) or "")
        for name in ("utm_source", "utm_medium")
    }


def _action_path(action: Action, *, embed: bool, name: str = "") -> str:
    url_name = name or ("action_embed" if embed else "action")
    return reverse(f"public:{url_name}", args=[action.slug])


def _page(
    request: HttpRequest,
    action: Action,
    *,
    embed: bool,
    form: SignatureForm | None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    lang = translation.get_language() or "sv"
    now = timezone.now()
    context = {
        "action": action,
        "title": action.title(lang),
        "text": action.text(lang),
        "is_open": action.is_open(now),
        "not_yet_open": action.opens_at > now,
        "form": form,
        "notice": notice,
        "form_url": with_params(_action_path(action, embed=embed), lang=lang),
        "full_page_url": with_params(_action_path(action, embed=False), lang=lang),
        "honeypot": HONEYPOT,
        **_count_context(action),
    }
    return render_public(request, "public/action.html", context, embed=embed, status=status)


def _action_view(request: HttpRequest, slug: str, *, embed: bool) -> HttpResponse:
    action = selectors.public_action(slug)
    if request.method == "POST":
        return _sign(request, action, embed=embed)
    form = None
    if action.is_open():
        lang = translation.get_language() or "sv"
        form = SignatureForm(
            initial={
                "form_token": form_token(action.pk),
                "ref": ref_param(request),
                **utm_params(request),
            },
            action=action,
            language=lang,
        )
    return _page(request, action, embed=embed, form=form)


action_page = public_view(methods=("GET", "HEAD", "POST"))(_action_view)
action_embed = public_view(embed=True, methods=("GET", "HEAD", "POST"))(_action_view)


def too_many(request: HttpRequest, retry_after: int, *, embed: bool) -> HttpResponse:
    minutes = max(1, (retry_after + 59) // 60)
    response = render_public(
        request, "public/too_many.html", {"minutes": minutes}, embed=embed, status=429
    )
    response["Retry-After"] = str(retry_after)
    return response


def _typed_values(request: HttpRequest, action: Action) -> dict[str, Any]:
    """What was typed, as initial values of a fresh form (no errors shown)."""
    initial: dict[str, Any] = {
        name: request.POST.get(name, "")
        for name in (
            "first_name",
            "last_name",
            "email",
            "mobile",
            "postcode",
            "birth_year",
            "age_bracket",
            "letter_text",
        )
    }
    initial["consents"] = request.POST.getlist("consents")
    initial["named"] = bool(request.POST.get("named"))
    if action.is_letter and not initial["letter_text"]:
        del initial["letter_text"]
    return initial


def _sign(request: HttpRequest, action: Action, *, embed: bool) -> HttpResponse:
    lang = translation.get_language() or "sv"
    if not action.is_open():
        notice = _("This action is closed, so nothing was saved.")
        return _page(request, action, embed=embed, form=None, notice=notice)
    limited = limits.signature_by_ip(request)
    if limited:
        return too_many(request, limited.retry_after, embed=embed)
    fresh_token = form_token(action.pk)
    if not form_token_valid(request.POST.get("form_token"), action.pk):
        initial = {
            **_typed_values(request, action),
            "form_token": fresh_token,
            "ref": ref_param(request),
            **utm_params(request),
        }
        form = SignatureForm(initial=initial, action=action, language=lang)
        notice = _(
            "We could not check your form (perhaps the page was open for a long time). "
            "Your answers are kept: please send the form again."
        )
        return _page(request, action, embed=embed, form=form, notice=notice)
    form = SignatureForm(request.POST, action=action, language=lang)
    if form.honeypot_filled:
        # A robot: answer exactly as to a person, store nothing.
        return _remembered(request, _to_thanks(action, embed=embed, unit_id=None, ticket=""), embed)
    valid = form.is_valid()
    if form.under_age is not None:
        context = {"action": action, "message": str(form.under_age.message), "back_url": ""}
        context["back_url"] = with_params(_action_path(action, embed=embed), lang=lang)
        return render_public(request, "public/under_13.html", context, embed=embed)
    if not valid or form.signature is None:
        data = request.POST.copy()
        data["form_token"] = fresh_token
        form.data = data
        return _page(request, action, embed=embed, form=form)
    signature = form.signature
    limited = limits.signature_by_address(request, signature)
    if limited:
        return too_many(request, limited.retry_after, embed=embed)
    utm = utm_params(request)
    try:
        result = sign(
            action=action,
            signature=signature,
            source=Participation.Source.EMBED if embed else Participation.Source.WEB,
            tracking_token=ref_param(request),
            utm_source=utm["utm_source"],
            utm_medium=utm["utm_medium"],
        )
    except ActionClosed:
        notice = _("This action is closed, so nothing was saved.")
        return _page(request, action, embed=embed, form=None, notice=notice)
    thanks = _to_thanks(action, embed=embed, unit_id=result.unit_id, ticket=result.ticket)
    return _remembered(request, thanks, embed)


def _remembered(request: HttpRequest, response: HttpResponse, embed: bool) -> HttpResponse:
    """A full-page signer's event sign-up form is filled from a cookie (public.prefill),
    never from the address; an embed (a third-party frame) sets nothing."""
    if not embed:
        prefill.remember(request, response)
    return response


def _to_thanks(action: Action, *, embed: bool, unit_id: int | None, ticket: str) -> HttpResponse:
    """The thank-you page's URL names nothing about the signer: the unit covering the typed
    postcode and a random ticket for the SMS code form."""
    token = thanks_token(action_id=action.pk, unit_id=unit_id, ticket=ticket)
    name = "action_embed_thanks" if embed else "action_thanks"
    lang = translation.get_language() or "sv"
    return HttpResponseSeeOther(
        with_params(_action_path(action, embed=embed, name=name), t=token, lang=lang)
    )


# --- The thank-you page ------------------------------------------------------------------


def share_links(path: str, title: str) -> list[dict[str, str]]:
    """Links that share a public page (``path`` on this site) on social media or by email."""
    url = settings.SITE_URL.rstrip("/") + path
    u, text = quote(url, safe=""), quote(title, safe="")
    both = quote(f"{title} {url}", safe="")
    return [
        {
            "label": _("Share on %(site)s") % {"site": "Facebook"},
            "url": f"https://www.facebook.com/sharer/sharer.php?u={u}",
        },
        {
            "label": _("Share on %(site)s") % {"site": "X"},
            "url": f"https://x.com/intent/tweet?url={u}&text={text}",
        },
        {
            "label": _("Share on %(site)s") % {"site": "WhatsApp"},
            "url": f"https://wa.me/?text={both}",
        },
        {"label": _("Share by email"), "url": f"mailto:?subject={text}&body={u}"},
    ]


@dataclass
class SmsStep:
    """The SMS code form of a thank-you page: shown when an SMS choice was ticked."""

    form: SmsCodeForm | None = None
    result: str = ""  # "confirmed" or "wrong" after a code was sent
    limited: limits.Limited | None = None


def sms_code_step(request: HttpRequest, thanks: Thanks | None) -> SmsStep:
    """Show the code form, or check a posted code against the consents the ticket names."""
    step = SmsStep()
    if thanks is None or not thanks.wants_sms:
        return step
    step.form = SmsCodeForm()
    if request.method != "POST":
        return step
    step.limited = limits.sms_code_by_ip(request)
    if step.limited:
        return step
    posted = SmsCodeForm(request.POST)
    if not posted.is_valid():
        step.form = posted
        return step
    ok = consents.consents_confirm_sms(ticket=thanks.ticket, code=posted.cleaned_data["code"])
    step.result = "confirmed" if ok else "wrong"
    step.form = None if ok else SmsCodeForm()
    return step


def _unit(unit_id: int | None) -> Unit | None:
    if unit_id is None:
        return None
    return Unit.objects.filter(pk=unit_id, is_active=True).first()


def _thanks_view(request: HttpRequest, slug: str, *, embed: bool) -> HttpResponse:
    action = selectors.public_action(slug)
    lang = translation.get_language() or "sv"
    thanks = read_thanks_token(request.GET.get("t"), action.pk)
    sms = sms_code_step(request, thanks)
    if sms.limited:
        return too_many(request, sms.limited.retry_after, embed=embed)
    unit = _unit(thanks.unit_id) if thanks else None
    title = action.title(lang)
    name = "action_embed_thanks" if embed else "action_thanks"
    context = {
        "action": action,
        "title": title,
        "valid": thanks is not None,
        "code_form": sms.form,
        "code_url": with_params(
            _action_path(action, embed=embed, name=name), t=request.GET.get("t", ""), lang=lang
        ),
        "sms_result": sms.result,
        "unit": unit,
        "next_steps": next_steps(action, unit),
        "share_links": share_links(reverse("public:action", args=[action.slug]), title),
        "action_url": with_params(_action_path(action, embed=embed), lang=lang),
        **_count_context(action),
    }
    return render_public(request, "public/thanks.html", context, embed=embed)


action_thanks = public_view(methods=("GET", "HEAD", "POST"))(_thanks_view)
action_embed_thanks = public_view(embed=True, methods=("GET", "HEAD", "POST"))(_thanks_view)


@public_view()
def action_count(request: HttpRequest, slug: str, *, embed: bool = False) -> HttpResponse:
    """The live count: the partial the full page includes, polled by htmx."""
    action = selectors.public_action(slug)
    context = {"action": action, **_count_context(action)}
    response = render_public(request, "public/_count.html", context, embed=embed)
    # The figure stays the same until the next interval starts.
    response["Cache-Control"] = f"public, max-age={selectors.seconds_until_recount()}"
    return response


# --- Double opt-in and the privacy notice --------------------------------------------------


@public_view(methods=("GET", "HEAD", "POST"))
def confirm_email(request: HttpRequest, token: str, *, embed: bool = False) -> HttpResponse:
    """GET only shows a button: mail scanners open links, and must not confirm anything.
    A token that is not ours is a page that does not exist; an expired one says so."""
    context: dict[str, Any] = {"result": "", "purposes": [], "error": ""}
    state = consents.confirmation_link_state(token)
    if state == "invalid":
        raise Http404
    if state == "expired":
        context["error"] = _(
            "This confirmation link is not valid or has expired. Sign again to get a new one."
        )
    elif request.method == "POST":
        try:
            confirmed = consents.consents_confirm_email(token)
        except consents.ConfirmationInvalid as e:
            context["error"] = str(e.message)
        else:
            if confirmed:
                context["result"] = "confirmed"
                context["purposes"] = sorted({c.get_purpose_display() for c in confirmed})
            else:
                context["error"] = _("There is nothing left to confirm with this link.")
    context["form_url"] = with_params(request.path, lang=translation.get_language() or "sv")
    return render_public(request, "public/confirm.html", context, embed=embed)


@public_view()
def privacy_notice(request: HttpRequest, *, embed: bool = False) -> HttpResponse:
    return render_public(request, "public/privacy.html", {}, embed=embed)
