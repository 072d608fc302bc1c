"""The start page, the access decorators shared by the staff pages, and the error pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from aktivist.accounts.access import scope_for
from aktivist.core import selectors
from aktivist.core.outage import outage_response_for_current_error

View = Callable[..., HttpResponse]


def people_viewer_required(view: View) -> View:
    """Logged in, and an access role that sees people (not the board viewer). Anyone else
    gets the 404 page: a page they may not use is answered as if it did not exist."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not scope_for(request.user).sees_people:
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def national_required(view: View) -> View:
    """Secretariat admins and staff only (others: 404)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not scope_for(request.user).is_national:
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def follow_ups_context(request: HttpRequest) -> dict[str, Any]:
    return {
        "follow_ups": selectors.my_open_follow_ups(request.user),
        "show_secretariat_pool": scope_for(request.user).is_national,
        "secretariat_follow_ups": selectors.secretariat_open_follow_ups(request.user),
        "follow_up_limit": selectors.FOLLOW_UP_LIMIT,
        "today": timezone.localdate(),
    }


def render_follow_ups(request: HttpRequest, *, message: str = "") -> HttpResponse:
    """The start page's follow-up section (the partial the full page includes)."""
    context = follow_ups_context(request)
    context["section_message"] = message
    return render(request, "core/_follow_ups.html", context)


@login_required
def start(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if scope.is_dpo:
        # The data-protection officer has no people pages: the privacy pages are their start.
        from aktivist.privacy.nav import landing_url

        landing = landing_url(scope)
        if landing:
            return redirect(landing)
    if not scope.sees_people:
        # Board viewers (and accounts without a scope yet) see no personal data at all.
        return render(request, "core/start_board.html", {"nav": "start"})
    context = {
        "nav": "start",
        **follow_ups_context(request),
        "recent_interactions": selectors.recent_interactions(request.user),
        "recent_people": selectors.recent_people(request.user),
    }
    from aktivist.core import reads

    reads.record_reads(
        actor=request.user,
        verb=reads.START_READ,
        person_ids=reads.person_ids_in(
            [
                *context["follow_ups"],
                *context["secretariat_follow_ups"],
                *context["recent_interactions"],
                *context["recent_people"],
            ]
        ),
    )
    return render(request, "core/start.html", context)


def sent_messages(request: HttpRequest) -> HttpResponse:
    """Outside production: every email and SMS that did not leave this machine, newest
    first, for secretariat admins (``core/sent_messages.py``). In production the page does
    not exist (404 for everyone, before any login)."""
    from django.conf import settings

    if settings.PRODUCTION:
        raise Http404
    from aktivist.accounts.decorators import admin_required

    return admin_required(_sent_messages)(request)


def _sent_messages(request: HttpRequest) -> HttpResponse:
    from django.db.models import Q

    from aktivist.core import reads
    from aktivist.core import sent_messages as kept
    from aktivist.core.retention_rules import SENT_MESSAGES
    from aktivist.people.models import Person
    from aktivist.privacy.models import RetentionRule

    rows = list(kept.recent())
    addresses = {row.to for row in rows}
    if addresses:
        reads.record_reads(
            actor=request.user,
            verb=reads.SENT_MESSAGES_READ,
            person_ids=Person.objects.filter(Q(email__in=addresses) | Q(mobile__in=addresses)),
        )
    rule = RetentionRule.objects.filter(key=SENT_MESSAGES, enabled=True).first()
    return render(
        request,
        "core/sent_messages.html",
        {
            "nav": "sent_messages",
            "rows": rows,
            "limit": kept.PAGE_SIZE,
            "keeping": kept.keeps(),
            "days": rule.days if rule is not None else None,
        },
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # A database outage is a 503, and the 500 page would need the database (the user).
    return outage_response_for_current_error(request) or render(request, "500.html", status=500)
