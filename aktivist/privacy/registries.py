"""Privacy's own rows that point to a person, in the merge, export and erasure registries.

DataSubjectRequest
    merge: moves to the kept person. export: kind, dates, status, outcome.
    erasure: the request stays (it is the record that the duty was carried out); who asked
    and what they wrote are blanked.
"""

from __future__ import annotations

from typing import Any

from aktivist.core.registries import export_values, reassign, register_person_relation
from aktivist.privacy.models import DataSubjectRequest


def erase_requests(person: Any) -> None:
    DataSubjectRequest.objects.filter(person=person).update(
        person=None, requester_name="", requester_contact="", details=""
    )


def register() -> None:
    register_person_relation(
        DataSubjectRequest,
        merge=reassign(DataSubjectRequest, "person"),
        export=export_values(
            DataSubjectRequest,
            "person",
            ["kind", "channel", "status", "received_on", "due_on", "closed_at", "outcome"],
        ),
        erase=erase_requests,
    )
