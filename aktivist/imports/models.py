from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aktivist.core.models import BaseModel


class ColumnMapping(BaseModel):
    """A saved mapping from a file's headers to person fields, reusable by name."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    mapping = models.JSONField(_("mapping"), default=dict)  # {"Header": "field" or ""}
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")

    def __str__(self) -> str:
        return self.name


class ImportBatch(BaseModel):
    """One uploaded file and everything that became of it. The kept copy of the file is the
    sanitised CSV (UTF-8, personal identity numbers removed) used for resuming and for the
    refused rows; while the batch is READING, ``file`` is the upload as it came, deleted once
    it has been read."""

    class Status(models.TextChoices):
        # READING: the upload is stored as it came and waits for the background task that
        # reads it (never the web request); REFUSED: that task found it unreadable.
        READING = "reading", _("Reading the file")
        REFUSED = "refused", _("File not accepted")
        UPLOADED = "uploaded", _("Uploaded")
        ANALYSING = "analysing", _("Dry run in progress")
        ANALYSED = "analysed", _("Dry run done")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")
        UNDONE = "undone", _("Undone")
        # An upload never started and given up (by its importer, or after
        # IMPORT_ABANDONED_DAYS): its files deleted, the row kept as a record.
        DISCARDED = "discarded", _("Discarded")

    class Kind(models.TextChoices):
        PEOPLE = "people", _("People")
        REGISTER_FULL = "register_full", _("Membership register, full export")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PEOPLE)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.UPLOADED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    original_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/", max_length=255)
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=2, blank=True)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    dropped_columns = models.JSONField(default=list)  # e.g. personal identity numbers
    # Options: {"unit": id, "tags": [names], "source": str,
    #           "consents": [{"channel", "purpose", "source", "wording_version", "wording"}]}
    options = models.JSONField(default=dict)
    unit = models.ForeignKey(
        "organisation.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)  # resume point (data rows done)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    refused_count = models.PositiveIntegerField(default=0)
    held_count = models.PositiveIntegerField(default=0)
    formered_count = models.PositiveIntegerField(default=0)  # register sync: members → former
    # Rows that are not people, skipped (not refused): organisations' rows, Meta test leads.
    organisation_count = models.PositiveIntegerField(default=0)
    test_lead_count = models.PositiveIntegerField(default=0)
    # Opt-outs recorded (a row and a channel): withdrawn consents and suppressions.
    opted_out_count = models.PositiveIntegerField(default=0)
    dry_run = models.JSONField(default=dict, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == self.Status.FINISHED else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))


class ImportIssue(models.Model):
    """A row the batch refused, held for review, or where the file differs from what is
    stored. ``data`` is the row as the file had it (personal identity numbers removed)."""

    class Kind(models.TextChoices):
        REFUSED = "refused", _("Refused")
        CONFLICT = "conflict", _("Conflict")
        HELD = "held", _("Held for review")
        DIFFERS = "differs", _("Differs from stored value")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="issues")
    line = models.PositiveIntegerField(_("line"))
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=500)
    data = models.JSONField(default=dict)
    # The matched person's id where there is one (a plain id: the issue survives erasure).
    person_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["batch", "line", "id"]
        indexes = [models.Index(fields=["batch", "kind", "line"], name="import_issue_idx")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.line} {self.kind}"


class DuplicateCandidate(BaseModel):
    """A likely duplicate pair (person_a.pk < person_b.pk) waiting for a decision."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Not the same person")

    person_a = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="duplicate_candidates_a"
    )
    person_b = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="duplicate_candidates_b"
    )
    reason = models.CharField(max_length=40)  # email_variant, landline, similar_name …
    score = models.FloatField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="one_candidate_per_pair"),
            models.CheckConstraint(
                condition=models.Q(person_a__lt=models.F("person_b")), name="candidate_pair_ordered"
            ),
        ]
        indexes = [models.Index(fields=["status", "score"], name="candidate_status_idx")]

    def __str__(self) -> str:
        return f"{self.person_a_id}~{self.person_b_id} ({self.reason})"


class PersonMerge(BaseModel):
    """The record of a merge: who was kept, which id disappeared, which values came from the
    dropped person, and who decided."""

    kept = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="merges")
    dropped_person_id = models.BigIntegerField()
    fields_from_dropped = models.JSONField(default=list)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("person merge")
        verbose_name_plural = _("person merges")

    def __str__(self) -> str:
        return f"{self.dropped_person_id} → {self.kept_id}"
