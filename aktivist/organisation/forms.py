"""Forms of the organisation pages; they parse input only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aktivist.accounts.access import scope_for
from aktivist.organisation.models import RoleType
from aktivist.organisation.selectors import units_for_choice


class UnitChoiceField(forms.ModelChoiceField):
    """Units as an indented tree, so a phone user can tell the districts from the groups."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{'· ' * max(obj.depth - self.base_depth, 0)}{obj.name}"

    base_depth = 0


def unit_choice_field(viewer: Any, **kwargs: Any) -> UnitChoiceField:
    queryset = units_for_choice(viewer)
    field = UnitChoiceField(queryset=queryset, **kwargs)
    scope = scope_for(viewer)
    if not scope.is_national:
        field.base_depth = min((p.count("/") - 1 for p in scope.unit_paths), default=0)
    return field


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
