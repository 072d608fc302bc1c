"""Deliveries and suppressions in the merge, export and erasure registries (DESIGN.md
"Registries"). Registered in MobilizationConfig.ready().

Delivery
    merge: one delivery per person and mobilization. When both people were in one
    mobilization, the row that got further stays (sent > sending > failed > pending >
    skipped > cancelled; then the earlier row), so what was sent is never forgotten and
    nothing is sent twice.
    export: every delivery with its mobilization, status and times.
    erasure: the row stays detached (person null, no provider id or error text) so a
    mobilization's counts never change; one not yet sent is skipped as erased.

Suppression
    merge: moved to the kept person (they hold back an address, whoever has it).
    export: every suppression with its reason and purpose.
    erasure: kept, but with the address blanked: only its hash remains, so a bounced or
    complained address is still held back and the row names nobody (rows that held the
    person's address without naming them too).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Case, F, Q, Value, When

from aktivist.core.registries import export_values, reassign, register_person_relation
from aktivist.mobilization.models import Delivery, Suppression
from aktivist.mobilization.suppressions import erase_suppressions

RANK = {
    Delivery.Status.SENT: 6,
    Delivery.Status.SENDING: 5,
    Delivery.Status.FAILED: 4,
    Delivery.Status.PENDING: 3,
    Delivery.Status.SKIPPED: 2,
    Delivery.Status.CANCELLED: 1,
}


def merge_deliveries(keep: Any, drop: Any) -> None:
    kept = {d.mobilization_id: d for d in Delivery.objects.filter(person=keep)}
    for dropped in Delivery.objects.filter(person=drop):
        other = kept.get(dropped.mobilization_id)
        if other is None:
            continue
        key_other = (RANK[other.status], -other.pk)  # type: ignore[index]
        key_dropped = (RANK[dropped.status], -dropped.pk)  # type: ignore[index]
        loser = dropped if key_other >= key_dropped else other
        # The loser stays for the counts, detached from both.
        Delivery.objects.filter(pk=loser.pk).update(
            person=None,
            status=(
                loser.status
                if loser.status not in (Delivery.Status.PENDING, Delivery.Status.SENDING)
                else Delivery.Status.CANCELLED
            ),
            claim=None,
        )
    Delivery.objects.filter(person=drop).update(person=keep)


def erase_deliveries(person_ids: Sequence[int]) -> None:
    """One UPDATE: what was not yet sent is skipped as erased, everything is detached and
    loses the provider's id and error text; a sent row keeps its status, so a
    mobilization's progress stays as it was."""
    unsent = Q(status__in=(Delivery.Status.PENDING, Delivery.Status.SENDING))
    Delivery.objects.filter(person_id__in=list(person_ids)).update(
        status=Case(When(unsent, then=Value(Delivery.Status.SKIPPED.value)), default=F("status")),
        reason=Case(When(unsent, then=Value(Delivery.Reason.ERASED.value)), default=F("reason")),
        claim=Case(When(unsent, then=Value(None)), default=F("claim")),
        person=None,
        provider_id="",
        error="",
    )


def register() -> None:
    from aktivist.core import retention_rules as rules

    register_person_relation(
        Delivery,
        merge=merge_deliveries,
        export=export_values(
            Delivery,
            "person",
            [
                "mobilization__name",
                "mobilization__channel",
                "status",
                "reason",
                "sent_at",
                "clicked_at",
                "acted_at",
            ],
        ),
        erase=erase_deliveries,
        fields=["provider_id", "error"],
        retention=rules.PERSON_RECORD,
    )
    register_person_relation(
        Suppression,
        merge=reassign(Suppression, "person"),
        export=export_values(
            Suppression, "person", ["channel", "address", "reason", "purpose", "created_at"]
        ),
        erase=erase_suppressions,
        fields=["address", "address_hash"],
        retention=rules.PERSON_RECORD,
    )
