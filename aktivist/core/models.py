from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """Every table records when its rows were created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditTrailImmutable(Exception):
    """An audit event was about to be changed or deleted outside the retention purge."""


# Set only by ``aktivist.core.audit.audit_retention()`` (the retention purge): while it is
# set, a queryset of audit events may be deleted. Nothing may ever update one.
_audit_purge: ContextVar[bool] = ContextVar("aktivist_audit_purge", default=False)


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Audit rows are written and read, never changed; deleted only by the retention purge.
    (PostgreSQL enforces the same with a trigger: core migration 0002.)"""

    def update(self, **kwargs: Any) -> int:
        raise AuditTrailImmutable("Audit events cannot be changed.")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise AuditTrailImmutable("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        if not _audit_purge.get():
            raise AuditTrailImmutable(
                "Audit events are deleted only by the retention purge (audit_retention())."
            )
        return super().delete()

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]


class AuditEvent(models.Model):
    """Who did what to which record. Details hold ids and field names, never personal data
    values beyond what the verb needs.

    Append-only: ``save()`` of an existing row, ``delete()`` and the queryset's ``update()``
    raise ``AuditTrailImmutable``; the queryset's ``delete()`` works only inside
    ``aktivist.core.audit.audit_retention()``, which the retention purge
    (``purge_audit_rows``) uses. Reads of personal data are rows too
    (``aktivist/core/reads.py``)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The account, kept as its id even if the account row were ever deleted (accounts are
    # deactivated, not deleted): no constraint, and nothing is cascaded or set to NULL here.
    # Indexed as the first column of audit_read_dedupe_idx.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    verb = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64, blank=True)
    # A person the event concerns, kept as a plain id so that the audit trail survives erasure
    # and does not join the person registries.
    person_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # A read already recorded for this account, verb and person in the last minutes
            # (the NOT EXISTS of every list read).
            models.Index(
                fields=["actor", "verb", "person_id", "created_at"], name="audit_read_dedupe_idx"
            ),
            # The audit viewer's "by account", newest first, a page at a time (keyset on id).
            models.Index(fields=["actor", "id"], name="audit_actor_recent_idx"),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.verb} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditTrailImmutable("Audit events cannot be changed.")
        # Never the UPDATE that save() tries first when a primary key is set.
        kwargs["force_insert"] = True
        kwargs.pop("force_update", None)
        kwargs.pop("update_fields", None)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditTrailImmutable("Audit events are deleted only by the retention purge.")


class ScheduledRun(models.Model):
    """One row per periodic job and period: the unique key stops two schedulers doubling a run."""

    job = models.CharField(max_length=80)
    period = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "period"], name="scheduled_run_once_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.job}@{self.period}"


class SentMessage(BaseModel):
    """An email or SMS that a transport "sent" outside production (it never left this
    machine), kept so that development and the demo can read it on the sent-messages page
    (``aktivist/core/sent_messages.py``). Never written in production; deleted after the
    ``sent_messages`` retention rule's days and by erasure (matched by address)."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    to = models.CharField(_("recipient"), max_length=254, db_index=True)
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    body = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("sent message (outside production)")
        verbose_name_plural = _("sent messages (outside production)")

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk}"
