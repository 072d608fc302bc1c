"""Forms of the alumni list and its invitation (alumni.py); they parse input only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from aktivist.mobilization.alumni import invitable_events, is_alumni_event
from aktivist.organisation.forms import unit_choice_field
from aktivist.organisation.models import RoleType


class AlumniFilterForm(forms.Form):
    role_type = forms.ModelChoiceField(
        label=_("Role"),
        queryset=RoleType.objects.order_by("name"),
        required=False,
        empty_label=_("Any role"),
    )
    ended_from = forms.IntegerField(
        label=_("Ended from year"),
        required=False,
        min_value=1900,
        max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    ended_to = forms.IntegerField(
        label=_("Ended to year"),
        required=False,
        min_value=1900,
        max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["unit"] = unit_choice_field(
            viewer,
            label=_("Unit"),
            required=False,
            empty_label=_("Any unit"),
            help_text=_("This unit and the units below it."),
        )
        self.order_fields(["role_type", "unit", "ended_from", "ended_to"])
        self.fields["ended_to"].widget.attrs["placeholder"] = str(timezone.localdate().year)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("ended_from"), cleaned.get("ended_to")
        if low and high and low > high:
            self.add_error("ended_to", _("The last year must not be before the first."))
        return cleaned


def _event_label(event: Any) -> str:
    when = date_format(timezone.localtime(event.starts_at), "j M Y H:i")
    return f"{event.title} — {when}, {event.unit.name}"


class AlumniInviteForm(forms.Form):
    """The event the listed alumni are invited to: upcoming events the viewer can see,
    alumni programme events first. (The list's filter comes with it: AlumniFilterForm.)"""

    event = forms.TypedChoiceField(label=_("Event"), coerce=int, empty_value=None)

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.events = {event.pk: event for event in invitable_events(viewer)}
        alumni = [(pk, _event_label(e)) for pk, e in self.events.items() if is_alumni_event(e)]
        others = [(pk, _event_label(e)) for pk, e in self.events.items() if not is_alumni_event(e)]
        choices: list[Any] = [("", _("Choose an event"))]
        if alumni:
            choices.append((_("Alumni programme"), alumni))
        if others:
            choices.append((_("Other events"), others))
        field = self.fields["event"]
        field.choices = choices  # type: ignore[attr-defined]
        field.help_text = _(
            "Upcoming events you can see. Everyone listed below who has an email address "
            "and is not signed up yet gets an invitation with the event's sign-up link."
        )

    def clean_event(self) -> Any:
        return self.events[self.cleaned_data["event"]]
