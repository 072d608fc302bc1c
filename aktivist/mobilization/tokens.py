"""Short signed tokens for the links in bulk email: a delivery's (personal links,
unsubscribe) and a person's (the preference centre). They carry an id and a truncated
HMAC of it; nothing else, so a link names nobody and cannot be forged or edited."""

from __future__ import annotations

import base64
import hmac
from functools import lru_cache
from hashlib import sha256

from django.conf import settings

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
MAC_CHARS = 16  # 96 bits


@lru_cache(maxsize=8)
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


def _make(prefix: str, purpose: str, number: int) -> str:
    value = _b36(number)
    return f"{prefix}{value}.{_mac(purpose, value)}"


def _read(prefix: str, purpose: str, token: str) -> int | None:
    if not isinstance(token, str) or not token.startswith(prefix) or len(token) > 64:
        return None
    value, _sep, mac = token[len(prefix) :].partition(".")
    if not value or not mac or any(ch not in ALPHABET for ch in value):
        return None
    if not hmac.compare_digest(mac, _mac(purpose, value)):
        return None
    return int(value, 36)


def delivery_token(delivery_id: int) -> str:
    return _make("d", "delivery", delivery_id)


def delivery_id_from(token: str) -> int | None:
    """The delivery a token names, or None when it is not one of ours."""
    return _read("d", "delivery", token)


def preference_token(person_id: int) -> str:
    return _make("p", "preferences", person_id)


def person_id_from(token: str) -> int | None:
    return _read("p", "preferences", token)
