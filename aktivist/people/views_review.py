"""The review queue (secretariat only): requests held for a person to look at — what was
typed, the person it matched, the event of a held walk-in or attendance row — applied or
dismissed one by one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aktivist.accounts.capabilities import Capability
from aktivist.accounts.decorators import requires
from aktivist.core import reads
from aktivist.core.exceptions import ApplicationError
from aktivist.lib.normalise import format_phone
from aktivist.people import services
from aktivist.people.holds import unusual_hold_volumes
from aktivist.people.models import Person, ReviewItem
from aktivist.people.selectors import page_of
from aktivist.people.views import PER_PAGE, _error_text, _page_number


def _payload_rows(payload: dict[str, Any]) -> list[tuple[str, Any]]:
    """The person values a held request carries (what was typed), labelled; the request's
    own references (batch, line, registration …) are not person values."""
    rows = []
    for field, value in payload.items():
        if value in (None, "") or isinstance(value, dict | list | bool):
            continue
        try:
            label = str(getattr(Person._meta.get_field(field), "verbose_name", field))
        except FieldDoesNotExist:
            continue
        if field in ("mobile", "other_phone"):
            value = format_phone(value)
        rows.append((label.capitalize(), value))
    return rows


def _held_event_titles(items: list[ReviewItem]) -> dict[int, str]:
    """The events of held walk-ins and attendance rows, by id (one query)."""
    ids = {
        item.payload.get("event")
        for item in items
        if isinstance(item.payload, dict) and isinstance(item.payload.get("event"), int)
    }
    if not ids or not apps.is_installed("aktivist.programmes"):
        return {}
    event_model = apps.get_model("programmes", "Event")
    return dict(event_model.objects.filter(pk__in=ids).values_list("pk", "title"))


@requires(Capability.REVIEW_RESOLVE)
def review_list(request: HttpRequest) -> HttpResponse:
    qs = ReviewItem.objects.filter(status=ReviewItem.Status.OPEN).select_related(
        "submitted_by", "unit", "matched_person"
    )
    page = _page_number(request)
    items, has_next = page_of(qs, page=page, per_page=PER_PAGE)  # type: ignore[arg-type]
    reads.record_reads(
        actor=request.user,
        verb=reads.REVIEW_READ,
        person_ids=[item.matched_person_id for item in items],  # type: ignore[attr-defined]
    )
    titles = _held_event_titles(items)  # type: ignore[arg-type]
    for item in items:
        item.values = _payload_rows(item.payload)  # type: ignore[attr-defined]
        item.event_title = titles.get(item.payload.get("event"), "")  # type: ignore[attr-defined]
    return render(
        request,
        "people/review_list.html",
        {
            "nav": "review",
            "items": items,
            "hold_volumes": unusual_hold_volumes(),  # accounts that may be probing
            "page": page,
            "has_next": has_next,
            "has_previous": page > 1,
            "next_page": page + 1,
            "previous_page": page - 1,
        },
    )


def _review_action(
    request: HttpRequest, pk: int, action: Callable[..., Any], done: str
) -> HttpResponse:
    item = ReviewItem.objects.filter(pk=pk).select_related("matched_person", "unit").first()
    if item is None:
        raise Http404
    try:
        action(actor=request.user, item=item)
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, done)
    return redirect("people:review_list")


@require_POST
@requires(Capability.REVIEW_RESOLVE)
def review_apply(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_action(request, pk, services.review_apply, _("Applied."))


@require_POST
@requires(Capability.REVIEW_RESOLVE)
def review_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_action(request, pk, services.review_dismiss, _("Dismissed."))
