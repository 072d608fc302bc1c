"""The row matcher: which stored person (if any) each cleaned row of a chunk is.

A row matches by member number, then normalised email, then normalised mobile. The keys of
a chunk are looked up in bulk — one query per key kind and one for the matched people's
values, never a query per row — and rows of the same chunk are matched against each other
in memory by the same keys, so a person that appears twice in a file is created once.

Per row the outcome is one ``Decision``:

* ``create`` — no key is known;
* ``update`` — one person; ``changes`` fills stored fields that are empty (a membership
  register sync also sets the membership fields, the register being authoritative for them);
* ``unchanged`` — one person and nothing to change;
* ``conflict`` — the keys point to different people, or only the mobile found someone
  whose name and email both differ from the row's (aktivist.people.matching): refused;
* ``held`` — the person is outside the importer's scope: the secretariat reviews it, and the
  importer learns nothing about the match. Also a row that would create a person whose
  email, mobile or member number was an erased person's (and is nobody's now): it is held
  with "Erased on <date>" (a scoped importer is told only that it is held), looked up in
  one query per chunk (``people.services.erased_identities``: keyed hashes, privacy);
* ``refused`` — the row could not be cleaned, has no key at all (member number, email,
  mobile: it could never be matched, so every import of the file would create it again), or
  would create a person without a first name.

``differs`` lists the fields where the file's value differs from a non-empty stored value:
reported, never overwritten. Empty cells never blank anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.people.matching import same_person_by_mobile
from aktivist.people.models import Person
from aktivist.people.services import EDITABLE_FIELDS, erased_hold_message

if TYPE_CHECKING:  # annotations only: lookup.py builds on this module's Target
    from aktivist.imports.lookup import KeyFilter

KEY_FIELDS = ("member_number", "email", "mobile")
# The person's own fields an import compares and fills (the source label is handled apart).
PERSON_FIELDS = tuple(f for f in EDITABLE_FIELDS if f != "source")
# Text compared without regard to case and spacing: "ANNA  Berg" is not a different name.
LOOSE_FIELDS = frozenset(("first_name", "last_name", "street_address", "city", "municipality"))
# Fields that always hold a value: the stored default is not "empty", a different value in
# the file is reported.
NEVER_EMPTY = frozenset(("language", "membership_status"))
REGISTER_FIELDS = ("member_number", "membership_status", "member_since", "membership_ended_on")
# Membership is a lawful basis for member news: only the secretariat's imports take these
# from a file. Anyone else's import holds them for the secretariat's review
# (``Decision.membership``); the rest of the row applies.
MEMBERSHIP_FIELDS = REGISTER_FIELDS


def _HELD_REASON() -> str:  # a message, named like the constants beside it
    return _("Held for review by the secretariat")


def _CONFLICT_REASON() -> str:
    return _("The member number, email and mobile in this row belong to different people.")


def _MOBILE_CONFLICT_REASON() -> str:
    return _("The mobile number belongs to someone with another name and email: check the row.")


def _ONLY_MEMBER_NUMBER_REASON() -> str:
    return _(
        "The row's only key is its member number, and only the secretariat's imports give "
        "member numbers: add an email or mobile."
    )


NO_KEY = gettext_lazy(
    "The row has no member number, email or mobile: it cannot be matched to anyone, and "
    "importing it would create a new person every time."
)

_NO_CHANGES: dict[str, Any] = {}  # shared, never written to

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"
CONFLICT = "conflict"
HELD = "held"
REFUSED = "refused"
SKIPPED = "skipped"  # not a person: an organisation's row or a test lead (Row.skipped)


def _keys_found(
    values: dict[str, Any], owners: dict[tuple[str, str], Target], target: Target | None
) -> tuple[str, ...]:
    """The row's keys that found ``target`` (any stored or earlier person when None)."""
    found = []
    for kind in KEY_FIELDS:
        value = values.get(kind)
        if value and (owner := owners.get((kind, value))) is not None:
            if target is None or owner is target:
                found.append(kind)
    return tuple(found)


CELL_SEPARATOR = "\x1e"


@dataclass(slots=True)
class Row:
    """A cleaned row as the matcher sees it: the person values the file gives (empty cells
    left out), its tags, the file's own cells (for the issue report) and its line."""

    line: int
    values: dict[str, Any]
    tags: list[str] = field(default_factory=list)
    cells: list[str] | str = field(default_factory=list)  # a str: joined by CELL_SEPARATOR
    error: str = ""  # set for a row the cleaner refused
    # (channel, suppression reason, withdraws the channel's consents): imports/optouts.py
    opt_outs: tuple[tuple[str, str, bool], ...] = ()
    skipped: str = ""  # and not a person: rows.ORGANISATION or rows.TEST_LEAD (the error says)
    note: str = ""  # the notes column's text: a note on the person (runner), not a field

    def cell_list(self) -> list[str]:
        """The file's cells of this row (kept joined until an issue needs them)."""
        if isinstance(self.cells, str):
            return self.cells.split(CELL_SEPARATOR)
        return self.cells


@dataclass(slots=True, eq=False)
class Target:
    """A person a key points to: a stored one (``pk``) or one the chunk creates
    (``pk is None``, ``created_by`` the index of the creating decision). ``values`` are the
    person's values as they will be after the rows seen so far; ``None`` for a person an
    earlier chunk of a dry run would create (only a fingerprint is kept)."""

    pk: int | None
    values: dict[str, Any] | None
    visible: bool = True
    created_by: int | None = None
    fingerprint: int | None = None
    # What this run has given the person (lower-cased tag names, the batch's unit, consent
    # channel/purpose pairs) — the database may not show it yet while a chunk is written.
    tags: set[str] = field(default_factory=set)
    joined: bool = False
    consents: set[tuple[str, str]] = field(default_factory=set)
    notes: set[str] | None = None  # the note texts this run gives the person


@dataclass(slots=True)
class Decision:
    kind: str
    row: Row
    target: Target | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    differs: list[str] = field(default_factory=list)
    reason: str = ""
    erased_on: dt.date | None = None  # held: the new person had been erased that day
    # update, unchanged, conflict: the keys (KEY_FIELDS) that found the person (people), for
    # the dry run to tell. Never set for a held row: that would tell about someone unseen.
    matched_by: tuple[str, ...] = ()
    owner: Target | None = None  # conflict by mobile: the mobile's owner (in scope)
    # The membership values this row would set, not applied: the importer is not the
    # secretariat, which reviews them (membership.write_membership_holds).
    membership: dict[str, Any] = field(default_factory=dict)

    @property
    def person_id(self) -> int | None:
        return self.target.pk if self.target is not None else None


def is_empty(value: Any) -> bool:
    return value is None or value == ""


def _same(field_name: str, stored: Any, value: Any) -> bool:
    if stored == value:
        return True
    if field_name in LOOSE_FIELDS and isinstance(stored, str) and isinstance(value, str):
        return " ".join(stored.split()).casefold() == " ".join(value.split()).casefold()
    if isinstance(stored, dt.date) and isinstance(value, str):
        return stored.isoformat() == value
    return False


def _same_by_mobile(values: dict[str, Any], target: Target) -> bool:
    """Whether a row that found ``target`` only by its mobile may be taken as that person
    (aktivist.people.matching). A person an earlier chunk of a dry run would create keeps
    only a fingerprint: it is taken as found (the real run compares its stored values)."""
    stored = target.values
    if stored is None:
        return True
    return same_person_by_mobile(
        typed_first_name=values.get("first_name") or "",
        typed_last_name=values.get("last_name") or "",
        typed_email=values.get("email"),
        stored_first_name=stored.get("first_name") or "",
        stored_last_name=stored.get("last_name") or "",
        stored_email=stored.get("email"),
    )


def fingerprint(values: dict[str, Any]) -> int:
    return hash(tuple(sorted((k, str(v)) for k, v in values.items() if not is_empty(v))))


Lookup = Callable[[dict[str, set[str]]], dict[tuple[str, str], Target]]
ErasedLookup = Callable[[dict[str, set[str]]], dict[tuple[str, str], dt.date]]


def chunk_keys(rows: Iterable[Row]) -> dict[str, set[str]]:
    keys: dict[str, set[str]] = {kind: set() for kind in KEY_FIELDS}
    for row in rows:
        if row.error:
            continue
        for kind in KEY_FIELDS:
            value = row.values.get(kind)
            if value:
                keys[kind].add(value)
    return keys


# --- Matching ------------------------------------------------------------------------------


@dataclass
class Matcher:
    """Matches chunks of rows. ``register`` makes the file authoritative for the membership
    fields (a full export of the membership register). ``remember`` keeps the keys of the
    people that earlier chunks would create, for a dry run that writes nothing (a real run
    finds them in the database). ``recent`` > 0 keeps the people of that many previous
    chunks in memory, for a run whose chunks are written while the next ones are matched:
    their rows may not be committed yet when the next chunk is looked up."""

    lookup: Lookup
    register: bool = False
    # The importer is the secretariat (or a command): the file's membership values apply.
    # Otherwise they are held for review (``Decision.membership``).
    membership: bool = True
    remember: bool = False
    recent: int = 0
    key_filter: KeyFilter | None = None  # told about every key this run gives someone
    today: dt.date = field(default_factory=dt.date.today)
    # Keys of erased people (one query per chunk, for the rows that would create someone;
    # the runs pass ``people.services.erased_identities``); ``tell_erased``: the importer
    # sees everyone, and may be told the day of the erasure.
    erased: ErasedLookup | None = None
    tell_erased: bool = True
    # Dry run: hash of a key -> fingerprint of the person an earlier chunk would create
    # (ints only: a million-row file must not keep a million people in memory).
    _pending: dict[int, int] = field(default_factory=dict)
    _recent: list[tuple[dict[tuple[str, str], Target], dict[int, Target]]] = field(
        default_factory=list
    )
    _erased_now: dict[tuple[str, str], dt.date] = field(default_factory=dict)

    def match(self, rows: Sequence[Row]) -> list[Decision]:
        keys = chunk_keys(rows)
        owners: dict[tuple[str, str], Target] = self.lookup(keys)
        if self._recent:
            self._overlay(owners, keys)
        if self._pending:
            self._pending_owners(rows, owners)
        self._erased_now = self._erased_keys(rows, owners)
        decide = self._decide
        decisions = [decide(row, owners, index) for index, row in enumerate(rows)]
        if self.remember:
            self._remember_created(decisions)
        if self.recent:
            self._remember_recent(decisions)
        if self.key_filter is not None:
            self._tell_key_filter(self.key_filter, decisions)
        return decisions

    def _pending_owners(self, rows: Sequence[Row], owners: dict[tuple[str, str], Target]) -> None:
        """Dry run: the keys of people earlier chunks would create own the rows' keys."""
        refs: dict[int, Target] = {}  # one Target per earlier-created person
        for row in rows:
            for kind in KEY_FIELDS:
                value = row.values.get(kind)
                if value and (kind, value) not in owners:
                    pending = self._pending.get(hash((kind, value)))
                    if pending is not None:
                        ref = refs.get(pending)
                        if ref is None:
                            ref = refs[pending] = Target(pk=None, values=None, fingerprint=pending)
                        owners[(kind, value)] = ref

    def _remember_created(self, decisions: list[Decision]) -> None:
        """Dry run: the keys of the people this chunk would create, for the next chunks."""
        for decision in decisions:
            if decision.kind == CREATE and decision.target is not None:
                values = decision.target.values or {}
                print_ = fingerprint(values)
                for kind in KEY_FIELDS:
                    if values.get(kind):
                        self._pending[hash((kind, values[kind]))] = print_

    @staticmethod
    def _tell_key_filter(key_filter: KeyFilter, decisions: list[Decision]) -> None:
        """The keys this chunk gives people (created or filled) may exist from now on."""
        given: dict[str, list[str]] = {kind: [] for kind in KEY_FIELDS}
        for d in decisions:
            if d.kind == CREATE and d.target is not None and d.target.values is not None:
                source = d.target.values
            elif d.kind == UPDATE and d.changes:
                source = d.changes
            else:
                continue
            for kind in KEY_FIELDS:
                value = source.get(kind)
                if value:
                    given[kind].append(value)
        for kind, given_values in given.items():
            key_filter.add_all(kind, given_values)

    def _erased_keys(
        self, rows: Sequence[Row], owners: dict[tuple[str, str], Target]
    ) -> dict[tuple[str, str], dt.date]:
        """The erased people's keys among the rows that no stored or earlier person owns
        (the rows that would create someone): one query for the chunk."""
        if self.erased is None:
            return {}
        wanted: dict[str, set[str]] = {kind: set() for kind in KEY_FIELDS}
        for row in rows:
            if row.error:
                continue
            given = [(kind, row.values[kind]) for kind in KEY_FIELDS if row.values.get(kind)]
            if given and not any(key in owners for key in given):
                for kind, value in given:
                    wanted[kind].add(value)
        if not any(wanted.values()):
            return {}
        return self.erased(wanted)

    def _remember_recent(self, decisions: list[Decision]) -> None:
        by_key: dict[tuple[str, str], Target] = {}
        by_pk: dict[int, Target] = {}
        for d in decisions:
            target = d.target
            if target is None or d.kind not in (CREATE, UPDATE, UNCHANGED):
                continue
            values = target.values or {}
            for kind in KEY_FIELDS:
                value = values.get(kind)
                if value:
                    by_key[(kind, value)] = target
            if target.pk is not None:
                by_pk[target.pk] = target
        self._recent.append((by_key, by_pk))
        del self._recent[: -self.recent]

    def _overlay(self, owners: dict[tuple[str, str], Target], keys: dict[str, set[str]]) -> None:
        """People of the previous chunks as this run knows them (their rows may still be on
        their way to the database): they replace what the lookup found for them, and own
        their current keys."""
        by_key: dict[tuple[str, str], Target] = {}
        by_pk: dict[int, Target] = {}
        for chunk_by_key, chunk_by_pk in self._recent:  # oldest first: the newest wins
            by_key.update(chunk_by_key)
            by_pk.update(chunk_by_pk)
        for found_key, found in list(owners.items()):
            known = by_pk.get(found.pk)  # type: ignore[arg-type]
            if known is not None:
                owners[found_key] = known
        for kind, values in keys.items():
            for value in values:
                known = by_key.get((kind, value))
                if known is not None:
                    owners[(kind, value)] = known
        for key, owner in list(owners.items()):
            if owner.values is not None and owner.values.get(key[0]) != key[1]:
                del owners[key]  # a key the person no longer has (a register sync changed it)

    def _decide(self, row: Row, owners: dict[tuple[str, str], Target], index: int) -> Decision:
        if row.error:
            return Decision(SKIPPED if row.skipped else REFUSED, row, reason=row.error)
        values = row.values
        number = values.get("member_number")
        email = values.get("email")
        mobile = values.get("mobile")
        if not (number or email or mobile):
            return Decision(REFUSED, row, reason=str(NO_KEY))
        first: Target | None = None
        second: Target | None = None
        first_kind = ""
        for key in (
            ("member_number", number) if number else None,
            ("email", email) if email else None,
            ("mobile", mobile) if mobile else None,
        ):
            if key is None:
                continue
            owner = owners.get(key)
            if owner is None or owner is first or owner is second:
                continue
            if first is None:
                first, first_kind = owner, key[0]
            elif second is None:
                second = owner
            if not owner.visible:
                # Outside the importer's scope: say nothing about whom, or whether the keys
                # disagree (that too would tell something about someone they may not see).
                return Decision(HELD, row, target=owner, reason=_HELD_REASON())
        if second is not None:
            if not first.visible:  # type: ignore[union-attr]
                return Decision(HELD, row, target=first, reason=_HELD_REASON())
            return Decision(
                CONFLICT,
                row,
                reason=_CONFLICT_REASON(),
                matched_by=_keys_found(values, owners, None),
            )
        if first is None:
            return self._create(row, owners, index)
        if not first.visible:
            return Decision(HELD, row, target=first, reason=_HELD_REASON())
        matched_by = _keys_found(values, owners, first)
        if first_kind == "mobile" and not _same_by_mobile(values, first):
            # The dry run shows how the mobile's owner's (in scope) name and email differ.
            return Decision(
                CONFLICT, row, reason=_MOBILE_CONFLICT_REASON(), matched_by=matched_by, owner=first
            )
        decision = self._update(row, first, owners)
        decision.matched_by = matched_by
        return decision

    def _create(self, row: Row, owners: dict[tuple[str, str], Target], index: int) -> Decision:
        values = row.values  # the new person's values (empty cells are not in it)
        if self.register:
            values.setdefault("membership_status", Person.MembershipStatus.MEMBER)
            if values["membership_status"] == Person.MembershipStatus.MEMBER:
                values.pop("membership_ended_on", None)
            elif values["membership_status"] == Person.MembershipStatus.FORMER:
                values.setdefault("membership_ended_on", self.today)
        if self._erased_now:
            days = [
                day
                for kind in KEY_FIELDS
                if values.get(kind)
                and (day := self._erased_now.get((kind, values[kind]))) is not None
            ]
            if days:
                erased_on = max(days)
                reason = erased_hold_message(erased_on) if self.tell_erased else _HELD_REASON()
                return Decision(HELD, row, reason=reason, erased_on=erased_on)
        if not values.get("first_name"):
            return Decision(REFUSED, row, reason=_("A new person needs a first name."))
        held: dict[str, Any] = {}
        if not self.membership and not self.register:
            # Not the secretariat: a non-member, the membership values held for review.
            held = {
                name: values[name]
                for name in MEMBERSHIP_FIELDS
                if name in values
                and not (
                    name == "membership_status"
                    and values[name] == Person.MembershipStatus.NON_MEMBER
                )
            }
            values = {k: v for k, v in values.items() if k not in MEMBERSHIP_FIELDS}
            if not (values.get("email") or values.get("mobile")):
                return Decision(REFUSED, row, reason=_ONLY_MEMBER_NUMBER_REASON())
        target = Target(pk=None, values=values, created_by=index)
        for kind in KEY_FIELDS:
            value = values.get(kind)
            if value:
                owners[(kind, value)] = target
        return Decision(CREATE, row, target=target, membership=held)

    def _update(self, row: Row, target: Target, owners: dict[tuple[str, str], Target]) -> Decision:
        if target.values is None:
            # A person an earlier chunk of this dry run would create: only its fingerprint
            # is known.
            same = fingerprint(row.values) == target.fingerprint
            return Decision(UNCHANGED if same else UPDATE, row, target=target)
        stored = target.values
        register_values, held = self._membership_of(row, stored)
        changes, differs = self._fills(row.values, stored, register_values, held)
        if changes:
            for kind in KEY_FIELDS:
                if kind in changes:
                    old = stored.get(kind)
                    if old and owners.get((kind, old)) is target:
                        del owners[(kind, old)]
                    owners[(kind, changes[kind])] = target
            stored.update(changes)
            return Decision(UPDATE, row, target, changes, differs, membership=held)
        return Decision(UNCHANGED, row, target, _NO_CHANGES, differs, membership=held)

    def _membership_of(
        self, row: Row, stored: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """(the membership values the row sets, the ones held for review). A register sync
        sets its own; the secretariat's import applies the row's membership values; anyone
        else's holds them for review. Either way the ordinary fill-and-report rules do not
        touch them."""
        if self.register:
            return self._register_values(row, stored), {}
        register_values = self.membership_values(row.values, stored, self.today)
        if self.membership:
            return register_values, {}
        held = {
            name: value
            for name, value in register_values.items()
            if not _same(name, stored.get(name), value)
        }
        return {}, held

    def _fills(
        self,
        given: dict[str, Any],
        stored: dict[str, Any],
        register_values: dict[str, Any] | None,
        held: dict[str, Any],
    ) -> tuple[dict[str, Any], list[str]]:
        """(the fields the row fills, the fields whose values differ from the stored ones):
        empty stored fields are filled, others reported; the membership values set."""
        changes: dict[str, Any] = {}
        differs: list[str] = []
        for name, value in given.items():  # the row's non-empty values only
            if held and name in held:
                continue
            current = stored.get(name)
            if current == value or (register_values is not None and name in register_values):
                continue
            if current is None or current == "":
                if name in NEVER_EMPTY:
                    differs.append(name)
                elif not self.membership and name in MEMBERSHIP_FIELDS:
                    continue  # never filled by anyone but the secretariat
                else:
                    changes[name] = value
            elif not _same(name, current, value):
                differs.append(name)
        if register_values is not None:
            for name, value in register_values.items():
                if not _same(name, stored.get(name), value):
                    changes[name] = value
        return changes, differs

    @staticmethod
    def membership_values(
        given: dict[str, Any], stored: dict[str, Any], today: dt.date
    ) -> dict[str, Any]:
        """What the secretariat's ordinary import sets of a person's membership fields,
        from what the row gives (the applier of a held membership uses the same rules):
        "member" makes a member with no end date; "former" a former member ended on the
        given date, else the stored one, else today; "non-member" never erases a membership
        (it is reported as differing). A member-since date is taken as given; an end date
        for someone who is not a member; a member number only where there is none (a
        different one is reported)."""
        member = Person.MembershipStatus.MEMBER
        former = Person.MembershipStatus.FORMER
        values: dict[str, Any] = {}
        status = given.get("membership_status")
        ended = given.get("membership_ended_on")
        if status == member:
            values["membership_status"] = member
            values["membership_ended_on"] = None
        elif status == former:
            values["membership_status"] = former
            values["membership_ended_on"] = ended or stored.get("membership_ended_on") or today
        elif ended and stored.get("membership_status") != member:
            values["membership_ended_on"] = ended
        if given.get("member_since"):
            values["member_since"] = given["member_since"]
        if given.get("member_number") and is_empty(stored.get("member_number")):
            values["member_number"] = given["member_number"]
        return values

    def _register_values(self, row: Row, stored: dict[str, Any]) -> dict[str, Any]:
        """What a full register export says about the membership fields."""
        member = Person.MembershipStatus.MEMBER
        values: dict[str, Any] = {}
        status = row.values.get("membership_status") or member
        values["membership_status"] = status
        if row.values.get("member_number"):
            values["member_number"] = row.values["member_number"]
        if row.values.get("member_since"):
            values["member_since"] = row.values["member_since"]
        ended = row.values.get("membership_ended_on")
        if status == member:
            values["membership_ended_on"] = None
        elif ended:
            values["membership_ended_on"] = ended
        elif status == Person.MembershipStatus.FORMER and not stored.get("membership_ended_on"):
            values["membership_ended_on"] = self.today
        return values
