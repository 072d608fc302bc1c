"""The access export (GDPR Art. 15 and 20): everything the register holds about one person,
built from the export registry (``core.registries.export_registry``), as one JSON file
(machine-readable, for portability) and one readable document (HTML, printable, in Swedish
or English) made from the same data.

What it holds:

* the person's own fields, and where the record came from (the import batch and its file
  and who ran it, the form, the staff member who created it — ``sources.person_sources``);
* one section per registry entry, each row with its source (``source_describers.describe``);
* the consent log with the exact wording each consent showed (``ConsentWording``);
* who received the data (the email and SMS providers, exports, hand-overs and letters, the
  channels, webhook subscribers), the changes recorded about the person and the reads of the
  record by kind and period (``access_history.py``);
* the purposes and their legal bases, how long each kind of record is kept
  (``core/retention_rules.py`` with the current days), the rights and the organisation's contact.

The secretariat (admins and staff) makes it, for anyone on record — an erased person's
tombstone too, which exports only what remains. Each file is audited
(``person.access_export``, with the person's id) before a byte leaves."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.accounts.capabilities import Capability, can
from aktivist.core import audit
from aktivist.core.models import AuditEvent
from aktivist.core.registries import export_registry, personal_stores
from aktivist.core.retention_rules import PERSON_RECORD, RULES
from aktivist.people.models import Consent, ConsentWording, Person
from aktivist.privacy import source_describers, sources
from aktivist.privacy.access_history import (
    VERB,
    Change,
    Reads,
    Recipient,
    changes,
    reads_by_kind,
    recipients,
)
from aktivist.privacy.records import processing_record
from aktivist.privacy.sources import Source, iso, staff_name, when

FORMAT_VERSION = 1
JSON, HTML = "json", "html"
FORMATS = (JSON, HTML)

# Fields of the person's row that are not data about her but copies kept for searching.
INTERNAL_FIELDS = frozenset({"first_name_key", "last_name_key"})

# The sections in words (the document's headings); others use the model's own name.
SECTION_TITLES: dict[str, Any] = {
    "accounts.user": gettext_lazy("Your staff account"),
    "axes.accessattempt": gettext_lazy("Attempts to log in with your address"),
    "axes.accessfailurelog": gettext_lazy("Failed logins with your address"),
    "axes.accesslog": gettext_lazy("Logins with your address"),
    "organisation.unitmembership": gettext_lazy("Memberships of groups and networks"),
    "organisation.role": gettext_lazy("Roles"),
    "organisation.unit.contact_person": gettext_lazy("Groups you are the contact person of"),
    "people.tagging": gettext_lazy("Tags"),
    "people.consent": gettext_lazy("Consents"),
    "people.interaction": gettext_lazy("Notes, calls and meetings"),
    "people.reviewitem": gettext_lazy("Requests about you held for the secretariat's review"),
    "imports.duplicatecandidate": gettext_lazy("Records that may be duplicates of yours"),
    "imports.personmerge": gettext_lazy("Records merged into yours"),
    "imports.importissue": gettext_lazy(
        "Rows about you in imported files that were refused, held or differed"
    ),
    "imports.importbatch": gettext_lazy("The import that created your record"),
    "campaigns.participation": gettext_lazy("Actions you took"),
    "programmes.registration": gettext_lazy("Event registrations"),
    "programmes.programmecompletion": gettext_lazy("Programmes you completed"),
    "programmes.attendanceupload": gettext_lazy("Uploaded attendance lists with rows about you"),
    "engagement.engagementlevel": gettext_lazy("Your engagement level"),
    "engagement.engagementsnapshot": gettext_lazy("Your engagement level month by month"),
    "mobilization.delivery": gettext_lazy("Messages sent to you"),
    "mobilization.suppression": gettext_lazy("Addresses held back from messages"),
    "privacy.datasubjectrequest": gettext_lazy("Your requests under the data-protection rules"),
    "core.auditevent": gettext_lazy("The audit trail"),
}


@dataclass
class Cell:
    label: str
    text: str


@dataclass
class Row:
    values: dict[str, Any]  # raw, as the registry gave them
    cells: list[Cell]  # in words, for the document
    source: Source


@dataclass
class Section:
    key: str
    title: str
    model: str
    retention: str
    rows: list[Row] = field(default_factory=list)
    note: str = ""


@dataclass
class ConsentEntry:
    channel: str
    purpose: str
    status: str
    confirmed_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    confirmed_by: str
    wording_version: str
    wording_hash: str
    wording: str  # the exact text, or "" when it was not recorded
    wording_language: str
    source: Source


@dataclass
class AccessExport:
    person: Person
    generated_at: dt.datetime
    language: str
    prepared_by: str
    organisation: str
    contact: str
    erased: bool
    fields: list[Cell]
    person_values: dict[str, Any]
    origin: list[Source]
    sections: list[Section]
    consents: list[ConsentEntry]
    recipients: list[Recipient]
    changes: list[Change]
    reads: list[Reads]
    purposes: list[Any]
    retention: list[Any]
    rights: list[tuple[str, str]]

    @property
    def filled_sections(self) -> list[Section]:
        return [s for s in self.sections if s.rows]

    @property
    def empty_sections(self) -> list[Section]:
        return [s for s in self.sections if not s.rows]


# --- Who may make it, for whom ----------------------------------------------------------------


def subject_for(viewer: Any, pk: Any) -> Person:
    """The person to export, for the secretariat only (anyone else: 404, as if there were
    no such page). Unlike ``people_visible_to`` it finds an erased person's tombstone too:
    the duty to tell what remains outlives the record's personal values."""
    if not can(viewer, Capability.PRIVACY_ACT):
        raise Http404
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    person = (
        Person.objects.select_related("home_unit", "import_batch__created_by").filter(pk=pk).first()
    )
    if person is None:
        raise Http404
    return person


# --- Building it ---------------------------------------------------------------------------


def build(person: Person, *, viewer: Any, language: str) -> AccessExport:
    """Everything about ``person``, in ``language`` (the document's and the words of the
    JSON file)."""
    with translation.override(language):
        record = processing_record()
        fields, values = _own_fields(person)
        return AccessExport(
            person=person,
            generated_at=timezone.now(),
            language=language,
            prepared_by=staff_name(viewer),
            organisation=record.controller,
            contact=record.contact,
            erased=not person.is_active,
            fields=fields,
            person_values=values,
            origin=sources.person_sources(person),
            sections=_sections(person),
            consents=_consents(person),
            recipients=recipients(person, record),
            changes=changes(person),
            reads=reads_by_kind(person),
            purposes=list(record.purposes),
            retention=list(record.rules),
            rights=_rights(),
        )


def _own_fields(person: Person) -> tuple[list[Cell], dict[str, Any]]:
    cells, values = [], {}
    for f in Person._meta.concrete_fields:
        if f.name in INTERNAL_FIELDS:
            continue
        value = getattr(person, f.name)
        if f.is_relation:
            related = value
            # A unit by its name, an import batch by its file's.
            name = getattr(related, "original_name", None) or str(related)
            values[f.name] = None if related is None else {"id": related.pk, "name": name}
            text = name if related is not None else ""
        else:
            values[f.name] = value
            text = _text(f, value)
        cells.append(Cell(str(capfirst(f.verbose_name)), text or "—"))
    return cells, values


def _sections(person: Person) -> list[Section]:
    found = []
    for model, (key, handler) in export_registry.items():
        rows = handler(person)
        found_sources = source_describers.describe(model, person, rows)
        store = personal_stores.get(model)
        rule = RULES.get(store.retention if store else PERSON_RECORD)
        section = Section(
            key=key,
            title=section_title(model, key),
            model=model._meta.label,
            retention=str(rule.label) if rule else "",
            rows=[
                Row(values=row, cells=_cells(model, row), source=source)
                for row, source in zip(rows, found_sources, strict=True)
            ],
        )
        if model is AuditEvent:
            section.note = _("What staff did with your record is listed under “Changes”.")
        found.append(section)
    return found


def section_title(model: type[models.Model], key: str) -> str:
    """A section's heading in words (the model's own name when none is written here)."""
    return str(SECTION_TITLES.get(key) or capfirst(model._meta.verbose_name_plural))


def _cells(model: type[models.Model], row: dict[str, Any]) -> list[Cell]:
    return [
        Cell(_label(model, path), _value_text(model, path, value)) for path, value in row.items()
    ]


def _resolve(model: type[models.Model], path: str) -> tuple[list[Any], Any]:
    """The relations followed and the field a ``values()`` path ends in (None if unknown)."""
    hops: list[Any] = []
    current: Any = model
    parts = path.split("__")
    for index, part in enumerate(parts):
        if current is None:
            return hops, None
        if part == "pk":
            return hops, current._meta.pk
        try:
            f = current._meta.get_field(part)
        except FieldDoesNotExist:
            attnames = {getattr(x, "attname", None): x for x in current._meta.concrete_fields}
            f = attnames.get(part)
            if f is None:
                return hops, None
        if index < len(parts) - 1:
            if not f.is_relation:
                return [*hops, f], None  # a key inside a JSON field
            hops.append(f)
            current = f.related_model
        else:
            return hops, f
    return hops, None


def _label(model: type[models.Model], path: str) -> str:
    hops, f = _resolve(model, path)
    if f is None:
        names = [str(getattr(h, "verbose_name", h.name)) for h in hops]
        tail = path.split("__")[-1].replace("_", " ")
        return str(capfirst(": ".join([*names, tail])))
    name = str(getattr(f, "verbose_name", f.name))
    if getattr(f, "primary_key", False):
        name = _("number")
    if hops:
        return str(capfirst(f"{hops[-1].verbose_name}: {name}"))
    return str(capfirst(name))


def _value_text(model: type[models.Model], path: str, value: Any) -> str:
    _hops, f = _resolve(model, path)
    return _text(f, value)


def _text(f: Any, value: Any) -> str:
    if value is None or value == "":
        return ""
    choices = dict(getattr(f, "flatchoices", None) or [])
    if choices and value in choices:
        return str(choices[value])
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime | dt.date):
        return when(value)
    if isinstance(value, list):
        return ", ".join(_text(None, v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(None, v)}" for k, v in value.items() if v not in (None, ""))
    return str(value)


def _consents(person: Person) -> list[ConsentEntry]:
    consents = list(Consent.objects.filter(person=person).order_by("channel", "purpose"))
    wordings = {
        w.text_hash: w
        for w in ConsentWording.objects.filter(
            text_hash__in=[c.wording_hash for c in consents if c.wording_hash]
        )
    }
    entries = []
    for c in consents:
        wording = wordings.get(c.wording_hash)
        entries.append(
            ConsentEntry(
                channel=c.get_channel_display(),
                purpose=c.get_purpose_display(),
                status=c.get_status_display(),
                confirmed_at=c.confirmed_at,
                withdrawn_at=c.withdrawn_at,
                confirmed_by=c.get_confirmed_by_display() if c.confirmed_by else "",
                wording_version=c.wording_version,
                wording_hash=c.wording_hash,
                wording=wording.text if wording else "",
                wording_language=wording.language if wording else "",
                source=sources.consent_source(c),
            )
        )
    return entries


def _rights() -> list[tuple[str, str]]:
    return [
        (
            _("Access (Art. 15) and portability (Art. 20)"),
            _("This document and the JSON file that came with it."),
        ),
        (_("Rectification (Art. 16)"), _("Tell us what is wrong and we correct it.")),
        (
            _("Erasure (Art. 17)"),
            _(
                "Ask us to erase you: every personal value is removed; only counts that cannot "
                "point to you remain."
            ),
        ),
        (
            _("Restriction (Art. 18)"),
            _("Ask us to stop using your data while a question is settled."),
        ),
        (
            _("Objection (Art. 21) and withdrawing consent (Art. 7(3))"),
            _(
                "Object to our use of your data, and withdraw a consent at any time — by the "
                "link in every message, or by writing to us."
            ),
        ),
        (
            _("Complaint"),
            _(
                "You may complain to the Swedish Authority for Privacy Protection "
                "(Integritetsskyddsmyndigheten, imy.se)."
            ),
        ),
    ]


# --- The two files --------------------------------------------------------------------------------


def as_json(export: AccessExport) -> bytes:
    """The machine-readable file (Art. 20): the person's own fields, then one section per
    registry entry with its rows (raw values, dates in ISO 8601) and each row's source."""
    data = {
        "format": "aktivist.access-export",
        "version": FORMAT_VERSION,
        "generated_at": export.generated_at.isoformat(),
        "language": export.language,
        "controller": {"name": export.organisation, "privacy_contact": export.contact},
        "person": {
            **export.person_values,
            "sources": [s.as_json() for s in export.origin],
        },
        "sections": {
            section.key: {
                "title": section.title,
                "model": section.model,
                "retention": section.retention,
                "rows": [{"values": r.values, "source": r.source.as_json()} for r in section.rows],
            }
            for section in export.sections
        },
        "consents": [
            {
                "channel": c.channel,
                "purpose": c.purpose,
                "status": c.status,
                "confirmed_at": iso(c.confirmed_at),
                "withdrawn_at": iso(c.withdrawn_at),
                "confirmed_by": c.confirmed_by,
                "wording_version": c.wording_version,
                "wording_hash": c.wording_hash,
                "wording": c.wording,
                "wording_language": c.wording_language,
                "source": c.source.as_json(),
            }
            for c in export.consents
        ],
        "recipients": [
            {"kind": r.kind, "who": r.who, "what": r.what, "at": iso(r.when), **r.details}
            for r in export.recipients
        ],
        "changes": [
            {"at": iso(c.at), "by": c.who, "what": c.what, "verb": c.verb, "details": c.details}
            for c in export.changes
        ],
        "reads": [
            {
                "what": r.what,
                "verb": r.verb,
                "count": r.count,
                "first": iso(r.first),
                "last": iso(r.last),
            }
            for r in export.reads
        ],
        "purposes": [
            {"purpose": p.name, "legal_basis": p.basis, "data": p.data} for p in export.purposes
        ],
        "retention": [
            {
                "rule": r.key,
                "label": r.label,
                "description": r.description,
                "days": r.days,
                "applied": r.enabled,
            }
            for r in export.retention
        ],
        "rights": [{"right": name, "how": how} for name, how in export.rights],
    }
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode("utf-8")


def as_html(export: AccessExport) -> str:
    """The readable document: a standalone HTML page (printable, no outside asset) in the
    export's language."""
    with translation.override(export.language):
        return render_to_string(
            "privacy/access/document.html",
            {"export": export, "youth_max_age": settings.YOUTH_MAX_AGE},
        )


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    content: bytes


def export_file(*, actor: Any, person: Person, fmt: str, language: str) -> ExportFile:
    """Build one file of the export and audit it (one event per file, with the person's id
    and counts only) in the same transaction, before a byte leaves."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    with transaction.atomic():
        export = build(person, viewer=actor, language=language)
        if fmt == JSON:
            content = as_json(export)
            content_type = "application/json; charset=utf-8"
        else:
            content = as_html(export).encode("utf-8")
            content_type = "text/html; charset=utf-8"
        audit.record(
            actor=actor,
            verb=VERB,
            object_type="people.person",
            object_id=person.pk,
            person_id=person.pk,
            details={
                "format": fmt,
                "language": language,
                "sections": len(export.filled_sections),
                "rows": sum(len(s.rows) for s in export.sections),
                "erased": export.erased,
            },
        )
    stamp = timezone.localdate().isoformat()
    return ExportFile(f"aktivist-person-{person.pk}-{stamp}.{fmt}", content_type, content)
