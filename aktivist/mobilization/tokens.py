"""Short signed tokens for the links in bulk email: one token per purpose.

A token is a prefix, an id in base 36 (and for the preference centre the time it was
issued) and a truncated HMAC under a key of its own purpose, so a token of one purpose
never passes as another's (changing the prefix does not help: the key differs too). A
link names nobody and cannot be forged or edited.

- ``l`` personal link (a delivery): ``/r/<token>/`` in the email or SMS; lives for ever.
- ``f`` reference (a delivery): ``?ref=`` on the page a personal link forwards to, and so
  in any address people share; lives for ever, and only attributes a response.
- ``u`` unsubscribe (a delivery): ``/u/<token>/`` and ``List-Unsubscribe``; for ever.
- ``p`` preference centre (a person and an issue time): ``/p/<token>/``; expires after
  ``PREFERENCE_LINK_MAX_AGE_DAYS``.
- ``d`` the one delivery token of messages sent before issue 15 (their ``/r/``, ``?ref=``
  and ``/u/``): still a personal link and a reference, and an unsubscribe link only within
  ``LEGACY_UNSUBSCRIBE_LINK_DAYS`` of sending (docs/email.md says why).

A preference-centre token of the old form (``p<id>.<mac>``, no issue time) reads as
expired. Anything that is not one of our tokens — another purpose's, cut, lengthened,
non-ASCII, NUL, very long — reads as None, and the pages answer 404.
"""

from __future__ import annotations

import base64
import hmac
import time
from dataclasses import dataclass
from functools import lru_cache
from hashlib import sha256

from django.conf import settings

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
MAC_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
MAC_CHARS = 16  # 96 bits
MAX_LENGTH = 64
CLOCK_SKEW_SECONDS = 300  # an issue time this far ahead still reads (another server's clock)


@lru_cache(maxsize=16)
def _key(purpose: str, secret: str) -> bytes:
    return hmac.new(secret.encode(), f"aktivist.mobilization.{purpose}".encode(), sha256).digest()


def _b36(number: int) -> str:
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = ALPHABET[rest] + out
        if not number:
            return out


def _mac(purpose: str, value: str) -> str:
    digest = hmac.new(_key(purpose, settings.SECRET_KEY), value.encode(), sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:MAC_CHARS]


def _make(prefix: str, purpose: str, *numbers: int) -> str:
    value = ".".join(_b36(n) for n in numbers)
    return f"{prefix}{value}.{_mac(purpose, value)}"


def _read(prefix: str, purpose: str, token: object, parts: int = 1) -> list[int] | None:
    """The numbers a token of this purpose carries, or None when it is not one of ours.
    Only ASCII reaches the comparison (hmac.compare_digest refuses other strings)."""
    if (
        not isinstance(token, str)
        or len(token) > MAX_LENGTH
        or not token.isascii()
        or not token.startswith(prefix)
    ):
        return None
    value, _sep, mac = token[len(prefix) :].rpartition(".")
    numbers = value.split(".")
    if (
        len(numbers) != parts
        or not all(n and set(n) <= set(ALPHABET) for n in numbers)
        or len(mac) != MAC_CHARS
        or not set(mac) <= MAC_ALPHABET
    ):
        return None
    if not hmac.compare_digest(mac, _mac(purpose, value)):
        return None
    return [int(n, 36) for n in numbers]


def _one(prefix: str, purpose: str, token: object) -> int | None:
    found = _read(prefix, purpose, token)
    return found[0] if found else None


def _first(*found: int | None) -> int | None:
    return next((f for f in found if f is not None), None)


# --- A delivery's tokens -----------------------------------------------------------------


def link_token(delivery_id: int) -> str:
    """The personal link in the message: ``/r/<token>/``."""
    return _make("l", "link", delivery_id)


def ref_token(delivery_id: int) -> str:
    """The reference the personal link forwards with (``?ref=``): it may end up in any
    address someone shares, so it only attributes a response, and opens nothing."""
    return _make("f", "ref", delivery_id)


def unsubscribe_token(delivery_id: int) -> str:
    """The unsubscribe link and the List-Unsubscribe header: ``/u/<token>/``."""
    return _make("u", "unsubscribe", delivery_id)


def delivery_token(delivery_id: int) -> str:
    """The one delivery token of messages sent before issue 15 (their /r/, ?ref= and /u/).
    No new message carries it; tests use it to stand for a message sent then."""
    return _make("d", "delivery", delivery_id)


def link_delivery_id(token: object) -> int | None:
    """The delivery a personal link names (a legacy delivery token too), or None."""
    return _first(_one("l", "link", token), _one("d", "delivery", token))


def ref_delivery_id(token: object) -> int | None:
    """The delivery a reference names, or None. A legacy delivery token counts: pages
    opened through a personal link before issue 15 carry one."""
    return _first(_one("f", "ref", token), _one("d", "delivery", token))


@dataclass(frozen=True)
class UnsubscribeLink:
    delivery_id: int
    legacy: bool  # a delivery token of before issue 15: it was also the page's reference


def unsubscribe_link_from(token: object) -> UnsubscribeLink | None:
    found = _one("u", "unsubscribe", token)
    if found is not None:
        return UnsubscribeLink(delivery_id=found, legacy=False)
    legacy = _one("d", "delivery", token)
    return UnsubscribeLink(delivery_id=legacy, legacy=True) if legacy is not None else None


# --- A person's preference-centre token -------------------------------------------------


def preference_token(person_id: int, *, issued_at: float | None = None) -> str:
    """``/p/<token>/``: the person and when the link was made (it expires)."""
    issued = int(time.time() if issued_at is None else issued_at)
    return _make("p", "preferences.timed", person_id, issued)


@dataclass(frozen=True)
class PreferenceLink:
    person_id: int
    expired: bool


def preference_link_from(token: object) -> PreferenceLink | None:
    """The person a preference-centre link names and whether it has expired, or None
    when it is not one of ours. An old link without an issue time has expired."""
    found = _read("p", "preferences.timed", token, parts=2)
    if found is not None:
        person_id, issued = found
        age = time.time() - issued
        if age < -CLOCK_SKEW_SECONDS:
            return None
        max_age = settings.PREFERENCE_LINK_MAX_AGE_DAYS * 24 * 60 * 60
        return PreferenceLink(person_id=person_id, expired=age > max_age)
    legacy = _one("p", "preferences", token)
    return PreferenceLink(person_id=legacy, expired=True) if legacy is not None else None
