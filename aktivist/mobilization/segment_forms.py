"""The segment builder's form for "messaged recently". Registered in
MobilizationConfig.ready()."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.core.condition_forms import ConditionForm, register_condition_form
from aktivist.mobilization.models import Mobilization

OFFERED = 200


class MessagedForm(ConditionForm):
    key = "messaged"
    days = forms.IntegerField(
        label=gettext_lazy("Sent a message in the last … days"),
        min_value=1,
        max_value=3650,
        initial=30,
    )
    mobilizations = forms.ModelMultipleChoiceField(
        label=gettext_lazy("By these mobilizations (none chosen: by any)"),
        queryset=Mobilization.objects.none(),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from aktivist.mobilization.selectors import mobilizations_visible_to

        sent = mobilizations_visible_to(self.viewer).exclude(started_at__isnull=True)
        self.offer("mobilizations", sent.order_by("-started_at"), OFFERED)

    def to_value(self) -> Any:
        value: dict[str, Any] = {"days": self.cleaned_data["days"]}
        if self.cleaned_data.get("mobilizations"):
            value["mobilizations"] = sorted(m.pk for m in self.cleaned_data["mobilizations"])
        return value

    def describe(self, value: Any) -> str:
        text = _("the last %(days)s days") % {"days": value.get("days")}
        names = Mobilization.objects.filter(pk__in=value.get("mobilizations", [])).values_list(
            "name", flat=True
        )
        if names:
            text += " · " + _(" or ").join(sorted(names))
        return text


def register() -> None:
    register_condition_form(MessagedForm)
