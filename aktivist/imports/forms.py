"""Forms of the import pages. They parse input only; the services hold the rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from aktivist.accounts.access import scope_for
from aktivist.core.table_columns import BIRTH_YEAR_COLUMN
from aktivist.imports.columns import IMPORT_FIELDS
from aktivist.imports.models import ColumnMapping, ImportBatch
from aktivist.imports.selectors import mappings_for
from aktivist.organisation.forms import unit_choice_field
from aktivist.people.models import Consent

PERSONNUMMER = "personnummer"
ACCEPTED_EXTENSIONS = ["csv", "txt", "tsv", "xlsx"]
MAX_TAGS = 20
TAG_MAX_LENGTH = 80


class Form(forms.Form):
    """Labels without the trailing colon."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class MappingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class UploadForm(Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV or Excel (.xlsx) with the column names in the first row. Any encoding and "
            "separator Excel writes is fine."
        ),
        validators=[FileExtensionValidator(ACCEPTED_EXTENSIONS)],
        widget=forms.FileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )
    kind = forms.ChoiceField(label=_("What the file holds"))
    mapping = MappingChoiceField(
        label=_("Saved column mapping"),
        queryset=ColumnMapping.objects.none(),
        required=False,
        empty_label=_("None: guess from the column names"),
    )

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = [(ImportBatch.Kind.PEOPLE.value, ImportBatch.Kind.PEOPLE.label)]
        if scope_for(viewer).is_national:
            kinds.append(
                (ImportBatch.Kind.REGISTER_FULL.value, ImportBatch.Kind.REGISTER_FULL.label)
            )
            self.fields["kind"].help_text = _(
                "A full export from the membership register updates membership fields and "
                "marks members missing from the file as former."
            )
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - narrows the type
        field.choices = kinds
        field.initial = ImportBatch.Kind.PEOPLE.value
        if len(kinds) == 1:
            field.widget = forms.HiddenInput()  # nothing to choose
        mapping = self.fields["mapping"]
        assert isinstance(mapping, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        mapping.queryset = mappings_for(viewer)
        if not mapping.queryset.exists():
            del self.fields["mapping"]  # no saved mapping yet: nothing to offer

    def clean_file(self) -> Any:
        """Only what needs no reading: its size (the upload handler stopped writing a file
        over the limit). What the file holds is read by a background task."""
        uploaded = self.cleaned_data["file"]
        limit = int(settings.IMPORT_MAX_FILE_BYTES)
        if uploaded.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB.") % {"size": limit // (1024 * 1024)},
                code="too_large",
            )
        return uploaded


@dataclass
class ColumnRow:
    """One column of the file on the mapping page."""

    header: str
    field: forms.BoundField | None  # None for a personal identity number column (dropped)
    samples: list[str]
    personnummer: bool


def consent_choices() -> list[tuple[str, str]]:
    return [
        (f"{channel.value}:{purpose.value}", f"{channel.label} · {purpose.label}")
        for channel in Consent.Channel
        for purpose in Consent.Purpose
    ]


def parse_tags(text: str) -> list[str]:
    names: list[str] = []
    for part in text.split(","):
        name = " ".join(part.split())
        if name and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    return names


def _column_label(header: str, index: int) -> str:
    if header == BIRTH_YEAR_COLUMN:
        return str(_("Birth year (taken from the personal identity numbers)"))
    if not header:
        return str(_("(column %(number)s without a name)") % {"number": index + 1})
    return header


class MappingForm(Form):
    """One select per file column, then the options that apply to every imported row."""

    unit = forms.Field()  # replaced in __init__
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Comma-separated, e.g. street action, Malmö 2026. Added to everyone."),
    )
    source = forms.CharField(
        label=_("Source label"),
        required=False,
        max_length=200,
        help_text=_("Where these people came from, e.g. lead form, Facebook, 2026-11."),
    )
    consents = forms.MultipleChoiceField(
        label=_("Consents people gave"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    consent_source = forms.CharField(
        label=_("Where consent was given"),
        required=False,
        max_length=200,
        help_text=_("E.g. the paper sign-up sheet at the street action, 2026-05-14."),
    )
    wording_version = forms.CharField(
        label=_("Wording version"),
        required=False,
        max_length=40,
        help_text=_("E.g. sign-up sheet 2026-1. Give it together with the wording, or neither."),
    )
    wording = forms.CharField(
        label=_("Wording people agreed to"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    save_as = forms.CharField(
        label=_("Save this mapping as"),
        required=False,
        max_length=100,
        help_text=_("Optional: a name to reuse these column choices for the next file."),
    )

    def __init__(
        self,
        *args: Any,
        viewer: Any,
        batch: ImportBatch,
        samples: dict[str, list[str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.batch = batch
        samples = samples or {}
        options = batch.options or {}
        field_choices = [("", _("Ignore this column"))] + [
            (name, str(label)) for name, label in IMPORT_FIELDS.items() if name != PERSONNUMMER
        ]
        self.column_names: list[tuple[str, str]] = []  # (form field name, header)
        # Columns of personal identity numbers were removed from the copy the batch keeps
        # (the birth year taken from them may stand in their place as a column of its own).
        self.personnummer_headers: list[str] = [str(h) for h in batch.dropped_columns or []]
        self.columns: list[ColumnRow] = []
        for index, header in enumerate(batch.headers):
            guessed = (batch.mapping or {}).get(header, "")
            name = f"col_{index}"
            self.fields[name] = forms.ChoiceField(
                label=_column_label(header, index),
                choices=field_choices,
                required=False,
                initial=guessed if guessed in IMPORT_FIELDS and guessed != PERSONNUMMER else "",
            )
            self.column_names.append((name, header))
            self.columns.append(
                ColumnRow(header, self[name], samples.get(header, [])[:3], personnummer=False)
            )
        for header in self.personnummer_headers:
            self.columns.append(ColumnRow(header, None, [], personnummer=True))

        unit_required = not scope_for(viewer).is_national
        self.fields["unit"] = unit_choice_field(
            viewer,
            label=_("Unit"),
            required=unit_required,
            empty_label=_("None") if not unit_required else _("Choose a unit"),
            help_text=_("Everyone in the file becomes a member of this unit.")
            if unit_required
            else _("Optional: everyone in the file becomes a member of this unit."),
        )
        consents = self.fields["consents"]
        assert isinstance(consents, forms.MultipleChoiceField)  # noqa: S101 - narrows the type
        consents.choices = consent_choices()
        self.fields["consents"].help_text = _(
            "Consent is recorded as confirmed only when you state where it was given and the "
            "wording people agreed to (its version and its text); otherwise it is recorded as "
            "pending."
        )
        if not self.is_bound:
            self._initial_from_options(options)

    def _initial_from_options(self, options: dict[str, Any]) -> None:
        if options.get("unit"):
            self.initial["unit"] = options["unit"]
        if options.get("tags"):
            self.initial["tags"] = ", ".join(options["tags"])
        if options.get("source"):
            self.initial["source"] = options["source"]
        consents = options.get("consents") or []
        if consents:
            self.initial["consents"] = [f"{c['channel']}:{c['purpose']}" for c in consents]
            first = consents[0]
            self.initial["consent_source"] = first.get("source", "")
            self.initial["wording_version"] = first.get("wording_version", "")
            self.initial["wording"] = first.get("wording", "")

    def clean_tags(self) -> list[str]:
        names = parse_tags(self.cleaned_data.get("tags", ""))
        if len(names) > MAX_TAGS:
            raise forms.ValidationError(
                _("At most %(count)d tags.") % {"count": MAX_TAGS}, code="too_many"
            )
        for name in names:
            if len(name) > TAG_MAX_LENGTH:
                raise forms.ValidationError(
                    _("A tag has at most %(count)d characters.") % {"count": TAG_MAX_LENGTH},
                    code="too_long",
                )
        return names

    def mapping(self) -> dict[str, str]:
        """{header: field or ""} for every column of the kept copy."""
        result: dict[str, str] = {}
        for name, header in self.column_names:
            result[header] = self.cleaned_data.get(name) or ""
        return result

    def options(self) -> dict[str, Any]:
        data = self.cleaned_data
        unit = data.get("unit")
        consents = []
        for value in data.get("consents") or []:
            channel, purpose = value.split(":", 1)
            consents.append(
                {
                    "channel": channel,
                    "purpose": purpose,
                    "source": data.get("consent_source", "").strip(),
                    "wording_version": data.get("wording_version", "").strip(),
                    "wording": data.get("wording", "").strip(),
                }
            )
        return {
            "unit": unit.pk if unit is not None else None,
            "tags": data.get("tags") or [],
            "source": data.get("source", "").strip(),
            "consents": consents,
        }
