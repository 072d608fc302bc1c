"""Forms of the staff pages on people. They only parse input; the services hold the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aktivist.accounts.access import scope_for
from aktivist.accounts.models import User
from aktivist.organisation.forms import unit_choice_field
from aktivist.organisation.models import RoleType
from aktivist.people.models import Interaction, Person
from aktivist.people.services import EDITABLE_FIELDS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class Form(forms.Form):
    """Labels without the trailing colon."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (or the form for other keys)."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in field_errors:
                form.add_error(target, item)
    else:
        for text in error.messages:
            form.add_error(None, text)


PERSON_FIELDS = list(EDITABLE_FIELDS)


class PersonForm(Form):
    """The person's own fields, built from the model (labels, choices, the birth-year
    validator), without the model's uniqueness checks: those are the service's, which never
    name someone outside the viewer's scope."""

    def __init__(self, *args: Any, viewer: Any, creating: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(Person, fields=PERSON_FIELDS))
        for name in ("mobile", "other_phone"):
            field = cast(forms.CharField, self.fields[name])
            field.max_length = 40
            field.validators = []
            field.widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "off"})
        self.fields["mobile"].help_text = _("Any format: 070-123 45 67 or +46 70 123 45 67.")
        for name in ("member_since", "membership_ended_on"):
            self.fields[name].widget = DateInput()
        # Email and phones are checked by the service's normalisers, so that all their
        # errors come back together and in the same words as everywhere else.
        self.fields["email"] = forms.CharField(
            label=self.fields["email"].label,
            required=False,
            max_length=254,
            widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        )
        self.fields["birth_year"].widget.attrs.update({"inputmode": "numeric"})
        self.fields["postcode"].widget.attrs.update({"inputmode": "numeric"})
        self.fields["source"].help_text = _("Where we met: a street action, an event, a form …")
        if creating:
            scope = scope_for(viewer)
            self.fields["unit"] = unit_choice_field(
                viewer,
                label=_("Add to unit"),
                required=not scope.is_national,
                empty_label=_("No unit") if scope.is_national else None,
                help_text=_("The person becomes a member of this unit.")
                if not scope.is_national
                else _("Optional: the person becomes a member of this unit."),
            )
            self.order_fields(["first_name", "last_name", "unit"])

    def person_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in EDITABLE_FIELDS}


class OwnerChoiceField(forms.ModelChoiceField):
    """Staff accounts by name; the viewer is "me"."""

    viewer_pk: Any = None

    def label_from_instance(self, obj: Any) -> str:
        return str(_("Me")) if obj.pk == self.viewer_pk else str(obj)


class InteractionForm(Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Interaction.Kind.choices)
    text = forms.CharField(
        label=_("What happened"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    outcome = forms.CharField(label=_("Outcome"), required=False, max_length=200)
    follow_up_due = forms.DateField(
        label=_("Follow up by"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for no follow-up."),
    )
    follow_up_owner = OwnerChoiceField(
        label=_("Who follows up"),
        queryset=User.objects.none(),  # set in __init__: the accounts who see the person
        required=False,
        empty_label=None,
    )

    def __init__(self, *args: Any, viewer: Any, owners: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "interaction")
        kwargs.setdefault("initial", {"follow_up_owner": getattr(viewer, "pk", None)})
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        owner_field = cast(OwnerChoiceField, self.fields["follow_up_owner"])
        owner_field.queryset = owners
        owner_field.viewer_pk = getattr(viewer, "pk", None)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("follow_up_due") and not cleaned.get("follow_up_owner"):
            cleaned["follow_up_owner"] = self.viewer
        due = cleaned.get("follow_up_due")
        if due is not None and due < timezone.localdate():
            self.add_error("follow_up_due", _("A follow-up cannot be due in the past."))
        return cleaned


class TagForm(Form):
    name = forms.CharField(label=_("Tag"), max_length=80)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "tag")
        super().__init__(*args, **kwargs)


class EndForm(Form):
    """End a membership or a role on a date (today by default)."""

    ended_on = forms.DateField(label=_("End date"), widget=DateInput(), required=False)

    def clean_ended_on(self) -> Any:
        return self.cleaned_data.get("ended_on") or timezone.localdate()


class MembershipStartForm(Form):
    started_on = forms.DateField(label=_("From"), widget=DateInput(), required=False)

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "membership")
        super().__init__(*args, **kwargs)
        self.fields["unit"] = unit_choice_field(viewer, label=_("Unit"))
        self.order_fields(["unit", "started_on"])

    def clean_started_on(self) -> Any:
        return self.cleaned_data.get("started_on") or timezone.localdate()


class RoleStartForm(Form):
    role_type = forms.ModelChoiceField(
        label=_("Role"), queryset=RoleType.objects.filter(is_active=True).order_by("name")
    )
    started_on = forms.DateField(label=_("From"), widget=DateInput(), required=False)

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "role")
        super().__init__(*args, **kwargs)
        self.fields["unit"] = unit_choice_field(viewer, label=_("In unit"))
        self.order_fields(["role_type", "unit", "started_on"])

    def clean_started_on(self) -> Any:
        return self.cleaned_data.get("started_on") or timezone.localdate()
