from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect

# Pages an account may open before it has passed two-factor in this session. The other
# /accounts/ pages (account page, staff pages) check two-factor themselves as well.
EXEMPT_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/password-reset/",
    "/accounts/invitation/",
    "/accounts/two-factor/",
    "/static/",
    "/i18n/",
    "/p/",
)


class TwoFactorRequiredMiddleware:
    """Every account whose role sees personal data (``User.requires_two_factor``) must have
    verified a second factor in this session, and so must anyone who turned two-factor on
    voluntarily. An account without a device yet is sent to set one up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and not user.is_verified()
        ):
            from django.contrib.auth import REDIRECT_FIELD_NAME

            from aktivist.accounts.two_factor import has_device

            device = has_device(user)
            if device or getattr(user, "requires_two_factor", False):
                target = "accounts:two_factor_verify" if device else "accounts:two_factor_setup"
                response = redirect(target)
                response["Location"] += "?" + urlencode(
                    {REDIRECT_FIELD_NAME: request.get_full_path()}
                )
                return response
        return self.get_response(request)


# --- Session lifetime -------------------------------------------------------------------

LOGIN_AT = "aktivist.login_at"
SEEN_AT = "aktivist.seen_at"
# The last request is written back at most this often (not a session write per request).
SEEN_RESOLUTION_SECONDS = 60
# Requests that never end a session: assets, the language switch, the login pages themselves.
TIMEOUT_EXEMPT_PREFIXES = ("/static/", "/i18n/", "/accounts/login/", "/accounts/logout/")


def mark_login(request: HttpRequest) -> None:
    """A fresh login starts both clocks (connected to ``user_logged_in``)."""
    session = getattr(request, "session", None)
    if session is not None:
        now = int(time.time())
        session[LOGIN_AT] = now
        session[SEEN_AT] = now


class SessionTimeoutMiddleware:
    """A staff session ends after SESSION_IDLE_TIMEOUT_MINUTES without a request and
    SESSION_ABSOLUTE_TIMEOUT_HOURS after its login. The account is logged out and sent to
    the login page with a message (back to where it was after logging in); an htmx request
    gets 401 with ``HX-Redirect``, which htmx follows with a full page load. A public page
    opened with an ended session is simply shown, to nobody logged in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(TIMEOUT_EXEMPT_PREFIXES)
        ):
            ended = self._ended(request)
            if ended:
                return self._end(request, ended) or self.get_response(request)
        return self.get_response(request)

    @staticmethod
    def _ended(request: HttpRequest) -> str:
        session = request.session
        now = int(time.time())
        login_at = session.get(LOGIN_AT)
        seen_at = session.get(SEEN_AT)
        if not isinstance(login_at, int) or not isinstance(seen_at, int):
            # A session from before these clocks: they start now.
            session[LOGIN_AT] = login_at if isinstance(login_at, int) else now
            session[SEEN_AT] = now
            return ""
        if now - login_at >= settings.SESSION_ABSOLUTE_TIMEOUT_HOURS * 3600:
            return "absolute"
        if now - seen_at >= settings.SESSION_IDLE_TIMEOUT_MINUTES * 60:
            return "idle"
        if now - seen_at >= SEEN_RESOLUTION_SECONDS:
            session[SEEN_AT] = now
        return ""

    @staticmethod
    def _end(request: HttpRequest, reason: str) -> HttpResponse | None:
        from django.contrib import messages
        from django.contrib.auth import REDIRECT_FIELD_NAME, logout
        from django.urls import Resolver404, resolve, reverse
        from django.utils.translation import gettext as _
        from django.utils.translation import ngettext

        htmx = request.headers.get("HX-Request") == "true"
        if htmx:
            current = urlsplit(request.headers.get("HX-Current-URL", ""))
            back = current.path + (f"?{current.query}" if current.query else "")
        else:
            back = request.get_full_path()
        logout(request)
        if reason == "absolute":
            hours = settings.SESSION_ABSOLUTE_TIMEOUT_HOURS
            text = ngettext(
                "You were logged out %(count)d hour after logging in. Please log in again.",
                "You were logged out %(count)d hours after logging in. Please log in again.",
                hours,
            ) % {"count": hours}
        else:
            minutes = settings.SESSION_IDLE_TIMEOUT_MINUTES
            text = ngettext(
                "You were logged out after %(count)d minute without activity. Please log in again.",
                "You were logged out after %(count)d minutes without activity. Please log in "
                "again.",
                minutes,
            ) % {"count": minutes}
        if not htmx:
            try:
                public = resolve(request.path_info).namespace == "public"
            except Resolver404:
                public = False
            if public:
                return None  # shown to nobody logged in
        messages.info(request, text, fail_silently=True)
        login_url = reverse("accounts:login")
        if back and back.startswith("/") and not back.startswith("//"):
            login_url += "?" + urlencode({REDIRECT_FIELD_NAME: back})
        if htmx:
            response = HttpResponse(_("Your session has ended."), status=401)
            response["HX-Redirect"] = login_url
            return response
        return HttpResponseRedirect(login_url)
