"""Response tracking: a personal link carries its delivery (a signed token), so opening it
and acting on it are attributed to the mobilization that sent it.

``/r/<link token>/`` records the first click and forwards to the action (or event) page
with the delivery's *reference* token as ``ref`` (another token than the link's or the
unsubscribe link's: the page's address may be shared, and a reference opens nothing); the
page stores it as the participation's (or registration's) tracking reference and calls
``record_response``. Each mobilization then shows sent → opened the link → acted.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from aktivist.mobilization.models import Delivery
from aktivist.mobilization.tokens import link_delivery_id, ref_delivery_id, ref_token


@dataclass(frozen=True)
class LinkTarget:
    action_slug: str
    event_slug: str
    language: str
    ref: str  # the reference the page is opened with


def record_click(token: str) -> LinkTarget | None:
    """The first click of a personal link is recorded; None for a token that is not ours."""
    delivery_id = link_delivery_id(token)
    if delivery_id is None:
        return None
    row = (
        Delivery.objects.filter(pk=delivery_id)
        .values_list("mobilization__message_snapshot", "person__language")
        .first()
    )
    if row is None:
        return None
    snapshot, language = row
    Delivery.objects.filter(pk=delivery_id, clicked_at__isnull=True).update(
        clicked_at=timezone.now()
    )
    has_english = bool((snapshot or {}).get("has_english"))
    return LinkTarget(
        action_slug=(snapshot or {}).get("action_slug", ""),
        event_slug=(snapshot or {}).get("event_slug", ""),
        language="en" if (language or "").startswith("en") and has_english else "sv",
        ref=ref_token(delivery_id),
    )


def record_response(token: str) -> bool:
    """A signature or sign-up came through a personal link: the delivery acted (and, if
    the click was not seen, clicked). One UPDATE; False for a token that is not ours."""
    if not token:
        return False
    delivery_id = ref_delivery_id(token)
    if delivery_id is None:
        return False
    now = timezone.now()
    updated = Delivery.objects.filter(pk=delivery_id, acted_at__isnull=True).update(acted_at=now)
    Delivery.objects.filter(pk=delivery_id, clicked_at__isnull=True).filter(
        ~Q(acted_at__isnull=True)
    ).update(clicked_at=now)
    return bool(updated)
