"""What the SMS providers tell us: delivery receipts and replies.

* A **delivery receipt** names its delivery (the ``d`` of the address each message was
  sent with) and the provider's id for the message, which must match the one recorded when
  the provider took it. "Delivered" stamps ``delivered_at``; "failed" / "undelivered"
  fails the delivery with the provider's error code. Anything in between (queued, sent) is
  news of no consequence. A receipt can arrive twice: the second changes nothing.
* A **reply** of STOP, STOPP or AVSLUTA (any case, the first word counts) withdraws every
  SMS consent of the person whose mobile it came from and suppresses the number for all
  SMS; START confirms again the SMS consents that person had withdrawn (the message from
  the number proves it is theirs) and lifts the suppression. A reply from a number nobody
  has is logged (without the number) and ignored, and so is any other text.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from aktivist.core import audit
from aktivist.lib.normalise import normalise_phone
from aktivist.mobilization.models import Channel, Delivery, Suppression, address_hash
from aktivist.mobilization.suppressions import suppress
from aktivist.people.models import Consent, Person

logger = logging.getLogger(__name__)

STOP_WORDS = {"STOP", "STOPP", "AVSLUTA"}
START_WORDS = {"START"}


# --- Delivery receipts -------------------------------------------------------------------


def delivery_report(
    *, delivery_id: str, provider_id: str, delivered: bool | None, error: str = ""
) -> bool:
    """Record a receipt. True when it changed a delivery; ``delivered`` None is an
    in-between status."""
    if delivered is None or not delivery_id.isdigit() or not provider_id:
        return False
    rows = Delivery.objects.filter(
        pk=int(delivery_id), provider_id=provider_id, status=Delivery.Status.SENT
    )
    if delivered:
        changed = rows.filter(delivered_at__isnull=True).update(delivered_at=timezone.now())
    else:
        changed = rows.update(
            status=Delivery.Status.FAILED,
            reason=Delivery.Reason.UNDELIVERED,
            error=error[:200],
        )
    if not changed:
        logger.info("sms.receipt matched nothing delivered=%s", delivered)
    return bool(changed)


# --- Replies -----------------------------------------------------------------------------


def keyword(text: str) -> str:
    words = (text or "").strip().split()
    return words[0].strip(".,!:;").upper() if words else ""


def inbound(*, sender: str, text: str, provider: str) -> str:
    """Honour a reply. Returns what was done: "stop", "start" or "ignored"."""
    word = keyword(text)
    if word not in STOP_WORDS | START_WORDS:
        logger.info("sms.inbound ignored provider=%s chars=%d", provider, len(text or ""))
        return "ignored"
    mobile = normalise_phone(sender)
    person = Person.objects.filter(mobile=mobile, is_active=True).first() if mobile else None
    if person is None or mobile is None:
        logger.info("sms.inbound %s from an unknown number ignored provider=%s", word, provider)
        return "ignored"
    if word in STOP_WORDS:
        _stop(person, mobile, provider)
        return "stop"
    _start(person, mobile, provider)
    return "start"


@transaction.atomic
def _stop(person: Person, mobile: str, provider: str) -> None:
    now = timezone.now()
    withdrawn = []
    for consent in Consent.objects.select_for_update().filter(
        person=person, channel=Consent.Channel.SMS
    ):
        if consent.status != Consent.Status.WITHDRAWN:
            consent.status = Consent.Status.WITHDRAWN
            consent.withdrawn_at = now
            consent.save(update_fields=["status", "withdrawn_at", "updated_at"])
            withdrawn.append(consent.purpose)
    suppress(
        address=mobile,
        channel=Channel.SMS,
        reason=Suppression.Reason.UNSUBSCRIBED,
        person=person,
        source=f"sms reply {provider}"[:100],
    )
    audit.record(
        actor=None,
        verb="sms.stop",
        obj=person,
        details={"withdrawn": withdrawn, "provider": provider},
    )


@transaction.atomic
def _start(person: Person, mobile: str, provider: str) -> None:
    now = timezone.now()
    confirmed = []
    for consent in Consent.objects.select_for_update().filter(
        person=person, channel=Consent.Channel.SMS, status=Consent.Status.WITHDRAWN
    ):
        consent.status = Consent.Status.CONFIRMED
        consent.confirmed_at = now
        consent.confirmed_by = Consent.ConfirmedBy.INBOUND_SMS
        consent.withdrawn_at = None
        consent.save(
            update_fields=["status", "confirmed_at", "confirmed_by", "withdrawn_at", "updated_at"]
        )
        confirmed.append(consent.purpose)
    Suppression.objects.filter(
        channel=Channel.SMS,
        address_hash=address_hash(mobile),
        reason=Suppression.Reason.UNSUBSCRIBED,
    ).delete()
    audit.record(
        actor=None,
        verb="sms.start",
        obj=person,
        details={"confirmed": confirmed, "provider": provider},
    )
