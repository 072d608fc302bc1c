"""audit.record(): one call, in the caller's transaction, for every write that matters."""

from __future__ import annotations

from typing import Any

from django.db import models

from aktivist.core.models import AuditEvent


def record(
    *,
    actor: Any,
    verb: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    person_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        if person_id is None and obj._meta.label_lower == "people.person":
            person_id = obj.pk
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        verb=verb,
        object_type=object_type,
        object_id=str(object_id),
        person_id=person_id,
        details=details or {},
    )
