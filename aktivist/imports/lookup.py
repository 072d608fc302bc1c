"""The bulk lookup of a chunk's keys (``matcher.Matcher.lookup``): ``StoredPeople`` finds the
stored people that own a chunk's member numbers, emails and mobiles in a few statements per
chunk, never one per row; ``KeyFilter`` lets a large import skip keys that cannot exist.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import DatabaseError, connection
from django.db.models import QuerySet

from aktivist.imports.matcher import (
    KEY_FIELDS,
    PERSON_FIELDS,
    Decision,
    Matcher,
    Row,
    Target,
)
from aktivist.imports.selectors import importer_scope
from aktivist.people.models import Person
from aktivist.people.services import erased_identities

STORED_FIELDS = (*PERSON_FIELDS, "source")  # what the matcher reads of a stored person
_COLUMNS = ("id", *STORED_FIELDS, "is_active")
_SEPARATOR = "\x1f"  # the ASCII unit separator: never part of a cleaned key


class KeyFilter:
    """Which keys may exist: a one-hash Bloom filter (16 MiB, a false positive for a few
    per cent of keys at ten million stored keys, never a false negative). A large import
    loads every stored key once and adds the keys it gives people as it goes, so the
    lookups ask the database only about keys that may be there — a file of new people costs
    almost no index probes. A key written meanwhile by someone else is caught by the unique
    indexes (the runner then resumes the chunk with a fresh filter)."""

    BITS = 1 << 27
    _SALT = {"member_number": 0x9E3779B1, "email": 0x85EBCA77, "mobile": 0xC2B2AE3D}

    def __init__(self) -> None:
        self.bits = bytearray(self.BITS >> 3)
        self.size = 0

    def _slot(self, kind: str, value: str) -> int:
        return (hash(value) ^ self._SALT[kind]) & (self.BITS - 1)

    def add(self, kind: str, value: str) -> None:
        slot = self._slot(kind, value)
        self.bits[slot >> 3] |= 1 << (slot & 7)
        self.size += 1

    def add_all(self, kind: str, values: Iterable[str]) -> None:
        bits, salt, mask = self.bits, self._SALT[kind], self.BITS - 1
        n = 0
        for value in values:
            slot = (hash(value) ^ salt) & mask
            bits[slot >> 3] |= 1 << (slot & 7)
            n += 1
        self.size += n

    def may_exist(self, kind: str, value: str) -> bool:
        slot = self._slot(kind, value)
        return bool(self.bits[slot >> 3] >> (slot & 7) & 1)

    def maybe_stored(self, kind: str, values: Iterable[str]) -> set[str]:
        """The values that may be stored (all that are, and a few that are not)."""
        bits, salt, mask = self.bits, self._SALT[kind], self.BITS - 1
        out = set()
        for value in values:
            slot = (hash(value) ^ salt) & mask
            if bits[slot >> 3] >> (slot & 7) & 1:
                out.add(value)
        return out

    @classmethod
    def from_database(cls) -> KeyFilter:
        key_filter = cls()
        for kind in KEY_FIELDS:
            stored = (
                Person.objects.filter(**{f"{kind}__isnull": False})
                .order_by()
                .values_list(kind, flat=True)
            )
            key_filter.add_all(kind, stored.iterator(chunk_size=50_000))
        return key_filter


class StoredPeople:
    """Looks a chunk's keys up in the database: one query per key kind for the ids, one for
    the matched people's values, and for a scoped importer one for which of them they may
    see. ``scope`` is a queryset of the people the importer may see, or None (everyone).
    With a ``key_filter`` only keys that may exist are looked up."""

    def __init__(
        self, *, scope: QuerySet[Person] | None, key_filter: KeyFilter | None = None
    ) -> None:
        self.scope = scope
        self.key_filter = key_filter
        self.queries = 0

    def lookup(self, keys: dict[str, set[str]]) -> dict[tuple[str, str], Target]:
        if self.key_filter is not None:
            may_exist = self.key_filter.may_exist
            keys = {
                kind: {v for v in values if may_exist(kind, v)} for kind, values in keys.items()
            }
        if not any(keys.values()):
            return {}
        if connection.vendor == "postgresql":
            rows = self._fetch_postgres(keys)
        else:
            rows = self._fetch_orm(keys)
        if not rows:
            return {}
        visible: set[int] | None = None
        if self.scope is not None:
            visible = set(
                self.scope.filter(pk__in=[row[0] for row in rows]).values_list("pk", flat=True)
            )
            self.queries += 1
        found: dict[tuple[str, str], Target] = {}
        key_positions = [(kind, _COLUMNS.index(kind)) for kind in KEY_FIELDS]
        for row in rows:
            pk, active = row[0], row[-1]
            target = Target(
                pk=pk,
                values=dict(zip(STORED_FIELDS, row[1:-1], strict=True)),
                # An erased person (a tombstone) is seen by no importer: its keys are blank
                # anyway, this only guards a half-erased row.
                visible=bool(active) and (visible is None or pk in visible),
            )
            for kind, position in key_positions:
                value = row[position]
                if value and value in keys[kind]:
                    found[(kind, value)] = target
        return found

    def _fetch_postgres(self, keys: dict[str, set[str]]) -> list[tuple[Any, ...]]:
        """One statement: the three keys as arrays (a bitmap OR of the three unique
        indexes), the people with all the values the matcher compares."""
        quote = connection.ops.quote_name
        conditions = []
        params: list[Any] = []
        for kind in KEY_FIELDS:
            values = keys.get(kind)
            if not values:
                continue
            if any(_SEPARATOR in value for value in values):
                conditions.append(f"{quote(kind)} = ANY(%s::text[])")
                params.append(list(values))
            else:
                # One text parameter split by the server: cheaper to send than an array
                # of thousands of strings (psycopg builds arrays in Python).
                conditions.append(f"{quote(kind)} = ANY(string_to_array(%s, %s))")
                params += [_SEPARATOR.join(values), _SEPARATOR]
        sql = "SELECT {} FROM {} WHERE {}".format(  # noqa: S608 - names quoted, values bound
            ", ".join(quote(c) for c in _COLUMNS),
            quote(Person._meta.db_table),
            " OR ".join(conditions),
        )
        self.queries += 1
        return indexed_fetch(sql, params)

    def _fetch_orm(self, keys: dict[str, set[str]]) -> list[tuple[Any, ...]]:
        """One query per key kind for the ids, one for the values."""
        pks: set[int] = set()
        for kind in KEY_FIELDS:
            wanted = keys.get(kind)
            if wanted:
                pks.update(
                    Person.objects.filter(**{f"{kind}__in": list(wanted)}).values_list(
                        "pk", flat=True
                    )
                )
                self.queries += 1
        if not pks:
            return []
        self.queries += 1
        return list(Person.objects.filter(pk__in=pks).values_list(*_COLUMNS))


def indexed_fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run a key lookup on PostgreSQL with index scans only. A chunk looks up thousands of
    keys among possibly millions of rows: one index probe each. Without statistics (a table
    that an import has just filled) the planner may choose to scan the whole table instead,
    once per chunk."""
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute(sql, params)
            return cursor.fetchall()
        finally:
            with contextlib.suppress(DatabaseError):
                cursor.execute("RESET enable_seqscan")


def match_rows(
    rows: Sequence[Row],
    *,
    viewer: Any,
    register: bool = False,
) -> list[Decision]:
    """Match one chunk as ``viewer`` (their scope decides what is held for review)."""
    scope = importer_scope(viewer)
    return Matcher(
        lookup=StoredPeople(scope=scope).lookup,
        register=register,
        membership=scope is None,
        erased=erased_identities,
        tell_erased=scope is None,
    ).match(rows)
