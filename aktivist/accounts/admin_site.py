from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from aktivist.accounts.capabilities import Capability, can


def restrict_admin_site(site: AdminSite) -> None:
    """The Django admin is for configuration, and only for admins who passed two-factor."""

    def has_permission(request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active
            and user.is_authenticated
            and can(user, Capability.SETTINGS_ADMIN)
            and user.is_staff
            and user.is_verified()  # type: ignore[attr-defined]  # added by OTPMiddleware
        )

    def login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # One login form for the whole site (email in any case, throttling, two-factor).
        if request.user.is_authenticated:
            raise Http404  # signed in but not an admin: the admin does not exist for them
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
        return redirect_to_login(next_url, "accounts:login")

    site.has_permission = has_permission  # type: ignore[method-assign]
    site.login = login  # type: ignore[method-assign]
    site.site_header = "Aktivist"
    site.site_title = "Aktivist"
