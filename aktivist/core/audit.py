"""audit.record(): one call, in the caller's transaction, for every write that matters.

The trail is append-only (``AuditEvent``): the only way rows leave it is the retention
purge, ``purge_audit_rows()``, which deletes inside ``audit_retention()`` — the one context
in which the queryset's ``delete()`` works and, on PostgreSQL, the trigger of core
migration 0002 lets a DELETE through. Reads of personal data are recorded by
``aktivist/core/reads.py``."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, models, transaction

from aktivist.core.models import AuditEvent, _audit_purge

# The session setting the PostgreSQL trigger checks (core migration 0002).
PURGE_SETTING = "aktivist.audit_purge"


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


@contextmanager
def audit_retention() -> Iterator[None]:
    """The retention purge's context, and nobody else's: audit events may be deleted inside
    it (never updated). Opens a transaction; on PostgreSQL sets ``aktivist.audit_purge`` for
    that transaction only, and switches it off again on the way out."""
    with transaction.atomic():
        postgres = connection.vendor == "postgresql"
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'on', true)", [PURGE_SETTING])
        token = _audit_purge.set(True)
        try:
            yield
            # On an error the transaction (or savepoint) is rolled back, and the setting
            # with it.
            if postgres:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config(%s, 'off', true)", [PURGE_SETTING])
        finally:
            _audit_purge.reset(token)


def purge_audit_rows(*, older_than: datetime.datetime, batch_size: int = 5000) -> int:
    """Delete audit rows created before ``older_than``, oldest first, in batches of
    ``batch_size`` (each its own transaction, so an interrupted purge resumes where it
    stopped when run again). Returns how many rows were deleted. For the retention rule
    ``audit_rows`` (``aktivist/core/retention_rules.py``) only."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    deleted = 0
    while True:
        with audit_retention():
            ids = list(
                AuditEvent.objects.filter(created_at__lt=older_than)
                .order_by("created_at", "id")
                .values_list("id", flat=True)[:batch_size]
            )
            if ids:
                AuditEvent.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
        if len(ids) < batch_size:
            return deleted
