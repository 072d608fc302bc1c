"""Limits on the password reset form, counted in the cache by django-ratelimit.

Per client address (aktivist/lib/client_address.py, the same address the login throttle
counts) and per typed email. Keys are keyed hashes: the cache holds no address in the clear.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django_ratelimit.core import get_usage

from aktivist.lib.client_address import client_address


def _over(request: HttpRequest, *, group: str, value: str, rate: str) -> int:
    """Count one use; the seconds to wait when this use is over the rate, else 0."""
    key = salted_hmac(f"aktivist.accounts.throttle.{group}", value).hexdigest()
    usage = get_usage(request, group=group, key=lambda _g, _r: key, rate=rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return 0
    return max(1, int(usage["time_left"]))


def password_reset_by_address(request: HttpRequest) -> int:
    return _over(
        request,
        group="accounts.password-reset.address",
        value=client_address(request) or "unknown",
        rate=f"{settings.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR}/h",
    )


def password_reset_by_email(request: HttpRequest, email: str) -> int:
    return _over(
        request,
        group="accounts.password-reset.email",
        value=email.strip().lower(),
        rate=f"{settings.PASSWORD_RESETS_PER_EMAIL_PER_HOUR}/h",
    )
