"""Writes on saved segments: the tree is validated and compiled in the author's scope
before it is saved (a unit, action or event the author cannot see is refused as unknown),
and every change is audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from aktivist.core import audit
from aktivist.core.conditions import compile_tree, validate_tree
from aktivist.organisation.services import owner_unit
from aktivist.segments.models import Segment


def _checked_tree(actor: Any, tree: Any) -> dict[str, Any]:
    """The tree in its normal form; SegmentError (an ApplicationError) when refused."""
    normal = validate_tree(tree)
    compile_tree(normal, actor)  # names only what the author may see
    return normal


@transaction.atomic
def segment_create(*, actor: Any, name: str, tree: Any, description: str = "") -> Segment:
    segment = Segment(
        name=name.strip(),
        description=description.strip(),
        tree=_checked_tree(actor, tree),
        unit=owner_unit(actor),
        created_by=actor,
        updated_by=actor,
    )
    segment.full_clean()
    segment.save()
    audit.record(actor=actor, verb="segment.create", obj=segment, details={"name": segment.name})
    return segment


@transaction.atomic
def segment_update(
    *, actor: Any, segment: Segment, name: str, tree: Any, description: str = ""
) -> Segment:
    segment.name = name.strip()
    segment.description = description.strip()
    segment.tree = _checked_tree(actor, tree)
    segment.updated_by = actor
    segment.full_clean()
    segment.save(update_fields=["name", "description", "tree", "updated_by", "updated_at"])
    audit.record(actor=actor, verb="segment.update", obj=segment, details={"name": segment.name})
    return segment


@transaction.atomic
def segment_archive(*, actor: Any, segment: Segment) -> Segment:
    """Archived segments leave the lists; mobilizations that used one keep its tree."""
    segment.is_archived = True
    segment.updated_by = actor
    segment.save(update_fields=["is_archived", "updated_by", "updated_at"])
    audit.record(actor=actor, verb="segment.archive", obj=segment)
    return segment
