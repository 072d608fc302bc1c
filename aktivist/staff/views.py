"""The start page and, outside production, the admins' sent-messages page."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render

from aktivist.accounts.access import scope_for
from aktivist.accounts.capabilities import Capability
from aktivist.accounts.decorators import View, requires, signed_in
from aktivist.core import reads
from aktivist.core import sent_messages as kept
from aktivist.core.retention_rules import SENT_MESSAGES
from aktivist.people.follow_up_panel import follow_ups_context
from aktivist.people.models import Person
from aktivist.privacy.models import RetentionRule
from aktivist.privacy.nav import landing_url
from aktivist.staff import selectors


@signed_in
def start(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if scope.is_dpo:
        # The data-protection officer has no people pages: the privacy pages are their start.
        landing = landing_url(request.user)
        if landing:
            return redirect(landing)
    if not scope.sees_people:
        # Board viewers (and accounts without a scope yet) see no personal data at all.
        return render(request, "staff/start_board.html", {"nav": "start"})
    context = {
        "nav": "start",
        **follow_ups_context(request),
        "recent_interactions": selectors.recent_interactions(request.user),
        "recent_people": selectors.recent_people(request.user),
    }
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
    return render(request, "staff/start.html", context)


def _outside_production(view: View) -> View:
    """In production the page does not exist (404 for everyone, before any login)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if settings.PRODUCTION:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@_outside_production
@requires(Capability.SETTINGS_ADMIN)
def sent_messages(request: HttpRequest) -> HttpResponse:
    """Outside production: every email and SMS that did not leave this machine, newest
    first, for secretariat admins (``core/sent_messages.py``)."""
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
        "staff/sent_messages.html",
        {
            "nav": "sent_messages",
            "rows": rows,
            "limit": kept.PAGE_SIZE,
            "keeping": kept.keeps(),
            "days": rule.days if rule is not None else None,
        },
    )
