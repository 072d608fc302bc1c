"""A database outage answers 503 with Retry-After, never 500.

When PostgreSQL is gone (stopped, restarting, unreachable, out of connections) every request
that touches it fails with an OperationalError or InterfaceError. Those are not bugs in the
request: the client may send it again in a moment. This module tells them from real errors
(``is_outage``) and answers them with a small page (JSON under /api/) that needs neither the
database, the session nor a template: ``503 Service Unavailable`` with ``Retry-After:
DATABASE_OUTAGE_RETRY_AFTER``.

It answers wherever the error is raised:

- in a view: ``DatabaseOutageMiddleware.process_exception``;
- in a middleware (a session read or a session save after the view) or in a view the API
  fast lane calls directly: Django turns the exception into a response with ``handler500``
  (``aktivist.core.views.server_error``), which asks ``outage_response_for_current_error``
  first — rendering the 500 page would need the database again (the user in the context);
- anything left (an error page that itself failed): ``DatabaseOutageMiddleware.__call__``.

(With DEBUG on, Django shows its debug page instead of calling handler500: an outage outside a
view is then a 500 with the traceback, for the developer.)

A broken persistent connection is closed by Django at the end of the request (an error
occurred and ``is_usable()`` fails), so the next request connects afresh: the application
recovers by itself when the database is back. With ``CONN_HEALTH_CHECKS=true`` it is checked
before its first use in each request instead (one round trip per request; saves each
process's first request after a restart from a 503). Other errors stay 500."""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# SQLSTATEs the server sends when it ends or refuses the connection: class 08 (connection
# exception), 53300 too many connections, 57P01 administrator (or immediate) shutdown, 57P02
# crash of another server process, 57P03 starting up or shutting down, 57P05 idle session
# timeout.
OUTAGE_SQLSTATES = frozenset({"53300", "57P01", "57P02", "57P03", "57P05"})
# SQLite's equivalent: the file cannot be opened (a lock or a missing table is not an outage).
SQLITE_OUTAGE_TEXTS = ("unable to open database file", "disk i/o error")
API_PREFIX = "/api/"
LOG_EVERY_SECONDS = 10.0


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached (rather than that a query is
    wrong): the connection was refused, lost or ended by the server."""
    if isinstance(exc, InterfaceError):  # a connection that is already closed
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if code:
        return str(code).startswith("08") or code in OUTAGE_SQLSTATES
    if type(cause).__module__.split(".")[0] in ("psycopg", "psycopg2"):
        # No SQLSTATE: the client library's own error — refused, timed out, connection lost.
        return True
    text = str(exc).lower()
    return any(part in text for part in SQLITE_OUTAGE_TEXTS)


def _language(request: HttpRequest) -> str:
    """?lang= (the public pages' choice), else the cookie or the browser's language."""
    chosen = request.GET.get("lang", "")
    if chosen in dict(settings.LANGUAGES):
        return chosen
    return translation.get_language_from_request(request) or settings.LANGUAGE_CODE


def outage_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON for the API, else a small page in the request's language."""
    retry_after = max(1, int(settings.DATABASE_OUTAGE_RETRY_AFTER))
    language = _language(request)
    with translation.override(language):
        title = _("Temporarily unavailable")
        message = _(
            "The service cannot reach its database right now. What you sent may not have "
            "been saved: please try again in a moment."
        )
    if request.path_info.startswith(API_PREFIX):
        body = json.dumps({"error": "unavailable", "message": message}, ensure_ascii=False)
        response = HttpResponse(body, status=503, content_type="application/json")
    else:
        page = (
            f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>"
            f"<p>{escape(message)}</p></main></body></html>"
        )
        response = HttpResponse(page, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    response["Content-Language"] = language
    # Not an error of the application: one summary line now and then (_note), not a
    # traceback per request from Django's request logger.
    response._has_been_logged = True  # type: ignore[attr-defined]  # read by log_response
    return response


class _Tally:
    """Counts outage answers and logs them at most every LOG_EVERY_SECONDS per process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.count = 0
        self.logged_at = 0.0

    def note(self, exc: BaseException) -> None:
        with self.lock:
            self.count += 1
            now = time.monotonic()
            if now - self.logged_at < LOG_EVERY_SECONDS:
                return
            count, self.count, self.logged_at = self.count, 0, now
        code = getattr(exc.__cause__, "sqlstate", None) or "-"
        # The class and SQLSTATE only: a server message may quote data.
        logger.warning(
            "Database unavailable (%s, SQLSTATE %s): answered 503 to %d request(s)",
            type(exc).__name__,
            code,
            count,
        )


_tally = _Tally()


def answer_outage(request: HttpRequest, exc: BaseException) -> HttpResponse | None:
    """The 503 when ``exc`` is an outage, else None."""
    if not is_outage(exc):
        return None
    _tally.note(exc)
    return outage_response(request)


def outage_response_for_current_error(request: HttpRequest) -> HttpResponse | None:
    """For handler500: the 503 when the exception being handled is an outage."""
    exc = sys.exc_info()[1]
    return answer_outage(request, exc) if exc is not None else None


class DatabaseOutageMiddleware:
    """Early in MIDDLEWARE (before the API fast lane): see the module's docstring."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        except (OperationalError, InterfaceError) as exc:
            response = answer_outage(request, exc)
            if response is None:
                raise
            return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return answer_outage(request, exception)
