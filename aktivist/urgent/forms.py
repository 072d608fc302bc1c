"""Forms of the urgent pages. They parse input only; the services hold the rules."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aktivist.campaigns.forms import DateTimeInput, Form
from aktivist.campaigns.models import Action
from aktivist.urgent.case_messages import CaseText
from aktivist.urgent.models import UrgentTemplate
from aktivist.urgent.selectors import approved_templates
from aktivist.urgent.services import MAX_FOLLOW_UP_HOURS, open_urgent_actions

CASE_FIELDS_HELP = _(
    "Case fields: {{ case_title }}, {{ case_summary }}, {{ deadline }}; and as in every "
    "message {{ first_name | friend }}, {{ action_link }}."
)


def _text(label: Any, *, rows: int = 6, required: bool = True, help_text: Any = "") -> Any:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class TemplateForm(Form):
    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("E.g. “Detained”."))
    email_subject_sv = forms.CharField(
        label=_("Email subject (Swedish)"), max_length=200, help_text=CASE_FIELDS_HELP
    )
    email_body_sv = _text(_("Email text (Swedish)"), rows=10, help_text=_("Markdown."))
    email_subject_en = forms.CharField(
        label=_("Email subject (English)"), max_length=200, required=False
    )
    email_body_en = _text(_("Email text (English)"), rows=10, required=False)
    sms_sv = _text(
        _("SMS (Swedish)"),
        rows=3,
        help_text=_("Short: the summary is written into it. Keep {{ action_link }} in it."),
    )
    sms_en = _text(_("SMS (English)"), rows=3, required=False)
    follow_up_sv = _text(
        _("Follow-up SMS (Swedish)"),
        rows=3,
        required=False,
        help_text=_("To those who have not acted. Empty: no follow-up."),
    )
    follow_up_en = _text(_("Follow-up SMS (English)"), rows=3, required=False)
    follow_up_hours = forms.IntegerField(
        label=_("Follow-up after (hours)"), min_value=1, max_value=MAX_FOLLOW_UP_HOURS, initial=4
    )


class TemplateChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: UrgentTemplate) -> str:
        return obj.name


class ActionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Action) -> str:
        return obj.title_sv


def default_deadline() -> dt.datetime:
    later = timezone.localtime() + dt.timedelta(days=3)
    return later.replace(minute=0, second=0, microsecond=0)


class NewCaseForm(Form):
    ACTION_CHOICES = [
        ("new", _("Make an action page from this case")),
        ("existing", _("Use an action page that is open")),
    ]

    template = TemplateChoice(
        label=_("Template"), queryset=UrgentTemplate.objects.none(), empty_label=None
    )
    title_sv = forms.CharField(
        label=_("Title (Swedish)"),
        max_length=200,
        help_text=_("E.g. “Free the journalist Dawit Isaak”. Shown on the action page."),
    )
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    summary_sv = _text(
        _("Case summary (Swedish)"),
        rows=4,
        help_text=_("Who, what happened, what they risk, what we ask for. A few sentences."),
    )
    summary_en = _text(_("Case summary (English)"), rows=4, required=False)
    deadline = forms.DateTimeField(
        label=_("Deadline"),
        widget=DateTimeInput(),
        help_text=_("The action page closes then."),
    )
    action_choice = forms.ChoiceField(
        label=_("Action page"), choices=ACTION_CHOICES, initial="new", widget=forms.RadioSelect
    )
    action = ActionChoice(
        label=_("Open action page"),
        queryset=Action.objects.none(),
        required=False,
        empty_label=_("— choose —"),
    )
    email = forms.BooleanField(label=_("By email"), required=False, initial=True)
    sms = forms.BooleanField(label=_("By SMS"), required=False, initial=True)
    follow_up = forms.BooleanField(
        label=_("SMS follow-up to those who have not acted"), required=False, initial=True
    )
    follow_up_hours = forms.IntegerField(
        label=_("Follow-up after (hours)"),
        min_value=1,
        max_value=MAX_FOLLOW_UP_HOURS,
        required=False,
    )
    # Single use: the case opened from this form keeps it, and the same form posted again
    # lands on that case (see views.case_new and services.case_open_and_send).
    form_token = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.token_missing = False
        if self.is_bound and not (self.data.get("form_token") or "").strip():
            # A form without its token (an old page, a client of its own): refused, and
            # shown again with a fresh token, so sending it again works once.
            self.token_missing = True
            data = QueryDict(mutable=True)
            data.update(self.data)  # a QueryDict (or a dict): every value kept
            data["form_token"] = new_form_token()
            self.data = data
        self.fields["form_token"].initial = new_form_token()
        templates = approved_templates(viewer).order_by("name")
        cast(forms.ModelChoiceField, self.fields["template"]).queryset = templates
        ids = list(open_urgent_actions(viewer).values_list("pk", flat=True)[:200])
        cast(forms.ModelChoiceField, self.fields["action"]).queryset = Action.objects.filter(
            pk__in=ids
        ).order_by("-kind", "-opens_at")
        self.fields["deadline"].initial = default_deadline()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.token_missing:
            self.add_error(None, _("This form had expired: check it and send it again."))
        if cleaned.get("action_choice") == "existing" and not cleaned.get("action"):
            self.add_error("action", _("Choose the action page."))
        if cleaned.get("action_choice") != "existing":
            cleaned["action"] = None
        return cleaned

    def case_text(self) -> CaseText:
        data = self.cleaned_data
        return CaseText(
            title_sv=data["title_sv"].strip(),
            title_en=(data.get("title_en") or "").strip(),
            summary_sv=data["summary_sv"].strip(),
            summary_en=(data.get("summary_en") or "").strip(),
            deadline=data["deadline"],
        )


def new_form_token() -> str:
    return secrets.token_urlsafe(32)


class CaseUpdateForm(Form):
    subject_sv = forms.CharField(label=_("Subject (Swedish)"), max_length=200)
    body_sv = _text(_("Text (Swedish)"), rows=6, help_text=_("Markdown."))
    subject_en = forms.CharField(label=_("Subject (English)"), max_length=200, required=False)
    body_en = _text(_("Text (English)"), rows=6, required=False)
