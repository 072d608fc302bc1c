"""Writing a chunk's plan: COPY on PostgreSQL, bulk statements elsewhere.

New people go in with COPY (their ids drawn from the sequence in one statement, so that
the next chunk can refer to them before this one is written) or ``bulk_create``; filled
fields with one UPDATE … FROM VALUES per set of fields; taggings, memberships, consents,
notes, opt-outs, holds and issues in bulk. Every COPY of the import goes through here, to
the shared ``aktivist.core.bulk.BulkWriter``.
"""

from __future__ import annotations

import datetime as dt
import json
import operator
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

from aktivist.core.bulk import BulkWriter
from aktivist.imports import matcher, optouts
from aktivist.imports.holds import write_holds
from aktivist.imports.matcher import Decision, Target
from aktivist.imports.membership import write_membership_holds
from aktivist.imports.models import ImportBatch, ImportIssue
from aktivist.imports.phases import Phases, no_phase
from aktivist.imports.plan import Options, Plan
from aktivist.lib.normalise import normalise_name
from aktivist.organisation.models import UnitMembership
from aktivist.organisation.selectors import home_unit_id_from_map
from aktivist.people.consents import withdraw_consents
from aktivist.people.holds import holds_recorded
from aktivist.people.models import Consent, Interaction, Person, Tag, Tagging

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


class Writer:
    """Writes a chunk's plan: COPY on PostgreSQL, bulk statements elsewhere."""

    def __init__(self, batch: ImportBatch, options: Options) -> None:
        self.batch = batch
        self.options = options
        self.postgres = connection.vendor == "postgresql"
        # COPY as given: the columns not written get the database's defaults
        self.bulk = BulkWriter(defaults=False)
        self._home_units: dict[str, Any] = {}  # postcode -> home unit id

    def _copy(
        self, model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]
    ) -> None:
        self.bulk.copy(model, columns, rows)

    def _copy_bytes(self, model: type[models.Model], columns: Sequence[str], data: bytes) -> None:
        self.bulk.copy_encoded(model, columns, data)

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
        step = phases.start if phases is not None else no_phase
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
        return self.bulk.encode(Person, PERSON_COLUMNS, rows)

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
