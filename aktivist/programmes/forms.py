"""Forms of the programme and event pages. They parse input only; the services hold the
rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from aktivist.accounts.access import scope_for
from aktivist.campaigns.forms import DateTimeInput, Form
from aktivist.organisation.forms import unit_choice_field
from aktivist.programmes.models import Event, Programme
from aktivist.programmes.services import EVENT_FIELDS

FOLLOW_KIND, YES, NO = "", "yes", "no"


class ProgrammeForm(Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Programme.Kind.choices)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    counts_as_training = forms.ChoiceField(
        label=_("Counts as training on the engagement ladder"),
        required=False,
        choices=[
            (FOLLOW_KIND, _("As its kind says (trainings, seminars, leadership)")),
            (YES, _("Yes")),
            (NO, _("No")),
        ],
        help_text=_("Completing a training programme lifts a person to “trained”."),
    )
    next_steps = forms.ModelMultipleChoiceField(
        label=_("Next steps"),
        queryset=Programme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What completing it leads to: offered to everyone who completes it."),
    )
    events_to_complete = forms.IntegerField(
        label=_("Events to attend to complete it"),
        min_value=1,
        max_value=50,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    is_active = forms.BooleanField(
        label=_("Offered now"),
        required=False,
        initial=True,
        help_text=_("Programmes no longer offered keep their history but get no new events."),
    )

    def __init__(self, *args: Any, programme: Programme | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        others = Programme.objects.order_by("name")
        if programme is not None:
            others = others.exclude(pk=programme.pk)
            choice = self.fields["counts_as_training"]
            assert isinstance(choice, forms.ChoiceField)  # noqa: S101 - narrows the type
            choice.choices = [(YES, _("Yes")), (NO, _("No"))]
        steps = self.fields["next_steps"]
        assert isinstance(steps, forms.ModelMultipleChoiceField)  # noqa: S101
        steps.queryset = others
        if not others.exists():
            del self.fields["next_steps"]

    @staticmethod
    def initial_for(programme: Programme) -> dict[str, Any]:
        return {
            "name": programme.name,
            "kind": programme.kind,
            "description": programme.description,
            "counts_as_training": YES if programme.counts_as_training else NO,
            "next_steps": list(programme.next_steps.values_list("pk", flat=True)),
            "events_to_complete": programme.events_to_complete,
            "is_active": programme.is_active,
        }

    def programme_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        training = data.pop("counts_as_training", FOLLOW_KIND)
        data["counts_as_training"] = None if training == FOLLOW_KIND else training == YES
        data["next_steps"] = list(data.get("next_steps") or [])
        return data


class EventFilterForm(Form):
    """The event list's filters; every choice is optional."""

    when = forms.ChoiceField(
        label=_("When"),
        required=False,
        choices=[("upcoming", _("Upcoming")), ("past", _("Past"))],
        widget=forms.RadioSelect,
    )
    kind = forms.ChoiceField(
        label=_("Programme kind"),
        required=False,
        choices=[("", _("All kinds")), *Programme.Kind.choices],
    )
    young = forms.BooleanField(label=_("For young people only"), required=False)

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = unit_choice_field(
            viewer,
            label=_("Organised by"),
            required=False,
            empty_label=_("All units"),
            help_text=_("The unit and the units below it."),
        )
        self.order_fields(["when", "unit", "kind", "young"])

    def is_filtered(self) -> bool:
        """Anything chosen besides upcoming or past (the filters then stay open)."""
        if not self.is_valid():
            return True
        data = self.cleaned_data
        return bool(data.get("unit") or data.get("kind") or data.get("young"))


class ProgrammeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class EventForm(Form):
    """The event's fields. Scoped staff choose among their own units; the address is
    suggested from the title when left empty."""

    FIELD_ORDER = (
        "title",
        "programme",
        "unit",
        "starts_at",
        "ends_at",
        "place",
        "online_url",
        "description",
        "capacity",
        "registration_deadline",
        "for_young_people",
        "guardian_required_under_18",
        "language",
        "reminder_hours_before",
        "slug",
        "is_published",
    )

    def __init__(
        self,
        *args: Any,
        viewer: Any,
        event: Event | None = None,
        slug_locked: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # online_url is made below (its scheme: https when none is typed).
        fields = [f for f in EVENT_FIELDS if f not in ("unit", "programme", "online_url")]
        self.fields.update(forms.fields_for_model(Event, fields=fields))
        offered = Q(is_active=True)
        if event is not None and event.programme_id:
            offered |= Q(pk=event.programme_id)  # kept when it is no longer offered
        self.fields["programme"] = ProgrammeChoiceField(
            label=_("Programme"),
            queryset=Programme.objects.filter(offered).order_by("name"),
            required=False,
            empty_label=_("None (a one-off event)"),
            help_text=_("Attending it counts towards completing the programme."),
        )
        self.fields["unit"] = unit_choice_field(
            viewer,
            label=_("Organised by"),
            empty_label=None,
            help_text=_("Events of the national unit are shown to all staff.")
            if scope_for(viewer).is_national
            else _("One of your units."),
        )
        for name in ("starts_at", "ends_at", "registration_deadline"):
            field = self.fields[name]
            assert isinstance(field, forms.DateTimeField)  # noqa: S101 - narrows the type
            field.widget = DateTimeInput()
        self.fields["registration_deadline"].help_text = _("Empty: when the event starts.")
        self.fields["place"].help_text = _("An address people can find. Or an online link:")
        self.fields["online_url"] = forms.URLField(
            label=capfirst(Event._meta.get_field("online_url").verbose_name),
            required=False,
            max_length=200,
            assume_scheme="https",
        )
        self.fields["capacity"].widget.attrs.update({"inputmode": "numeric"})
        self.fields["capacity"].help_text = _(
            "Empty: no limit. When the seats are taken, sign-ups go to a waiting list."
        )
        self.fields["reminder_hours_before"].widget.attrs.update({"inputmode": "numeric"})
        self.fields["description"].widget.attrs["rows"] = 5
        slug = self.fields["slug"]
        slug.required = False
        slug.validators = []  # the service explains a bad address in its own words
        slug.help_text = _("The end of the public link /e/…/. Empty: made from the title.")
        if slug_locked:
            slug.disabled = True
            slug.help_text = _("The address stays once people have signed up.")
        self.fields["is_published"].help_text = _("Unpublished events have no public page.")
        self.order_fields(self.FIELD_ORDER)

    @staticmethod
    def initial_for(event: Event) -> dict[str, Any]:
        initial = {name: getattr(event, name) for name in EVENT_FIELDS}
        initial["programme"] = event.programme_id
        initial["unit"] = event.unit_id
        for name in ("starts_at", "ends_at", "registration_deadline"):
            if initial[name] is not None:
                initial[name] = timezone.localtime(initial[name])
        return initial

    def event_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in EVENT_FIELDS}
        if self.fields["slug"].disabled:
            data.pop("slug")
        return data


class AddPersonForm(Form):
    """Search for someone to sign up (within the viewer's scope)."""

    q = forms.CharField(
        label=_("Name, email, phone or member number"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "enterkeyhint": "search"}
        ),
    )
