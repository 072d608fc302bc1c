from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
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
    """Admins and secretariat staff must have verified a TOTP device in this session, and so
    must anyone who turned two-factor on voluntarily."""

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
