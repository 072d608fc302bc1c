"""The segment builder's form for the engagement level. Registered in
EngagementConfig.ready()."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from aktivist.core.condition_forms import ConditionForm, register_condition_form
from aktivist.engagement.models import Level

CHOICES = [(str(value), f"{value} · {label}") for value, label in Level.choices]


class EngagementLevelForm(ConditionForm):
    key = "engagement_level"
    min = forms.TypedChoiceField(
        label=gettext_lazy("From level"), choices=CHOICES, coerce=int, initial="1"
    )
    max = forms.TypedChoiceField(
        label=gettext_lazy("To level"), choices=CHOICES, coerce=int, initial=str(max(Level.values))
    )

    @classmethod
    def initial_from(cls, value: Any) -> dict[str, Any]:
        value = value if isinstance(value, dict) else {}
        return {k: str(v) for k, v in value.items() if v is not None}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("min") is not None and cleaned.get("max") is not None:
            if cleaned["max"] < cleaned["min"]:
                raise forms.ValidationError(
                    gettext_lazy("The highest level must not be below the lowest level.")
                )
        return cleaned

    def to_value(self) -> Any:
        return {"min": self.cleaned_data["min"], "max": self.cleaned_data["max"]}

    def describe(self, value: Any) -> str:
        labels = dict(Level.choices)
        low, high = value.get("min", min(Level.values)), value.get("max", max(Level.values))
        if low == high:
            return f"{low} · {labels[low]}"
        return f"{low}–{high}"


def register() -> None:
    register_condition_form(EngagementLevelForm)
