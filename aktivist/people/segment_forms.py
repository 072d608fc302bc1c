"""The segment builder's forms for people's conditions. Registered in PeopleConfig.ready()."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.core.condition_forms import ConditionForm, register_condition_form
from aktivist.people.models import Consent, Person, Tag

MAX_AGE = 130


def _labels(choices: Any, values: Any) -> str:
    names = dict(choices)
    return ", ".join(str(names.get(v, v)) for v in values or [])


class TagForm(ConditionForm):
    key = "tag"
    tags = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Tags"), queryset=Tag.objects.order_by("name")
    )
    match = forms.ChoiceField(
        label=gettext_lazy("Match"),
        choices=[("any", gettext_lazy("Any of them")), ("all", gettext_lazy("All of them"))],
        initial="any",
    )

    def to_value(self) -> Any:
        return {
            "tags": sorted(t.pk for t in self.cleaned_data["tags"]),
            "match": self.cleaned_data["match"],
        }

    def describe(self, value: Any) -> str:
        names = Tag.objects.filter(pk__in=value.get("tags", [])).values_list("name", flat=True)
        joiner = _(" and ") if value.get("match") == "all" else _(" or ")
        return joiner.join(sorted(names))


class MembershipStatusForm(ConditionForm):
    key = "membership_status"
    statuses = forms.MultipleChoiceField(
        label=gettext_lazy("Membership status"),
        choices=Person.MembershipStatus.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    @classmethod
    def initial_from(cls, value: Any) -> dict[str, Any]:
        return {"statuses": value if isinstance(value, list) else []}

    def to_value(self) -> Any:
        return list(self.cleaned_data["statuses"])

    def describe(self, value: Any) -> str:
        return _labels(Person.MembershipStatus.choices, value)


class AgeForm(ConditionForm):
    key = "age"
    min = forms.IntegerField(
        label=gettext_lazy("From age"), min_value=0, max_value=MAX_AGE, required=False
    )
    max = forms.IntegerField(
        label=gettext_lazy("To age"), min_value=0, max_value=MAX_AGE, required=False
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("min") is None and cleaned.get("max") is None:
            raise forms.ValidationError(_("Give a lowest age, a highest age or both."))
        return cleaned

    def to_value(self) -> Any:
        return {"min": self.cleaned_data.get("min"), "max": self.cleaned_data.get("max")}

    def describe(self, value: Any) -> str:
        low, high = value.get("min"), value.get("max")
        if low is not None and high is not None:
            return _("%(low)s–%(high)s years") % {"low": low, "high": high}
        if low is not None:
            return _("%(low)s years or older") % {"low": low}
        return _("%(high)s years or younger") % {"high": high}


class YoungForm(ConditionForm):
    key = "young"
    young = forms.TypedChoiceField(
        label=gettext_lazy("Young people"),
        choices=[("1", gettext_lazy("Young")), ("0", gettext_lazy("Not young"))],
        coerce=lambda v: v == "1",
        initial="1",
    )

    @classmethod
    def initial_from(cls, value: Any) -> dict[str, Any]:
        return {"young": "1" if value in (True, None) else "0"}

    def to_value(self) -> Any:
        return bool(self.cleaned_data["young"])

    def describe(self, value: Any) -> str:
        return _("yes") if value else _("no")


class LanguageForm(ConditionForm):
    key = "language"
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=Person.Language.choices)

    @classmethod
    def initial_from(cls, value: Any) -> dict[str, Any]:
        return {"language": value}

    def to_value(self) -> Any:
        return self.cleaned_data["language"]

    def describe(self, value: Any) -> str:
        return _labels(Person.Language.choices, [value])


class ConsentForm(ConditionForm):
    key = "consent"
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=Consent.Channel.choices)
    purpose = forms.ChoiceField(label=gettext_lazy("Purpose"), choices=Consent.Purpose.choices)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=Consent.Status.choices, initial="confirmed"
    )

    def to_value(self) -> Any:
        return dict(self.cleaned_data)

    def describe(self, value: Any) -> str:
        return " · ".join(
            (
                _labels(Consent.Channel.choices, [value.get("channel")]),
                _labels(Consent.Purpose.choices, [value.get("purpose")]),
                _labels(Consent.Status.choices, [value.get("status", "confirmed")]),
            )
        )


class CreatedWithinForm(ConditionForm):
    key = "created_within"
    days = forms.IntegerField(
        label=gettext_lazy("Added in the last … days"), min_value=1, max_value=36500
    )

    def to_value(self) -> Any:
        return {"days": self.cleaned_data["days"]}

    def describe(self, value: Any) -> str:
        return _("the last %(days)s days") % {"days": value.get("days")}


def register() -> None:
    for form_class in (
        TagForm,
        MembershipStatusForm,
        AgeForm,
        YoungForm,
        LanguageForm,
        ConsentForm,
        CreatedWithinForm,
    ):
        register_condition_form(form_class)
