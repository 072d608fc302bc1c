"""The people list's filter form: plain GET fields that become a segment tree (the same
parameters serve the list, its export and "Save the filters as a segment").

form = PeopleFilterForm(request.GET or None, viewer=request.user)
if form.is_valid() and (tree := form.to_tree()):
    qs = qs.filter(compile_tree(tree, request.user))
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from aktivist.organisation.models import RoleType, Unit
from aktivist.organisation.selectors import units_for_choice
from aktivist.people.models import Consent, Person, Tag

CONSENT_CHOICES = [
    (f"{channel}:{purpose}", format_lazy("{}: {}", channel_label, purpose_label))
    for channel, channel_label in Consent.Channel.choices
    for purpose, purpose_label in Consent.Purpose.choices
]

ROLE_STATE_CHOICES = [
    ("current", _("Current role")),
    ("former", _("Former role (alumni)")),
    ("any", _("Current or former role")),
]

CREATED_WITHIN_CHOICES = [
    ("7", _("Last 7 days")),
    ("30", _("Last 30 days")),
    ("90", _("Last 90 days")),
    ("365", _("Last year")),
]

MAX_AGE = 130


class PeopleFilterForm(forms.Form):
    tag = forms.ModelMultipleChoiceField(
        label=_("Tags"),
        queryset=Tag.objects.order_by("name"),
        required=False,
        help_text=_("People with any of these tags."),
    )
    status = forms.MultipleChoiceField(
        label=_("Membership status"), choices=Person.MembershipStatus.choices, required=False
    )
    age_min = forms.IntegerField(
        label=_("Age from"), min_value=0, max_value=MAX_AGE, required=False
    )
    age_max = forms.IntegerField(label=_("Age to"), min_value=0, max_value=MAX_AGE, required=False)
    young = forms.BooleanField(label=_("Young people only"), required=False)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("Any language")), *Person.Language.choices],
        required=False,
    )
    consent = forms.ChoiceField(
        label=_("Confirmed consent"),
        choices=[("", _("Any")), *CONSENT_CHOICES],
        required=False,
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),  # the viewer's units, set in __init__
        required=False,
        empty_label=_("Any unit"),
        help_text=_(
            "People whose home unit, membership or role lies in this unit or below it. "
            "Together with a role: the role must be held in this unit or below it."
        ),
    )
    role_type = forms.ModelChoiceField(
        label=_("Role"),
        queryset=RoleType.objects.order_by("name"),
        required=False,
        empty_label=_("Any role"),
    )
    role_state = forms.ChoiceField(
        label=_("Role held"), choices=[("", "—"), *ROLE_STATE_CHOICES], required=False
    )
    created_within = forms.ChoiceField(
        label=_("Added"),
        choices=[("", _("Any time")), *CREATED_WITHIN_CHOICES],
        required=False,
    )

    def __init__(self, data: Any = None, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        self.viewer = viewer
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = units_for_choice(viewer)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("age_min"), cleaned.get("age_max")
        if low is not None and high is not None and low > high:
            self.add_error("age_max", _("The upper age must not be below the lower age."))
        return cleaned

    def to_tree(self) -> dict[str, Any] | None:
        """{"all": [leaves]} for the filled fields; None when nothing is filled.
        Call only after is_valid()."""
        data = self.cleaned_data
        leaves: list[dict[str, Any]] = []

        def leaf(key: str, value: Any) -> None:
            leaves.append({"condition": key, "value": value})

        if data.get("tag"):
            leaf("tag", {"tags": sorted(t.pk for t in data["tag"]), "match": "any"})
        if data.get("status"):
            leaf("membership_status", list(data["status"]))
        if data.get("age_min") is not None or data.get("age_max") is not None:
            leaf("age", {"min": data.get("age_min"), "max": data.get("age_max")})
        if data.get("young"):
            leaf("young", True)
        if data.get("language"):
            leaf("language", data["language"])
        if data.get("consent"):
            channel, purpose = data["consent"].split(":", 1)
            leaf("consent", {"channel": channel, "purpose": purpose, "status": "confirmed"})
        unit = data.get("unit")
        role_type, role_state = data.get("role_type"), data.get("role_state")
        if role_type or role_state:
            value: dict[str, Any] = {
                "role_types": [role_type.pk] if role_type else [],
                "state": role_state or "current",
            }
            if unit is not None:
                value["unit"] = unit.pk
            leaf("role", value)
        elif unit is not None:
            leaf("unit_subtree", {"unit": unit.pk})
        if data.get("created_within"):
            leaf("created_within", {"days": int(data["created_within"])})
        return {"all": leaves} if leaves else None
