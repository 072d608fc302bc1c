"""Privacy's own rows that point to a person, and the audit trail, in the merge, export and
erasure registries.

DataSubjectRequest
    merge: moves to the kept person. export: kind, dates, status, outcome.
    erasure: the request stays linked to the tombstone, as it was: it is the record that
    the duty was carried out (Art. 5(2), 12), and who asked and how to answer them are
    needed to tell them it was done. Its own retention rule anonymises it after closing.
AuditEvent (core)
    The trail names people by a plain id and its details hold ids and field names, never
    values. Append-only: a merge does not rewrite it and erasure leaves it (its own
    retention rule deletes it). The access export leaves it out: it is the organisation's
    record of what staff did, which the audit viewer answers ("who saw her?").
SentMessage (core)
    Copies of the emails and SMS sent outside production (the sent-messages page). They
    name no person, only an address: erasure deletes those to the people's email or mobile
    (a subquery, no value as a parameter); the access export lists them the same way; a
    merge leaves them. Their own retention rule deletes them after 7 days.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aktivist.core import retention_rules as rules
from aktivist.core.models import AuditEvent, SentMessage
from aktivist.core.registries import (
    export_values,
    keep_rows,
    nothing_to_export,
    nothing_to_merge,
    raw_delete,
    reassign,
    register_person_relation,
    register_personal_store,
)
from aktivist.core.sent_messages import to_addresses
from aktivist.people.models import Person, ReviewItem
from aktivist.people.services import register_erased_identity_lookup, register_review_applier
from aktivist.privacy import identities
from aktivist.privacy.models import DataSubjectRequest


def erase_sent_messages(person_ids: Sequence[int]) -> None:
    """One DELETE per kind of address (the people's emails, their mobiles)."""
    for field in ("email", "mobile"):
        raw_delete(to_addresses(_field_of(person_ids, field)))


def _field_of(person_ids: Sequence[int], field: str) -> Any:
    return Person.objects.filter(pk__in=list(person_ids)).exclude(**{field: None}).values(field)


def export_sent_messages(person: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for field in ("email", "mobile"):
        rows += [
            dict(row)
            for row in to_addresses(_field_of([person.pk], field)).values(
                "channel", "to", "subject", "body", "created_at"
            )
        ]
    return rows


def register() -> None:
    # An erased person's keys hold a later staff create or import for review; applying the
    # hold creates the person anew (privacy/identities.py).
    register_erased_identity_lookup(identities.erased_identities)
    register_review_applier(ReviewItem.Kind.ERASED_IDENTITY, identities.apply_erased_identity_hold)

    register_person_relation(
        DataSubjectRequest,
        merge=reassign(DataSubjectRequest, "person"),
        export=export_values(
            DataSubjectRequest,
            "person",
            ["kind", "channel", "status", "received_on", "due_on", "closed_at", "outcome"],
        ),
        erase=keep_rows,
        fields=["requester_name", "requester_contact", "details"],
        retention=rules.DATA_SUBJECT_REQUESTS,
    )
    register_personal_store(
        SentMessage,
        fields=["to", "subject", "body"],
        retention=rules.SENT_MESSAGES,
        merge=nothing_to_merge,
        export=export_sent_messages,
        erase=erase_sent_messages,
        export_section="sent_messages",
    )
    register_personal_store(
        AuditEvent,
        fields=["person_id", "details"],
        retention=rules.AUDIT_ROWS,
        merge=nothing_to_merge,
        export=nothing_to_export,
        erase=keep_rows,
    )
