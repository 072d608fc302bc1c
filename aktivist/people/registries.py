"""The people app's rows in the merge, export and erasure registries (DESIGN.md
"Registries"), with their personal fields and retention rules. Registered in
PeopleConfig.ready().

Tagging, Consent, Interaction
    erasure: deleted. A consent row is the proof of one person's yes or no; on a nameless
    tombstone it proves nothing about anyone, and the erasure's own audit event records
    that consent-based processing ended (a mobile of theirs waiting for its code on someone
    else's consent is forgotten too). Notes and follow-ups go with the person (a scheduled
    follow-up disappears from its owner's start page).
ReviewItem
    erasure: a held request that matched the person is kept as a record of the hold but
    names no one: detached, its payload (what was typed) blanked, and closed as dismissed
    if it was still open. Its payload otherwise follows the review-payload retention rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Case, F, Value, When
from django.utils import timezone

from aktivist.core.registries import raw_delete
from aktivist.people.models import Consent, Person, ReviewItem


def erase_consents(person_ids: Sequence[int]) -> None:
    """Their consents go; a mobile of theirs that someone else typed on a public form and
    that waits for its code there is forgotten too (it was theirs, not the signer's)."""
    ids = list(person_ids)
    raw_delete(Consent.objects.filter(person_id__in=ids))
    mobiles = Person.objects.filter(pk__in=ids, mobile__isnull=False).values("mobile")
    Consent.objects.filter(pending_mobile__in=mobiles).update(
        pending_mobile="",
        pending_mobile_code_at=None,
        pending_mobile_inbox_at=None,
        updated_at=timezone.now(),
    )


def erase_review_items(person_ids: Sequence[int]) -> None:
    now = timezone.now()
    ReviewItem.objects.filter(matched_person_id__in=list(person_ids)).update(
        matched_person=None,
        payload={},
        status=Case(
            When(status=ReviewItem.Status.OPEN, then=Value(ReviewItem.Status.DISMISSED.value)),
            default=F("status"),
        ),
        resolved_at=Case(
            When(status=ReviewItem.Status.OPEN, then=Value(now)), default=F("resolved_at")
        ),
        updated_at=now,
    )
