"""The audit trail becomes append-only (issue 14).

* ``actor`` keeps the account's id with no constraint and no ON DELETE action: deleting an
  account must neither fail on nor rewrite the trail (accounts are deactivated anyway). Its
  own index goes: the new index below starts with it.
* An index for the read audit: "already recorded for this account, verb and person in the
  last minutes" is an indexed look-up in every list read's INSERT; and one for the audit
  viewer's "by account", newest first.
* PostgreSQL: a trigger refuses every UPDATE and every DELETE of an audit row, unless the
  transaction set ``aktivist.audit_purge`` to ``on`` (the retention purge,
  ``aktivist.core.audit.audit_retention()``); a DELETE only, never an UPDATE. TRUNCATE is
  left alone (the test runner empties tables with it).
* SQLite has no session settings: a trigger refuses UPDATE only (a DELETE trigger would
  also stop the test runner's flush). The model and its queryset refuse both everywhere.
  A later migration that makes SQLite rebuild this table drops the trigger with the old
  table: it must create it again (``privacy/tests/test_reads_immutable_trail.py`` fails
  until it does).
"""

from django.conf import settings
from django.db import migrations, models

PG_FORWARD = """
CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('aktivist.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'core_auditevent is append-only: % refused (only the retention purge deletes)', TG_OP;
END;
$$;
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
CREATE TRIGGER core_auditevent_append_only
    BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
DROP FUNCTION IF EXISTS core_auditevent_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER IF NOT EXISTS core_auditevent_no_update
BEFORE UPDATE ON core_auditevent
BEGIN
    SELECT RAISE(ABORT, 'core_auditevent is append-only: UPDATE refused');
END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS core_auditevent_no_update;"


def add_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD, params=None)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=models.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                fields=["actor", "verb", "person_id", "created_at"], name="audit_read_dedupe_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["actor", "id"], name="audit_actor_recent_idx"),
        ),
        migrations.RunPython(add_triggers, drop_triggers, elidable=False),
    ]
