"""What a chunk of matched rows changes: the plan the writer carries out.

``plan_chunk`` reads, for the chunk's matched people, their taggings, unit memberships,
consents and notes (a few queries per chunk, never one per row) and decides what to add:
new people, filled fields, taggings, memberships, consents, notes, opt-outs, holds and the
issues to report. The dry run stops here; the real run hands the plan to ``writer.Writer``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence, Set
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.utils import translation
from django.utils.translation import gettext as _

from aktivist.imports import matcher, optouts
from aktivist.imports.columns import IMPORT_FIELDS
from aktivist.imports.lookup import indexed_fetch
from aktivist.imports.matcher import Decision, Row, Target
from aktivist.imports.membership import membership_held_reason
from aktivist.imports.models import ImportBatch, ImportIssue
from aktivist.imports.rows import TEST_LEAD
from aktivist.imports.selectors import importer_scope
from aktivist.organisation.models import UnitMembership
from aktivist.organisation.selectors import prefix_map
from aktivist.people.consents import wording_hash
from aktivist.people.models import Consent, Interaction, Person, Tag, Tagging

_HELD = "held"


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: int = 0
    held: int = 0
    # Rows that are not people, skipped (never refused): rows.RowSkipped.
    organisations: int = 0
    test_leads: int = 0
    # Opt-outs recorded (a row and a channel: withdrawn consents and a suppression).
    opted_out: int = 0

    def add(self, other: Counts) -> None:
        for name in (
            "created",
            "updated",
            "unchanged",
            "refused",
            "held",
            "organisations",
            "test_leads",
            "opted_out",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def skipped_dict(self) -> dict[str, int]:
        return {"organisations": self.organisations, "test_leads": self.test_leads}

    def as_dict(self) -> dict[str, int]:
        found = {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "refused": self.refused,
            "held": self.held,
        }
        if self.opted_out:  # a file with opt-out columns: "N opt-outs will be recorded"
            found["opted_out"] = self.opted_out
        return found


def consent_is_confirmed(spec: dict[str, str]) -> bool:
    """DESIGN.md "Consent": an import records a confirmed consent only when the importer
    states its source and the wording shown (version and text). Otherwise it is pending."""
    return bool(spec.get("source") and spec.get("wording") and spec.get("wording_version"))


@dataclass
class ConsentSpec:
    channel: str
    purpose: str
    confirmed: bool
    source: str
    wording_version: str
    wording_hash: str

    @property
    def address_field(self) -> str:
        return "email" if self.channel == Consent.Channel.EMAIL else "mobile"


@dataclass
class Options:
    """The batch's options, resolved once per run."""

    actor: Any
    scope: models.QuerySet[Person] | None
    register: bool
    unit_id: int | None
    source: str
    tags: list[str]
    consents: list[ConsentSpec]
    prefixes: dict[str, int]
    tag_ids: dict[str, int]  # lower-cased name -> id (grows as rows name new tags)
    row_tags: bool = False  # the file has a tags column
    row_notes: bool = False  # the file has a notes column

    @classmethod
    def of(cls, batch: ImportBatch) -> Options:
        options = batch.options or {}
        actor = batch.created_by
        return cls(
            actor=actor,
            scope=importer_scope(actor),
            register=batch.kind == ImportBatch.Kind.REGISTER_FULL,
            unit_id=batch.unit_id,
            source=str(options.get("source") or ""),
            tags=[str(t) for t in options.get("tags") or []],
            consents=[
                ConsentSpec(
                    channel=c["channel"],
                    purpose=c["purpose"],
                    confirmed=consent_is_confirmed(c),
                    source=c.get("source", ""),
                    wording_version=c.get("wording_version", ""),
                    wording_hash=wording_hash(c["wording"]) if c.get("wording") else "",
                )
                for c in options.get("consents") or []
            ],
            prefixes=prefix_map(),
            tag_ids={name.lower(): pk for pk, name in Tag.objects.values_list("pk", "name")},
            row_tags="tags" in (batch.mapping or {}).values(),
            row_notes="note" in (batch.mapping or {}).values(),
        )


@dataclass
class Plan:
    counts: Counts = field(default_factory=Counts)
    creates: list[Decision] = field(default_factory=list)
    updates: dict[int, tuple[Target, set[str]]] = field(default_factory=dict)
    taggings: list[tuple[Target, str]] = field(default_factory=list)  # (person, tag name)
    memberships: list[Target] = field(default_factory=list)
    consents_new: list[tuple[Target, ConsentSpec]] = field(default_factory=list)
    consents_confirm: list[tuple[int, ConsentSpec]] = field(default_factory=list)  # consent ids
    notes: list[tuple[Target, str]] = field(default_factory=list)  # (person, the note's text)
    issues: list[tuple[Decision, str, str, dict[str, Any]]] = field(default_factory=list)
    held: list[Decision] = field(default_factory=list)
    # Rows whose membership values wait for the secretariat (imports/membership.py).
    membership_held: list[Decision] = field(default_factory=list)
    # Opt-outs (optouts.py): the person (None for a held row: the address alone is
    # suppressed), channel, suppression reason, whether the channel's consents are
    # withdrawn, and the addresses to suppress.
    opt_outs: list[tuple[Target | None, str, str, bool, tuple[str, ...]]] = field(
        default_factory=list
    )
    # What is written, taken from the people's values when the chunk is planned (the next
    # chunk may fill more into the same people before this one reaches the database).
    new_rows: list[tuple[Any, ...]] = field(default_factory=list)
    new_copy: bytes = b""  # new_rows as COPY text, when formatted ahead
    new_people: list[tuple[Target, Person]] = field(default_factory=list)
    changed_people: dict[frozenset[str], list[Person]] = field(default_factory=dict)


def _names(decision: Decision, options: Options) -> list[str]:
    """The batch's tags and the row's own, each once (case does not make a new tag)."""
    if not decision.row.tags:
        return options.tags
    names = list(options.tags)
    lowered = {n.lower() for n in names}
    for tag in decision.row.tags:
        tag = " ".join(str(tag).split())[:80]
        if tag and tag.lower() not in lowered:
            lowered.add(tag.lower())
            names.append(tag)
    return names


def _existing_extras(
    pks: list[int], tag_ids: list[int], options: Options
) -> tuple[set[tuple[int, int]], set[int], dict[tuple[int, str, str], tuple[int, str]]]:
    """For matched people: their taggings among tag_ids, whether they are current members
    of the batch's unit, and their consents for the batch's channels and purposes. Three
    queries at most, each selecting by person only (an index probe per person whatever the
    planner knows; a person has few such rows) and filtered here. On PostgreSQL the ids go
    as one array: a 5,000-value IN list costs more to send than to run."""
    postgres = connection.vendor == "postgresql"
    tags: set[tuple[int, int]] = set()
    members: set[int] = set()
    consents: dict[tuple[int, str, str], tuple[int, str]] = {}
    if tag_ids:
        wanted_tags = set(tag_ids)
        if postgres:
            rows = indexed_fetch(
                "SELECT person_id, tag_id FROM people_tagging WHERE person_id = ANY(%s::bigint[])",
                [pks],
            )
        else:
            rows = list(
                Tagging.objects.filter(person_id__in=pks).values_list("person_id", "tag_id")
            )
        tags = {(pid, tid) for pid, tid in rows if tid in wanted_tags}
    if options.unit_id:
        if postgres:
            rows = indexed_fetch(
                "SELECT person_id, unit_id, ended_on FROM organisation_unitmembership"
                " WHERE person_id = ANY(%s::bigint[])",
                [pks],
            )
        else:
            rows = list(
                UnitMembership.objects.filter(person_id__in=pks).values_list(
                    "person_id", "unit_id", "ended_on"
                )
            )
        members = {pid for pid, uid, ended in rows if uid == options.unit_id and ended is None}
    if options.consents:
        pairs = {(spec.channel, spec.purpose) for spec in options.consents}
        if postgres:
            rows = indexed_fetch(
                "SELECT id, person_id, channel, purpose, status FROM people_consent"
                " WHERE person_id = ANY(%s::bigint[])",
                [pks],
            )
        else:
            rows = list(
                Consent.objects.filter(person_id__in=pks).values_list(
                    "pk", "person_id", "channel", "purpose", "status"
                )
            )
        for cid, pid, channel, purpose, status in rows:
            if (channel, purpose) in pairs:
                consents[(pid, channel, purpose)] = (cid, status)
    return tags, members, consents


def plan_chunk(decisions: Sequence[Decision], options: Options) -> Plan:
    """What the chunk changes, read from the database but not yet written (the dry run
    stops here): for matched people, their missing taggings, memberships and consents.
    What this run has already given a person (``Target.tags`` …) counts as theirs even
    before it is committed."""
    plan = Plan()
    counts = plan.counts
    created = {id(d.target) for d in decisions if d.kind == matcher.CREATE}
    existing = _existing(decisions, _matched(decisions, created), options)
    for d in decisions:
        kind = d.kind
        if kind in _UNWRITTEN:
            _plan_unwritten(d, plan)
            continue
        target = d.target
        assert target is not None  # noqa: S101 - create/update/unchanged name their person
        new = id(target) in created
        changed = _plan_fields(d, target, new, options.source, plan)
        # An opt-out in the row beats the consents the importer states for its channel.
        withdrawn = _plan_opt_outs(d, target, new, plan) if d.row.opt_outs else _NO_CHANNELS
        # A person an earlier chunk of a dry run would create (values None) has everything
        # the batch gives: nothing more to add.
        if target.values is not None and _plan_extras(
            d, target, new, withdrawn, options, existing, plan
        ):
            changed = True
        if kind == matcher.CREATE:
            counts.created += 1
        elif changed:
            counts.updated += 1
        else:
            counts.unchanged += 1
    return plan


# Rows that write no person: not a person, refused, conflicting, held for the secretariat.
_UNWRITTEN = frozenset((matcher.SKIPPED, matcher.REFUSED, matcher.CONFLICT, matcher.HELD))


@dataclass
class _Existing:
    """What the chunk's matched people have already: taggings (person, tag id), current
    memberships of the batch's unit, consents ((person, channel, purpose) -> (id, status))
    and notes (person, text)."""

    tags: set[tuple[int, int]] = field(default_factory=set)
    members: set[int] = field(default_factory=set)
    consents: dict[tuple[int, str, str], tuple[int, str]] = field(default_factory=dict)
    notes: Set[tuple[int, str]] = frozenset()


def _matched(decisions: Sequence[Decision], created: set[int]) -> set[int]:
    """The stored people the chunk's rows matched (not those an earlier row creates)."""
    matched: set[int] = set()
    for d in decisions:
        if d.kind in (matcher.UPDATE, matcher.UNCHANGED) and d.target is not None:
            if d.target.pk is not None and id(d.target) not in created:
                matched.add(d.target.pk)
    return matched


def _existing(decisions: Sequence[Decision], matched: set[int], options: Options) -> _Existing:
    existing = _Existing()
    if matched and (options.tags or options.unit_id or options.consents or options.row_tags):
        tag_ids = options.tag_ids
        wanted = {n.lower() for d in decisions for n in _names(d, options)}
        existing.tags, existing.members, existing.consents = _existing_extras(
            list(matched), [tag_ids[n] for n in wanted if n in tag_ids], options
        )
    existing.notes = _existing_notes(decisions, matched) if options.row_notes else _NO_NOTES
    return existing


def _plan_unwritten(d: Decision, plan: Plan) -> None:
    """A row that writes no person: counted, its issue reported (a held row's opt-outs
    suppress its address)."""
    counts = plan.counts
    kind = d.kind
    if kind == matcher.SKIPPED:
        # Not a person (an organisation's row, a test lead): counted, nothing written.
        if d.row.skipped == TEST_LEAD:
            counts.test_leads += 1
        else:
            counts.organisations += 1
    elif kind == matcher.HELD:
        counts.held += 1
        plan.held.append(d)
        plan.issues.append((d, _HELD, d.reason, {}))
        if d.row.opt_outs:
            _plan_held_opt_outs(d, plan)
    else:  # refused or conflict
        counts.refused += 1
        plan.issues.append((d, kind, d.reason, {}))


def _plan_fields(d: Decision, target: Target, new: bool, source: str, plan: Plan) -> bool:
    """The person's own fields: created, or filled (the source label fills an empty
    source); held membership values and differing values reported. Returns whether a
    matched person changes."""
    issues = plan.issues
    if d.membership:
        # Not the secretariat's import: the rest of the row applies, its membership
        # values wait for review. The importer is told that, and nothing more.
        plan.membership_held.append(d)
        issues.append((d, _HELD, membership_held_reason(), {"field": "membership"}))
    changed = bool(d.changes)
    if d.kind == matcher.CREATE:
        plan.creates.append(d)
        if source and target.values is not None:
            target.values["source"] = source  # as written: later rows see it
    else:
        fields = set(d.changes)
        if (
            source
            and target.values is not None
            and not target.values.get("source")
            and target.pk is not None
        ):
            # The source label fills an empty source; an existing one is never replaced.
            target.values["source"] = source
            fields.add("source")
        if fields and not new and target.pk is not None:
            entry = plan.updates.setdefault(target.pk, (target, set()))
            entry[1].update(fields)
            changed = True
    for name in d.differs:
        issues.append(
            (
                d,
                ImportIssue.Kind.DIFFERS,
                _("%(field)s differs from the stored value; not changed.")
                % {"field": IMPORT_FIELDS.get(name, name)},
                {"field": name, "value": as_text(d.row.values.get(name))},
            )
        )
    return changed


def _plan_extras(
    d: Decision,
    target: Target,
    new: bool,
    withdrawn: frozenset[str],
    options: Options,
    existing: _Existing,
    plan: Plan,
) -> bool:
    """The batch's and the row's tags, the unit membership, the stated consents and the
    row's note, each unless the person has it already. Returns whether any is added."""
    changed = False
    pk = target.pk
    tag_ids = options.tag_ids
    for name in _names(d, options):
        lower = name.lower()
        if lower in target.tags:
            continue
        target.tags.add(lower)
        if new or (pk, tag_ids.get(lower)) not in existing.tags:
            plan.taggings.append((target, name))
            changed = True
    if options.unit_id and not target.joined:
        target.joined = True
        if new or pk not in existing.members:
            plan.memberships.append(target)
            changed = True
    if options.consents and _plan_consents(target, new, withdrawn, options, existing, plan):
        changed = True
    if d.row.note and _plan_note(d.row.note, target, new, existing.notes, plan):
        changed = True
    return changed


def _plan_consents(
    target: Target,
    new: bool,
    withdrawn: frozenset[str],
    options: Options,
    existing: _Existing,
    plan: Plan,
) -> bool:
    """The consents the importer states, for a person with an address for the channel:
    new, or a pending one confirmed. Returns whether any is written."""
    assert target.values is not None  # noqa: S101 - checked by the caller
    changed = False
    for spec in options.consents:
        pair = (spec.channel, spec.purpose)
        if spec.channel in withdrawn:
            target.consents.add(pair)  # not given by a later row of the file either
            continue
        if pair in target.consents or not target.values.get(spec.address_field):
            continue  # given already, or no address for the channel (yet)
        target.consents.add(pair)
        found = None if new else existing.consents.get((target.pk, *pair))  # type: ignore[arg-type]
        if found is None:
            plan.consents_new.append((target, spec))
            changed = True
        elif found[1] == Consent.Status.PENDING and spec.confirmed:
            plan.consents_confirm.append((found[0], spec))
            changed = True
        # A withdrawn consent is never revived by an import; a confirmed one stays.
    return changed


_NO_CHANNELS: frozenset[str] = frozenset()
_NO_NOTES: frozenset[tuple[int, str]] = frozenset()


def _existing_notes(decisions: Sequence[Decision], matched: set[int]) -> set[tuple[int, str]]:
    """(person id, text) of the notes the chunk's matched people already have, for those
    whose row has a note: one query, only when the chunk has such rows. The same note from
    the same file imported again is then not added twice."""
    pks = [
        d.target.pk
        for d in decisions
        if d.row.note and d.target is not None and d.target.pk in matched
    ]
    if not pks:
        return set()
    notes = Interaction.objects.filter(person_id__in=set(pks), kind=Interaction.Kind.NOTE)
    return set(notes.values_list("person_id", "text"))


def _plan_note(
    text: str, target: Target, new: bool, existing: Set[tuple[int, str]], plan: Plan
) -> bool:
    """The row's note for its person, unless this run or an earlier one gave it already.
    Returns whether a note is written."""
    if target.notes is None:
        target.notes = set()
    elif text in target.notes:
        return False
    target.notes.add(text)
    if not new and (target.pk, text) in existing:
        return False
    plan.notes.append((target, text))
    return True


def _opt_out_addresses(row: Row, values: dict[str, Any] | None, channel: str) -> tuple[str, ...]:
    """The addresses an opt-out of this channel suppresses: the row's, and the person's
    stored one when it differs (the person said no, whichever address the file knew)."""
    name = "mobile" if channel == optouts.SMS else "email"
    found: list[str] = []
    for source in (row.values, values):
        value = source.get(name) if source else None
        if value and value not in found:
            found.append(str(value))
    return tuple(found)


def _plan_opt_outs(d: Decision, target: Target, new: bool, plan: Plan) -> frozenset[str]:
    """The row's opt-outs for a person it creates or matches; returns the channels whose
    consents are withdrawn (the importer's stated consents for them are not recorded)."""
    withdrawn = set()
    for channel, reason, withdraws in d.row.opt_outs:
        addresses = _opt_out_addresses(d.row, target.values, channel)
        if withdraws:
            withdrawn.add(channel)
        if addresses or (withdraws and not new):
            plan.opt_outs.append((target, channel, reason, withdraws, addresses))
            plan.counts.opted_out += 1
    return frozenset(withdrawn)


def _plan_held_opt_outs(d: Decision, plan: Plan) -> None:
    """A row held for the secretariat (its person is outside the importer's scope): the
    row's own address is suppressed — a suppression names no one, and the person's wish
    holds from now on — but only as unsubscribed (a bounce from this file could otherwise
    stop even transactional mail to someone the importer may not see), and no consent of
    the person is touched (the secretariat reviews the row). A row held because it would
    bring back an erased person records nothing (that would store the erased address
    again), but is counted all the same: the count must not tell the two kinds of hold
    apart."""
    for channel, _reason, _withdraws in d.row.opt_outs:
        addresses = _opt_out_addresses(d.row, None, channel)
        if addresses:
            if d.target is not None:
                plan.opt_outs.append((None, channel, optouts.UNSUBSCRIBED, False, addresses))
            plan.counts.opted_out += 1


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@contextlib.contextmanager
def importer_language(batch: ImportBatch) -> Iterator[None]:
    """Messages stored on issues are in the importer's language."""
    language = getattr(batch.created_by, "language", None) or None
    if not language:
        yield
        return
    with translation.override(language):
        yield
