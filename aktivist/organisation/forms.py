"""Forms of the organisation pages; they parse input only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aktivist.accounts.access import scope_for
from aktivist.organisation.selectors import units_for_choice
from aktivist.people.selectors import people_visible_to


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


KEEP, NONE = "keep", "none"


class UnitSchoolForm(forms.Form):
    """A school group's school and contact person. The contact is chosen among the current
    one, nobody, and the people a search within the viewer's scope found."""

    school_name = forms.CharField(label=_("School"), max_length=200, required=False)
    # The radio buttons' choices depend on the search; the value is checked in clean.
    contact_person = forms.CharField(
        label=_("Contact person"), widget=forms.RadioSelect, initial=KEEP, max_length=20
    )

    def __init__(
        self,
        *args: Any,
        viewer: Any,
        unit: Any,
        current_contact: Any,
        candidates: list[Any],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("initial", {"school_name": unit.school_name, "contact_person": KEEP})
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        self.unit = unit
        choices: list[tuple[str, Any]] = []
        if unit.contact_person_id:
            name = (
                current_contact.full_name
                if current_contact is not None
                else _("someone outside your scope")
            )
            choices.append((KEEP, _("Keep %(name)s") % {"name": name}))
        else:
            choices.append((KEEP, _("No contact person")))
        for person in candidates:
            if person.pk != unit.contact_person_id:
                label = person.full_name or _("(no name)")
                if person.home_unit_id and person.home_unit:
                    label = f"{label} ({person.home_unit.name})"
                choices.append((str(person.pk), label))
        if unit.contact_person_id:
            choices.append((NONE, _("No contact person")))
        self.fields["contact_person"].widget.choices = choices

    def clean_contact_person(self) -> Any:
        value = self.cleaned_data["contact_person"]
        if value == KEEP:
            return self.unit.contact_person
        if value == NONE:
            return None
        person = (
            people_visible_to(self.viewer).filter(pk=int(value)).first()
            if value.isdigit() and len(value) < 19
            else None
        )
        if person is None:
            raise forms.ValidationError(_("Select a valid choice."))
        return person
