"""The audit trail is append-only: no row can be changed, by the ORM or (where the database
can enforce it) by SQL; rows leave only through the retention purge."""

from __future__ import annotations

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from aktivist.core import audit
from aktivist.core.models import AuditEvent, AuditTrailImmutable

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(personas, world):
    return audit.record(
        actor=personas.staff, verb="person.update", obj=world.member_a1, details={"fields": []}
    )


def test_an_audit_row_cannot_be_changed_or_deleted_through_the_orm(event):
    event.verb = "person.read"
    with pytest.raises(AuditTrailImmutable):
        event.save()
    with pytest.raises(AuditTrailImmutable):
        event.delete()
    with pytest.raises(AuditTrailImmutable):
        AuditEvent.objects.filter(pk=event.pk).update(verb="person.read")
    with pytest.raises(AuditTrailImmutable):
        AuditEvent.objects.bulk_update([event], ["verb"])
    with pytest.raises(AuditTrailImmutable):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AuditTrailImmutable):
        AuditEvent.objects.all().delete()
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.verb == "person.update"


def test_a_new_row_with_an_existing_id_does_not_overwrite_it(event, personas):
    forged = AuditEvent(pk=event.pk, actor=personas.admin, verb="nothing.happened")
    with pytest.raises(DatabaseError), transaction.atomic():
        forged.save()
    assert AuditEvent.objects.get(pk=event.pk).verb == "person.update"


def test_sql_cannot_change_an_audit_row(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET verb = 'person.read'")
    assert AuditEvent.objects.get(pk=event.pk).verb == "person.update"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no session settings: only PostgreSQL's trigger refuses a DELETE",
)
def test_sql_cannot_delete_an_audit_row_outside_the_purge(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    # Inside the purge's context a DELETE passes, an UPDATE still does not.
    with pytest.raises(DatabaseError), audit.audit_retention(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET verb = 'person.read'")
    with audit.audit_retention(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    assert not AuditEvent.objects.filter(pk=event.pk).exists()
    # And the setting does not outlive the context within the same transaction.
    audit.record(actor=None, verb="system.check")
    with transaction.atomic():
        with audit.audit_retention():
            pass
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditevent")
    assert AuditEvent.objects.filter(verb="system.check").exists()


def test_the_retention_purge_deletes_old_rows_only_and_in_batches(personas, monkeypatch):
    now = timezone.now()
    for days_ago in (800, 760, 740, 10):
        monkeypatch.setattr(timezone, "now", lambda d=days_ago: now - datetime.timedelta(days=d))
        audit.record(actor=personas.staff, verb=f"read.{days_ago}")
    monkeypatch.setattr(timezone, "now", lambda: now)
    cutoff = now - datetime.timedelta(days=730)
    assert audit.purge_audit_rows(older_than=cutoff, batch_size=2) == 3
    assert list(AuditEvent.objects.values_list("verb", flat=True)) == ["read.10"]
    assert audit.purge_audit_rows(older_than=cutoff, batch_size=2) == 0
    # Outside the purge nothing may delete, even right after it ran.
    with pytest.raises(AuditTrailImmutable):
        AuditEvent.objects.all().delete()
    # Inside its context the queryset may delete, never update.
    with audit.audit_retention():
        with pytest.raises(AuditTrailImmutable):
            AuditEvent.objects.update(verb="x")
        assert AuditEvent.objects.all().delete()[0] == 1


def test_deleting_an_account_leaves_its_trail_as_it_was(personas, world):
    """Accounts are deactivated, not deleted; if one is deleted anyway, its rows keep the
    account's id and nothing is rewritten."""
    from aktivist.accounts.models import User

    event = audit.record(actor=personas.coordinator_b1, verb="person.read", obj=world.member_b1)
    gone = personas.coordinator_b1.pk
    User.objects.filter(pk=gone).delete()
    stored = AuditEvent.objects.select_related("actor").get(pk=event.pk)
    assert stored.actor_id == gone and stored.actor is None
