"""Forms of the message and mobilization pages. They parse input only; the services hold
the rules (merge fields, scopes, approval)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aktivist.accounts.access import scope_for
from aktivist.campaigns.forms import DateTimeInput, Form
from aktivist.campaigns.models import Action
from aktivist.campaigns.selectors import actions_visible_to
from aktivist.mobilization.models import WRITABLE_PURPOSES, Channel, Message
from aktivist.mobilization.rendering import MERGE_FIELDS
from aktivist.mobilization.selectors import messages_visible_to
from aktivist.programmes.models import Event
from aktivist.programmes.selectors import events_visible_to
from aktivist.segments.models import Segment
from aktivist.segments.selectors import segments_visible_to

OFFERED = 200


class ActionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Action) -> str:
        return f"{obj.title_sv} ({obj.campaign.name})"


class EventChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Event) -> str:
        return f"{obj.title} ({timezone.localtime(obj.starts_at):%Y-%m-%d})"


def merge_field_help() -> str:
    return ", ".join("{{ %s }}" % key for key in MERGE_FIELDS)  # noqa: UP031 - braces


class MessageForm(Form):
    name = forms.CharField(
        label=_("Name"), max_length=200, help_text=_("For staff only, e.g. “Autumn call, week 41”.")
    )
    channel = forms.ChoiceField(
        label=_("Sent as"),
        choices=Channel.choices,
        initial=Channel.EMAIL,
        required=False,  # email unless SMS is chosen
        widget=forms.RadioSelect,
    )
    purpose = forms.ChoiceField(
        label=_("What it is about"),
        choices=WRITABLE_PURPOSES,
        help_text=_(
            "Campaigns and the rapid-response network go only to people who said yes to them; "
            "member news goes to members."
        ),
    )
    action = ActionChoice(
        label=_("Action the personal link leads to"), queryset=Action.objects.none(), required=False
    )
    event = EventChoice(
        label=_("Event the personal event link leads to"),
        queryset=Event.objects.none(),
        required=False,
    )
    subject_sv = forms.CharField(
        label=_("Subject (Swedish)"),
        max_length=200,
        required=False,
        help_text=_("Email only."),
    )
    body_sv = forms.CharField(
        label=_("Text (Swedish)"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "Email: Markdown — **bold**, *italic*, [link text](address), lists with “- ”; "
            "a blank line starts a new paragraph. SMS: plain text; the preview counts its "
            "parts as you type."
        ),
    )
    subject_en = forms.CharField(label=_("Subject (English)"), max_length=200, required=False)
    body_en = forms.CharField(
        label=_("Text (English)"),
        widget=forms.Textarea(attrs={"rows": 12}),
        required=False,
        help_text=_("People whose language is English get this version when there is one."),
    )

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        now = timezone.now()
        actions = (
            actions_visible_to(viewer)
            .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
            .order_by("-opens_at", "-id")
        )
        ids = list(actions.values_list("pk", flat=True)[:OFFERED])
        cast(forms.ModelChoiceField, self.fields["action"]).queryset = actions.filter(pk__in=ids)
        events = events_visible_to(viewer).filter(starts_at__gt=now).order_by("starts_at", "id")
        ids = list(events.values_list("pk", flat=True)[:OFFERED])
        cast(forms.ModelChoiceField, self.fields["event"]).queryset = events.filter(pk__in=ids)
        fields = merge_field_help()
        for name in ("subject_sv", "subject_en"):
            self.fields[name].help_text = _("Email only. Merge fields: %(fields)s.") % {
                "fields": fields
            }

    def clean_channel(self) -> str:
        return self.cleaned_data.get("channel") or Channel.EMAIL

    def message_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class MessageChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Message) -> str:
        if obj.is_sms:
            return f"{obj.name} · SMS · {obj.body_sv[:40]}"
        return f"{obj.name} · {obj.subject_sv}"


class MobilizationForm(Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    segment = forms.ModelChoiceField(
        label=_("To (segment)"), queryset=Segment.objects.none(), empty_label=_("— choose —")
    )
    message = MessageChoice(
        label=_("Message"), queryset=Message.objects.none(), empty_label=_("— choose —")
    )
    urgent = forms.BooleanField(
        label=_("Urgent: send in the urgent lane, ahead of every bulk send"), required=False
    )

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["segment"]).queryset = segments_visible_to(
            viewer
        ).order_by("name")
        cast(forms.ModelChoiceField, self.fields["message"]).queryset = messages_visible_to(
            viewer
        ).order_by("-updated_at")
        if not scope_for(viewer).is_national:
            del self.fields["urgent"]


class SendForm(Form):
    WHEN = [("now", _("Now")), ("later", _("Later"))]
    when = forms.ChoiceField(label=_("When"), choices=WHEN, widget=forms.RadioSelect, initial="now")
    send_at = forms.DateTimeField(label=_("Send at"), required=False, widget=DateTimeInput())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("when") == "later":
            send_at = cleaned.get("send_at")
            if send_at is None:
                self.add_error("send_at", _("Choose when to send."))
            elif send_at <= timezone.now():
                self.add_error("send_at", _("Choose a time in the future."))
        else:
            cleaned["send_at"] = None
        return cleaned
