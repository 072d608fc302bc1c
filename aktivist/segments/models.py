"""Saved segments: a named filter tree. A segment is a query, never a cache of people:
counting or sending it evaluates the tree again, in the scope of whoever uses it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aktivist.core.models import BaseModel


class Segment(BaseModel):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    tree = models.JSONField(_("conditions"), default=dict)
    # The unit whose staff share the segment; none for the secretariat's own segments.
    unit = models.ForeignKey(
        "organisation.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="segments",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name
