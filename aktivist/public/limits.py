"""Rate limits on the public pages, counted in the cache by django-ratelimit.

Per IP the limits are wide (a school class signs together from one address); per email
and per mobile they are narrow. Keys never hold an address in the clear: they are keyed
hashes, so the cache holds no personal data.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django_ratelimit.core import get_usage

from aktivist.campaigns.signing import SignatureInput
from aktivist.lib.client_address import client_address


@dataclass(frozen=True)
class Limited:
    """The request is over a limit; try again after this many seconds."""

    retry_after: int


def client_ip(request: HttpRequest) -> str:
    """The client's address, as the login throttle counts it (aktivist/lib/client_address.py:
    REMOTE_ADDR, or behind TRUSTED_PROXIES / USE_X_FORWARDED_FOR the first X-Forwarded-For
    hop that is not our own proxy). IPv6 addresses count per /64."""
    return client_address(request) or "unknown"


def _hit(request: HttpRequest, *, group: str, value: str, rate: str) -> Limited | None:
    """Count one use of ``group`` by ``value``; Limited when this use is over the rate."""
    usage = get_usage(request, group=group, key=lambda _g, _r: value, rate=rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    return Limited(retry_after=max(1, int(usage["time_left"])))


def _hashed(purpose: str, value: str) -> str:
    return salted_hmac(f"aktivist.public.limits.{purpose}", value).hexdigest()


def signature_by_ip(request: HttpRequest) -> Limited | None:
    rate = f"{settings.PUBLIC_SIGNATURES_PER_IP_PER_MINUTE}/m"
    return _hit(request, group="public.sign.ip", value=client_ip(request), rate=rate)


def signature_by_address(request: HttpRequest, signature: SignatureInput) -> Limited | None:
    """Per email and per mobile: both count, the longer wait wins."""
    rate = f"{settings.PUBLIC_SIGNATURES_PER_ADDRESS_PER_HOUR}/h"
    hits = [
        _hit(request, group="public.sign.email", value=_hashed("email", signature.email), rate=rate)
    ]
    if signature.mobile:
        hits.append(
            _hit(
                request,
                group="public.sign.mobile",
                value=_hashed("mobile", signature.mobile),
                rate=rate,
            )
        )
    limited = [h for h in hits if h is not None]
    return max(limited, key=lambda h: h.retry_after) if limited else None


def sms_code_by_ip(request: HttpRequest) -> Limited | None:
    """SMS code attempts: each code has few attempts of its own; this stops hammering."""
    rate = f"{settings.PUBLIC_SIGNATURES_PER_IP_PER_MINUTE}/m"
    return _hit(request, group="public.sms-code.ip", value=client_ip(request), rate=rate)


SMS_CODES_PER_PERSON_PER_HOUR = 5


def sms_code_sent_to_person(request: HttpRequest, person_id: int) -> Limited | None:
    """Codes asked for from a preference centre: a few an hour per person (each costs an
    SMS and lands on someone's phone)."""
    return _hit(
        request,
        group="public.sms-code.person",
        value=_hashed("person", str(person_id)),
        rate=f"{SMS_CODES_PER_PERSON_PER_HOUR}/h",
    )


# Fresh preference-centre links asked for by address: a few an hour per typed address
# (each lands in someone's inbox), more per client address (a household, an office).
PREFERENCE_LINKS_PER_EMAIL_PER_HOUR = 3
PREFERENCE_LINKS_PER_IP_PER_HOUR = 20


def preference_link_by_ip(request: HttpRequest) -> Limited | None:
    return _hit(
        request,
        group="public.preference-link.ip",
        value=client_ip(request),
        rate=f"{PREFERENCE_LINKS_PER_IP_PER_HOUR}/h",
    )


def preference_link_by_email(request: HttpRequest, email: str) -> Limited | None:
    """Counted by a keyed hash of the address as typed (trimmed, lower-cased)."""
    return _hit(
        request,
        group="public.preference-link.email",
        value=_hashed("preference-link-email", email.strip().lower()),
        rate=f"{PREFERENCE_LINKS_PER_EMAIL_PER_HOUR}/h",
    )
