"""Who must not get email: suppressions by address, and what unsubscribing changes.

* A **bounce** (a permanent SMTP refusal of the address, or a provider's bounce webhook)
  and a **complaint** (marked as spam) suppress the address for every email, transactional
  mail included.
* **Unsubscribing** from a message withdraws the consent its purpose needs (campaigns, the
  rapid-response network); for member news, which needs no consent, it records an
  unsubscribed suppression for that purpose. "Leave everything" withdraws every consent
  and suppresses the address for all bulk email; transactional mail (confirmations,
  reminders) still reaches the person.
* An **import** records the opt-outs of other tools' files (unsubscribed, do not email or
  text, cleaned or bounced addresses) in bulk: ``people.consents.withdraw_consents`` and
  ``suppress_many`` (registered as the imports' address suppressor, ``imports.optouts``),
  the same rows as above, a few statements per thousand people.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from aktivist.core import audit
from aktivist.lib.normalise import normalise_email
from aktivist.mobilization.models import Channel, Mobilization, Purpose, Suppression, address_hash
from aktivist.people.models import Consent, Person

logger = logging.getLogger(__name__)

# Reasons ranked: a stronger reason replaces a weaker one on the same row.
STRENGTH = {
    Suppression.Reason.UNSUBSCRIBED: 1,
    Suppression.Reason.BOUNCED: 2,
    Suppression.Reason.COMPLAINED: 3,
}
CONSENT_PURPOSES = {
    Purpose.CAMPAIGNS: Consent.Purpose.CAMPAIGNS,
    Purpose.RAPID_RESPONSE: Consent.Purpose.RAPID_RESPONSE,
}


def suppress(
    *,
    address: str,
    reason: str,
    channel: str = Channel.EMAIL,
    purpose: str = "",
    person: Person | None = None,
    mobilization: Mobilization | None = None,
    source: str = "",
) -> Suppression | None:
    """Record (or strengthen) a suppression. Idempotent; None for an empty address."""
    address = (normalise_email(address) or "") if channel == Channel.EMAIL else address.strip()
    if not address:
        return None
    if person is None:
        by = {"email": address} if channel == Channel.EMAIL else {"mobile": address}
        person = Person.objects.filter(**by).first()
    digest = address_hash(address)
    for _attempt in range(2):
        existing = Suppression.objects.filter(
            channel=channel, address_hash=digest, purpose=purpose
        ).first()
        if existing is not None:
            if STRENGTH[reason] > STRENGTH[existing.reason]:  # type: ignore[index]
                existing.reason = reason
                existing.source = source[:100]
                existing.save(update_fields=["reason", "source", "updated_at"])
            return existing
        try:
            with transaction.atomic():
                return Suppression.objects.create(
                    channel=channel,
                    address=address,
                    address_hash=digest,
                    reason=reason,
                    purpose=purpose,
                    person=person,
                    mobilization=mobilization,
                    source=source[:100],
                )
        except IntegrityError:
            continue  # recorded in parallel: read it again
    return None


BULK_STEP = 1000  # addresses per statement of the bulk path below


def suppress_many(
    entries: Iterable[tuple[str, str, str, int | None]],
    *,
    source: str,
    now: dt.datetime | None = None,
) -> int:
    """``suppress`` for a whole batch (the import's opt-outs, DESIGN.md "Bulk paths"):
    ``(channel, address, reason, person id or None)``, each address suppressed for every
    purpose. As ``suppress``: idempotent, a stronger reason replaces a weaker one, never
    the other way round. A few statements per thousand addresses, never one per address.
    Returns how many addresses it covered."""
    now = now or timezone.now()
    source = source[:100]
    best: dict[tuple[str, str], list[Any]] = {}  # (channel, hash) -> [address, reason, pk]
    for channel, raw, reason, person_id in entries:
        address = (normalise_email(raw) or "") if channel == Channel.EMAIL else raw.strip()
        if not address:
            continue
        key = (channel, address_hash(address))
        found = best.get(key)
        if found is None:
            best[key] = [address, reason, person_id]
            continue
        if STRENGTH[reason] > STRENGTH[found[1]]:  # type: ignore[index]
            found[1] = reason
        if found[2] is None:
            found[2] = person_id
    keys = list(best)
    for start in range(0, len(keys), BULK_STEP):
        part = keys[start : start + BULK_STEP]
        existing = {
            (channel, digest): (pk, reason)
            for pk, channel, digest, reason in Suppression.objects.filter(
                address_hash__in=[digest for _channel, digest in part], purpose=""
            ).values_list("pk", "channel", "address_hash", "reason")
        }
        Suppression.objects.bulk_create(
            [
                Suppression(
                    channel=channel,
                    address=best[(channel, digest)][0],
                    address_hash=digest,
                    reason=best[(channel, digest)][1],
                    purpose="",
                    person_id=best[(channel, digest)][2],
                    source=source,
                    created_at=now,
                    updated_at=now,
                )
                for channel, digest in part
                if (channel, digest) not in existing
            ],
            ignore_conflicts=True,  # recorded in parallel meanwhile: that row stands
        )
        stronger: dict[str, list[int]] = defaultdict(list)
        for key, (pk, reason) in existing.items():
            wanted = best[key][1]
            if STRENGTH[wanted] > STRENGTH.get(reason, 0):  # type: ignore[call-overload]
                stronger[wanted].append(pk)
        for reason, pks in stronger.items():
            Suppression.objects.filter(pk__in=pks).update(
                reason=reason, source=source, updated_at=now
            )
    return len(keys)


def record_refusal(address: str, code: str) -> None:
    """A server refused the address for good (the transactional helper's refusals)."""
    suppress(address=address, reason=Suppression.Reason.BOUNCED, source=f"smtp {code[:3]}")


# --- Unsubscribing ----------------------------------------------------------------------------


def _withdraw(person: Person, *, channels: Iterable[str], purposes: Iterable[str]) -> list[str]:
    now = timezone.now()
    withdrawn = []
    for consent in Consent.objects.select_for_update().filter(
        person=person, channel__in=list(channels), purpose__in=list(purposes)
    ):
        if consent.status == Consent.Status.WITHDRAWN:
            continue
        consent.status = Consent.Status.WITHDRAWN
        consent.withdrawn_at = now
        consent.save(update_fields=["status", "withdrawn_at", "updated_at"])
        withdrawn.append(f"{consent.channel}:{consent.purpose}")
    return withdrawn


@transaction.atomic
def unsubscribe_from_purpose(
    *, person: Person, purpose: str, mobilization: Mobilization | None, source: str
) -> None:
    """What one-click unsubscribe does: no more email of this message's purpose."""
    consent_purpose = CONSENT_PURPOSES.get(purpose)  # type: ignore[call-overload]
    if consent_purpose is not None:
        changed = _withdraw(person, channels=[Channel.EMAIL], purposes=[consent_purpose])
    else:
        changed = ["email:member_news"]
    if person.email:
        # Member news has no consent to withdraw; campaigns get the row too, so that a
        # consent given again later through a form is needed before anything is sent.
        suppress(
            address=person.email,
            reason=Suppression.Reason.UNSUBSCRIBED,
            purpose=purpose,
            person=person,
            mobilization=mobilization,
            source=source,
        )
    audit.record(
        actor=None,
        verb="mobilization.unsubscribe",
        obj=person,
        details={
            "purpose": purpose,
            "mobilization": mobilization.pk if mobilization else None,
            "changed": changed,
            "source": source,
        },
    )


@transaction.atomic
def leave_everything(
    *, person: Person, source: str, mobilization: Mobilization | None = None
) -> None:
    """Withdraw every consent and suppress the address for all bulk email."""
    changed = _withdraw(person, channels=Consent.Channel.values, purposes=Consent.Purpose.values)
    if person.email:
        suppress(
            address=person.email,
            reason=Suppression.Reason.UNSUBSCRIBED,
            purpose="",
            person=person,
            mobilization=mobilization,
            source=source,
        )
    audit.record(
        actor=None,
        verb="mobilization.leave_everything",
        obj=person,
        details={"changed": changed, "source": source},
    )


def lift_unsubscribe(person: Person, purposes: Iterable[str]) -> None:
    """A person who chooses a topic again in the preference centre: their own
    unsubscribed rows for it (and the everything row) go; bounces and complaints stay."""
    if not person.email:
        return
    Suppression.objects.filter(
        channel=Channel.EMAIL,
        address_hash=address_hash(person.email),
        reason=Suppression.Reason.UNSUBSCRIBED,
        purpose__in=["", *purposes],
    ).delete()


def is_unsubscribed(person: Person, purpose: str) -> bool:
    if not person.email:
        return False
    return Suppression.objects.filter(
        channel=Channel.EMAIL,
        address_hash=address_hash(person.email),
        purpose__in=["", purpose],
    ).exists()


def erase_suppressions(person_ids: Sequence[int]) -> None:
    """Erasure: the rows stay (so the address is still held back when it comes again) but
    keep only the address's hash and name nobody — the people's own rows, and rows that
    hold their email or mobile without naming them (one UPDATE; the addresses are read in
    subqueries)."""
    ids = list(person_ids)
    people = Person.objects.filter(pk__in=ids)
    Suppression.objects.filter(
        Q(person_id__in=ids)
        | Q(channel=Channel.EMAIL, address__in=people.filter(email__isnull=False).values("email"))
        | Q(channel=Channel.SMS, address__in=people.filter(mobile__isnull=False).values("mobile"))
    ).update(person=None, address="", updated_at=timezone.now())
