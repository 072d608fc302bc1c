"""The form of each segment condition: a hook that apps fill in their ``AppConfig.ready()``.

Each app registers a small form per condition (``register_condition_form``): it turns
form fields into the condition's JSON value and back, and describes a value in words.
The segment builder (``aktivist/segments/builder.py``) offers the conditions that have a
form; this module never imports a feature.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.core.conditions import registered_conditions


class ConditionForm(forms.Form):
    """The value fields of one condition. Subclasses set ``key``."""

    key = ""

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.viewer = viewer

    @classmethod
    def initial_from(cls, value: Any) -> dict[str, Any]:
        """Form initial data for a condition's JSON value."""
        return dict(value) if isinstance(value, dict) else {}

    def offer(self, name: str, ordered: Any, limit: int = 300) -> None:
        """Offer the first ``limit`` rows of an ordered (and scoped) queryset in a
        choice field: the latest actions, events or mobilizations, not all of them."""
        ids = list(ordered.values_list("pk", flat=True)[:limit])
        field = self.fields[name]
        field.queryset = ordered.filter(pk__in=ids)  # type: ignore[attr-defined]

    def to_value(self) -> Any:
        """The condition's JSON value from ``cleaned_data`` (after is_valid)."""
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", [])}

    def describe(self, value: Any) -> str:
        """The value in words, for lists and reports."""
        return ""


class PeriodMixin(forms.Form):
    """When something happened: the last N days, and/or between two dates."""

    within_days = forms.IntegerField(
        label=gettext_lazy("In the last … days"), min_value=1, max_value=36500, required=False
    )
    since = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def period_value(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.cleaned_data.get("within_days"):
            out["within_days"] = self.cleaned_data["within_days"]
        for name in ("since", "until"):
            if self.cleaned_data.get(name):
                out[name] = self.cleaned_data[name].isoformat()
        return out

    @staticmethod
    def describe_period(value: dict[str, Any]) -> list[str]:
        parts = []
        if value.get("within_days"):
            parts.append(_("the last %(days)s days") % {"days": value["within_days"]})
        if value.get("since"):
            parts.append(_("from %(date)s") % {"date": value["since"]})
        if value.get("until"):
            parts.append(_("to %(date)s") % {"date": value["until"]})
        return parts


_forms: dict[str, type[ConditionForm]] = {}


def register_condition_form(form_class: type[ConditionForm]) -> type[ConditionForm]:
    _forms[form_class.key] = form_class
    return form_class


def condition_choices() -> list[tuple[str, str]]:
    """Conditions the builder offers, by label."""
    offered = [(c.key, str(c.label)) for c in registered_conditions() if c.key in _forms]
    return sorted(offered, key=lambda choice: choice[1].lower())


def form_for(key: str) -> type[ConditionForm] | None:
    return _forms.get(key)
