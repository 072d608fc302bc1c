"""Forms of the organisation pages; they parse input only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
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


def _event_label(event: Any) -> str:
    when = date_format(timezone.localtime(event.starts_at), "j M Y H:i")
    return f"{event.title} — {when}, {event.unit.name}"


class AlumniInviteForm(forms.Form):
    """The event the listed alumni are invited to: upcoming events the viewer can see,
    alumni programme events first. (The list's filter comes with it: AlumniFilterForm.)"""

    event = forms.TypedChoiceField(label=_("Event"), coerce=int, empty_value=None)

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        from aktivist.organisation.alumni import invitable_events, is_alumni_event

        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.events = {event.pk: event for event in invitable_events(viewer)}
        alumni = [(pk, _event_label(e)) for pk, e in self.events.items() if is_alumni_event(e)]
        others = [(pk, _event_label(e)) for pk, e in self.events.items() if not is_alumni_event(e)]
        choices: list[Any] = [("", _("Choose an event"))]
        if alumni:
            choices.append((_("Alumni programme"), alumni))
        if others:
            choices.append((_("Other events"), others))
        field = self.fields["event"]
        field.choices = choices  # type: ignore[attr-defined]
        field.help_text = _(
            "Upcoming events you can see. Everyone listed below who has an email address "
            "and is not signed up yet gets an invitation with the event's sign-up link."
        )

    def clean_event(self) -> Any:
        return self.events[self.cleaned_data["event"]]


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
        from aktivist.people.selectors import people_visible_to

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
