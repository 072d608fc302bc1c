"""Privacy: what erasure leaves behind (keyed hashes of erased addresses), data-subject
requests with their deadlines, and the retention rules with their runs. See docs/privacy.md.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aktivist.core.models import BaseModel


class ErasedIdentity(models.Model):
    """A keyed hash (HMAC-SHA256 with ``PRIVACY_HASH_KEY``, never ``SECRET_KEY``) of an erased
    person's email, mobile or member number: a later import or staff create of that person
    is held with "erased on <date>" instead of bringing them back. Nothing else is kept."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        MOBILE = "mobile", _("Mobile")
        MEMBER_NUMBER = "member_number", _("Member number")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    digest = models.CharField(max_length=64)
    erased_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "digest"], name="erased_identity_once")
        ]
        verbose_name = _("erased identity")
        verbose_name_plural = _("erased identities")

    def __str__(self) -> str:
        return f"{self.kind} erased {self.erased_on}"


class DataSubjectRequest(BaseModel):
    """A request under the GDPR from the person the data is about: received → identity
    checked → fulfilled or refused, within the legal deadline (one month, extendable by two
    with a recorded reason)."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("Access (Art. 15/20)")
        ERASURE = "erasure", _("Erasure (Art. 17)")
        RECTIFICATION = "rectification", _("Rectification (Art. 16)")
        OBJECTION = "objection", _("Objection (Art. 21)")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        LETTER = "letter", _("Letter")
        PHONE = "phone", _("Phone")
        IN_PERSON = "in_person", _("In person")
        FORM = "form", _("Web form")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        IDENTITY_CHECKED = "identity_checked", _("Identity checked")
        FULFILLED = "fulfilled", _("Fulfilled")
        REFUSED = "refused", pgettext_lazy("a data-subject request", "Refused")

    OPEN = (Status.RECEIVED, Status.IDENTITY_CHECKED)

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    received_on = models.DateField(_("received"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The person the request is about, once found (erasure keeps the link to the tombstone).
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="data_subject_requests",
    )
    # Who asked and how to answer them: personal data, anonymised by retention.
    requester_name = models.CharField(_("requester's name"), max_length=200, blank=True)
    requester_contact = models.CharField(_("requester's contact"), max_length=254, blank=True)
    details = models.TextField(_("details"), blank=True)
    identity_checked_at = models.DateTimeField(null=True, blank=True)
    identity_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    identity_method = models.CharField(
        _("how the identity was checked"), max_length=200, blank=True
    )
    due_on = models.DateField(_("due"))
    extended_to = models.DateField(_("extended to"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.TextField(_("outcome or reason for refusing"), blank=True)
    # The daily reminder: once when the deadline is within a week, once when it has passed
    # (both cleared when the deadline is extended).
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_reminded_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="dsar_status_due_idx")]
        verbose_name = _("data-subject request")
        verbose_name_plural = _("data-subject requests")

    def __str__(self) -> str:
        return f"{self.kind} {self.received_on} ({self.status})"

    @property
    def deadline(self) -> dt.date:
        """The legal deadline: one month after receipt, or the extended date."""
        return self.extended_to or self.due_on

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class RetentionRule(BaseModel):
    """How many days one store of personal data is kept (``aktivist/core/retention_rules.py`` lists
    the rules and their defaults); changed by admins, audited."""

    key = models.CharField(max_length=40, unique=True)
    days = models.PositiveIntegerField(_("days"))
    enabled = models.BooleanField(_("applied nightly"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")

    def __str__(self) -> str:
        return f"{self.key}: {self.days} days"


class RetentionRun(BaseModel):
    """One application of a rule, in resumable batches: ``cursor`` is the last id done."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    rule = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    cutoff = models.DateTimeField()
    cursor = models.BigIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["rule", "status"], name="retention_run_rule_idx")]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")

    def __str__(self) -> str:
        return f"{self.rule} {self.status} {self.processed}/{self.total}"
