"""The segment builder's form for "took an action". Registered in CampaignsConfig.ready().
Only actions and campaigns the viewer can see are offered (the latest first)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.campaigns.models import Action, Campaign
from aktivist.campaigns.selectors import actions_visible_to, campaigns_visible_to
from aktivist.core.condition_forms import ConditionForm, PeriodMixin, register_condition_form


class ActionChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Action) -> str:
        return f"{obj.title_sv} ({obj.campaign.name})"


class TookActionForm(PeriodMixin, ConditionForm):
    key = "took_action"
    actions = ActionChoice(
        label=gettext_lazy("Actions (none chosen: any)"),
        queryset=Action.objects.none(),
        required=False,
    )
    campaigns = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Campaigns (none chosen: any)"),
        queryset=Campaign.objects.none(),
        required=False,
    )
    kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Kinds of action"),
        choices=Action.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer("actions", actions_visible_to(self.viewer).order_by("-opens_at", "-id"))
        self.offer("campaigns", campaigns_visible_to(self.viewer).order_by("-created_at", "-id"))

    def to_value(self) -> Any:
        value: dict[str, Any] = {}
        if self.cleaned_data.get("actions"):
            value["actions"] = sorted(a.pk for a in self.cleaned_data["actions"])
        if self.cleaned_data.get("campaigns"):
            value["campaigns"] = sorted(c.pk for c in self.cleaned_data["campaigns"])
        if self.cleaned_data.get("kinds"):
            value["kinds"] = sorted(self.cleaned_data["kinds"])
        value.update(self.period_value())
        return value

    def describe(self, value: Any) -> str:
        parts = []
        titles = Action.objects.filter(pk__in=value.get("actions", [])).values_list(
            "title_sv", flat=True
        )
        if titles:
            parts.append(_(" or ").join(sorted(titles)))
        names = Campaign.objects.filter(pk__in=value.get("campaigns", [])).values_list(
            "name", flat=True
        )
        if names:
            parts.append(_(" or ").join(sorted(names)))
        kinds = dict(Action.Kind.choices)
        if value.get("kinds"):
            parts.append(", ".join(str(kinds.get(k, k)) for k in value["kinds"]))
        parts += self.describe_period(value)
        return " · ".join(parts) or _("any action")


def register() -> None:
    register_condition_form(TookActionForm)
