from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aktivist.core.models import BaseModel
from aktivist.lib.normalise import normalise_email, normalise_name, normalise_postcode

YOUNG_MAX_AGE: int = settings.YOUTH_MAX_AGE  # "young people" in reports: this age or younger


def validate_birth_year(value: int) -> None:
    this_year = timezone.localdate().year
    if value < this_year - 120 or value > this_year:
        raise ValidationError(
            _("Enter a birth year between %(low)s and %(high)s."),
            params={"low": this_year - 120, "high": this_year},
            code="invalid_birth_year",
        )


class Person(BaseModel):
    """One row per human, member or not."""

    class MembershipStatus(models.TextChoices):
        MEMBER = "member", _("Member")
        NON_MEMBER = "non_member", _("Non-member")
        FORMER = "former", _("Former member")

    class Language(models.TextChoices):
        SWEDISH = "sv", _("Swedish")
        ENGLISH = "en", _("English")

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("email"), max_length=254, null=True, blank=True, unique=True)
    mobile = models.CharField(_("mobile"), max_length=20, null=True, blank=True, unique=True)
    other_phone = models.CharField(_("other phone"), max_length=20, blank=True, db_index=True)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"), null=True, blank=True, validators=[validate_birth_year]
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.SWEDISH
    )
    membership_status = models.CharField(
        _("membership status"),
        max_length=12,
        choices=MembershipStatus.choices,
        default=MembershipStatus.NON_MEMBER,
    )
    member_since = models.DateField(_("member since"), null=True, blank=True)
    membership_ended_on = models.DateField(_("membership ended"), null=True, blank=True)
    member_number = models.CharField(
        _("member number"), max_length=20, null=True, blank=True, unique=True
    )
    home_unit = models.ForeignKey(
        "organisation.Unit",
        verbose_name=_("home unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="home_people",
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    import_batch = models.ForeignKey(
        "imports.ImportBatch",
        verbose_name=_("created by import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_people",
        editable=False,
    )
    tags = models.ManyToManyField("people.Tag", through="people.Tagging", related_name="people")
    # Search keys: lower-cased names, kept in step by save() and the bulk paths.
    first_name_key = models.CharField(max_length=100, editable=False, default="")
    last_name_key = models.CharField(max_length=100, editable=False, default="")
    # Erasure keeps a tombstone: personal fields blanked, the row inactive. The tombstone
    # keeps the district (home_unit) and this age bracket (never the birth year), so that
    # the reports that follow one person across rows never change (aktivist/privacy).
    is_active = models.BooleanField(default=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    erased_age_bracket = models.CharField(
        max_length=8, blank=True, default="", db_default="", editable=False
    )

    class Meta:
        ordering = ["last_name_key", "first_name_key", "id"]
        indexes = [
            models.Index(
                fields=["last_name_key", "first_name_key"],
                name="person_last_name_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["first_name_key"],
                name="person_first_name_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            # email (unique) and home_unit (a foreign key) have their indexes already; on
            # PostgreSQL Django adds the varchar_pattern_ops twin for prefix searches on email.
            models.Index(fields=["membership_status"], name="person_status_idx"),
            models.Index(fields=["birth_year"], name="person_birth_year_idx"),
            models.Index(fields=["language"], name="person_language_idx"),
            # Everyone who is not erased, in id order: counts and joins over the whole
            # section read this small index instead of the people table.
            models.Index(
                fields=["id"], condition=models.Q(is_active=True), name="person_active_idx"
            ),
        ]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def age(self) -> int | None:
        if self.birth_year is None:
            return None
        return timezone.localdate().year - self.birth_year

    def normalise(self) -> None:
        """Bring fields to their stored form; phones are normalised by the services and forms
        (an invalid phone is an error there, not something to drop silently)."""
        self.email = normalise_email(self.email)
        self.mobile = self.mobile or None
        self.member_number = (self.member_number or "").strip() or None
        self.postcode = normalise_postcode(self.postcode)
        self.first_name = " ".join(self.first_name.split())
        self.last_name = " ".join(self.last_name.split())
        self.first_name_key = normalise_name(self.first_name)
        self.last_name_key = normalise_name(self.last_name)

    def save(self, *args: object, **kwargs: object) -> None:
        self.normalise()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            fields = set(update_fields)  # type: ignore[call-overload]
            if fields & {"first_name", "last_name"}:
                fields |= {"first_name_key", "last_name_key"}
            kwargs["update_fields"] = fields
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Tag(BaseModel):
    name = models.CharField(_("name"), max_length=80, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Tagging(BaseModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="taggings")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="taggings")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "tag"], name="tag_once_per_person")
        ]
        indexes = [models.Index(fields=["tag", "person"], name="tagging_tag_idx")]

    def __str__(self) -> str:
        return f"{self.tag_id}:{self.person_id}"


class Consent(BaseModel):
    """Person × channel × purpose, pending → confirmed → withdrawn."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    class Purpose(models.TextChoices):
        CAMPAIGNS = "campaigns", _("Campaigns and news")
        RAPID_RESPONSE = "rapid_response", _("Rapid-response network")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Confirmed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class ConfirmedBy(models.TextChoices):
        UNKNOWN = "", _("Not recorded")
        DOUBLE_OPT_IN = "double_opt_in", _("Link in an email to the address")
        SMS_CODE = "sms_code", _("Code sent to the mobile")
        INBOUND_SMS = "inbound_sms", _("SMS from the mobile (START)")
        PREFERENCE_CENTRE = "preference_centre", _("Preference centre (link in an email)")
        IMPORT = "import", _("Import, with its stated source")

    # SMS goes only to mobiles whose owner proved them: a code, or an SMS from the number.
    MOBILE_PROVED = (ConfirmedBy.SMS_CODE, ConfirmedBy.INBOUND_SMS)

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    # How the yes was confirmed (database default too: the bulk paths' COPY).
    confirmed_by = models.CharField(
        _("confirmed by"),
        max_length=20,
        choices=ConfirmedBy.choices,
        blank=True,
        default="",
        db_default="",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    wording_version = models.CharField(_("wording version"), max_length=40, blank=True)
    wording_hash = models.CharField(_("wording hash"), max_length=64, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    # SMS consent is confirmed by a code sent to the mobile: only its hash is kept.
    # (database defaults too: the import's COPY path writes consents without these columns)
    code_hash = models.CharField(
        max_length=64, blank=True, editable=False, default="", db_default=""
    )
    code_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    code_attempts = models.PositiveSmallIntegerField(default=0, editable=False, db_default=0)
    # A mobile given on a public form for a person who has none: it becomes theirs only
    # once the code sent to it is confirmed (proof that the signer owns it).
    pending_mobile = models.CharField(
        max_length=20, blank=True, editable=False, default="", db_default=""
    )
    # A pending mobile typed for a person who already existed is adopted only when both the
    # code sent to it and a link sent to the person's own inbox confirm it: a stranger who
    # typed someone's email and their own mobile proves only the mobile.
    pending_mobile_code_at = models.DateTimeField(null=True, blank=True, editable=False)
    pending_mobile_inbox_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The thank-you page's code form names the consents it confirms by a random ticket (only
    # its hash is kept), never by their ids: its URL says nothing about the signer.
    code_ticket = models.CharField(
        max_length=64, blank=True, editable=False, default="", db_default=""
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "channel", "purpose"], name="one_consent_per_channel_purpose"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="confirmed") | models.Q(confirmed_at__isnull=False),
                name="confirmed_consent_has_time",
            ),
        ]
        # Who consented to a channel and purpose: the people come from the index.
        indexes = [
            models.Index(
                fields=["channel", "purpose", "status", "person"], name="consent_lookup_idx"
            ),
            models.Index(
                fields=["code_ticket"],
                condition=~models.Q(code_ticket=""),
                name="consent_code_ticket_idx",
            ),
        ]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.channel}/{self.purpose}: {self.status}"


class ConsentWording(models.Model):
    """The exact text a consent choice showed, kept once per text: a consent's
    ``wording_hash`` finds the words the person agreed to."""

    text_hash = models.CharField(max_length=64, unique=True)
    version = models.CharField(max_length=40)
    language = models.CharField(max_length=2)
    purpose = models.CharField(max_length=30, choices=Consent.Purpose.choices)
    channel = models.CharField(max_length=10, choices=Consent.Channel.choices)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consent wording")
        verbose_name_plural = _("consent wordings")

    def __str__(self) -> str:
        return f"{self.purpose}/{self.channel} {self.version} ({self.language})"


class Interaction(BaseModel):
    """A note, call, meeting or email with a person; may carry a follow-up."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        EMAIL = "email", _("Email")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="interactions")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NOTE)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_interactions",
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    text = models.TextField(_("text"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    follow_up_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("follow-up owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
    )
    follow_up_due = models.DateField(_("follow-up due"), null=True, blank=True)
    follow_up_done_at = models.DateTimeField(_("follow-up done"), null=True, blank=True)
    # A note an import wrote from the file's notes column (undoing the batch removes it).
    import_batch = models.ForeignKey(
        "imports.ImportBatch",
        verbose_name=_("created by import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notes",
        editable=False,
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["person", "occurred_at"], name="interaction_person_idx"),
            models.Index(
                fields=["follow_up_owner", "follow_up_done_at", "follow_up_due"],
                name="interaction_follow_up_idx",
            ),
        ]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")

    def __str__(self) -> str:
        return f"{self.kind} {self.occurred_at:%Y-%m-%d}"

    @property
    def has_open_follow_up(self) -> bool:
        return self.follow_up_due is not None and self.follow_up_done_at is None


class ReviewItem(BaseModel):
    """A request the secretariat must look at because it touched someone outside the
    requester's scope. The requester only learns that it is held for review."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        APPLIED = "applied", _("Applied")
        DISMISSED = "dismissed", _("Dismissed")

    class Kind(models.TextChoices):
        PERSON_CREATE = "person_create", _("New person matches someone outside scope")
        PERSON_UPDATE = "person_update", _("Edit matches someone outside scope")
        IMPORT_ROW = "import_row", _("Imported row matches someone outside scope")
        WALK_IN = "walk_in", _("Walk-in matches someone outside scope")
        ATTENDANCE_ROW = "attendance_row", _("Attendance upload row matches someone outside scope")
        # A new person (staff form or import row) whose email, mobile or member number was
        # an erased person's: aktivist/privacy/identities.py. Nobody is matched.
        ERASED_IDENTITY = "erased_identity", _("New person was erased before")
        # Membership values in a file imported by someone other than the secretariat: the
        # rest of the row applied, these wait (aktivist/imports/membership.py).
        IMPORT_MEMBERSHIP = "import_membership", _("Membership from an import, for the secretariat")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey(
        "organisation.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matched_person = models.ForeignKey(
        Person, null=True, on_delete=models.CASCADE, related_name="review_items"
    )
    payload = models.JSONField(default=dict)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="review_status_idx")]
        verbose_name = _("review item")
        verbose_name_plural = _("review items")

    def __str__(self) -> str:
        return f"{self.kind} ({self.status})"
