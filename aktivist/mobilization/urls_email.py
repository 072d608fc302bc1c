"""The email service providers' webhooks: django-anymail's addresses, mounted at
/webhooks/email/ (bounces and complaints reach ``webhooks.handle_tracking``).

Two kinds of request made anymail answer with a 500 that anyone could cause at will:

- a provider this installation has not set up (its signing key unset, its package not
  installed): anymail raises its configuration error. Such an address is answered 404, like
  any address that is not served, and the missing setting is logged for the operator;
- a body that is not what the provider sends (no JSON, no UTF-8, a list where an object
  belongs, a field missing): anymail's parsers assume the provider's shape, so the error of
  a body they cannot read escapes once the request has passed the basic auth. Such a body
  is answered 400. Only the provider's parser is guarded: an error in our own receiver
  (``webhooks.handle_tracking``) still answers 500, so that the provider retries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailConfigurationError, AnymailError
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponseBase
from django.urls import URLPattern
from django.views import View

logger = logging.getLogger(__name__)

app_name = anymail_urls.app_name  # "anymail": reverse("anymail:…") keeps working


def not_set_up_is_not_found(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    @wraps(view)  # keeps csrf_exempt and the view class
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except AnymailConfigurationError as exc:
            logger.warning("email webhook %s is not set up: %s", request.path, exc)
            raise Http404 from exc

    return wrapped


def _guarded_parser(view_class: type[View]) -> Callable[..., list[Any]]:
    parse_events = view_class.parse_events  # type: ignore[attr-defined]

    def parse_events_or_bad_request(self: Any, request: HttpRequest) -> list[Any]:
        try:
            return list(parse_events(self, request))
        except (AnymailError, AnymailConfigurationError):
            raise  # a forged signature is anymail's 400 already; a missing setting: 404
        except Exception as exc:  # the provider's parser failed on a body it cannot read
            # Neither the body nor the error's text is logged: they hold addresses.
            logger.warning(
                "email webhook %s: unreadable body (%s)", request.path, type(exc).__name__
            )
            raise BadRequest("unreadable webhook body") from exc

    return parse_events_or_bad_request


def guarded(callback: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """anymail's view with its parser guarded and its configuration errors answered 404."""
    view_class: type[View] | None = getattr(callback, "view_class", None)
    if view_class is None:
        return not_set_up_is_not_found(callback)
    subclass: type[View] = type(
        view_class.__name__, (view_class,), {"parse_events": _guarded_parser(view_class)}
    )
    initkwargs = getattr(callback, "view_initkwargs", {})
    return not_set_up_is_not_found(subclass.as_view(**initkwargs))


urlpatterns = [
    URLPattern(p.pattern, guarded(p.callback), p.default_args, p.name)
    for p in anymail_urls.urlpatterns
    if isinstance(p, URLPattern)
]
