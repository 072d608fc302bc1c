"""Where each exported row about a person came from, model by model, for the access export
(Art. 15(1)(g); ``aktivist/privacy/access.py``). The sources themselves and their words
are ``privacy/sources.py``.

The export registry (``core.registries.export_registry``) gives a section's rows as plain
values. For each registered model a *describer* here reads the same rows with what they
were made from — the import batch and its file, the public form (action or event page),
the channel (the JSON endpoint's key), the staff member who recorded it (a foreign key, or
the audit event of the write) — and offers each as a candidate: the values that identify
the row (``match``) and its ``Source``. ``describe()`` pairs every exported row with the
first unused candidate whose values agree with it, and gives the rest the section's
default source (what is known of all of them).

A model in the export registry without a describer here fails
``privacy/tests/test_access_export.py``: a new store must say where its rows come from.
Texts are built in the active language (the export's)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import models
from django.utils.translation import gettext as _

from aktivist.accounts.models import User
from aktivist.campaigns.models import Participation
from aktivist.core.models import AuditEvent, SentMessage
from aktivist.core.registries import export_registry
from aktivist.engagement.models import EngagementLevel, EngagementSnapshot
from aktivist.imports.models import DuplicateCandidate, ImportBatch, ImportIssue, PersonMerge
from aktivist.mobilization.models import Delivery, Suppression
from aktivist.organisation.models import Role, Unit, UnitMembership
from aktivist.people.models import Consent, Interaction, ReviewItem, Tagging
from aktivist.privacy.models import DataSubjectRequest
from aktivist.privacy.sources import (
    CHANNEL,
    IMPORT,
    PERSON,
    PUBLIC_FORM,
    STAFF,
    SYSTEM,
    Source,
    consent_source,
    import_source,
    iso,
    not_recorded,
    participation_source,
    recorded_by_staff,
    staff_name,
    when,
    written_by,
)
from aktivist.programmes.models import AttendanceUpload, ProgrammeCompletion, Registration

Match = dict[str, Any]


@dataclass
class Description:
    """A section's sources: a candidate per row (used once), candidates that hold for any
    number of rows (all rows of one import batch), and what holds for every row."""

    default: Source
    candidates: list[tuple[Match, Source]] = field(default_factory=list)
    shared: list[tuple[Match, Source]] = field(default_factory=list)


Describer = Callable[[Any], Description]
describers: dict[type[models.Model], Describer] = {}
_registered = False


def register_describer(model: type[models.Model], describer: Describer) -> None:
    describers[model] = describer


def describe(model: type[models.Model], person: Any, rows: list[dict[str, Any]]) -> list[Source]:
    """The source of each exported row of ``model``, in the rows' order."""
    ensure_registered()
    describer = describers.get(model)
    if describer is None:
        return [not_recorded() for _row in rows]
    description = describer(person)
    unused = list(description.candidates)
    found: list[Source] = []
    for row in rows:
        index = next((i for i, (match, _s) in enumerate(unused) if _agrees(match, row)), None)
        if index is not None:
            found.append(unused.pop(index)[1])
            continue
        shared = next((s for match, s in description.shared if _agrees(match, row)), None)
        found.append(shared or description.default)
    return found


def _agrees(match: Match, row: dict[str, Any]) -> bool:
    keys = [key for key in match if key in row]
    return bool(keys) and all(_same(row[key], match[key]) for key in keys)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return abs((a - b).total_seconds()) < 1
    return bool(a == b)


# --- The describers ------------------------------------------------------------------------------


def _accounts(person: Any) -> Description:
    accounts = list(User.objects.filter(person=person))
    invited = written_by("accounts.user", [u.pk for u in accounts], ["account.invited"])
    candidates = []
    for account in accounts:
        event = invited.get(str(account.pk))
        source = (
            recorded_by_staff(event, _("Invited by %(staff)s on %(date)s."))
            if event
            else Source(STAFF, _("A staff account created for you by an administrator."))
        )
        candidates.append(({"email": account.email}, source))
    return Description(Source(STAFF, _("A staff account linked to your record.")), candidates)


def _logins(person: Any) -> Description:
    return Description(
        Source(
            SYSTEM,
            _("Written by the login page when someone logged in, or tried to, with your address."),
        )
    )


def _memberships(person: Any) -> Description:
    rows = list(UnitMembership.objects.filter(person=person).select_related("unit"))
    events = written_by("organisation.unitmembership", [m.pk for m in rows], ["membership.start"])
    return Description(
        Source(STAFF, _("Recorded in the register by staff or an import.")),
        [
            (
                {"unit__name": m.unit.name, "started_on": m.started_on},
                recorded_by_staff(events[str(m.pk)])
                if str(m.pk) in events
                else Source(STAFF, _("Recorded in the register by staff or an import.")),
            )
            for m in rows
        ],
    )


def _roles(person: Any) -> Description:
    rows = list(Role.objects.filter(person=person).select_related("unit", "role_type"))
    events = written_by("organisation.role", [r.pk for r in rows], ["role.start"])
    default = Source(STAFF, _("Recorded in the register by staff."))
    return Description(
        default,
        [
            (
                {
                    "role_type__name": r.role_type.name,
                    "unit__name": r.unit.name,
                    "started_on": r.started_on,
                },
                recorded_by_staff(events[str(r.pk)]) if str(r.pk) in events else default,
            )
            for r in rows
        ],
    )


def _contact_units(person: Any) -> Description:
    units = list(Unit.objects.filter(contact_person=person))
    events = written_by("organisation.unit", [u.pk for u in units], ["unit.school_update"])
    default = Source(STAFF, _("Named as the unit's contact person by staff."))
    return Description(
        default,
        [
            (
                {"name": u.name},
                recorded_by_staff(
                    events[str(u.pk)], _("Named as the contact person by %(staff)s on %(date)s.")
                )
                if str(u.pk) in events
                else default,
            )
            for u in units
        ],
    )


def _tags(person: Any) -> Description:
    taggings = list(Tagging.objects.filter(person=person).select_related("tag"))
    added = AuditEvent.objects.filter(person_id=person.pk, verb="tag.add", actor__isnull=False)
    by_tag: dict[Any, AuditEvent] = {}
    for added_event in added.select_related("actor").order_by("created_at"):
        by_tag.setdefault((added_event.details or {}).get("tag"), added_event)
    default = Source(STAFF, _("Added by staff or by an import."))
    candidates = []
    for tagging in taggings:
        event = by_tag.get(tagging.tag_id)
        if event is not None:
            source = recorded_by_staff(event, _("Added by %(staff)s on %(date)s."))
        elif person.import_batch_id and tagging.tag.name in (person.import_batch.options or {}).get(
            "tags", []
        ):
            source = import_source(person.import_batch)
        else:
            source = default
        candidates.append(({"tag__name": tagging.tag.name}, source))
    return Description(default, candidates)


def _consents(person: Any) -> Description:
    return Description(
        not_recorded(),
        [
            ({"channel": c.channel, "purpose": c.purpose}, consent_source(c))
            for c in Consent.objects.filter(person=person)
        ],
    )


def _interactions(person: Any) -> Description:
    rows = Interaction.objects.filter(person=person).select_related("author")
    return Description(
        Source(STAFF, _("Written by staff.")),
        [
            (
                {"kind": i.kind, "occurred_at": i.occurred_at},
                Source(
                    STAFF,
                    _("Written by %(staff)s.") % {"staff": staff_name(i.author)},
                    {"recorded_by": staff_name(i.author), "at": iso(i.created_at)},
                ),
            )
            for i in rows
        ],
    )


def _review_items(person: Any) -> Description:
    rows = ReviewItem.objects.filter(matched_person=person).select_related("submitted_by")
    return Description(
        Source(STAFF, _("A request by staff outside your district, held for the secretariat.")),
        [
            (
                {"kind": r.kind, "created_at": r.created_at},
                Source(
                    STAFF,
                    _("A request by %(staff)s, held for the secretariat's review.")
                    % {"staff": staff_name(r.submitted_by)},
                    {"recorded_by": staff_name(r.submitted_by), "at": iso(r.created_at)},
                ),
            )
            for r in rows
        ],
    )


def _duplicates(person: Any) -> Description:
    return Description(
        Source(SYSTEM, _("Found by the nightly search for duplicate records (automatic)."))
    )


def _merges(person: Any) -> Description:
    rows = PersonMerge.objects.filter(kept=person).select_related("actor")
    return Description(
        Source(STAFF, _("Merged by staff.")),
        [
            (
                {"created_at": m.created_at, "dropped_person_id": m.dropped_person_id},
                Source(
                    STAFF,
                    _("Merged by %(staff)s on %(date)s.")
                    % {"staff": staff_name(m.actor), "date": when(m.created_at)},
                    {"recorded_by": staff_name(m.actor), "at": iso(m.created_at)},
                ),
            )
            for m in rows
        ],
    )


def _import_issues(person: Any) -> Description:
    # Which issues are the person's is the handler's to say; their batches say where from.
    _section, handler = export_registry[ImportIssue]
    batch_ids = {row.get("batch_id") for row in handler(person)} - {None}
    batches = ImportBatch.objects.filter(pk__in=batch_ids).select_related("created_by")
    return Description(
        Source(IMPORT, _("A row of an imported file.")),
        shared=[({"batch_id": b.pk}, import_source(b)) for b in batches],
    )


def _import_batches(person: Any) -> Description:
    batches = []
    if person.import_batch_id:
        batches = list(
            ImportBatch.objects.filter(pk=person.import_batch_id).select_related("created_by")
        )
    return Description(
        Source(IMPORT, _("An uploaded file.")),
        [({"pk": b.pk, "original_name": b.original_name}, import_source(b)) for b in batches],
    )


def _participations(person: Any) -> Description:
    rows = Participation.objects.filter(person=person).select_related("action", "channel")
    return Description(
        not_recorded(),
        [({"action__slug": p.action.slug}, participation_source(p)) for p in rows],
    )


def _registrations(person: Any) -> Description:
    rows = list(Registration.objects.filter(person=person).select_related("event"))
    events = written_by(
        "programmes.registration",
        [r.pk for r in rows],
        ["registration.create", "registration.walk_in", "registration.link"],
    )
    candidates = []
    for r in rows:
        slug = r.event.slug
        event = events.get(str(r.pk))
        if r.source == Registration.Source.WEB:
            source = Source(
                PUBLIC_FORM,
                _("The sign-up page of the event “%(title)s” (/e/%(slug)s/).")
                % {"title": r.event.title, "slug": slug},
                {"form": f"/e/{slug}/"},
            )
        elif r.source == Registration.Source.WALK_IN:
            source = (
                recorded_by_staff(event, _("A walk-in, recorded by %(staff)s on %(date)s."))
                if event
                else Source(STAFF, _("A walk-in, recorded at the door."))
            )
        elif r.source == Registration.Source.IMPORT:
            source = Source(IMPORT, _("An attendance list uploaded by the event's organisers."))
        elif r.source == Registration.Source.API:
            source = Source(CHANNEL, _("Sent by a channel through the JSON endpoint."))
        else:
            source = (
                recorded_by_staff(event, _("Added by %(staff)s on %(date)s."))
                if event
                else Source(STAFF, _("Added by staff."))
            )
        candidates.append(({"event__slug": slug}, source))
    return Description(not_recorded(), candidates)


def _attendance_uploads(person: Any) -> Description:
    # Which uploads hold the person's values is the handler's to say.
    _section, handler = export_registry[AttendanceUpload]
    upload_ids = {row.get("pk") for row in handler(person)} - {None}
    uploads = AttendanceUpload.objects.filter(pk__in=upload_ids).select_related(
        "event", "created_by"
    )
    return Description(
        Source(IMPORT, _("An attendance list uploaded by the event's organisers.")),
        shared=[
            (
                {"pk": u.pk},
                Source(
                    IMPORT,
                    _(
                        "The attendance list “%(file)s” of “%(event)s”, uploaded by "
                        "%(staff)s on %(date)s."
                    )
                    % {
                        "file": u.original_name,
                        "event": u.event.title,
                        "staff": staff_name(u.created_by),
                        "date": when(u.created_at),
                    },
                    {
                        "attendance_file": u.original_name,
                        "uploaded_by": staff_name(u.created_by),
                        "at": iso(u.created_at),
                    },
                ),
            )
            for u in uploads
        ],
    )


def _completions(person: Any) -> Description:
    rows = list(
        ProgrammeCompletion.objects.filter(person=person).select_related("programme", "event")
    )
    events = written_by("programmes.programmecompletion", [c.pk for c in rows])
    default = Source(SYSTEM, _("Recorded when the programme was completed."))
    candidates = []
    for c in rows:
        event = events.get(str(c.pk))
        if event is not None and event.verb == "completion.record":
            source = recorded_by_staff(event)
        elif c.event is not None:
            source = Source(
                SYSTEM,
                _("Recorded automatically when you were checked in at “%(event)s”.")
                % {"event": c.event.title},
            )
        else:
            source = default
        candidates.append(
            ({"programme__name": c.programme.name, "completed_on": c.completed_on}, source)
        )
    return Description(default, candidates)


def _engagement(person: Any) -> Description:
    return Description(
        Source(
            SYSTEM,
            _(
                "Computed by Aktivist from the records above (actions, events, trainings, "
                "groups and roles); never typed in by hand."
            ),
        )
    )


def _deliveries(person: Any) -> Description:
    rows = Delivery.objects.filter(person=person).select_related(
        "mobilization__created_by", "mobilization__approved_by"
    )
    candidates = []
    for d in rows:
        m = d.mobilization
        by = m.approved_by or m.created_by
        candidates.append(
            (
                {"mobilization__name": m.name, "status": d.status, "sent_at": d.sent_at},
                Source(
                    STAFF,
                    _("The mobilization “%(name)s”, sent by %(staff)s to a segment you were in.")
                    % {"name": m.name, "staff": staff_name(by)},
                    {"mobilization": m.pk, "sent_by": staff_name(by)},
                ),
            )
        )
    return Description(Source(STAFF, _("A mobilization sent by staff.")), candidates)


def _suppressions(person: Any) -> Description:
    default = Source(SYSTEM, _("Recorded when you unsubscribed or a message could not be sent."))
    candidates = []
    for s in Suppression.objects.filter(person=person):
        words = {
            "bounced": _("The email provider reported that a message could not be delivered."),
            "complained": _("You marked a message as spam."),
        }.get(s.reason)
        if words is None:
            words = (
                _("You unsubscribed (%(how)s).") % {"how": s.source}
                if s.source
                else str(default.description)
            )
        candidates.append(
            (
                {"channel": s.channel, "reason": s.reason, "created_at": s.created_at},
                Source(SYSTEM if s.reason in ("bounced", "complained") else PERSON, words),
            )
        )
    return Description(default, candidates)


def _requests(person: Any) -> Description:
    rows = DataSubjectRequest.objects.filter(person=person).select_related("received_by")
    return Description(
        Source(PERSON, _("Your request, as received by staff.")),
        [
            (
                {"kind": r.kind, "received_on": r.received_on},
                Source(
                    PERSON,
                    _("Your request by %(channel)s, received by %(staff)s.")
                    % {"channel": r.get_channel_display(), "staff": staff_name(r.received_by)},
                    {"received_by": staff_name(r.received_by)},
                ),
            )
            for r in rows
        ],
    )


def _audit(person: Any) -> Description:
    return Description(Source(SYSTEM, _("The organisation's record of what staff did.")))


def _sent_messages(person: Any) -> Description:
    return Description(
        Source(
            SYSTEM,
            _(
                "A copy of a message Aktivist sent to your address outside production "
                "(a test or demonstration installation); deleted after a week."
            ),
        )
    )


def ensure_registered() -> None:
    """The describers, registered on first use (they need every app's models)."""
    global _registered
    if not _registered:
        register()
        _registered = True


def register() -> None:
    for model, describer in (
        (User, _accounts),
        (AccessAttempt, _logins),
        (AccessFailureLog, _logins),
        (AccessLog, _logins),
        (UnitMembership, _memberships),
        (Role, _roles),
        (Unit, _contact_units),
        (Tagging, _tags),
        (Consent, _consents),
        (Interaction, _interactions),
        (ReviewItem, _review_items),
        (DuplicateCandidate, _duplicates),
        (PersonMerge, _merges),
        (ImportIssue, _import_issues),
        (ImportBatch, _import_batches),
        (Participation, _participations),
        (Registration, _registrations),
        (ProgrammeCompletion, _completions),
        (AttendanceUpload, _attendance_uploads),
        (EngagementLevel, _engagement),
        (EngagementSnapshot, _engagement),
        (Delivery, _deliveries),
        (Suppression, _suppressions),
        (DataSubjectRequest, _requests),
        (AuditEvent, _audit),
        (SentMessage, _sent_messages),
    ):
        register_describer(model, describer)
