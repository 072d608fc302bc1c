"""Programmes (the red thread from a first meeting to leadership), events, registrations
and completed programmes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aktivist.core.models import BaseModel


class Programme(BaseModel):
    class Kind(models.TextChoices):
        RECRUITMENT_MEETING = "recruitment_meeting", _("Recruitment meeting")
        INTRODUCTION = "introduction", _("Introduction")
        CAMPAIGN_TRAINING = "campaign_training", _("Campaign training")
        PROJECT_LEADER_TRAINING = "project_leader_training", _("Project-leader training")
        ACTIVIST_SEMINAR = "activist_seminar", _("Activist seminar")
        LEADERSHIP_PROGRAMME = "leadership_programme", _("Leadership programme")
        ALUMNI_PROGRAMME = "alumni_programme", _("Alumni programme")
        OTHER = "other", _("Other")

    # Kinds that count as training on the engagement ladder unless a programme says otherwise.
    TRAINING_KINDS = (
        Kind.CAMPAIGN_TRAINING,
        Kind.PROJECT_LEADER_TRAINING,
        Kind.ACTIVIST_SEMINAR,
        Kind.LEADERSHIP_PROGRAMME,
    )

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    # Set from the kind when a programme is created (TRAINING_KINDS); staff may change it.
    counts_as_training = models.BooleanField(
        _("counts as training (engagement ladder)"), default=False
    )
    # Completing this programme offers these programmes next (the red thread).
    next_steps = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="previous_steps"
    )
    # What completes it: attending this many of its events (1 = any one event).
    events_to_complete = models.PositiveSmallIntegerField(
        _("events to attend to complete it"), default=1
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return self.name


class Event(BaseModel):
    """A meeting, training, seminar or action day people sign up for at /e/<slug>/."""

    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    unit = models.ForeignKey(
        "organisation.Unit",
        verbose_name=_("organising unit"),
        on_delete=models.PROTECT,
        related_name="events",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    slug = models.SlugField(_("address (slug)"), max_length=80, unique=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    capacity = models.PositiveIntegerField(_("seats"), null=True, blank=True)
    registration_deadline = models.DateTimeField(_("sign-up closes"), null=True, blank=True)
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=[("sv", _("Swedish")), ("en", _("English"))],
        default="sv",
    )
    for_young_people = models.BooleanField(_("for young people"), default=False)
    # Under-18s signing up give a guardian's contact.
    guardian_required_under_18 = models.BooleanField(
        _("under-18s give a guardian's contact"), default=False
    )
    reminder_hours_before = models.PositiveSmallIntegerField(
        _("reminder (hours before)"), default=24
    )
    is_published = models.BooleanField(_("published"), default=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # The calendar file's SEQUENCE (RFC 5545 §3.8.7.4): raised when the time or place
    # changes and on cancellation, so calendar apps replace the entry they hold.
    calendar_sequence = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")),
                name="event_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["starts_at"], name="event_starts_idx"),
            models.Index(fields=["unit", "starts_at"], name="event_unit_idx"),
        ]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return self.title

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def accepts_sign_ups(self, now: object = None) -> bool:
        now = now or timezone.now()
        deadline = self.registration_deadline or self.starts_at
        return self.is_published and not self.is_cancelled and now < deadline  # type: ignore[operator]


class Registration(BaseModel):
    """A person signed up for an event: once per person and event. Erasure keeps the row on
    the person's tombstone with what was typed blanked, so counts never change."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        WAITLISTED = "waitlisted", _("On the waiting list")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("Did not come")
        CANCELLED = "cancelled", _("Cancelled")

    # Statuses that hold a seat.
    SEATED = (Status.REGISTERED, Status.ATTENDED, Status.NO_SHOW)

    class Source(models.TextChoices):
        WEB = "web", _("Event page")
        STAFF = "staff", _("Added by staff")
        WALK_IN = "walk_in", _("Walk-in")
        IMPORT = "import", _("Attendance upload")
        API = "api", _("Channel (API)")

    # None for a person erased before erasure kept tombstones, and for attendance held for
    # review (a walk-in or an upload row that matched someone outside the checker's scope:
    # programmes/reviews.py).
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrations",
    )
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="registrations")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REGISTERED
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    tracking_token = models.CharField(max_length=200, blank=True)
    # The waiting list is served in this order (set when waitlisted).
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    attended_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    guardian_name = models.CharField(_("guardian's name"), max_length=200, blank=True)
    guardian_contact = models.CharField(_("guardian's phone or email"), max_length=254, blank=True)
    # What was typed into the sign-up form, at the door or in the attendance upload: the
    # event's lists show these, never the person record behind them (a registration is no
    # reason to see a person). Empty on registrations made before they were kept (database
    # defaults too: the demo's and benches' bulk paths write rows without these columns).
    typed_first_name = models.CharField(
        _("first name (as typed)"), max_length=100, blank=True, default="", db_default=""
    )
    typed_last_name = models.CharField(
        _("last name (as typed)"), max_length=100, blank=True, default="", db_default=""
    )
    typed_email = models.CharField(
        _("email (as typed)"), max_length=254, blank=True, default="", db_default=""
    )
    typed_mobile = models.CharField(
        _("mobile (as typed)"), max_length=20, blank=True, default="", db_default=""
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "event"], name="registration_once"),
        ]
        indexes = [
            models.Index(fields=["event", "status"], name="registration_event_idx"),
            models.Index(fields=["person", "status"], name="registration_person_idx"),
        ]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")

    def __str__(self) -> str:
        return f"{self.event_id}:{self.person_id} {self.status}"

    @property
    def typed_name(self) -> str:
        return f"{self.typed_first_name} {self.typed_last_name}".strip()

    def set_typed(
        self, *, first_name: str = "", last_name: str = "", email: str | None, mobile: str | None
    ) -> None:
        """Keep what was typed (normalised addresses, names as given)."""
        self.typed_first_name = (first_name or "")[:100]
        self.typed_last_name = (last_name or "")[:100]
        self.typed_email = (email or "")[:254]
        self.typed_mobile = (mobile or "")[:20]


class ProgrammeCompletion(BaseModel):
    """A person completed a programme (recorded once, by attendance or by staff)."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="programme_completions"
    )
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="completions")
    completed_on = models.DateField(_("completed"))
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-completed_on"]
        constraints = [
            models.UniqueConstraint(fields=["person", "programme"], name="completion_once"),
        ]
        indexes = [models.Index(fields=["programme", "completed_on"], name="completion_idx")]
        verbose_name = _("completed programme")
        verbose_name_plural = _("completed programmes")

    def __str__(self) -> str:
        return f"{self.person_id}:{self.programme_id}"


class AttendanceUpload(BaseModel):
    """An attendance list uploaded for an event, waiting for the task that reads it (never
    the web request: issue 15). ``file`` is the upload as it came, deleted once read;
    ``result`` is what reading it gave (``attendance_upload.UploadResult`` as a dict: counts,
    or the refused rows and why, or why the file as a whole was refused)."""

    class Status(models.TextChoices):
        READING = "reading", _("Reading the file")
        DONE = "done", _("Done")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attendance_uploads")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    original_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(upload_to="attendance/%Y/%m/", max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.READING)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("attendance upload")
        verbose_name_plural = _("attendance uploads")

    def __str__(self) -> str:
        return f"{self.event_id}: {self.original_name} ({self.status})"
