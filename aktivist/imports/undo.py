"""Undoing an import: the people it created whom nothing has touched since, and its notes."""

from __future__ import annotations

from django.db import models, transaction
from django.db.models import Q

from aktivist.core.registries import models_pointing_to
from aktivist.imports import chunks
from aktivist.imports.models import DuplicateCandidate, ImportBatch
from aktivist.people.models import Interaction, Person


def _ignored_for_undo() -> set[type[models.Model]]:
    """Rows that say nothing happened to a person: candidate pairs the duplicate finder
    derived (they go with the person)."""
    return {DuplicateCandidate}


def undo(batch: ImportBatch) -> tuple[int, int]:
    """Delete the people the batch created whom nothing has touched since it finished.
    Returns (removed, kept)."""
    since = batch.finished_at or batch.updated_at
    created = Person.objects.filter(import_batch=batch)
    kept: set[int] = set(created.filter(updated_at__gt=since).values_list("pk", flat=True))
    ignored = _ignored_for_undo()
    for model in models_pointing_to(Person):
        if model in ignored:
            continue
        names = {f.name for f in model._meta.concrete_fields}
        stamp = Q()
        if "created_at" in names:
            stamp |= Q(created_at__gt=since)
        if "updated_at" in names:
            stamp |= Q(updated_at__gt=since)
        for f in model._meta.concrete_fields:
            if not (f.is_relation and f.related_model is Person):
                continue
            qs = model._default_manager.filter(**{f"{f.name}__import_batch": batch})
            if stamp:
                # Rows from before the batch finished are the batch's own (memberships,
                # taggings, consents); anything newer is something that happened since.
                qs = qs.filter(stamp)
            kept.update(qs.values_list(f.attname, flat=True).distinct())
    kept.discard(None)  # type: ignore[arg-type]
    candidates = list(created.values_list("pk", flat=True))
    remove = [pk for pk in candidates if pk not in kept]
    removed = 0
    for start in range(0, len(remove), chunks.CHUNK):
        with transaction.atomic():
            part = remove[start : start + chunks.CHUNK]
            deleted = Person.objects.filter(pk__in=part, import_batch=batch).delete()
            removed += deleted[1].get(Person._meta.label, 0)
    # The notes the batch wrote on people it matched (or kept) go too.
    Interaction.objects.filter(import_batch=batch).delete()
    return removed, len(candidates) - removed
