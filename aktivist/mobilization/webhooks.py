"""Bounce and complaint feedback from email service providers, through django-anymail's
tracking webhooks (``/webhooks/email/<provider>/tracking/``, HTTP basic auth with
``ANYMAIL_WEBHOOK_SECRET``; anymail refuses a request without it).

anymail normalises every provider's events; this receiver suppresses the address of a
bounce, a complaint, a rejection for those reasons or a provider-level unsubscribe, and
marks the delivery the event names (the ``delivery`` metadata sent with each message)."""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import Q

from aktivist.mobilization.models import Delivery, Suppression
from aktivist.mobilization.suppressions import suppress

logger = logging.getLogger(__name__)

REJECT_REASONS = {
    "bounced": Suppression.Reason.BOUNCED,
    "invalid": Suppression.Reason.BOUNCED,
    "spam": Suppression.Reason.COMPLAINED,
    "unsubscribed": Suppression.Reason.UNSUBSCRIBED,
}
EVENTS = {
    "bounced": Suppression.Reason.BOUNCED,
    "complained": Suppression.Reason.COMPLAINED,
    "unsubscribed": Suppression.Reason.UNSUBSCRIBED,
}


# Some providers report a soft (temporary) bounce as a bounce: never suppress for one.
SOFT_BOUNCE_TYPES = {"SoftBounce", "Transient", "DnsError"}  # Postmark's "Type"


def reason_for(event: Any) -> str:
    esp_event = getattr(event, "esp_event", None)
    if isinstance(esp_event, dict) and esp_event.get("Type") in SOFT_BOUNCE_TYPES:
        return ""
    if event.event_type == "rejected":
        return REJECT_REASONS.get(event.reject_reason or "", "")
    return EVENTS.get(event.event_type, "")


def handle_tracking(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    reason = reason_for(event)
    if not reason or not event.recipient:
        return
    delivery_id = _delivery_id(event)
    delivery = (
        Delivery.objects.select_related("mobilization").filter(pk=delivery_id).first()
        if delivery_id
        else None
    )
    suppress(
        address=event.recipient,
        reason=reason,
        mobilization=delivery.mobilization if delivery else None,
        source=f"webhook {esp_name}"[:100],
    )
    if delivery is not None and reason != Suppression.Reason.UNSUBSCRIBED:
        Delivery.objects.filter(pk=delivery.pk).filter(
            Q(status=Delivery.Status.SENT) | Q(status=Delivery.Status.SENDING)
        ).update(
            status=Delivery.Status.FAILED,
            reason=(
                Delivery.Reason.COMPLAINED
                if reason == Suppression.Reason.COMPLAINED
                else Delivery.Reason.BOUNCED
            ),
        )
    logger.info("mobilization.webhook esp=%s event=%s", esp_name, event.event_type)


def _delivery_id(event: Any) -> int | None:
    metadata = getattr(event, "metadata", None) or {}
    value = metadata.get("delivery") if isinstance(metadata, dict) else None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def connect() -> None:
    from anymail.signals import tracking

    tracking.connect(handle_tracking, dispatch_uid="aktivist.mobilization.tracking")
