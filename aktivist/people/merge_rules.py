"""What wins when a merge would break a unique constraint on a person's rows."""

from __future__ import annotations

from typing import Any

from aktivist.people.models import Consent, Tagging

STATUS_RANK: dict[str, int] = {
    Consent.Status.PENDING: 0,
    Consent.Status.CONFIRMED: 1,
    Consent.Status.WITHDRAWN: 2,  # a withdrawal always wins: never contact against a "no"
}


def merge_taggings(keep: Any, drop: Any) -> None:
    kept = set(Tagging.objects.filter(person=keep).values_list("tag_id", flat=True))
    Tagging.objects.filter(person=drop, tag_id__in=kept).delete()
    Tagging.objects.filter(person=drop).update(person=keep)


def merge_consents(keep: Any, drop: Any) -> None:
    kept = {(c.channel, c.purpose): c for c in Consent.objects.filter(person=keep)}
    for consent in Consent.objects.filter(person=drop):
        other = kept.get((consent.channel, consent.purpose))
        if other is None:
            consent.person = keep
            consent.save(update_fields=["person"])
            continue
        if STATUS_RANK[consent.status] > STATUS_RANK[other.status]:
            other.delete()
            consent.person = keep
            consent.save(update_fields=["person"])
        else:
            consent.delete()
