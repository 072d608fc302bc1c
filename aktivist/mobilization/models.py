"""Messages, mobilizations, the delivery outbox and suppressions.

A mobilization is a segment × a message × one channel × when. At send time its recipients
are snapshotted into one ``Delivery`` row per person (people who may not be contacted get a
skipped row with the reason); workers claim batches of pending rows under a lease and record
each message as sent as soon as the server accepts it.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aktivist.core.models import BaseModel


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class Purpose(models.TextChoices):
    """What a message is about decides who may get it: campaigns and the rapid-response
    network need a confirmed consent for the channel; member news goes to members on the
    basis of their membership (and to others who agreed to news)."""

    CAMPAIGNS = "campaigns", _("Campaigns and news")
    RAPID_RESPONSE = "rapid_response", _("Rapid-response network")
    MEMBER_NEWS = "member_news", _("Member news")
    # News of an urgent case to the people who acted on it (the action is the basis: no
    # consent row). Only the urgent-case pages write such messages.
    CASE_UPDATES = "case_updates", _("Updates on a case to those who acted")


# The purposes staff choose for a message they write themselves.
WRITABLE_PURPOSES = [
    (value, label) for value, label in Purpose.choices if value != Purpose.CASE_UPDATES
]


class Message(BaseModel):
    """An email or an SMS with a Swedish and (optionally) an English version, with merge
    fields such as ``{{ first_name | vän }}``. An email is written in Markdown and has a
    subject; an SMS is plain text and has none."""

    name = models.CharField(_("name"), max_length=200, help_text=_("Only staff see this."))
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.CAMPAIGNS
    )
    subject_sv = models.CharField(_("subject (Swedish)"), max_length=200, blank=True)
    body_sv = models.TextField(_("text (Swedish)"))
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    # What the personal links lead to.
    action = models.ForeignKey(
        "campaigns.Action",
        verbose_name=_("action"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    event = models.ForeignKey(
        "programmes.Event",
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    unit = models.ForeignKey(
        "organisation.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return self.name

    @property
    def is_sms(self) -> bool:
        return self.channel == Channel.SMS

    @property
    def has_english(self) -> bool:
        if self.is_sms:
            return bool(self.body_en.strip())
        return bool(self.subject_en.strip() and self.body_en.strip())


class Mobilization(BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        SCHEDULED = "scheduled", _("Scheduled")
        STARTING = "starting", _("Starting")
        SENDING = "sending", _("Sending")
        PAUSED = "paused", _("Paused")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", pgettext_lazy("mobilization", "Cancelled")

    # Statuses in which the outbox may hold work for the workers.
    ACTIVE = (Status.SENDING,)
    # Statuses in which the segment and message can still be changed.
    EDITABLE = (Status.DRAFT,)

    name = models.CharField(_("name"), max_length=200)
    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.PROTECT, related_name="mobilizations"
    )
    segment = models.ForeignKey(
        "segments.Segment",
        verbose_name=_("segment"),
        null=True,
        blank=True,  # an urgent case's sends freeze their own tree (``audience`` says whom)
        on_delete=models.SET_NULL,
        related_name="mobilizations",
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    urgent = models.BooleanField(
        _("urgent"), default=False, help_text=_("Sent in the urgent lane, ahead of all bulk sends.")
    )
    # A follow-up (e.g. a reminder to those who have not acted) follows another mobilization.
    follows = models.ForeignKey(
        "self",
        verbose_name=_("follows"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    send_at = models.DateTimeField(_("send at"), null=True, blank=True)
    # Who it goes to, in words, when no saved segment names them (an urgent case's sends).
    audience = models.CharField(_("to"), max_length=200, blank=True, default="")
    unit = models.ForeignKey(
        "organisation.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mobilizations",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Frozen when sending is requested: later edits of the segment or the message change
    # nothing that was approved.
    segment_tree = models.JSONField(default=dict, blank=True)
    message_snapshot = models.JSONField(default=dict, blank=True)
    estimated_count = models.PositiveIntegerField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # The start (the snapshot) runs under a lease like a batch of deliveries: a start whose
    # worker died is taken up again by the sweeper once the lease has run out.
    starting_at = models.DateTimeField(null=True, blank=True)  # when it was due to start
    start_lease_until = models.DateTimeField(null=True, blank=True)
    start_attempts = models.PositiveSmallIntegerField(default=0)
    # Why the last attempt failed (a short technical text, never personal data).
    start_error = models.CharField(max_length=200, blank=True, default="")
    # The secretariat was alerted that the start failed or is slow (once per mobilization).
    start_alerted_at = models.DateTimeField(null=True, blank=True)
    snapshot_seconds = models.FloatField(null=True, blank=True)
    recipients = models.PositiveIntegerField(null=True, blank=True)
    first_sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "send_at"], name="mobilization_status_idx")]
        verbose_name = _("mobilization")
        verbose_name_plural = _("mobilizations")

    def __str__(self) -> str:
        return self.name

    @property
    def lane(self) -> str:
        return "urgent" if self.urgent else "default"

    @property
    def purpose(self) -> str:
        return str(self.message_snapshot.get("purpose") or self.message.purpose)

    @property
    def start_problem(self) -> str:
        """A start that failed or is slow, in words for staff ("" when there is none)."""
        from aktivist.mobilization.start_alerts import start_problem

        return start_problem(self)


class Delivery(models.Model):
    """The outbox: one row per person per mobilization."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("delivery", "Pending")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")
        CANCELLED = "cancelled", pgettext_lazy("delivery", "Cancelled")

    class Reason(models.TextChoices):
        NONE = "", "—"
        NO_ADDRESS = "no_address", _("No address")
        NO_CONSENT = "no_consent", _("No consent for this channel and purpose")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCED = "bounced", _("Address bounced")
        COMPLAINED = "complained", _("Marked as spam")
        ERASED = "erased", _("Erased")
        NOT_HERE = "not_here", _("Not a reserved test address (outside production)")
        REFUSED = "refused", _("Refused by the receiving server")
        GAVE_UP = "gave_up", _("Temporary failures, gave up")
        UNPROVED = "unproved", _("Mobile not confirmed by a code")
        NO_ANSWER = "no_answer", _("The provider did not answer (not sent again)")
        UNDELIVERED = "undelivered", _("Not delivered to the phone")
        UNSENDABLE = "unsendable", _("The address cannot be written in an email")
        TOO_LONG = "too_long", _("Too long after merge (more than six SMS parts)")

    # The outbox is written 100,000 rows at a time: no database-level foreign keys (their
    # deferred checks would double the snapshot's time). Django still cascades and nulls
    # on delete, and people are never deleted, only merged (the merge registry moves these
    # rows first) or erased (a tombstone).
    mobilization = models.ForeignKey(
        Mobilization,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_constraint=False,
        db_index=False,  # delivery_progress_idx starts with the mobilization
    )
    person = models.ForeignKey(
        "people.Person",
        null=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
        db_constraint=False,
        db_index=False,  # the unique (person, mobilization) index serves lookups by person
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=20, choices=Reason.choices, default="", blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    due_at = models.DateTimeField()
    # A claimed batch: which claim holds the row, and until when.
    claim = models.BigIntegerField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # An SMS provider's delivery receipt: the phone has the message.
    delivered_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=200, blank=True, default="")
    # The server's answer when it failed (a code and a short text, never the address).
    error = models.CharField(max_length=200, blank=True, default="")
    # Response tracking: the personal link was opened; the person then acted.
    clicked_at = models.DateTimeField(null=True, blank=True)
    acted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "mobilization"], name="delivery_once_per_person"
            ),
        ]
        indexes = [
            models.Index(fields=["mobilization", "status"], name="delivery_progress_idx"),
            models.Index(
                fields=["mobilization", "due_at"],
                name="delivery_pending_idx",
                condition=Q(status="pending"),
            ),
            models.Index(
                fields=["lease_until"], name="delivery_lease_idx", condition=Q(status="sending")
            ),
            # "messaged within N days" and the progress page's rate.
            models.Index(
                fields=["sent_at", "person"],
                name="delivery_sent_idx",
                condition=Q(sent_at__isnull=False),
            ),
        ]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.mobilization_id}:{self.person_id} {self.status}"


def address_hash(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()


class Suppression(BaseModel):
    """An address that must not get (some) messages: unsubscribed from a purpose or from
    everything, bounced or complained. Bounced and complained addresses get no email at
    all, transactional mail included; an unsubscribed one still gets transactional mail.

    Erasure blanks the address and keeps its hash, so the row still works when looked up
    by hash and names nobody."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Marked as spam")

    # Reasons that stop every email, transactional ones too.
    BLOCKS_ALL = (Reason.BOUNCED, Reason.COMPLAINED)

    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    address = models.CharField(_("address"), max_length=254, blank=True)
    address_hash = models.CharField(max_length=64)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    # "" is every purpose; otherwise only messages of this purpose are held back.
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=Purpose.choices, blank=True, default=""
    )
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suppressions",
    )
    mobilization = models.ForeignKey(
        Mobilization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suppressions",
    )
    source = models.CharField(_("source"), max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "address_hash", "purpose"], name="suppression_once"
            ),
        ]
        indexes = [models.Index(fields=["channel", "address"], name="suppression_address_idx")]
        verbose_name = _("suppression")
        verbose_name_plural = _("suppressions")

    def __str__(self) -> str:
        return f"{self.channel} {self.reason} {self.purpose or '*'}"


def message_language(message_snapshot: dict, person_language: str | None) -> str:
    """English for people whose language is English when the message has an English
    version; Swedish otherwise."""
    if (person_language or "").startswith("en") and message_snapshot.get("has_english"):
        return "en"
    return "sv"
