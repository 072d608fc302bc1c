from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

# Pages an account that must use two-factor authentication may open before it has.
EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/p/")


class TwoFactorRequiredMiddleware:
    """Admins and secretariat staff must have verified a TOTP device in this session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "requires_two_factor", False)
            and not user.is_verified()
            and not request.path.startswith(EXEMPT_PREFIXES)
        ):
            from django.contrib.auth import REDIRECT_FIELD_NAME

            from aktivist.accounts.two_factor import has_device

            target = (
                "accounts:two_factor_verify" if has_device(user) else "accounts:two_factor_setup"
            )
            response = redirect(target)
            response["Location"] += f"?{REDIRECT_FIELD_NAME}={request.get_full_path()}"
            return response
        return self.get_response(request)
