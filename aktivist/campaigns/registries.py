"""Participations in the merge, export and erasure registries (erasure keeps them on the
tombstone: see ``erase_participations``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Case, F, OuterRef, Subquery, When
from django.utils import timezone

from aktivist.campaigns.models import Participation
from aktivist.core import retention_rules as rules
from aktivist.core.registries import export_values, register_person_relation
from aktivist.people.models import Person


def merge_participations(keep: Any, drop: Any) -> None:
    """One participation per person and action: the earlier one wins."""
    kept = {p.action_id: p for p in Participation.objects.filter(person=keep)}
    for dropped in Participation.objects.filter(person=drop):
        other = kept.get(dropped.action_id)
        if other is None:
            continue
        if dropped.created_at < other.created_at:
            other.delete()
        else:
            dropped.delete()
    Participation.objects.filter(person=drop).update(person=keep)


def erase_participations(person_ids: Sequence[int]) -> None:
    """Keep the rows on the tombstone so that counts never change (per action, and the
    young share: an empty age bracket takes the tombstone's, from the birth year that
    goes); blank what the person wrote and the link that brought them."""
    tombstone_bracket = Subquery(
        Person.objects.filter(pk=OuterRef("person_id")).values("erased_age_bracket")[:1]
    )
    Participation.objects.filter(person_id__in=list(person_ids)).update(
        letter_text="",
        tracking_token="",
        named=False,
        age_bracket=Case(When(age_bracket="", then=tombstone_bracket), default=F("age_bracket")),
        updated_at=timezone.now(),
    )


def register() -> None:
    register_person_relation(
        Participation,
        merge=merge_participations,
        export=export_values(
            Participation,
            "person",
            ["action__title_sv", "action__slug", "created_at", "source", "letter_text", "named"],
        ),
        erase=erase_participations,
        fields=["letter_text", "tracking_token"],
        retention=rules.PERSON_RECORD,
    )
