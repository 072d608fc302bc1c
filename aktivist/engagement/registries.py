"""Levels and snapshots in the merge, export and erasure registries.

Merge: the kept person keeps the higher level until the recompute queued after commit
counts the merged facts; snapshots move, and in a month both people have the higher level
wins. Erasure deletes the current level (an erased person has none) and keeps the
monthly snapshots on the tombstone: the engagement counts per month never change.
"""

from __future__ import annotations

from aktivist.core import retention_rules as rules
from aktivist.core.registries import (
    delete_rows,
    export_values,
    keep_rows,
    register_person_relation,
)
from aktivist.engagement.models import EngagementLevel, EngagementSnapshot
from aktivist.engagement.services import merge_levels, merge_snapshots


def register() -> None:
    register_person_relation(
        EngagementLevel,
        merge=merge_levels,
        export=export_values(EngagementLevel, "person", ["level", "computed_at"]),
        erase=delete_rows(EngagementLevel, "person"),
        retention=rules.PERSON_RECORD,
    )
    register_person_relation(
        EngagementSnapshot,
        merge=merge_snapshots,
        export=export_values(EngagementSnapshot, "person", ["month", "level"]),
        erase=keep_rows,
        retention=rules.PERSON_RECORD,
    )
