"""The segment builder's form for "registered for an event". Registered in
ProgrammesConfig.ready(). Only events the viewer can see are offered (the latest first)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.core.condition_forms import ConditionForm, PeriodMixin, register_condition_form
from aktivist.programmes.models import Event, Programme, Registration
from aktivist.programmes.selectors import events_visible_to


class EventChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Event) -> str:
        return f"{obj.title} ({obj.starts_at:%Y-%m-%d})"


class RegisteredForForm(PeriodMixin, ConditionForm):
    key = "registered_for"
    events = EventChoice(
        label=gettext_lazy("Events (none chosen: any)"),
        queryset=Event.objects.none(),
        required=False,
    )
    programmes = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Programmes (none chosen: any)"),
        queryset=Programme.objects.order_by("name"),
        required=False,
    )
    kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Kinds of programme"),
        choices=Programme.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    statuses = forms.MultipleChoiceField(
        label=gettext_lazy("Status (none chosen: signed up)"),
        choices=Registration.Status.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer("events", events_visible_to(self.viewer).order_by("-starts_at", "-id"))
        self.fields["since"].label = gettext_lazy("Events from")
        self.fields["until"].label = gettext_lazy("Events to")
        self.fields["within_days"].label = gettext_lazy("Events in the last … days")

    def to_value(self) -> Any:
        value: dict[str, Any] = {}
        for name in ("events", "programmes"):
            if self.cleaned_data.get(name):
                value[name] = sorted(obj.pk for obj in self.cleaned_data[name])
        for name in ("kinds", "statuses"):
            if self.cleaned_data.get(name):
                value[name] = sorted(self.cleaned_data[name])
        value.update(self.period_value())
        return value

    def describe(self, value: Any) -> str:
        parts = []
        titles = Event.objects.filter(pk__in=value.get("events", [])).values_list(
            "title", flat=True
        )
        if titles:
            parts.append(_(" or ").join(sorted(titles)))
        names = Programme.objects.filter(pk__in=value.get("programmes", [])).values_list(
            "name", flat=True
        )
        if names:
            parts.append(_(" or ").join(sorted(names)))
        kinds, statuses = dict(Programme.Kind.choices), dict(Registration.Status.choices)
        if value.get("kinds"):
            parts.append(", ".join(str(kinds.get(k, k)) for k in value["kinds"]))
        if value.get("statuses"):
            parts.append(", ".join(str(statuses.get(s, s)) for s in value["statuses"]))
        parts += self.describe_period(value)
        return " · ".join(parts) or _("any event")


def register() -> None:
    register_condition_form(RegisteredForForm)
