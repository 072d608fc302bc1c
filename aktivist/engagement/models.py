"""The engagement ladder: computed from facts, never typed in by hand (DESIGN.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    CONTACT = 0, _("Contact")
    ACTED = 1, _("Acted")
    ACTS_REPEATEDLY = 2, _("Acts repeatedly")
    TRAINED = 3, _("Trained")
    ACTIVE_IN_GROUP = 4, _("Active in a group or network")
    HOLDS_ROLE = 5, _("Holds a role")


class EngagementLevel(models.Model):
    """A person's current level, written only by the recompute (services.py). Rows exist for
    active people above level 0: no row means level 0 (contact)."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, related_name="engagement", primary_key=True
    )
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.CONTACT)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["level"], name="engagement_level_idx")]
        verbose_name = _("engagement level")
        verbose_name_plural = _("engagement levels")

    def __str__(self) -> str:
        return f"{self.person_id}: {self.level}"


class EngagementSnapshot(models.Model):
    """The level each person had in a month (taken on the first day of the next month, or
    the current month's latest run), so reports can show who moved up or down. Like
    EngagementLevel, only levels above 0 have rows (see SnapshotMonth)."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="engagement_snapshots"
    )
    month = models.DateField()  # the first day of the month
    level = models.PositiveSmallIntegerField(choices=Level.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "month"], name="snapshot_once_per_month")
        ]
        indexes = [models.Index(fields=["month", "level"], name="snapshot_month_idx")]
        verbose_name = _("engagement snapshot")
        verbose_name_plural = _("engagement snapshots")

    def __str__(self) -> str:
        return f"{self.person_id}@{self.month}: {self.level}"


class SnapshotMonth(models.Model):
    """A month whose snapshot was taken. Snapshot rows are kept for levels above 0 only: a
    person with no row in a month listed here was at level 0 (contact) that month."""

    month = models.DateField(unique=True)  # the first day of the month
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["-month"]
        verbose_name = _("engagement snapshot month")
        verbose_name_plural = _("engagement snapshot months")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
