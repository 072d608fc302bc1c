"""Levels and snapshots in the merge, export and erasure registries.

Merge: the kept person keeps the higher level until the recompute queued after commit
counts the merged facts; snapshots move, and in a month both people have the higher level
wins. Erasure deletes both (an erased person has no level and no history of one).
"""

from __future__ import annotations

from aktivist.core.registries import delete_rows, export_values, register_person_relation
from aktivist.engagement.models import EngagementLevel, EngagementSnapshot
from aktivist.engagement.services import merge_levels, merge_snapshots


def register() -> None:
    register_person_relation(
        EngagementLevel,
        merge=merge_levels,
        export=export_values(EngagementLevel, "person", ["level", "computed_at"]),
        erase=delete_rows(EngagementLevel, "person"),
    )
    register_person_relation(
        EngagementSnapshot,
        merge=merge_snapshots,
        export=export_values(EngagementSnapshot, "person", ["month", "level"]),
        erase=delete_rows(EngagementSnapshot, "person"),
    )
