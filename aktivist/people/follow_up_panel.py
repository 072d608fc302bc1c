"""The follow-ups panel: the viewer's own open follow-ups and, for national staff, the
secretariat's pool. The start page (``staff/start.html``) includes it; marking a follow-up
done from there (``people.views.follow_up_done``) answers with this partial alone."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from aktivist.accounts.access import scope_for
from aktivist.people.follow_ups import (
    FOLLOW_UP_LIMIT,
    my_open_follow_ups,
    secretariat_open_follow_ups,
)


def follow_ups_context(request: HttpRequest) -> dict[str, Any]:
    return {
        "follow_ups": my_open_follow_ups(request.user),
        "show_secretariat_pool": scope_for(request.user).is_national,
        "secretariat_follow_ups": secretariat_open_follow_ups(request.user),
        "follow_up_limit": FOLLOW_UP_LIMIT,
        "today": timezone.localdate(),
    }


def render_follow_ups(request: HttpRequest, *, message: str = "") -> HttpResponse:
    """The start page's follow-up section (the partial the full page includes)."""
    context = follow_ups_context(request)
    context["section_message"] = message
    return render(request, "people/_follow_ups.html", context)
