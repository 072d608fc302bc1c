"""django-axes counts failed logins per (email, IP address).

Our login form posts the email as ``username``; axes would look for the model's
USERNAME_FIELD (``email``) and count every failure under an empty name. This callable
(settings.AXES_USERNAME_CALLABLE) finds the email either way and lower-cases it, so
"Maja@Example.org" and "maja@example.org" share one counter on every login form,
including the Django admin's.
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def axes_username(request: Any, credentials: dict[str, Any] | None = None) -> str | None:
    value: Any = None
    if credentials:
        value = credentials.get("username") or credentials.get("email")
    if value is None and request is not None:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        value = data.get("username") or data.get("email")
    if not value:
        return None
    return str(value).strip().lower()


class LoginThrottle(AxesDatabaseHandler):
    """axes' database handler (settings.AXES_HANDLER) plus a limit per client address.

    axes locks an account *from one address* (AXES_LOCKOUT_PARAMETERS: email and address
    together), so a stranger elsewhere never locks the owner out. Against one address
    trying many accounts (password spraying), the failures of all accounts from that
    address are added up too: at LOGIN_FAILURES_PER_ADDRESS within AXES_COOLOFF_TIME the
    address is refused, every account alike, with the same lockout page. The counts live
    in axes' table, so every web process shares them.
    """

    def address_failures(self, request: Any) -> int:
        address = getattr(request, "axes_ip_address", None)
        if not address:
            return 0
        threshold = get_cool_off_threshold(request)
        total = AccessAttempt.objects.filter(
            ip_address=address, attempt_time__gte=threshold
        ).aggregate(total=Sum("failures_since_start"))["total"]
        return int(total or 0)

    def address_locked(self, request: Any) -> bool:
        return self.address_failures(request) >= settings.LOGIN_FAILURES_PER_ADDRESS

    def is_locked(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        return super().is_locked(request, credentials) or self.address_locked(request)

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if self.address_locked(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials
