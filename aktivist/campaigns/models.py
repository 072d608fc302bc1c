"""Priorities, campaigns, actions and the participations that are the volume that counts."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aktivist.core.models import BaseModel
from aktivist.lib.normalise import UTM_MAX, validate_printable


class Priority(BaseModel):
    """One area of the year's action plan (handlingsplan)."""

    name = models.CharField(_("name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["-year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "year"], name="priority_once_per_year")
        ]
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class Campaign(BaseModel):
    class Scope(models.TextChoices):
        NATIONAL = "national", _("National")
        DISTRICT = "district", _("District")
        LOCAL = "local", _("Local")

    class Origin(models.TextChoices):
        SECRETARIAT = "secretariat", _("Secretariat-led")
        LOCAL_INITIATIVE = "local_initiative", _("Local initiative")

    class Kind(models.TextChoices):
        STANDARD = "standard", _("Standard")
        SUMMER = "summer", _("Summer campaign")
        ELECTION = "election", _("Election campaign")
        URGENT = "urgent", _("Urgent")

    class Elevation(models.TextChoices):
        NONE = "", _("Not proposed")
        PROPOSED = "proposed", _("Proposed for national campaign")
        ELEVATED = "elevated", _("Lifted to a national campaign")
        DECLINED = "declined", _("Not lifted")

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    priority = models.ForeignKey(
        Priority,
        verbose_name=_("priority"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    unit = models.ForeignKey(
        "organisation.Unit",
        verbose_name=_("owning unit"),
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    origin = models.CharField(
        _("origin"), max_length=20, choices=Origin.choices, default=Origin.SECRETARIAT
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.STANDARD)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    goal = models.PositiveIntegerField(_("goal (participations)"), null=True, blank=True)
    # A national campaign lifted from a local initiative points back to it; the initiative
    # keeps its own history (and its actions) untouched.
    elevated_from = models.ForeignKey(
        "self",
        verbose_name=_("lifted from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="elevations",
    )
    elevation = models.CharField(
        _("national campaign?"), max_length=10, choices=Elevation.choices, default="", blank=True
    )
    elevation_note = models.TextField(_("why it should go national"), blank=True)
    elevation_proposed_at = models.DateTimeField(null=True, blank=True)
    elevation_decided_at = models.DateTimeField(null=True, blank=True)
    elevation_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["elevation"], name="campaign_elevation_idx")]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name


class Action(BaseModel):
    """Something a person can do for a campaign, with its public page at /a/<slug>/."""

    class Kind(models.TextChoices):
        PETITION = "petition", _("Petition")
        LETTER = "letter", _("Letter to a decision maker")
        E_ACTION = "e_action", _("E-action")
        ACTION_DAY = "action_day", _("Action day")
        SOCIAL_SHARE = "social_share", _("Social share")
        URGENT = "urgent", _("Urgent action")

    class LetterDelivery(models.TextChoices):
        EMAIL = "email", _("Email to the target in a daily batch")
        PDF = "pdf", _("PDF bundle to hand over")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="actions"
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices, default=Kind.PETITION)
    slug = models.SlugField(_("address (slug)"), max_length=80, unique=True)
    title_sv = models.CharField(_("title (Swedish)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    text_sv = models.TextField(_("text (Swedish)"))
    text_en = models.TextField(_("text (English)"), blank=True)
    opens_at = models.DateTimeField(_("opens"), default=timezone.now)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    goal = models.PositiveIntegerField(_("goal"), null=True, blank=True)
    is_published = models.BooleanField(_("published"), default=True)
    # Letters: who receives them, and the letter the signer may edit.
    target_name = models.CharField(_("target's name"), max_length=200, blank=True)
    target_email = models.EmailField(_("target's email"), blank=True)
    target_address = models.TextField(_("target's postal address"), blank=True)
    letter_subject = models.CharField(_("letter subject"), max_length=200, blank=True)
    letter_text_sv = models.TextField(_("letter (Swedish)"), blank=True)
    letter_text_en = models.TextField(_("letter (English)"), blank=True)
    letter_delivery = models.CharField(
        _("letter delivery"),
        max_length=5,
        choices=LetterDelivery.choices,
        default=LetterDelivery.EMAIL,
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opens_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__isnull=True)
                | models.Q(closes_at__gt=models.F("opens_at")),
                name="action_closes_after_opening",
            ),
        ]
        verbose_name = _("action")
        verbose_name_plural = _("actions")

    def __str__(self) -> str:
        return self.title_sv

    def is_open(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.is_published
            and self.opens_at <= now
            and (self.closes_at is None or now < self.closes_at)
        )

    def _in_language(self, sv: str, en: str, language: str | None) -> str:
        return en if (language or get_language() or "sv").startswith("en") and en else sv

    def title(self, language: str | None = None) -> str:
        return self._in_language(self.title_sv, self.title_en, language)

    def text(self, language: str | None = None) -> str:
        return self._in_language(self.text_sv, self.text_en, language)

    def letter_text(self, language: str | None = None) -> str:
        return self._in_language(self.letter_text_sv, self.letter_text_en, language)

    @property
    def is_letter(self) -> bool:
        return self.kind == self.Kind.LETTER


class Channel(BaseModel):
    """A system that signs on people's behalf through the JSON endpoint (the organisation's
    website, a partner). Its API key is shown once; only a hash is kept."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    key_prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    rate_limit_per_minute = models.PositiveIntegerField(_("signatures per minute"), default=60_000)
    # Origins allowed to show the embeddable pages in a frame (CSP frame-ancestors).
    allowed_origins = models.TextField(
        _("origins that may embed the pages"), blank=True, help_text=_("One per line.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self) -> str:
        return self.name

    def origins(self) -> list[str]:
        return [line.strip() for line in self.allowed_origins.splitlines() if line.strip()]


class Participation(BaseModel):
    """A person took an action: once per person and action. ``created_at`` is when.

    Erasure keeps the row on the person's tombstone, with the letter and the tracking token
    blanked, so that counts never change (rows of people erased before privacy's tombstones
    were detached: ``person`` null)."""

    class Source(models.TextChoices):
        WEB = "web", _("Action page")
        EMBED = "embed", _("Embedded page")
        API = "api", _("Channel (API)")
        STAFF = "staff", _("Recorded by staff")
        IMPORT = "import", _("Import")

    class AgeBracket(models.TextChoices):
        FROM_13_TO_17 = "13-17", _("13–17")
        FROM_18_TO_25 = "18-25", _("18–25")
        FROM_26_TO_39 = "26-39", _("26–39")
        FROM_40_TO_64 = "40-64", _("40–64")
        FROM_65 = "65+", _("65 or older")

    person = models.ForeignKey(
        "people.Person", null=True, on_delete=models.SET_NULL, related_name="participations"
    )
    # Indexed by participation_once (action, person): "who took this action" is an index
    # range in person order (segment counts merge-join it with people).
    action = models.ForeignKey(
        Action, on_delete=models.PROTECT, related_name="participations", db_index=False
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="participations"
    )
    # The opaque signed token of the link that brought the person (mobilization issue).
    tracking_token = models.CharField(max_length=200, blank=True)
    # Where the link to the action page said it was shared (its ?utm_source=&utm_medium=),
    # cleaned by aktivist.lib.normalise.clean_utm: "by source" tells Instagram from the
    # newsletter. Not personal data.
    utm_source = models.CharField(
        _("UTM source"), max_length=UTM_MAX, blank=True, validators=[validate_printable]
    )
    utm_medium = models.CharField(
        _("UTM medium"), max_length=UTM_MAX, blank=True, validators=[validate_printable]
    )
    age_bracket = models.CharField(max_length=5, choices=AgeBracket.choices, blank=True)
    letter_text = models.TextField(_("letter"), blank=True)
    # Agreed to be named (name and postcode) when the petition is handed over.
    named = models.BooleanField(_("may be named at hand-over"), default=False)
    letter_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["action", "person"], name="participation_once"),
        ]
        indexes = [
            # "took an action in a period": the person comes from the index (PostgreSQL).
            models.Index(
                fields=["action", "created_at"],
                include=["person"],
                name="participation_action_idx",
            ),
            models.Index(fields=["person", "created_at"], name="participation_person_idx"),
            models.Index(
                fields=["action", "letter_sent_at"],
                name="participation_letter_idx",
                condition=models.Q(letter_sent_at__isnull=True),
            ),
        ]
        verbose_name = _("participation")
        verbose_name_plural = _("participations")

    def __str__(self) -> str:
        return f"{self.action_id}:{self.person_id}"


class IdempotencyKey(models.Model):
    """A channel's idempotency key: a retried post answers with the first post's response."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status_code = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "key"], name="idempotency_key_once")
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.key}"
