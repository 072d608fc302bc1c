"""Running an import batch: the dry run and the real run over the batch's kept copy.

The file is read and cleaned row by row and matched in chunks (``CHUNK`` rows). A real run
writes each chunk in its own transaction, which also advances ``processed_rows`` and the
counts, so an import that crashes resumes from its last committed chunk with nothing
imported twice and no row lost. Per chunk the database sees a fixed number of statements,
never one per row (DESIGN.md "Bulk paths"):

* one lookup of the chunk's keys (member numbers, emails, mobiles: a bitmap OR of the three
  unique indexes on PostgreSQL; one query per key kind elsewhere), one for the scope of a
  district representative (``matcher.StoredPeople``);
* for matched people, one query each for their taggings, memberships and consents;
* new people with COPY on PostgreSQL (ids drawn from the sequence in one statement) and
  ``bulk_create`` elsewhere; filled fields with one UPDATE … FROM VALUES per set of fields;
  memberships, taggings, consents, review items and issues in bulk;
* one UPDATE of the batch's progress and counts.

Large files on PostgreSQL run as a pipeline over the machine's cores: a forked process
reads and cleans (it never touches the database), the main thread matches and plans, and a
writer thread with its own connection writes chunk after chunk in order while the next is
matched. The matcher keeps the people of the chunks still on their way to the database in
memory (``Matcher.recent``), so a duplicate in the next chunk still finds them. Rows to
write are taken from the people's values when a chunk is planned, so a later chunk's fills
never leak into an earlier chunk's transaction. The cyclic garbage collector is paused
during a run (millions of short-lived objects, no cycles).

One audit event records the whole batch (counts only). A row held for the secretariat (it
matched someone outside the importer's scope) is queued for review and audited on its own,
in the dry run too, and unusual numbers of holds alert the secretariat
(``aktivist.people.holds``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import itertools
import json
import logging
import operator
import os
import queue
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence, Set
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError as DjangoIntegrityError
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aktivist.core import audit
from aktivist.core.models import AuditEvent
from aktivist.core.table_columns import BIRTH_YEAR_COLUMN
from aktivist.imports import matcher, optouts
from aktivist.imports.columns import IMPORT_FIELDS
from aktivist.imports.matcher import (
    Decision,
    KeyFilter,
    Matcher,
    Row,
    StoredPeople,
    Target,
    indexed_fetch,
)
from aktivist.imports.membership import membership_held_reason, write_membership_holds
from aktivist.imports.models import ImportBatch, ImportIssue
from aktivist.imports.rows import TEST_LEAD
from aktivist.lib.db import analyze
from aktivist.lib.normalise import normalise_name, normalise_phone_fast
from aktivist.organisation.models import UnitMembership
from aktivist.organisation.selectors import home_unit_id_from_map, prefix_map
from aktivist.people.consents import withdraw_consents
from aktivist.people.holds import holds_recorded
from aktivist.people.models import Consent, Interaction, Person, ReviewItem, Tag, Tagging
from aktivist.people.services import erased_identities

logger = logging.getLogger(__name__)

CHUNK = 5000
DRY_RUN_ISSUES = 500  # the dry run keeps the first rows of each kind to show
PERSON_COLUMNS = (
    "id",
    *matcher.PERSON_FIELDS,
    "home_unit_id",
    "source",
    "import_batch_id",
    "first_name_key",
    "last_name_key",
    "is_active",
    "created_at",
    "updated_at",
)
_HELD = "held"
_SKIPPED = "_skipped"  # a compact row's kind of skip (not a person), in its values
_OPT_OUTS = "_opt_outs"  # a compact row's opt-outs (Row.opt_outs), in its values
_NOTE = "_note"  # a compact row's note (Row.note), in its values
_SWEDISH = str(Person.Language.SWEDISH)
_NON_MEMBER = str(Person.MembershipStatus.NON_MEMBER)
# What a new person gets for a field the row leaves empty ("" for text, None for the rest).
_NEW_PERSON_DEFAULTS: dict[str, Any] = {
    "first_name": "",
    "last_name": "",
    "email": None,
    "mobile": None,
    "other_phone": "",
    "street_address": "",
    "postcode": "",
    "city": "",
    "municipality": "",
    "birth_year": None,
    "language": _SWEDISH,
    "membership_status": _NON_MEMBER,
    "member_since": None,
    "membership_ended_on": None,
    "member_number": None,
}
_person_values = operator.itemgetter(*matcher.PERSON_FIELDS)  # PERSON_COLUMNS[1:16]
_UNKNOWN = object()


class Superseded(Exception):
    """Another runner advanced the batch meanwhile: this one stops without writing."""


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


# --- Reading and cleaning -------------------------------------------------------------------


def _cleaner(batch: ImportBatch) -> Callable[[int, list[str]], Row]:
    """(line, cells) -> matcher.Row, through the one row cleaner of the upload."""
    from aktivist.imports.rows import RowError, RowMapping, clean_row

    headers = [str(h) for h in batch.headers]
    mapping = RowMapping.build(headers, {str(k): str(v) for k, v in batch.mapping.items()})

    def clean(line: int, cells: list[str]) -> Row:
        result = clean_row(cells, line=line, mapping=mapping)
        if isinstance(result, RowError):
            skipped = getattr(result, "kind", "")  # rows.RowSkipped: not a person
            return Row(line=line, values={}, cells=cells, error=result.reason, skipped=skipped)
        return Row(
            line=line,
            values=result.given(),
            tags=result.tags,
            cells=cells,
            opt_outs=result.opt_outs,
            note=result.note,
        )

    return clean


def _compact_cleaner(headers: list[str], mapping: dict[str, str]) -> Callable[..., tuple]:
    """(line, cells) -> a compact tuple of the cleaned row, cheap to send between
    processes: (line, values, tags, error, cells joined)."""
    from aktivist.imports.rows import RowError, RowMapping, clean_row

    row_mapping = RowMapping.build(headers, mapping)
    separator = matcher.CELL_SEPARATOR
    join = separator.join

    def clean(line: int, cells: list[str]) -> tuple[Any, ...]:
        result = clean_row(cells, line=line, mapping=row_mapping)
        joined: str | list[str] = join(cells)
        if isinstance(joined, str) and joined.count(separator) != len(cells) - 1:
            joined = list(cells)  # a cell holds the separator itself
        if isinstance(result, RowError):
            # A skipped row (rows.RowSkipped: not a person) carries its kind in the values.
            skipped = getattr(result, "kind", "")
            return (line, {_SKIPPED: skipped} if skipped else {}, [], result.reason, joined)
        values = result.given()
        if result.opt_outs:
            values[_OPT_OUTS] = result.opt_outs  # taken out again in chunks_from_child
        if result.note:
            values[_NOTE] = result.note  # taken out again in chunks_from_child
        return (line, values, result.tags, "", joined)

    return clean


def _clean_in_child(
    path: str, start: int, headers: list[str], mapping: dict[str, str], out: Any
) -> None:
    """The reading and cleaning process: chunks of compact rows into ``out``, then None.
    It never touches the database."""
    from aktivist.imports.reading import open_sanitised_table

    gc.disable()  # see run()
    with contextlib.suppress(OSError):
        # Cleaning runs ahead of the database anyway: let PostgreSQL's backends and the
        # matching thread have the cores first.
        os.nice(CHILD_NICENESS)
    try:
        clean = _compact_cleaner(headers, mapping)
        rows = open_sanitised_table(path).rows()
        if start:
            rows = itertools.islice(rows, start, None)
        chunk: list[tuple] = []
        for line, cells in rows:
            chunk.append(clean(line, cells))
            if len(chunk) >= CHUNK:
                out.put(chunk)
                chunk = []
        if chunk:
            out.put(chunk)
        out.put(None)
    except BaseException as error:  # reported by name only: messages may hold row data
        out.put(("error", type(error).__name__))


class CleanerFailed(Exception):
    pass


def _can_fork() -> bool:
    import multiprocessing

    return (
        "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
        and not getattr(settings, "IMPORT_CLEAN_IN_PROCESS", False)
    )


def chunks_from_child(batch: ImportBatch, *, start: int = 0) -> Iterator[list[Row]]:
    """The batch's rows, read and cleaned in a forked process (the other core) while this
    one matches and writes; chunks of CHUNK rows. The child is stopped if we stop early."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    out = context.Queue(maxsize=4)
    child = context.Process(
        target=_clean_in_child,
        args=(
            batch.file.path,
            start,
            [str(h) for h in batch.headers],
            {str(k): str(v) for k, v in batch.mapping.items()},
            out,
        ),
        name=f"import-{batch.pk}-cleaner",
        daemon=True,
    )
    child.start()
    try:
        while True:
            try:
                item = out.get(timeout=1.0)
            except queue.Empty:
                if not child.is_alive():
                    raise CleanerFailed("the cleaning process ended early") from None
                continue
            if item is None:
                break
            if isinstance(item, tuple):
                raise CleanerFailed(item[1])
            yield [
                Row(
                    line=line,
                    values=values,
                    tags=tags,
                    cells=cells,
                    error=error,
                    skipped=values.pop(_SKIPPED, "") if error else "",
                    opt_outs=values.pop(_OPT_OUTS, ()) if not error else (),
                    note=values.pop(_NOTE, "") if not error else "",
                )
                for line, values, tags, error, cells in item
            ]
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=5)
        out.close()


def iter_rows(batch: ImportBatch, *, start: int = 0) -> Iterator[Row]:
    """The batch's data rows, cleaned, from data row ``start`` (0-based) on."""
    from aktivist.imports.reading import open_sanitised_table

    table = open_sanitised_table(batch.file.path)
    clean = _cleaner(batch)
    rows = table.rows()
    if start:
        rows = itertools.islice(rows, start, None)
    for line, cells in rows:
        yield clean(line, cells)


def chunked(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


# --- Plans: what a chunk changes -------------------------------------------------------------


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
        from aktivist.imports.services import consent_is_confirmed, wording_hash

        options = batch.options or {}
        actor = batch.created_by
        return cls(
            actor=actor,
            scope=matcher.importer_scope(actor),
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
    matched: set[int] = set()
    for d in decisions:
        if d.kind in (matcher.UPDATE, matcher.UNCHANGED) and d.target is not None:
            if d.target.pk is not None and id(d.target) not in created:
                matched.add(d.target.pk)
    existing_tags: set[tuple[int, int]] = set()
    existing_members: set[int] = set()
    existing_consents: dict[tuple[int, str, str], tuple[int, str]] = {}
    tag_ids = options.tag_ids
    if matched and (options.tags or options.unit_id or options.consents or options.row_tags):
        wanted = {n.lower() for d in decisions for n in _names(d, options)}
        existing_tags, existing_members, existing_consents = _existing_extras(
            list(matched), [tag_ids[n] for n in wanted if n in tag_ids], options
        )
    existing_notes = _existing_notes(decisions, matched) if options.row_notes else _NO_NOTES
    unit_id = options.unit_id
    source = options.source
    consent_specs = options.consents
    issues = plan.issues
    for d in decisions:
        kind = d.kind
        if kind == matcher.SKIPPED:
            # Not a person (an organisation's row, a test lead): counted, nothing written.
            if d.row.skipped == TEST_LEAD:
                counts.test_leads += 1
            else:
                counts.organisations += 1
            continue
        if kind == matcher.REFUSED or kind == matcher.CONFLICT:
            counts.refused += 1
            issues.append((d, kind, d.reason, {}))
            continue
        if kind == matcher.HELD:
            counts.held += 1
            plan.held.append(d)
            issues.append((d, _HELD, d.reason, {}))
            if d.row.opt_outs:
                _plan_held_opt_outs(d, plan)
            continue
        target = d.target
        assert target is not None  # noqa: S101 - create/update/unchanged name their person
        if d.membership:
            # Not the secretariat's import: the rest of the row applies, its membership
            # values wait for review. The importer is told that, and nothing more.
            plan.membership_held.append(d)
            issues.append((d, _HELD, membership_held_reason(), {"field": "membership"}))
        changed = bool(d.changes)
        new = id(target) in created
        if kind == matcher.CREATE:
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
                    {"field": name, "value": _text(d.row.values.get(name))},
                )
            )
        # An opt-out in the row beats the consents the importer states for its channel.
        withdrawn = _plan_opt_outs(d, target, new, plan) if d.row.opt_outs else _NO_CHANNELS
        if target.values is None:
            # A person an earlier chunk of a dry run would create, with everything the
            # batch gives: nothing more to add.
            pass
        else:
            pk = target.pk
            for name in _names(d, options):
                lower = name.lower()
                if lower in target.tags:
                    continue
                target.tags.add(lower)
                if new or (pk, tag_ids.get(lower)) not in existing_tags:
                    plan.taggings.append((target, name))
                    changed = True
            if unit_id and not target.joined:
                target.joined = True
                if new or pk not in existing_members:
                    plan.memberships.append(target)
                    changed = True
            for spec in consent_specs:
                pair = (spec.channel, spec.purpose)
                if spec.channel in withdrawn:
                    target.consents.add(pair)  # not given by a later row of the file either
                    continue
                if pair in target.consents or not target.values.get(spec.address_field):
                    continue  # given already, or no address for the channel (yet)
                target.consents.add(pair)
                found = None if new else existing_consents.get((pk, *pair))  # type: ignore[arg-type]
                if found is None:
                    plan.consents_new.append((target, spec))
                    changed = True
                elif found[1] == Consent.Status.PENDING and spec.confirmed:
                    plan.consents_confirm.append((found[0], spec))
                    changed = True
                # A withdrawn consent is never revived by an import; a confirmed one stays.
            if d.row.note and _plan_note(d.row.note, target, new, existing_notes, plan):
                changed = True
        if kind == matcher.CREATE:
            counts.created += 1
        elif changed:
            counts.updated += 1
        else:
            counts.unchanged += 1
    return plan


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


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# --- Writing -------------------------------------------------------------------------------


HELD_VERB = "review.held"


def write_holds(
    *,
    batch_id: int,
    actor: Any,
    unit_id: int | None,
    held: list[Decision],
    now: dt.datetime,
    dry_run: bool,
) -> int:
    """For rows that matched someone outside the importer's scope: a review item for the
    secretariat (unless the same actor's same values for the same person already wait
    there, from a dry run or an earlier run) and an audit event for every row, each in one
    bulk statement. A dry run's holds are written too: otherwise an importer could probe the
    register by dry-running addresses without a trace. The audit events name the matched
    person, the batch and the line, never the row's values. Returns how many review items
    were created (for ``holds_recorded``)."""
    if not held:
        return 0
    user = actor if getattr(actor, "is_authenticated", False) else None
    pks = {d.target.pk for d in held if d.target is not None}
    # A row held because it would bring back an erased person names no one (kind
    # ERASED_IDENTITY, with the day of the erasure).
    open_filter = Q(kind=ReviewItem.Kind.IMPORT_ROW, matched_person_id__in=pks)
    if any(d.target is None for d in held):
        open_filter |= Q(kind=ReviewItem.Kind.ERASED_IDENTITY, matched_person__isnull=True)
    open_items: dict[tuple[int | None, str], int] = {
        (pid, json.dumps(payload.get("values", {}), sort_keys=True)): pk
        for pk, pid, payload in ReviewItem.objects.filter(
            open_filter,
            status=ReviewItem.Status.OPEN,
            submitted_by=user,
        ).values_list("pk", "matched_person_id", "payload")
        if isinstance(payload, dict)
    }
    items: list[ReviewItem] = []
    rows: list[tuple[Decision, tuple[int | None, str]]] = []
    new: dict[tuple[int | None, str], ReviewItem] = {}
    for d in held:
        person_pk = d.target.pk if d.target is not None else None
        values = {k: _text(v) if isinstance(v, dt.date) else v for k, v in d.row.values.items()}
        signature = (person_pk, json.dumps(values, sort_keys=True))
        rows.append((d, signature))
        if signature in open_items or signature in new:
            continue  # the same row is already waiting for the secretariat
        payload: dict[str, Any] = {
            **values,
            "values": values,
            "import_batch": batch_id,
            "line": d.row.line,
        }
        if dry_run:
            payload["dry_run"] = True
        if d.erased_on is not None:
            payload["erased_on"] = d.erased_on.isoformat()
        item = ReviewItem(
            kind=(
                ReviewItem.Kind.IMPORT_ROW
                if d.target is not None
                else ReviewItem.Kind.ERASED_IDENTITY
            ),
            submitted_by=user,
            unit_id=unit_id,
            matched_person_id=person_pk,
            # review_apply reads the person fields; the rest says where it came from.
            payload=payload,
            created_at=now,
            updated_at=now,
        )
        new[signature] = item
        items.append(item)
    ReviewItem.objects.bulk_create(items, batch_size=1000)
    events = []
    for d, signature in rows:
        found = new.get(signature)
        item_id = found.pk if found is not None else open_items.get(signature)
        events.append(
            AuditEvent(
                actor=user,
                verb=HELD_VERB,
                object_type=ReviewItem._meta.label_lower,
                object_id=str(item_id or ""),
                person_id=signature[0],
                details={
                    "kind": (
                        ReviewItem.Kind.IMPORT_ROW.value
                        if d.target is not None
                        else ReviewItem.Kind.ERASED_IDENTITY.value
                    ),
                    "import_batch": batch_id,
                    "line": d.row.line,
                    "dry_run": dry_run,
                },
            )
        )
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    return len(items)


class Writer:
    """Writes a chunk's plan: COPY on PostgreSQL, bulk statements elsewhere."""

    def __init__(self, batch: ImportBatch, options: Options) -> None:
        self.batch = batch
        self.options = options
        self.postgres = connection.vendor == "postgresql"
        self._transformer: Any = None
        self._home_units: dict[str, Any] = {}  # postcode -> home unit id

    def _copy(
        self, model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]
    ) -> None:
        quote = connection.ops.quote_name
        fields = {f.attname: f for f in model._meta.concrete_fields}
        sql = "COPY {} ({}) FROM STDIN".format(
            quote(model._meta.db_table), ", ".join(quote(str(fields[c].column)) for c in columns)
        )
        with connection.cursor() as cursor:
            with cursor.cursor.copy(sql) as copy:  # the psycopg cursor under Django's
                write_row = copy.write_row
                for row in rows:
                    write_row(row)

    def _copy_bytes(self, model: type[models.Model], columns: Sequence[str], data: bytes) -> None:
        quote = connection.ops.quote_name
        fields = {f.attname: f for f in model._meta.concrete_fields}
        sql = "COPY {} ({}) FROM STDIN".format(
            quote(model._meta.db_table), ", ".join(quote(str(fields[c].column)) for c in columns)
        )
        with connection.cursor() as cursor:
            with cursor.cursor.copy(sql) as copy:
                copy.write(data)

    def _new_ids(self, n: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Person._meta.db_table, n],
            )
            return [row[0] for row in cursor.fetchall()]

    def prepare(self, plan: Plan, now: dt.datetime) -> None:
        """Take the rows to write from the people's values now, in the thread that matches
        (ids first, on PostgreSQL)."""
        targets = [d.target for d in plan.creates if d.target is not None]
        make = self._person_row
        if self.postgres:
            self.assign_ids(plan.creates)
            rows = [make(t.values or {}, t.pk, now) for t in targets]
            encoded = self._encode(rows)
            if encoded is None:
                plan.new_rows = rows
            else:
                plan.new_copy = encoded
        else:
            for target in targets:
                row = dict(zip(PERSON_COLUMNS, make(target.values or {}, None, now), strict=True))
                row.pop("id")
                plan.new_people.append((target, Person(**row)))
        plan.changed_people = self._changed_people(plan.updates, now)

    def write(self, plan: Plan, now: dt.datetime, phases: Phases | None = None) -> None:
        step = phases.start if phases is not None else _no_phase
        step("w.people")
        self._create_people(plan)
        step("w.fills")
        for names, people in plan.changed_people.items():
            if self.postgres:
                self._update_values(people, sorted(names))
            else:
                Person.objects.bulk_update(people, sorted(names), batch_size=1000)
        step("w.tags")
        self._tags(plan.taggings, now)
        step("w.other")
        self._memberships(plan.memberships, now)
        self._consents(plan, now)
        self._notes(plan.notes, now)
        self._opt_outs(plan.opt_outs, now)  # after the consents: an opt-out beats them
        self._held(plan.held, now)
        write_membership_holds(
            batch_id=self.batch.pk,
            actor=self.options.actor,
            unit_id=self.options.unit_id,
            held=plan.membership_held,
            now=now,
        )
        self._issues(plan.issues)

    def _person_row(self, values: dict[str, Any], pk: int | None, now: dt.datetime) -> tuple:
        """A new person's row in PERSON_COLUMNS order, normalised as Person.normalise()
        would (the cleaner has normalised keys, phones and postcodes already; a given value
        is never empty)."""
        merged = {**_NEW_PERSON_DEFAULTS, **values}
        first, last, postcode = merged["first_name"], merged["last_name"], merged["postcode"]
        if "  " in first or first != first.strip():
            first = merged["first_name"] = " ".join(first.split())
        if "  " in last or last != last.strip():
            last = merged["last_name"] = " ".join(last.split())
        home_unit = None
        if postcode:
            home_unit = self._home_units.get(postcode, _UNKNOWN)
            if home_unit is _UNKNOWN:
                home_unit = self._home_units[postcode] = home_unit_id_from_map(
                    postcode, self.options.prefixes
                )
        return (
            pk,
            *_person_values(merged),
            home_unit,
            self.options.source,
            self.batch.pk,
            first.lower(),
            last.lower(),
            True,
            now,
            now,
        )

    def assign_ids(self, creates: list[Decision]) -> None:
        """Ids for the chunk's new people, drawn from the sequence in one statement (so
        that the next chunk can refer to them before this one is written)."""
        targets = [d.target for d in creates if d.target is not None and d.target.pk is None]
        if targets:
            for target, pk in zip(targets, self._new_ids(len(targets)), strict=True):
                target.pk = pk

    def _update_values(self, people: list[Person], names: list[str]) -> None:
        """One UPDATE … FROM (VALUES …) for people whose same fields change (bulk_update's
        CASE per field and row costs more to build than to run)."""
        quote = connection.ops.quote_name
        fields = [f for f in Person._meta.concrete_fields if f.name in names or f.attname in names]
        sets = ", ".join(
            f"{quote(str(f.column))} = v.{quote(str(f.column))}::{f.db_type(connection)}"
            for f in fields
        )
        columns = ", ".join(["id", *(quote(str(f.column)) for f in fields)])
        placeholder = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
        for start in range(0, len(people), 1000):
            part = people[start : start + 1000]
            params: list[Any] = []
            for person in part:
                params.append(person.pk)
                params.extend(getattr(person, f.attname) for f in fields)
            sql = (
                f"UPDATE {quote(Person._meta.db_table)} AS p SET {sets} "  # noqa: S608 - quoted names
                f"FROM (VALUES {', '.join([placeholder] * len(part))}) AS v({columns}) "
                "WHERE p.id = v.id::bigint"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, params)

    def _encode(self, rows: list[tuple[Any, ...]]) -> bytes | None:
        """The rows as COPY text, formatted here by psycopg's own (C) row formatter, so the
        writer thread only sends bytes and never waits for the interpreter row by row.
        None when that formatter is not available (the writer then formats row by row)."""
        try:
            from psycopg._copy_base import format_row_text  # internal, pinned psycopg
            from psycopg.adapt import Transformer
        except ImportError:  # pragma: no cover
            return None
        if self._transformer is None:
            connection.ensure_connection()
            self._transformer = Transformer(connection.connection)
        out = bytearray()
        for row in rows:
            format_row_text(row, self._transformer, out)
        return bytes(out)

    def _create_people(self, plan: Plan) -> None:
        if plan.new_copy:
            self._copy_bytes(Person, PERSON_COLUMNS, plan.new_copy)
        if plan.new_rows:
            self._copy(Person, PERSON_COLUMNS, plan.new_rows)
        if plan.new_people:
            people = [person for _target, person in plan.new_people]
            Person.objects.bulk_create(people, batch_size=500)
            for target, person in plan.new_people:
                target.pk = person.pk

    def _changed_people(
        self, updates: dict[int, tuple[Target, set[str]]], now: dt.datetime
    ) -> dict[frozenset[str], list[Person]]:
        """Unsaved Person objects carrying the filled fields, grouped by the fields that
        change (one bulk UPDATE per group; other fields are never written back)."""
        groups: dict[frozenset[str], list[Person]] = defaultdict(list)
        for pk, (target, names) in updates.items():
            values = target.values or {}
            person = Person(pk=pk)
            fields = set(names)
            for name in names:
                setattr(person, name, values.get(name))
            if "first_name" in names or "last_name" in names:
                person.first_name = " ".join(str(values.get("first_name") or "").split())
                person.last_name = " ".join(str(values.get("last_name") or "").split())
                person.first_name_key = normalise_name(person.first_name)
                person.last_name_key = normalise_name(person.last_name)
                fields |= {"first_name", "last_name", "first_name_key", "last_name_key"}
            if "postcode" in names:
                person.home_unit_id = home_unit_id_from_map(
                    values.get("postcode") or "", self.options.prefixes
                )
                fields.add("home_unit")
            for name in ("other_phone", "street_address", "city", "municipality", "postcode"):
                if name in fields and getattr(person, name) is None:
                    setattr(person, name, "")
            person.updated_at = now
            fields.add("updated_at")
            groups[frozenset(fields)].append(person)
        return dict(groups)

    def _tag_ids(self, names: Iterable[str], now: dt.datetime) -> dict[str, int]:
        """Tag ids by lower-cased name; missing tags are created once (the tag table is
        small: it is read whole again after an insert)."""
        known = self.options.tag_ids
        missing: dict[str, str] = {}
        for name in names:  # the first spelling in the file names a new tag
            if name.lower() not in known:
                missing.setdefault(name.lower(), name)
        if missing:
            Tag.objects.bulk_create(
                [Tag(name=n, created_at=now, updated_at=now) for n in missing.values()],
                ignore_conflicts=True,
            )
            for pk, name in Tag.objects.values_list("pk", "name"):
                known.setdefault(name.lower(), pk)
        return known

    def _tags(self, taggings: list[tuple[Target, str]], now: dt.datetime) -> None:
        if not taggings:
            return
        ids = self._tag_ids([name for _t, name in taggings], now)
        rows = {(t.pk, ids[name.lower()]) for t, name in taggings if name.lower() in ids}
        self._insert(
            Tagging,
            ("person_id", "tag_id", "created_at", "updated_at"),
            [(p, t, now, now) for p, t in rows],
        )

    def _memberships(self, targets: list[Target], now: dt.datetime) -> None:
        if not targets or not self.options.unit_id:
            return
        today = timezone.localdate(now)
        self._insert(
            UnitMembership,
            ("person_id", "unit_id", "started_on", "ended_on", "created_at", "updated_at"),
            [(t.pk, self.options.unit_id, today, None, now, now) for t in targets],
        )

    def _consents(self, plan: Plan, now: dt.datetime) -> None:
        if plan.consents_new:
            self._insert(
                Consent,
                (
                    "person_id",
                    "channel",
                    "purpose",
                    "status",
                    "confirmed_at",
                    "withdrawn_at",
                    "wording_version",
                    "wording_hash",
                    "source",
                    "created_at",
                    "updated_at",
                    "confirmed_by",
                ),
                [
                    (
                        t.pk,
                        s.channel,
                        s.purpose,
                        Consent.Status.CONFIRMED if s.confirmed else Consent.Status.PENDING,
                        now if s.confirmed else None,
                        None,
                        s.wording_version,
                        s.wording_hash,
                        s.source,
                        now,
                        now,
                        Consent.ConfirmedBy.IMPORT if s.confirmed else "",
                    )
                    for t, s in plan.consents_new
                ],
            )
        for spec in {id(s): s for _c, s in plan.consents_confirm}.values():
            ids = [cid for cid, s in plan.consents_confirm if s is spec]
            Consent.objects.filter(pk__in=ids, status=Consent.Status.PENDING).update(
                status=Consent.Status.CONFIRMED,
                confirmed_at=now,
                confirmed_by=Consent.ConfirmedBy.IMPORT,
                wording_version=spec.wording_version,
                wording_hash=spec.wording_hash,
                source=spec.source,
                updated_at=now,
            )

    def _opt_outs(
        self,
        opt_outs: list[tuple[Target | None, str, str, bool, tuple[str, ...]]],
        now: dt.datetime,
    ) -> None:
        """The chunk's opt-outs, through the bulk paths: the people's consents of each
        withdrawn channel in one UPDATE per channel (at most 1,000 people each), their
        addresses suppressed for every purpose in a few bulk statements by the registered
        address suppressor (optouts.py: the mobilization app's suppression service). Undo
        never takes these back: an opt-out is the person's wish (docs/imports.md)."""
        if not opt_outs:
            return
        withdraw: dict[str, set[int]] = defaultdict(set)
        entries: list[tuple[str, str, str, int | None]] = []
        for target, channel, reason, withdraws, addresses in opt_outs:
            pk = target.pk if target is not None else None
            if withdraws and pk is not None:
                withdraw[channel].add(pk)
            entries.extend((channel, address, reason, pk) for address in addresses)
        for channel, pks in withdraw.items():
            withdraw_consents(person_ids=sorted(pks), channel=channel, now=now)
        optouts.suppress_addresses(entries, source=f"import #{self.batch.pk}", now=now)

    def _notes(self, notes: list[tuple[Target, str]], now: dt.datetime) -> None:
        """The rows' notes (the notes column) as notes on their people, written by the
        importer now and marked with the batch (undo removes them), in one bulk statement."""
        if not notes:
            return
        actor = self.options.actor
        author = actor.pk if getattr(actor, "is_authenticated", False) else None
        kind = Interaction.Kind.NOTE.value
        batch_id = self.batch.pk
        self._insert(
            Interaction,
            (
                "person_id",
                "kind",
                "author_id",
                "occurred_at",
                "text",
                "outcome",
                "import_batch_id",
                "created_at",
                "updated_at",
            ),
            [(t.pk, kind, author, now, text, "", batch_id, now, now) for t, text in notes],
        )

    def _held(self, held: list[Decision], now: dt.datetime) -> None:
        written = write_holds(
            batch_id=self.batch.pk,
            actor=self.options.actor,
            unit_id=self.options.unit_id,
            held=held,
            now=now,
            dry_run=False,
        )
        holds_recorded(actor=self.options.actor, count=written)

    def _issues(self, issues: list[tuple[Decision, str, str, dict[str, Any]]]) -> None:
        if not issues:
            return
        batch_id = self.batch.pk
        rows = []
        for d, kind, reason, extra in issues:
            data: dict[str, Any] = {"cells": d.row.cell_list()}
            data.update(extra)
            person_id = None
            if kind == ImportIssue.Kind.DIFFERS and d.target is not None:
                person_id = d.target.pk  # the importer may see this person
            rows.append((batch_id, d.row.line, kind, reason[:500], json.dumps(data), person_id))
        self._insert(ImportIssue, ("batch_id", "line", "kind", "reason", "data", "person_id"), rows)

    def _insert(self, model: type[models.Model], columns: Sequence[str], rows: list[tuple]) -> None:
        if not rows:
            return
        if self.postgres:
            self._copy(model, columns, rows)
            return
        objs = []
        for row in rows:
            kwargs = dict(zip(columns, row, strict=True))
            if "data" in kwargs and isinstance(kwargs["data"], str):
                kwargs["data"] = json.loads(kwargs["data"])
            objs.append(model(**kwargs))
        model._default_manager.bulk_create(objs, batch_size=1000)


# --- Dry run -------------------------------------------------------------------------------


def dry_run(batch: ImportBatch, *, actor: Any = None) -> dict[str, Any]:
    """What the real run would do, writing nothing but its holds: counts, and the first
    rows of each kind of issue (refused, conflict, held, differs) with their line and
    reason. For a register sync also the members who would become former. A row held for
    the secretariat is queued for review and audited as in the real run (``write_holds``;
    the real run of the same file then adds no second review item)."""
    options = Options.of(batch)
    if actor is not None and batch.created_by_id is None:
        options.actor = actor
    key_filter = KeyFilter.from_database() if batch.total_rows >= PIPELINE_MIN_ROWS else None
    match = Matcher(
        lookup=StoredPeople(scope=options.scope, key_filter=key_filter).lookup,
        register=options.register,
        membership=options.scope is None,  # only the secretariat's imports set membership
        remember=True,
        today=timezone.localdate(),
        erased=erased_identities,
        tell_erased=options.scope is None,
    )
    counts = Counts()
    shown: list[dict[str, Any]] = []
    issue_counts: dict[str, int] = defaultdict(int)
    collecting = gc.isenabled()
    gc.disable()  # see run()
    try:
        return _dry_run(batch, options, match, counts, shown, issue_counts)
    finally:
        if collecting:
            gc.enable()


def ignored_columns(batch: ImportBatch) -> list[str]:
    """Every column of the file that the mapping leaves out, by its header (the kept
    copy's own columns aside; the dropped personal identity number columns are listed
    apart, in ``dropped_columns``)."""
    mapping = batch.mapping or {}
    return [
        str(header)
        for header in batch.headers
        if header != BIRTH_YEAR_COLUMN and not mapping.get(str(header))
    ]


def _differences(
    names: Iterable[str], row: dict[str, Any], stored: dict[str, Any]
) -> list[dict[str, str]]:
    return [
        {"field": name, "stored": _text(stored.get(name)), "value": _text(row.get(name))}
        for name in names
    ]


def _conflict_detail(d: Decision) -> dict[str, Any]:
    """What the dry run tells about a conflict (every person involved is in the importer's
    scope, or the row would be held): the keys that found someone, and for a row refused
    because its mobile's owner has another name and email, how they differ."""
    detail: dict[str, Any] = {"keys": list(d.matched_by)}
    target = d.owner
    if target is not None and target.values is not None:
        names = [
            name
            for name in ("first_name", "last_name", "email")
            if d.row.values.get(name) and d.row.values.get(name) != target.values.get(name)
        ]
        detail["differs"] = _differences(names, d.row.values, target.values)
        if target.pk is not None:
            detail["person"] = target.pk  # for erasure (imports/registries.py)
    return detail


def _tell_rows(
    decisions: Sequence[Decision], matched: list[dict[str, Any]], skipped: list[dict[str, Any]]
) -> None:
    """The dry run's entries for rows that found someone the importer may see (line, the
    keys that found them, what the import fills and which values differ: the stored one and
    the file's) and for rows that are not people (line, organisation or test lead). Held
    rows never come here: the matcher names no key for them, and they are not matched."""
    for d in decisions:
        kind = d.kind
        if kind == matcher.UPDATE or kind == matcher.UNCHANGED:
            if len(matched) >= DRY_RUN_ISSUES:
                continue
            target = d.target
            if target is None or not target.visible:
                continue  # cannot happen (held), but never tell about the unseen
            entry: dict[str, Any] = {
                "line": d.row.line,
                "kind": kind,
                "keys": list(d.matched_by),
                # Found a person an earlier row of this file creates, not a stored one.
                "earlier_row": target.pk is None,
                "fills": sorted(d.changes),
                "differs": _differences(d.differs, d.row.values, target.values or {}),
            }
            if target.pk is not None:
                entry["person"] = target.pk  # for erasure (imports/registries.py)
            matched.append(entry)
        elif kind == matcher.SKIPPED and len(skipped) < DRY_RUN_ISSUES:
            skipped.append({"line": d.row.line, "kind": d.row.skipped, "reason": d.reason})


def _dry_run(
    batch: ImportBatch,
    options: Options,
    match: Matcher,
    counts: Counts,
    shown: list[dict[str, Any]],
    issue_counts: dict[str, int],
) -> dict[str, Any]:
    matched: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    with _language(batch):
        for chunk in chunked(iter_rows(batch), CHUNK):
            decisions = match.match(chunk)
            plan = plan_chunk(decisions, options)
            counts.add(plan.counts)
            _tell_rows(decisions, matched, skipped)
            if plan.held:
                # Nothing else is written, but a hold is: see write_holds.
                with transaction.atomic():
                    written = write_holds(
                        batch_id=batch.pk,
                        actor=options.actor,
                        unit_id=options.unit_id,
                        held=plan.held,
                        now=timezone.now(),
                        dry_run=True,
                    )
                    holds_recorded(actor=options.actor, count=written)
            for d, kind, reason, extra in plan.issues:
                issue_counts[kind] += 1
                if len(shown) < DRY_RUN_ISSUES:
                    entry: dict[str, Any] = {
                        "line": d.row.line,
                        "kind": kind,
                        "reason": reason,
                        **({"field": extra["field"]} if "field" in extra else {}),
                    }
                    if kind == matcher.CONFLICT:
                        entry.update(_conflict_detail(d))
                    # A held row's entry stays line, kind and the held message: nothing
                    # about whom it matched, by which key, or what differs.
                    shown.append(entry)
        summary: dict[str, Any] = {
            "counts": counts.as_dict(),
            "skipped_counts": counts.skipped_dict(),
            "issues": issue_counts,
            "rows": shown,
            "matched": matched,
            "skipped": skipped,
            "ignored_columns": ignored_columns(batch),
            "dropped_columns": list(batch.dropped_columns),
        }
        if options.register:
            summary["counts"]["former"] = len(register_missing_members(batch))
    return summary


# --- Real run ------------------------------------------------------------------------------


class _language:
    """Messages stored on issues are in the importer's language."""

    def __init__(self, batch: ImportBatch) -> None:
        user = batch.created_by
        self.language = getattr(user, "language", None) or None

    def __enter__(self) -> None:
        self._override = translation.override(self.language) if self.language else None
        if self._override is not None:
            self._override.__enter__()

    def __exit__(self, *exc: Any) -> None:
        if self._override is not None:
            self._override.__exit__(*exc)


def run(
    batch: ImportBatch,
    *,
    progress: Callable[[int], None] | None = None,
    phases: Phases | None = None,
) -> ImportBatch:
    """Import the batch from ``processed_rows`` on, chunk by chunk. On an error the batch is
    FAILED (with a message that names no one) and can be resumed."""
    batch = ImportBatch.objects.select_related("created_by", "unit").get(pk=batch.pk)
    if batch.status in (ImportBatch.Status.FINISHED, ImportBatch.Status.UNDONE):
        return batch
    now = timezone.now()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.RUNNING,
        started_at=batch.started_at or now,
        error="",
        updated_at=now,
    )
    # The run allocates millions of short-lived objects without reference cycles: the cyclic
    # garbage collector would only walk the live ones again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with _language(batch):
            collisions = 0
            while True:
                try:
                    _run(batch, progress, phases)
                    break
                except IntegrityError:
                    # Someone else stored one of the chunk's keys between our lookup and our
                    # write (a sign-up, another import): the chunk was rolled back; resume
                    # from the last committed chunk with a fresh look at the database.
                    collisions += 1
                    if collisions > MAX_COLLISIONS:
                        raise
                    logger.warning("import batch=%s: a key collided; resuming", batch.pk)
                    batch.refresh_from_db()
    except Superseded:
        logger.info("import batch=%s superseded by another runner", batch.pk)
    except Exception as error:
        logger.exception("import batch=%s failed (%s)", batch.pk, type(error).__name__)
        batch.refresh_from_db()
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED,
            error=_(
                "The import stopped after %(done)s of %(total)s rows (%(error)s). "
                "Resume it to continue from there."
            )
            % {
                "done": batch.processed_rows,
                "total": batch.total_rows,
                "error": type(error).__name__,
            },
            updated_at=timezone.now(),
        )
        raise
    finally:
        if collecting:
            gc.enable()
    batch.refresh_from_db()
    return batch


class Phases:
    """Wall and CPU seconds (of the thread) per phase of a run, for the benchmark and the
    logs; the writer thread's phases are named "w.…"."""

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        self._name = ""
        self._wall = self._cpu = 0.0

    def start(self, name: str) -> None:
        now_wall, now_cpu = time.perf_counter(), time.thread_time()
        if self._name:
            entry = self.seconds[self._name]
            entry[0] += now_wall - self._wall
            entry[1] += now_cpu - self._cpu
        self._name, self._wall, self._cpu = name, now_wall, now_cpu

    def stop(self) -> None:
        self.start("")
        self._name = ""

    def as_dict(self) -> dict[str, dict[str, float]]:
        return {
            name: {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3)}
            for name, (wall, cpu) in self.seconds.items()
            if name
        }


PIPELINE_MIN_ROWS = 20_000  # smaller files are written chunk after chunk in one thread
GIL_SWITCH_S = 0.0005
MAX_COLLISIONS = 3

try:  # COPY runs on the psycopg cursor itself: its errors are not Django's
    from psycopg import IntegrityError as PsycopgIntegrityError

    IntegrityError: tuple[type[Exception], ...] = (DjangoIntegrityError, PsycopgIntegrityError)
except ImportError:  # pragma: no cover - SQLite-only installs
    IntegrityError = (DjangoIntegrityError,)
CHILD_NICENESS = 10


@dataclass
class _Work:
    plan: Plan
    rows: int
    done_before: int


def _no_phase(name: str) -> None:
    return None


def _write_chunk(
    batch: ImportBatch, writer: Writer, work: _Work, phases: Phases | None = None
) -> None:
    """One chunk in one transaction, with the batch's resume point and counts."""
    step = phases.start if phases is not None else _no_phase
    with transaction.atomic():
        step("w.lock")
        locked = (
            ImportBatch.objects.select_for_update()
            .filter(pk=batch.pk)
            .values_list("processed_rows", flat=True)
            .first()
        )
        if locked != work.done_before:
            raise Superseded
        if writer.postgres:
            # The chunk and its resume point commit together or not at all, so a commit
            # that a server crash loses is simply imported again on resume: no need to wait
            # for the WAL flush of every chunk.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        writer.write(work.plan, timezone.now(), phases)
        step("w.progress")
        c = work.plan.counts
        ImportBatch.objects.filter(pk=batch.pk).update(
            processed_rows=F("processed_rows") + work.rows,
            created_count=F("created_count") + c.created,
            updated_count=F("updated_count") + c.updated,
            unchanged_count=F("unchanged_count") + c.unchanged,
            refused_count=F("refused_count") + c.refused,
            held_count=F("held_count") + c.held,
            opted_out_count=F("opted_out_count") + c.opted_out,
            organisation_count=F("organisation_count") + c.organisations,
            test_lead_count=F("test_lead_count") + c.test_leads,
            updated_at=timezone.now(),
        )
        step("w.commit")
    step("")


class _WriterThread:
    """Writes chunks in a thread of its own (with its own database connection) while the
    next chunk is read, cleaned and matched: PostgreSQL works on one core while Python
    works on the other. Chunks are written in order; the first error stops everything."""

    def __init__(
        self, batch: ImportBatch, writer: Writer, progress: Callable[[int], None] | None
    ) -> None:
        self.batch = batch
        self.writer = writer
        self.progress = progress
        self.queue: queue.Queue[_Work | None] = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.phases = Phases()
        self.thread = threading.Thread(target=self._work, name="import-writer", daemon=True)
        self.thread.start()

    def _work(self) -> None:
        from django.db import connections

        try:
            while (work := self.queue.get()) is not None:
                if self.error is None:
                    with _language(self.batch):
                        _write_chunk(self.batch, self.writer, work, self.phases)
                    if self.progress is not None:
                        self.progress(work.rows)
        except BaseException as error:  # handed to the reading thread
            self.error = error
        finally:
            connections.close_all()

    def put(self, work: _Work) -> None:
        while True:
            if self.error is not None:
                raise self.error
            try:
                self.queue.put(work, timeout=0.2)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        while self.thread.is_alive():
            try:
                self.queue.put(None, timeout=0.2)
                break
            except queue.Full:
                if self.error is not None:
                    break
        self.thread.join()
        if self.error is not None:
            raise self.error


def _run(
    batch: ImportBatch, progress: Callable[[int], None] | None, phases: Phases | None = None
) -> None:
    phases = phases or Phases()
    options = Options.of(batch)
    writer = Writer(batch, options)
    done = batch.processed_rows
    large = batch.total_rows - done >= PIPELINE_MIN_ROWS
    pipelined = writer.postgres and large
    phases.start("key filter")
    key_filter = KeyFilter.from_database() if large else None
    match = Matcher(
        lookup=StoredPeople(scope=options.scope, key_filter=key_filter).lookup,
        register=options.register,
        membership=options.scope is None,  # only the secretariat's imports set membership
        today=timezone.localdate(),
        # A chunk being written and one waiting: the next lookup may not see them yet.
        recent=3 if pipelined else 0,
        key_filter=key_filter,
        erased=erased_identities,
        tell_erased=options.scope is None,
    )
    if progress is not None and done:
        progress(done)
    if pipelined and _can_fork():
        # Fork before the writer thread starts: the child reads and cleans.
        chunks = chunks_from_child(batch, start=done)
    else:
        chunks = chunked(iter_rows(batch, start=done), CHUNK)
    thread = _WriterThread(batch, writer, progress) if pipelined else None
    switch_interval = sys.getswitchinterval()
    if thread is not None:
        # The writer thread mostly waits for PostgreSQL; when an answer arrives it should
        # get the interpreter back at once, not after the reading thread's 5 ms slice.
        sys.setswitchinterval(GIL_SWITCH_S)
    try:
        phases.start("read")
        for chunk in chunks:
            phases.start("match")
            if thread is None:
                with transaction.atomic():
                    plan = plan_chunk(match.match(chunk), options)
                    writer.prepare(plan, timezone.now())
                    phases.start("write")
                    _write_chunk(batch, writer, _Work(plan, len(chunk), done))
                    phases.start("commit")
                if progress is not None:
                    progress(len(chunk))
            else:
                decisions = match.match(chunk)
                phases.start("plan")
                plan = plan_chunk(decisions, options)
                writer.prepare(plan, timezone.now())
                phases.start("queue")
                thread.put(_Work(plan, len(chunk), done))
            done += len(chunk)
            phases.start("read")
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()  # stops the cleaning process when we stop early
        if thread is not None:
            phases.start("drain")
            try:
                thread.close()
            finally:
                sys.setswitchinterval(switch_interval)
                for name, (wall, cpu) in thread.phases.seconds.items():
                    phases.seconds[name][0] += wall
                    phases.seconds[name][1] += cpu
    phases.start("finish")
    _finish(batch, options)
    phases.start("analyze")
    # A bulk load: the planner's statistics follow it (autovacuum may be off or late).
    analyze(Person, Consent, Tag, Tagging, UnitMembership, ReviewItem, ImportIssue)
    phases.stop()


def _finish(batch: ImportBatch, options: Options) -> None:
    formered: list[int] = []
    if options.register:
        formered = register_missing_members(batch)
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status == ImportBatch.Status.FINISHED:
            raise Superseded
        now = timezone.now()
        if formered:
            today = timezone.localdate(now)
            for start in range(0, len(formered), CHUNK):
                Person.objects.filter(
                    pk__in=formered[start : start + CHUNK],
                    membership_status=Person.MembershipStatus.MEMBER,
                ).update(
                    membership_status=Person.MembershipStatus.FORMER,
                    membership_ended_on=today,
                    updated_at=now,
                )
        locked.status = ImportBatch.Status.FINISHED
        locked.finished_at = now
        locked.formered_count = len(formered)
        locked.save(update_fields=["status", "finished_at", "formered_count", "updated_at"])
        audit.record(
            actor=locked.created_by,
            verb="import.run",
            obj=locked,
            details={
                "kind": locked.kind,
                "rows": locked.processed_rows,
                "created": locked.created_count,
                "updated": locked.updated_count,
                "unchanged": locked.unchanged_count,
                "refused": locked.refused_count,
                "held": locked.held_count,
                "opted_out": locked.opted_out_count,
                "organisations": locked.organisation_count,
                "test_leads": locked.test_lead_count,
                "former": locked.formered_count,
            },
        )


# --- Membership register sync ---------------------------------------------------------------


def register_missing_members(batch: ImportBatch) -> list[int]:
    """Current members that no row of this full register file names — by member number,
    email or mobile, read from the cells themselves so that a row refused for another
    reason still counts as naming its member (a typo must not make anyone former)."""
    from aktivist.imports.reading import open_sanitised_table

    table = open_sanitised_table(batch.file.path)
    headers = [str(h) for h in table.headers]
    columns = {
        kind: [i for i, h in enumerate(headers) if batch.mapping.get(h) == kind]
        for kind in matcher.KEY_FIELDS
    }
    # The number, not the column, decides which phone is the mobile (rows.py).
    columns["mobile"] += [i for i, h in enumerate(headers) if batch.mapping.get(h) == "other_phone"]
    seen: dict[str, set[str]] = {kind: set() for kind in matcher.KEY_FIELDS}
    for _line, cells in table.rows():
        for kind, indexes in columns.items():
            for i in indexes:
                if i < len(cells) and (value := cells[i].strip()):
                    if kind == "email":
                        value = value.lower()
                    elif kind == "mobile":
                        value = normalise_phone_fast(value) or value
                    else:
                        value = value.replace(" ", "")
                    seen[kind].add(value)
    numbers, emails, mobiles = seen["member_number"], seen["email"], seen["mobile"]
    missing = []
    members = Person.objects.filter(
        membership_status=Person.MembershipStatus.MEMBER, is_active=True
    ).values_list("pk", "member_number", "email", "mobile")
    for pk, number, email, mobile in members.iterator(chunk_size=10_000):
        if (
            (number and number in numbers)
            or (email and email in emails)
            or (mobile and mobile in mobiles)
        ):
            continue
        missing.append(pk)
    return missing


# --- Undo ----------------------------------------------------------------------------------


def _ignored_for_undo() -> set[type[models.Model]]:
    """Rows that say nothing happened to a person: candidate pairs the duplicate finder
    derived (they go with the person)."""
    from aktivist.imports.models import DuplicateCandidate

    return {DuplicateCandidate}


def undo(batch: ImportBatch) -> tuple[int, int]:
    """Delete the people the batch created whom nothing has touched since it finished.
    Returns (removed, kept)."""
    from aktivist.core.registries import models_pointing_to

    since = batch.finished_at or batch.updated_at
    created = Person.objects.filter(import_batch=batch)
    kept: set[int] = set(created.filter(updated_at__gt=since).values_list("pk", flat=True))
    ignored = _ignored_for_undo()
    for model in models_pointing_to(Person):
        if model in ignored:
            continue
        names = {f.name for f in model._meta.concrete_fields}
        stamp = Q()
        if "created_at" in names:
            stamp |= Q(created_at__gt=since)
        if "updated_at" in names:
            stamp |= Q(updated_at__gt=since)
        for f in model._meta.concrete_fields:
            if not (f.is_relation and f.related_model is Person):
                continue
            qs = model._default_manager.filter(**{f"{f.name}__import_batch": batch})
            if stamp:
                # Rows from before the batch finished are the batch's own (memberships,
                # taggings, consents); anything newer is something that happened since.
                qs = qs.filter(stamp)
            kept.update(qs.values_list(f.attname, flat=True).distinct())
    kept.discard(None)  # type: ignore[arg-type]
    candidates = list(created.values_list("pk", flat=True))
    remove = [pk for pk in candidates if pk not in kept]
    removed = 0
    for start in range(0, len(remove), CHUNK):
        with transaction.atomic():
            part = remove[start : start + CHUNK]
            deleted = Person.objects.filter(pk__in=part, import_batch=batch).delete()
            removed += deleted[1].get(Person._meta.label, 0)
    # The notes the batch wrote on people it matched (or kept) go too.
    Interaction.objects.filter(import_batch=batch).delete()
    return removed, len(candidates) - removed
