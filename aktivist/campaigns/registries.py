"""Participations in the merge, export and erasure registries."""

from __future__ import annotations

from typing import Any

from aktivist.campaigns.models import Participation
from aktivist.core.registries import export_values, register_person_relation


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


def erase_participations(person: Any) -> None:
    """Keep the rows so counts never change; detach them and blank what the person wrote."""
    Participation.objects.filter(person=person).update(
        person=None, letter_text="", tracking_token="", named=False
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
    )
