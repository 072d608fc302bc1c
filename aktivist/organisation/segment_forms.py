"""The segment builder's forms for organisation's conditions (unit, role). Registered in
OrganisationConfig.ready(). Only units the viewer can see are offered."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.core.condition_forms import ConditionForm, register_condition_form
from aktivist.organisation.models import RoleType, Unit
from aktivist.organisation.segment_conditions import ROLE_STATES, VIA_CHOICES
from aktivist.organisation.selectors import units_for_choice

VIA_LABELS = {
    "home": gettext_lazy("Lives there (home unit)"),
    "membership": gettext_lazy("Member there"),
    "role": gettext_lazy("Holds a role there"),
}
STATE_LABELS = {
    "current": gettext_lazy("Holds it now"),
    "former": gettext_lazy("Held it before (alumni)"),
    "any": gettext_lazy("Now or before"),
}


class UnitSubtreeForm(ConditionForm):
    key = "unit_subtree"
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Unit and the units below it"), queryset=Unit.objects.none()
    )
    via = forms.MultipleChoiceField(
        label=gettext_lazy("Counts when the person"),
        choices=[(v, VIA_LABELS[v]) for v in VIA_CHOICES],
        widget=forms.CheckboxSelectMultiple,
        initial=list(VIA_CHOICES),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["unit"])
        field.queryset = units_for_choice(self.viewer)

    def to_value(self) -> Any:
        return {"unit": self.cleaned_data["unit"].pk, "via": sorted(self.cleaned_data["via"])}

    def describe(self, value: Any) -> str:
        unit = Unit.objects.filter(pk=value.get("unit")).first()
        return unit.name if unit else ""


class RoleForm(ConditionForm):
    key = "role"
    role_types = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Roles (none chosen: any role)"),
        queryset=RoleType.objects.order_by("name"),
        required=False,
    )
    state = forms.ChoiceField(
        label=gettext_lazy("When"), choices=[(s, STATE_LABELS[s]) for s in ROLE_STATES]
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("In the unit (and below)"), queryset=Unit.objects.none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["unit"])
        field.queryset = units_for_choice(self.viewer)

    def to_value(self) -> Any:
        unit = self.cleaned_data.get("unit")
        value: dict[str, Any] = {
            "role_types": sorted(r.pk for r in self.cleaned_data["role_types"]),
            "state": self.cleaned_data["state"],
        }
        if unit is not None:
            value["unit"] = unit.pk
        return value

    def describe(self, value: Any) -> str:
        names = list(
            RoleType.objects.filter(pk__in=value.get("role_types", [])).values_list(
                "name", flat=True
            )
        )
        parts = [
            ", ".join(sorted(names)) or _("any role"),
            str(STATE_LABELS.get(value.get("state", "current"), "")),
        ]
        unit = Unit.objects.filter(pk=value.get("unit")).first() if value.get("unit") else None
        if unit:
            parts.append(unit.name)
        return " · ".join(parts)


def register() -> None:
    register_condition_form(UnitSubtreeForm)
    register_condition_form(RoleForm)
