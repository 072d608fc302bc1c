"""The JSON signing endpoint for channels (the organisation's website, a partner).

    POST /api/v1/actions/<slug>/signatures
    Authorization: Bearer ak_…            the channel's API key
    Idempotency-Key: <up to 100 chars>    optional, recommended: a retry never signs twice
    {"first_name": …, "email": …, "birth_year": …, "consents": [...], …}

Answers (always JSON, never a session or cookie):
201 {"status": "accepted", "action": slug} — also for a repeated signer (never revealed);
400 {"errors": {field: [messages]}}; 401 {"error": "unauthorized"}; 404 {"error":
"not_found"}; 409 {"error": "closed"}; 413 {"error": "too_large"}; 422 {"error": "under_13",
"message": …} (nothing stored); 429 {"error": "rate_limited"} with Retry-After.

The first accepted response for an idempotency key is stored in the same transaction as the
signature and replayed for every retry with that key, also when retries race: the key is
the first row the transaction inserts, so a racing twin waits on the unique index (on
PostgreSQL) until the first commits, then replays its answer. Refusals store nothing (they
wrote nothing), so a retry after fixing the body goes through; a retry of a key that was
accepted replays the acceptance whatever the body. A 201 is sent only after commit.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, ResolverMatch, get_urlconf, resolve
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from aktivist.accounts.decorators import open_to_anyone
from aktivist.campaigns import hotpath
from aktivist.campaigns.channels import channel_for_key, channel_throttle
from aktivist.campaigns.models import Action, Channel, IdempotencyKey, Participation
from aktivist.campaigns.selectors import public_action
from aktivist.campaigns.signing import (
    TOKEN_MAX,
    ActionClosed,
    UnderAge,
    clean_signature,
    sign,
)

MAX_BODY_BYTES = 64 * 1024  # the longest letter (5,000 characters) fits several times
IDEMPOTENCY_KEY_MAX = 100

# JSON types each field may have (None always means "not given").
_TEXT = (str,)
FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "first_name": _TEXT,
    "last_name": _TEXT,
    "email": _TEXT,
    "mobile": _TEXT,
    "postcode": (str, int),
    "birth_year": (str, int),
    "age_bracket": _TEXT,
    "consents": (list,),
    "named": (bool,),
    "letter_text": _TEXT,
    "language": _TEXT,
    "tracking_token": _TEXT,
}


class _Replay(Exception):
    """The idempotency key was stored by an earlier (or racing) request: answer as it did."""


def _json(status: int, body: dict[str, Any], **headers: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, sort_keys=True),
        status=status,
        content_type="application/json",
    )
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _bearer(request: HttpRequest) -> str:
    scheme, _sep, key = request.headers.get("Authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def _idempotency_key(request: HttpRequest) -> str | None:
    """The header's value ('' when absent), or None when it is unusable."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable():
        return None
    return key


def _wrong_type(value: Any, types: tuple[type, ...]) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):  # JSON true is not a year or a postcode
        return bool not in types
    return not isinstance(value, types)


def _parse(request: HttpRequest) -> dict[str, Any] | HttpResponse:
    """The JSON object of the body, or the refusal to send."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return _json(413, {"error": "too_large"})
    try:
        raw = request.body
    except RequestDataTooBig:  # no Content-Length (chunked) and more than Django accepts
        return _json(413, {"error": "too_large"})
    if len(raw) > MAX_BODY_BYTES:
        return _json(413, {"error": "too_large"})
    try:
        data = json.loads(raw or b"null")
    except (ValueError, RecursionError):
        return _json(400, {"errors": {"body": [_("Send the signature as JSON.")]}})
    if not isinstance(data, dict):
        return _json(400, {"errors": {"body": [_("Send the signature as a JSON object.")]}})
    errors = {
        name: [_("This field has the wrong type.")]
        for name, types in FIELD_TYPES.items()
        if _wrong_type(data.get(name), types)
    }
    if isinstance(data.get("consents"), list) and not all(
        isinstance(c, str) for c in data["consents"]
    ):
        errors["consents"] = [_("This field has the wrong type.")]
    token = data.get("tracking_token")
    if isinstance(token, str) and (len(token) > TOKEN_MAX or not token.isprintable()):
        errors["tracking_token"] = [_("This is not a tracking token.")]
    if errors:
        return _json(400, {"errors": errors})
    return data


def _language(data: dict[str, Any]) -> str:
    value = data.get("language") or ""
    return "en" if value.lower().startswith("en") else "sv"


def _stored(channel: Channel, key: str) -> HttpResponse | None:
    stored = IdempotencyKey.objects.filter(channel=channel, key=key).first()
    if stored is None:
        return None
    return _json(stored.status_code, stored.response, Idempotent_Replayed="true")


def _refuse(channel: Channel, key: str, response: HttpResponse) -> HttpResponse:
    """A refusal, unless this key was accepted before: then the acceptance is replayed."""
    return (_stored(channel, key) if key else None) or response


# Published actions by slug, remembered per process for a second: a channel signs the same
# action many times a second. Whether the action is open is still decided per request from
# its times, so a scheduled close is exact; a staff edit reaches every process within
# ACTION_CACHE_SECONDS.
ACTION_CACHE_SECONDS = 1.0
ACTION_CACHE_MAX = 256
_actions: dict[str, tuple[float, Action | None]] = {}


def _action(slug: str) -> Action | None:
    now = time.monotonic()
    hit = _actions.get(slug)
    if hit is not None and now - hit[0] < ACTION_CACHE_SECONDS:
        return hit[1]
    try:
        action: Action | None = public_action(slug)
    except Http404:
        action = None
    if len(_actions) >= ACTION_CACHE_MAX:
        _actions.clear()
    _actions[slug] = (now, action)
    return action


def forget_action_cache() -> None:
    _actions.clear()


@open_to_anyone  # a channel's key (Bearer) is checked per request
@csrf_exempt
def sign_action(request: HttpRequest, slug: str) -> HttpResponse:
    # Messages are in the body's "language", else in the Accept-Language one. The view needs
    # no LocaleMiddleware (nor session, user or CSRF): see ApiFastLaneMiddleware.
    with translation.override(translation.get_language_from_request(request)):
        return _sign_action(request, slug)


sign_action.fast_lane = True  # type: ignore[attr-defined]  # see ApiFastLaneMiddleware


def _sign_action(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method != "POST":
        return _json(405, {"error": "method_not_allowed"}, Allow="POST")
    channel = channel_for_key(_bearer(request))
    if channel is None:
        return _json(401, {"error": "unauthorized"}, WWW_Authenticate='Bearer realm="aktivist"')
    retry_after = channel_throttle(channel)
    if retry_after:
        return _json(429, {"error": "rate_limited"}, Retry_After=str(retry_after))
    key = _idempotency_key(request)
    if key is None:
        message = _("Use at most %(max)s printable characters.") % {"max": IDEMPOTENCY_KEY_MAX}
        return _json(400, {"errors": {"idempotency_key": [message]}})
    action = _action(slug)
    if action is None:
        return _refuse(channel, key, _json(404, {"error": "not_found"}))
    if not action.is_open():
        return _refuse(channel, key, _closed())
    data = _parse(request)
    if isinstance(data, HttpResponse):
        return _refuse(channel, key, data)
    language = _language(data)  # the signer's language: Swedish unless the body says English
    with translation.override(language if data.get("language") else translation.get_language()):
        return _sign(channel, key, action, data, language)


def _closed() -> HttpResponse:
    message = _("This action is closed and accepts no more signatures.")
    return _json(409, {"error": "closed", "message": message})


def _sign(
    channel: Channel, key: str, action: Action, data: dict[str, Any], language: str
) -> HttpResponse:
    try:
        signature = clean_signature(data, language=language)
    except UnderAge as e:
        return _refuse(channel, key, _json(422, {"error": "under_13", "message": e.message}))
    except ValidationError as e:
        return _refuse(channel, key, _json(400, {"errors": e.message_dict}))
    body = {"status": "accepted", "action": action.slug}

    def remember() -> None:
        try:
            hotpath.insert(
                IdempotencyKey(channel_id=channel.pk, key=key, status_code=201, response=body)
            )
        except IntegrityError:
            raise _Replay from None

    for _attempt in range(2):
        try:
            sign(
                action=action,
                signature=signature,
                source=Participation.Source.API,
                channel_id=channel.pk,
                tracking_token=data.get("tracking_token") or "",
                in_transaction=remember if key else None,
            )
        except ActionClosed:
            return _refuse(channel, key, _closed())
        except _Replay:
            replay = _stored(channel, key)
            if replay is not None:
                return replay
            continue  # the stored key was purged in between: sign afresh
        return _json(201, body)
    raise AssertionError("an idempotency key that is neither stored nor free")


# --- The API fast lane -------------------------------------------------------------------

API_PREFIX = "/api/"


class ApiFastLaneMiddleware:
    """Sends requests for the JSON API straight to their view.

    Placed right after SecurityMiddleware, it lets a request under /api/ whose view is
    marked ``fast_lane`` skip the rest of the middleware: sessions, CSRF, authentication,
    two-factor, messages, locale, login throttling and page headers mean nothing to a
    bearer-token JSON endpoint, and on the signing hot path they cost about a fifth of the
    request. Every other request passes through unchanged."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        match = _fast_lane_route(request.path_info)
        if match is None:
            return self.get_response(request)
        request.resolver_match = match
        response: HttpResponse = match.func(request, *match.args, **match.kwargs)
        return response


_routes: dict[tuple[str | None, str], ResolverMatch | None] = {}
ROUTES_MAX = 1024


def _fast_lane_route(path: str) -> ResolverMatch | None:
    """The route of a fast-lane view for this path, else None; remembered per process (a
    channel posts to the same few paths over and over)."""
    key = (get_urlconf(), path)
    if key in _routes:
        return _routes[key]
    try:
        match: ResolverMatch | None = resolve(path)
    except Resolver404:
        match = None
    if match is not None and not getattr(match.func, "fast_lane", False):
        match = None
    if len(_routes) >= ROUTES_MAX:
        _routes.clear()
    _routes[key] = match
    return match
