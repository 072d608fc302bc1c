"""Urgent actions: templates approved when they are written, and cases sent from them.

A **template** holds the email (subject and text) and the SMS of an urgent action, and the
follow-up SMS to those who have not acted, in Swedish and English, with the case's merge
fields (``{{ case_title }}``, ``{{ case_summary }}``, ``{{ deadline }}``) beside the
usual ones. A second member of the secretariat approves it; sending from an approved
template needs no further approval. Changing its texts takes the approval away.

A **case** is one person at risk: a title, a summary, a deadline and the action page,
sent to the rapid-response network by email and SMS in the urgent lane, with an SMS
follow-up to those who have not acted after a set time. Its updates go to everyone who
acted; closing it sends the last of them and closes the action page.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aktivist.core.models import BaseModel


class UrgentTemplate(BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        APPROVED = "approved", _("Approved")

    name = models.CharField(_("name"), max_length=200)
    email_subject_sv = models.CharField(_("email subject (Swedish)"), max_length=200)
    email_body_sv = models.TextField(_("email text (Swedish)"))
    email_subject_en = models.CharField(_("email subject (English)"), max_length=200, blank=True)
    email_body_en = models.TextField(_("email text (English)"), blank=True)
    sms_sv = models.TextField(_("SMS (Swedish)"))
    sms_en = models.TextField(_("SMS (English)"), blank=True)
    follow_up_sv = models.TextField(_("follow-up SMS (Swedish)"), blank=True)
    follow_up_en = models.TextField(_("follow-up SMS (English)"), blank=True)
    follow_up_hours = models.PositiveSmallIntegerField(
        _("follow-up after (hours)"),
        default=4,
        help_text=_("The follow-up SMS goes this long after the first messages."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    is_archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("urgent template")
        verbose_name_plural = _("urgent templates")

    def __str__(self) -> str:
        return self.name

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class UrgentCase(BaseModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title (Swedish)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    summary_sv = models.TextField(_("case summary (Swedish)"))
    summary_en = models.TextField(_("case summary (English)"), blank=True)
    deadline = models.DateTimeField(_("deadline"))
    template = models.ForeignKey(
        UrgentTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="cases"
    )
    action = models.ForeignKey(
        "campaigns.Action",
        verbose_name=_("action page"),
        on_delete=models.PROTECT,
        related_name="urgent_cases",
    )
    email_mobilization = models.ForeignKey(
        "mobilization.Mobilization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sms_mobilization = models.ForeignKey(
        "mobilization.Mobilization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    follow_up_mobilization = models.ForeignKey(
        "mobilization.Mobilization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The one-screen form's single-use token (a hidden field): the same form posted again
    # (a double click, back and resubmit) finds this case instead of opening a second one.
    form_token = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["form_token"],
                condition=~models.Q(form_token=""),
                name="urgent_case_form_token_once",
            ),
        ]
        verbose_name = _("urgent case")
        verbose_name_plural = _("urgent cases")

    def __str__(self) -> str:
        return self.title

    @property
    def first_mobilizations(self) -> list:
        return [m for m in (self.email_mobilization, self.sms_mobilization) if m is not None]


class CaseUpdate(BaseModel):
    """News of a case, by email to everyone who acted on it (the last one closes it)."""

    case = models.ForeignKey(UrgentCase, on_delete=models.CASCADE, related_name="updates")
    closes_case = models.BooleanField(default=False)
    subject_sv = models.CharField(_("subject (Swedish)"), max_length=200)
    body_sv = models.TextField(_("text (Swedish)"))
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    mobilization = models.ForeignKey(
        "mobilization.Mobilization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("case update")
        verbose_name_plural = _("case updates")

    def __str__(self) -> str:
        return self.subject_sv
