"""Where a record about a person came from (Art. 15(1)(g): "any available information as
to their source"), for the access export (``aktivist/privacy/access.py``): the ``Source``
of a record and its words — the import batch and its file, the public form (action or
event page), the channel (the JSON endpoint's key), the staff member who recorded it.
Which source each exported row has, model by model: ``privacy/source_describers.py``.
Texts are built in the active language (the export's)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from aktivist.campaigns.models import Action, Participation
from aktivist.core.models import AuditEvent
from aktivist.programmes.models import Event


@dataclass(frozen=True)
class Source:
    """Where a record came from: a kind, words, and the raw facts behind the words."""

    kind: str  # import, public_form, channel, staff, person, system, not_recorded
    description: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "description": self.description, **self.details}


IMPORT, PUBLIC_FORM, CHANNEL, STAFF, PERSON, SYSTEM, RECORDED, NOT_RECORDED = (
    "import",  # an uploaded file
    "public_form",  # an action or event page
    "channel",  # a system with an API key, through the JSON endpoint
    "staff",  # a staff member (named)
    "person",  # the person herself (a request, an unsubscription)
    "system",  # Aktivist itself (computed, or written by a provider's report)
    "recorded",  # a source written down as text when the record was made
    "not_recorded",
)


def not_recorded() -> Source:
    return Source(NOT_RECORDED, _("Where this came from was not recorded."))


# --- Words for the facts ----------------------------------------------------------------------


def staff_name(user: Any) -> str:
    """A staff member as the person may read it: their name, else their address."""
    if user is None:
        return _("a staff member (who was not recorded)")
    return str(user.name or user.email)


def when(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    return date_format(value, "Y-m-d")


def iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def written_by(
    object_type: str, ids: Iterable[Any], verbs: Iterable[str] | None = None
) -> dict[str, AuditEvent]:
    """The first audit event of each object (by id, as text) with an account behind it:
    who recorded it, and when."""
    events = AuditEvent.objects.filter(
        object_type=object_type, object_id__in=[str(i) for i in ids], actor__isnull=False
    )
    if verbs is not None:
        events = events.filter(verb__in=list(verbs))
    first: dict[str, AuditEvent] = {}
    for event in events.select_related("actor").order_by("created_at", "id"):
        first.setdefault(event.object_id, event)
    return first


def recorded_by_staff(event: AuditEvent, words: str | None = None) -> Source:
    name = staff_name(event.actor)
    return Source(
        STAFF,
        (words or _("Recorded by %(staff)s on %(date)s."))
        % {"staff": name, "date": when(event.created_at)},
        {"recorded_by": name, "at": iso(event.created_at)},
    )


def import_source(batch: Any) -> Source:
    """An import batch: its file's name, who ran it and when."""
    name = staff_name(batch.created_by)
    return Source(
        IMPORT,
        _("The file “%(file)s”, imported by %(staff)s on %(date)s.")
        % {"file": batch.original_name, "staff": name, "date": when(batch.created_at)},
        {
            "import_batch": batch.pk,
            "import_file": batch.original_name,
            "imported_by": name,
            "at": iso(batch.created_at),
        },
    )


def label_source(text: str) -> Source | None:
    """The source a public path wrote as text ("action:slug", "event:slug",
    "walk_in:slug"), in words; other texts as they were written."""
    if not text:
        return None
    kind, _sep, slug = text.partition(":")
    if kind == "action" and slug:
        action = Action.objects.filter(slug=slug).first()
        title = action.title() if action else slug
        return Source(
            PUBLIC_FORM,
            _("The action page “%(title)s” (/a/%(slug)s/).") % {"title": title, "slug": slug},
            {"form": f"/a/{slug}/"},
        )
    if kind in ("event", "walk_in") and slug:
        event = Event.objects.filter(slug=slug).first()
        title = event.title if event else slug
        if kind == "walk_in":
            return Source(
                STAFF,
                _("Added at the door of the event “%(title)s” (a walk-in).") % {"title": title},
                {"event": slug},
            )
        return Source(
            PUBLIC_FORM,
            _("The sign-up page of the event “%(title)s” (/e/%(slug)s/).")
            % {"title": title, "slug": slug},
            {"form": f"/e/{slug}/"},
        )
    return Source(RECORDED, _("Recorded as: “%(text)s”.") % {"text": text}, {"text": text})


# --- The person's own record -------------------------------------------------------------------


def person_sources(person: Any) -> list[Source]:
    """Where the person's own record came from and who changed it: the import that created
    it, the form or staff member that did, what was written as its source."""
    found: list[Source] = []
    if person.import_batch_id:
        found.append(import_source(person.import_batch))
    created = AuditEvent.objects.filter(
        person_id=person.pk, verb="person.create", actor__isnull=False
    ).select_related("actor")
    for event in created.order_by("created_at")[:1]:
        found.append(recorded_by_staff(event, _("Created by %(staff)s on %(date)s.")))
    described = label_source(person.source)
    if described is not None:
        found.append(described)
    if not found:
        found.append(not_recorded())
    return found


def consent_source(consent: Any) -> Source:
    """A consent's source and how it was confirmed, with the wording's version and hash."""
    how = consent.get_confirmed_by_display() if consent.confirmed_by else ""
    origin = label_source(consent.source)
    parts = []
    if origin is not None:
        parts.append(origin.description)
    if how:
        parts.append(_("Confirmed by: %(how)s.") % {"how": how})
    if consent.wording_version:
        parts.append(_("Wording version %(version)s.") % {"version": consent.wording_version})
    details: dict[str, Any] = {
        "source_text": consent.source,
        "confirmed_by": consent.confirmed_by,
        "wording_version": consent.wording_version,
        "wording_hash": consent.wording_hash,
    }
    if origin is not None:
        details.update(origin.details)
    kind = origin.kind if origin is not None else (IMPORT if how == "import" else PERSON)
    return Source(kind, " ".join(parts) or str(not_recorded().description), details)


def participation_source(participation: Any) -> Source:
    action = participation.action
    slug = action.slug
    source = participation.source
    if source == Participation.Source.WEB:
        return Source(
            PUBLIC_FORM,
            _("The action page “%(title)s” (/a/%(slug)s/).")
            % {"title": action.title(), "slug": slug},
            {"form": f"/a/{slug}/"},
        )
    if source == Participation.Source.EMBED:
        return Source(
            PUBLIC_FORM,
            _("The action “%(title)s”, embedded on a website (/a/%(slug)s/embed/).")
            % {"title": action.title(), "slug": slug},
            {"form": f"/a/{slug}/embed/"},
        )
    if source == Participation.Source.API:
        name = participation.channel.name if participation.channel else _("a channel")
        return Source(
            CHANNEL,
            _("Sent by %(channel)s through the JSON endpoint (a channel with an API key).")
            % {"channel": name},
            {"channel": name},
        )
    if source == Participation.Source.IMPORT:
        return Source(IMPORT, _("An import."))
    return Source(STAFF, _("Recorded by staff."))
