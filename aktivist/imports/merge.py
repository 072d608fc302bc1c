"""Registry rules for the imports app's own rows that point to people."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q

from aktivist.imports.models import DuplicateCandidate


def merge_candidates(keep: Any, drop: Any) -> None:
    # The pair being merged, and any pair that would pair the kept person with itself, go.
    DuplicateCandidate.objects.filter(
        Q(person_a=drop, person_b=keep) | Q(person_a=keep, person_b=drop)
    ).delete()
    for candidate in DuplicateCandidate.objects.filter(Q(person_a=drop) | Q(person_b=drop)):
        other = candidate.person_b_id if candidate.person_a_id == drop.pk else candidate.person_a_id
        low, high = sorted((keep.pk, other))
        if DuplicateCandidate.objects.filter(person_a_id=low, person_b_id=high).exists():
            candidate.delete()
        else:
            DuplicateCandidate.objects.filter(pk=candidate.pk).update(
                person_a_id=low, person_b_id=high
            )


def export_candidates(person: Any) -> list[dict[str, Any]]:
    rows = DuplicateCandidate.objects.filter(Q(person_a=person) | Q(person_b=person)).values(
        "person_a_id", "person_b_id", "reason", "status", "created_at"
    )
    return [dict(row) for row in rows]


def erase_candidates(person_ids: Sequence[int]) -> None:
    ids = list(person_ids)
    DuplicateCandidate.objects.filter(Q(person_a_id__in=ids) | Q(person_b_id__in=ids))._raw_delete(
        DuplicateCandidate.objects.db
    )
