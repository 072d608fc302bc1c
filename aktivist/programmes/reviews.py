"""Attendance held for review: a walk-in or an attendance-upload row that matched someone
outside the checker's scope.

The attendance is recorded at once on a registration that names no one and keeps only
what was typed (so the event's counts are right tonight), and a review item asks the
secretariat whether it is the matched person. Applying it links the attendance to that
person — or, when they had signed up already, marks their own registration attended and
removes the stand-in — and records the completions it earns. Dismissing it leaves the
stand-in as it is. The checker is never told which it was.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.core import audit
from aktivist.core.exceptions import ApplicationError
from aktivist.core.models import AuditEvent
from aktivist.people.models import ReviewItem
from aktivist.people.services import register_review_applier
from aktivist.programmes import progression
from aktivist.programmes.models import Event, Registration

HELD_VERB = "review.held"
ATTENDANCE_KINDS = (ReviewItem.Kind.WALK_IN, ReviewItem.Kind.ATTENDANCE_ROW)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def hold_attendance(
    *, actor: Any, kind: str, registrations: list[tuple[Registration, int]]
) -> list[ReviewItem]:
    """Review items for stand-in registrations (each with the id of the person it matched),
    with one audit row each; written in bulk. Call inside the attendance's transaction."""
    if not registrations:
        return []
    now = timezone.now()
    user = _user(actor)
    items = [
        ReviewItem(
            kind=kind,
            submitted_by=user,
            matched_person_id=person_id,
            payload={
                "first_name": registration.typed_first_name,
                "last_name": registration.typed_last_name,
                "email": registration.typed_email or None,
                "mobile": registration.typed_mobile or None,
                "registration": registration.pk,
                "event": registration.event_id,
            },
            created_at=now,
            updated_at=now,
        )
        for registration, person_id in registrations
    ]
    ReviewItem.objects.bulk_create(items)
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=user,
                verb=HELD_VERB,
                object_type="people.reviewitem",
                object_id=str(item.pk or ""),
                person_id=item.matched_person_id,
                details={"kind": kind, "event": item.payload["event"]},
            )
            for item in items
        ]
    )
    return items


def stand_in_of(item: ReviewItem) -> Registration | None:
    """The registration a held walk-in or upload row recorded, while it names no one."""
    try:
        pk = int(item.payload.get("registration"))
    except (TypeError, ValueError):
        return None
    return Registration.objects.select_related("event").filter(pk=pk, person__isnull=True).first()


def apply_attendance(*, actor: Any, item: ReviewItem) -> list[str]:
    """The secretariat says the walk-in or row was the matched person: the attendance is
    theirs. Returns what changed, for the review's audit event."""
    person = item.matched_person
    stand_in = stand_in_of(item)
    if person is None or stand_in is None:
        raise ApplicationError(_("This attendance has already been linked or removed."))
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=stand_in.event_id)
        stand_in = Registration.objects.select_for_update().get(pk=stand_in.pk)
        theirs = Registration.objects.select_for_update().filter(person=person, event=event).first()
        if theirs is None:
            stand_in.person = person
            stand_in.save(update_fields=["person", "updated_at"])
            linked, changed = stand_in, ["linked"]
        else:
            if stand_in.status == Registration.Status.ATTENDED:
                theirs.status = Registration.Status.ATTENDED
                theirs.attended_at = theirs.attended_at or stand_in.attended_at or timezone.now()
                theirs.waitlisted_at = None
                theirs.cancelled_at = None
                theirs.save(
                    update_fields=[
                        "status",
                        "attended_at",
                        "waitlisted_at",
                        "cancelled_at",
                        "updated_at",
                    ]
                )
            stand_in.delete()
            linked, changed = theirs, ["merged"]
        audit.record(
            actor=actor,
            verb="registration.link",
            obj=linked,
            person_id=person.pk,
            details={"event": event.pk, "review": item.pk},
        )
        progression.sync_completions(
            actor=actor, person_ids=[person.pk], programme_ids=[event.programme_id]
        )
    return changed


def register() -> None:
    for kind in ATTENDANCE_KINDS:
        register_review_applier(kind, apply_attendance)
