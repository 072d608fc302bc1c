from __future__ import annotations

from django.contrib.admin import AdminSite
from django.http import HttpRequest


def restrict_admin_site(site: AdminSite) -> None:
    """The Django admin is for configuration, and only for admins who passed two-factor."""

    def has_permission(request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active
            and user.is_authenticated
            and getattr(user, "access_role", None) == "admin"
            and user.is_staff
            and user.is_verified()  # type: ignore[attr-defined]  # added by OTPMiddleware
        )

    site.has_permission = has_permission  # type: ignore[method-assign]
    site.site_header = "Aktivist"
    site.site_title = "Aktivist"
