from __future__ import annotations

from django.db import models
from django.db.models.functions import Concat, Substr
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aktivist.core.models import BaseModel

PATH_STEP = 7  # digits per level in Unit.path: "0000001/0000042/"


class Unit(BaseModel):
    """A node of the organisation tree. ``path`` is a materialised path of zero-padded ids,
    so a subtree is one indexed prefix query: ``path__startswith=unit.path``."""

    class Kind(models.TextChoices):
        NATIONAL = "national", _("National")
        DISTRICT = "district", _("District")
        LOCAL_GROUP = "local_group", _("Local group")
        SCHOOL_GROUP = "school_group", _("School group")
        NETWORK = "network", _("Network")
        YOUTH_NETWORK = "youth_network", _("Youth network")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, default="", db_index=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    email = models.EmailField(_("contact email"), blank=True)
    # School groups (and any unit) may name a contact person, e.g. a teacher at the school.
    contact_person = models.ForeignKey(
        "people.Person",
        verbose_name=_("contact person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_for_units",
    )
    school_name = models.CharField(_("school"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="unit_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["kind"], name="unit_kind_idx"),
        ]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    def expected_path(self) -> str:
        prefix = self.parent.path if self.parent_id and self.parent else ""
        return f"{prefix}{self.pk:0{PATH_STEP}d}/"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.parent_id and self.parent and self.parent.path and self.pk:
            if self.parent.path.startswith(self.path):
                raise ValueError("A unit cannot be moved under its own subtree.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        new_path = self.expected_path()
        if new_path != self.path:
            old_path = self.path
            new_depth = new_path.count("/") - 1
            Unit.objects.filter(pk=self.pk).update(path=new_path, depth=new_depth)
            if old_path:
                # Move the subtree with it: one UPDATE rewrites every descendant's prefix.
                Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                    path=Concat(models.Value(new_path), Substr("path", len(old_path) + 1)),
                    depth=models.F("depth") + (new_depth - self.depth),
                )
            self.path, self.depth = new_path, new_depth

    def subtree(self) -> models.QuerySet[Unit]:
        return Unit.objects.filter(path__startswith=self.path)

    def ancestors(self) -> models.QuerySet[Unit]:
        ids = [int(part) for part in self.path.strip("/").split("/") if part]
        return Unit.objects.filter(pk__in=ids).exclude(pk=self.pk).order_by("depth")


class PostcodePrefix(models.Model):
    """A postcode prefix a unit covers; the longest matching prefix gives a home unit."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="postcode_prefixes")
    prefix = models.CharField(_("postcode prefix"), max_length=5, unique=True)

    class Meta:
        ordering = ["prefix"]
        verbose_name = _("postcode prefix")
        verbose_name_plural = _("postcode prefixes")

    def __str__(self) -> str:
        return self.prefix


class UnitMembership(BaseModel):
    """A person's membership of a unit (local group, school group, network …), from/to."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="unit_memberships"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        ordering = ["-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "unit"],
                condition=models.Q(ended_on__isnull=True),
                name="one_current_membership_per_unit",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="membership_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["unit", "ended_on", "person"], name="membership_unit_idx")]
        verbose_name = _("unit membership")
        verbose_name_plural = _("unit memberships")

    def __str__(self) -> str:
        return f"{self.person_id}@{self.unit_id}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class RoleType(BaseModel):
    name = models.CharField(_("name (Swedish)"), max_length=100, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    slug = models.SlugField(unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("role type")
        verbose_name_plural = _("role types")

    def __str__(self) -> str:
        return self.name_en if (get_language() or "sv").startswith("en") else self.name


class Role(BaseModel):
    """An organisational role a person holds in a unit. An ended role makes an alumnus."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="roles")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="roles")
    role_type = models.ForeignKey(RoleType, on_delete=models.PROTECT, related_name="roles")
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        ordering = ["-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "unit", "role_type"],
                condition=models.Q(ended_on__isnull=True),
                name="one_current_role_per_type_and_unit",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="role_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "ended_on", "person"], name="role_unit_idx"),
            models.Index(fields=["role_type", "ended_on"], name="role_type_idx"),
        ]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return f"{self.role_type} ({self.unit})"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None
