"""Filling an event's sign-up form for the browser that has just signed an action.

Decision (issue 17): a short-lived signed cookie in the signer's own browser, never the
address. After a full-page signature (never an embed: a third-party frame) the answer sets
``aktivist_prefill``: the name, email, mobile and postcode as typed, signed (a changed
cookie is ignored), ``HttpOnly``, ``SameSite=Lax``, ``Secure`` in production, sent only to
``/e/`` (event pages) and living ``PREFILL_MAX_AGE`` seconds. Nothing is stored on the
server, so nothing joins the erasure registry; another browser, or the same one after the
cookie has lived, gets an empty form. A pre-filled page is ``Cache-Control: private,
no-store``. A successful sign-up deletes the cookie. The inputs keep their ``autocomplete``
attributes, so the browser's own autofill works too.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control

COOKIE = "aktivist_prefill"
SALT = "aktivist.public.prefill"
PATH = "/e/"
PREFILL_MAX_AGE = 30 * 60
# The fields kept, with the form's own length limits.
FIELDS = {"first_name": 200, "last_name": 200, "email": 254, "mobile": 30, "postcode": 12}


def remember(request: HttpRequest, response: HttpResponse) -> None:
    """Keep what this browser typed into the signing form for its next event sign-up."""
    values = {}
    for name, limit in FIELDS.items():
        value = request.POST.get(name, "")
        if isinstance(value, str) and value.strip():
            values[name] = value.strip()[:limit]
    if not values:
        return
    response.set_signed_cookie(
        COOKIE,
        json.dumps(values, ensure_ascii=True, separators=(",", ":")),
        salt=SALT,
        max_age=PREFILL_MAX_AGE,
        path=PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def recall(request: HttpRequest) -> dict[str, Any]:
    """What this browser typed when it signed, if it did within ``PREFILL_MAX_AGE``."""
    raw = request.get_signed_cookie(COOKIE, default=None, salt=SALT, max_age=PREFILL_MAX_AGE)
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, TypeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        name: value[:limit]
        for name, limit in FIELDS.items()
        if isinstance(value := data.get(name), str) and value
    }


def private(response: HttpResponse) -> None:
    """A page showing what the browser typed: no shared cache keeps it."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)


def forget(request: HttpRequest, response: HttpResponse) -> None:
    if COOKIE in request.COOKIES:
        response.delete_cookie(COOKIE, path=PATH, samesite="Lax")
