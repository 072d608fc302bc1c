"""Forms of the campaign pages. They parse input only; the services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aktivist.accounts.access import scope_for
from aktivist.campaigns.models import Action, Campaign, Priority
from aktivist.campaigns.services import ACTION_FIELDS, CAMPAIGN_FIELDS
from aktivist.organisation.forms import unit_choice_field


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class Form(forms.Form):
    """Labels without the trailing colon."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class PriorityForm(Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    year = forms.IntegerField(
        label=_("Year"),
        min_value=2000,
        max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class PriorityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.year} · {obj.name}"


class CampaignFilterForm(Form):
    """The list's filters; every choice is optional."""

    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    scope = forms.ChoiceField(
        label=_("Scope"),
        required=False,
        choices=[("", _("All scopes")), *Campaign.Scope.choices],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Campaign.Kind.choices]
    )

    @staticmethod
    def defaults() -> dict[str, str]:
        """This year, every scope and kind."""
        return {"year": str(timezone.localdate().year), "scope": "", "kind": ""}

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["year"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - narrows the type
        field.choices = [("0", _("All years")), *((str(y), str(y)) for y in years)]


class CampaignForm(Form):
    """The campaign's fields. Scoped staff choose among district and local scopes and their
    own units; the origin is the secretariat's to choose."""

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        national = scope_for(viewer).is_national
        self.fields.update(
            forms.fields_for_model(
                Campaign,
                fields=[f for f in CAMPAIGN_FIELDS if f not in ("unit", "priority")],
            )
        )
        self.fields["priority"] = PriorityChoiceField(
            label=_("Priority"),
            queryset=Priority.objects.order_by("-year", "name"),
            required=False,
            empty_label=_("No priority"),
            help_text=_("The area of the action plan the campaign serves."),
        )
        self.fields["unit"] = unit_choice_field(
            viewer,
            label=_("Owning unit"),
            required=not national,
            empty_label=_("The national unit") if national else _("Choose a unit"),
            help_text=_("A district for a district campaign, a group for a local one.")
            if not national
            else _("Empty for a national campaign: it belongs to the national unit."),
        )
        scope_field = self.fields["scope"]
        assert isinstance(scope_field, forms.ChoiceField)  # noqa: S101 - narrows the type
        if national:
            scope_field.choices = Campaign.Scope.choices
            scope_field.initial = Campaign.Scope.NATIONAL
        else:
            scope_field.choices = [
                (v, label) for v, label in Campaign.Scope.choices if v != Campaign.Scope.NATIONAL
            ]
            scope_field.initial = Campaign.Scope.LOCAL
            del self.fields["origin"]
        self.fields["scope"].widget = forms.RadioSelect(choices=scope_field.choices)
        for name in ("starts_on", "ends_on"):
            self.fields[name].widget = DateInput()
        self.fields["goal"].widget.attrs.update({"inputmode": "numeric"})
        self.fields["goal"].help_text = _("Participations in all its actions together.")
        self.fields["description"].widget.attrs["rows"] = 4
        self.order_fields(CAMPAIGN_FIELDS)

    def campaign_data(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data.get(name) for name in CAMPAIGN_FIELDS if name in self.fields
        }


class ActionForm(Form):
    """The action's fields, copy-paste friendly: plain text areas, the address suggested
    from the Swedish title when left empty."""

    LETTER_FIELDS = (
        "target_name",
        "target_email",
        "target_address",
        "letter_subject",
        "letter_text_sv",
        "letter_text_en",
        "letter_delivery",
    )

    def __init__(self, *args: Any, slug_locked: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(Action, fields=list(ACTION_FIELDS)))
        slug = self.fields["slug"]
        slug.required = False
        slug.validators = []  # the service explains a bad address in its own words
        slug.help_text = _("The end of the public link /a/…/. Empty: made from the Swedish title.")
        if slug_locked:
            slug.disabled = True
            slug.help_text = _("The address stays once people have taken the action.")
        for name in ("opens_at", "closes_at"):
            field = self.fields[name]
            assert isinstance(field, forms.DateTimeField)  # noqa: S101 - narrows the type
            field.widget = DateTimeInput()
        self.fields["opens_at"].required = False
        self.fields["opens_at"].help_text = _("Empty: now.")
        self.fields["closes_at"].help_text = _("Empty: open until you close it.")
        self.fields["goal"].widget.attrs.update({"inputmode": "numeric"})
        self.fields["title_en"].help_text = _("Optional; without it English readers see Swedish.")
        for name in ("text_sv", "text_en", "letter_text_sv", "letter_text_en"):
            self.fields[name].widget.attrs["rows"] = 8
        self.fields["target_address"].widget.attrs["rows"] = 3
        self.fields["is_published"].help_text = _("Unpublished actions have no public page.")
        self.fields["target_email"].widget = forms.EmailInput(attrs={"autocomplete": "off"})
        delivery = self.fields["letter_delivery"]
        assert isinstance(delivery, forms.ChoiceField)  # noqa: S101 - narrows the type
        delivery.choices = list(Action.LetterDelivery.choices)
        delivery.required = False
        delivery.widget = forms.RadioSelect(choices=delivery.choices)
        self.order_fields(self.FIELD_ORDER)

    FIELD_ORDER = (
        "kind",
        "title_sv",
        "title_en",
        "text_sv",
        "text_en",
        "goal",
        "slug",
        "opens_at",
        "closes_at",
        "is_published",
    )

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.LETTER_FIELDS]

    def letter_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.LETTER_FIELDS]

    def action_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in ACTION_FIELDS}
        if self.fields["slug"].disabled:
            data.pop("slug")
        return data


class ProposeElevationForm(Form):
    note = forms.CharField(
        label=_("Why should it become a national campaign?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What it achieved, who took part, what a national campaign would add."),
    )


class ElevateForm(Form):
    copy_actions = forms.ModelMultipleChoiceField(
        label=_("Copy these actions into the national campaign"),
        queryset=Action.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Copies get their own addresses and start unpublished, so you can check the "
            "texts before the launch. The originals and their signatures stay with the "
            "initiative."
        ),
    )

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["copy_actions"]
        assert isinstance(field, forms.ModelMultipleChoiceField)  # noqa: S101
        field.queryset = Action.objects.filter(campaign=campaign).order_by("-opens_at", "id")
        if not field.queryset.exists():
            del self.fields["copy_actions"]

    def chosen_actions(self) -> list[Action]:
        return list(self.cleaned_data.get("copy_actions") or [])
