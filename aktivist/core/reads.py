"""The audit of reads: every page, list, preview and export that shows a person writes one
``AuditEvent`` per person shown, inside the request that shows them.

``record_reads(actor=…, verb=…, person_ids=…)`` is the one call a view makes:

* **One INSERT, inside the request.** The rows are written by one ``INSERT … SELECT``
  whose ``NOT EXISTS`` leaves out what is already recorded (an indexed look-up): one query
  per list read, whether it writes fifty rows or none. A queryset (an export) is selected
  into the trail the same way, however many people it holds. Never after the response,
  never in a task: a read whose record could be lost is a read that can go unaudited.
* **Once per ten minutes.** The same account reading the same person with the same verb
  within ``AUDIT_READ_DEDUPE_MINUTES`` (10) is not written again, so paging back and forth
  or an htmx list that re-renders does not flood the trail. Exports are never folded: each
  file is a new copy.
* **Searches leave a kind and a keyed hash, never the text.** The kind (name, email, phone,
  member number) is decided from the text the way the people search decides
  (``people/selectors.search_q``); the hash is HMAC-SHA256 with ``PRIVACY_HASH_KEY`` over
  the normalised text, so the audit viewer can answer "who searched for this address?"
  without the trail holding any address.
* **Nobody, nothing.** A system actor (None), an anonymous visitor and the board viewer
  (who see no people) write nothing.

``record_shown(rows, …)`` records the people of rows that are about to be shown and returns
the rows, so that a view's context can wrap its list in one expression.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections.abc import Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections, router
from django.db.models import F, QuerySet
from django.utils import timezone

from aktivist.core.models import AuditEvent
from aktivist.lib.normalise import normalise_email, normalise_name, normalise_phone

T = TypeVar("T")

PERSON_OBJECT = "people.person"
SEARCH_OBJECT = "search"

# Verbs of reads (what the audit viewer calls "reads").
PERSON_READ = "person.read"  # a person's page
PEOPLE_LIST = "people.list_read"  # the people list and its search
REGISTRATIONS_READ = "registrations.read"  # an event's registrations
CHECKIN_READ = "checkin.read"  # an event's check-in list and its search
ADD_SEARCH = "registrations.add_search"  # "sign someone up": the search's results
SEGMENT_PREVIEW = "segment.preview"  # a segment's sample
PREVIEW_AS = "message.preview_as"  # a message previewed as a recipient
UNIT_READ = "unit.people_read"  # a unit's members, roles and contact person
SCHOOLS_READ = "schools.read"  # the school groups' contact people
ALUMNI_READ = "alumni.read"  # the alumni list
START_READ = "start.read"  # the start page's follow-ups and recent people
PARTICIPANTS_READ = "participants.read"  # an action's participants
DUPLICATES_READ = "duplicates.read"  # the duplicate queue and a pair side by side
IMPORT_DRY_RUN_READ = "imports.dry_run_read"  # matched people's stored values in a dry run
REVIEW_READ = "review.read"  # the review queue's held requests
AUDIT_PERSON_SEARCH = "audit.person_search"  # the audit viewer's "who saw her?" search
AUDIT_PERSON_READ = "audit.person_read"  # the audit trail of one person
SENT_MESSAGES_READ = "sent_messages.read"  # messages kept outside production, to their address
# One row per person in an exported file (each export also writes its own summary event
# with the count, e.g. ``people.export``, named in the rows' details). Never folded.
EXPORT = "person.exported"
# One row per search, not per person: the kind and the keyed hash of what was searched.
SEARCH = "people.search"

READ_VERBS = (
    PERSON_READ,
    PEOPLE_LIST,
    REGISTRATIONS_READ,
    CHECKIN_READ,
    ADD_SEARCH,
    SEGMENT_PREVIEW,
    PREVIEW_AS,
    UNIT_READ,
    SCHOOLS_READ,
    ALUMNI_READ,
    START_READ,
    PARTICIPANTS_READ,
    DUPLICATES_READ,
    IMPORT_DRY_RUN_READ,
    REVIEW_READ,
    AUDIT_PERSON_SEARCH,
    AUDIT_PERSON_READ,
    SENT_MESSAGES_READ,
)
NEVER_FOLDED = frozenset({EXPORT})

# Kinds of search text.
NAME, EMAIL, PHONE, MEMBER_NUMBER = "name", "email", "phone", "member_number"
SEARCH_KINDS = (NAME, EMAIL, PHONE, MEMBER_NUMBER)
_PHONE_CHARS = frozenset("0123456789+-() ")


# --- Search texts: a kind and a keyed hash ---------------------------------------------------


def search_kind(text: str) -> str | None:
    """What the people search takes the text for (``people/selectors.search_q``): an email
    when it holds "@"; a phone number when it is digits (and phone signs) that make a valid
    number, else a member number; otherwise a name. None for an empty text."""
    text = " ".join(text.split())
    if not text:
        return None
    if "@" in text:
        return EMAIL
    if set(text) <= _PHONE_CHARS and any(ch.isdigit() for ch in text):
        return PHONE if normalise_phone(text) else MEMBER_NUMBER
    return NAME


def normalised_search(kind: str, text: str) -> str:
    """The text as the search compares it: an email lower-cased, a phone number in E.164, a
    member number without spaces, a name lower-cased with single spaces."""
    text = " ".join(text.split())
    if kind == EMAIL:
        return normalise_email(text) or ""
    if kind == PHONE:
        return normalise_phone(text) or text.replace(" ", "")
    if kind == MEMBER_NUMBER:
        return text.replace(" ", "")
    return normalise_name(text)


def search_digest(kind: str, text: str) -> str:
    """HMAC-SHA256 (``PRIVACY_HASH_KEY``, never ``SECRET_KEY``) of the normalised text, as
    64 hex digits. The kind is part of the message: the same string searched as a name and
    as a member number gives two hashes."""
    key = settings.PRIVACY_HASH_KEY.encode()
    message = f"audit-search:{kind}:{normalised_search(kind, text)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def search_details(text: str) -> dict[str, str] | None:
    """``{"kind": …, "hash": …}`` for a search text, None for an empty one."""
    kind = search_kind(text)
    if kind is None:
        return None
    return {"kind": kind, "hash": search_digest(kind, text)}


def digests_of_person(person: Any) -> list[str]:
    """The hashes a search for this person would have left: by full name, last name, email,
    mobile, other phone and member number (what the audit viewer matches "who searched for
    her?" against)."""
    texts: list[tuple[str, str]] = []
    full_name = " ".join(p for p in (person.first_name, person.last_name) if p)
    for name in {full_name, person.last_name or "", person.first_name or ""}:
        if name.strip():
            texts.append((NAME, name))
    if person.email:
        texts.append((EMAIL, person.email))
    for phone in (person.mobile, person.other_phone):
        if phone:
            texts.append((PHONE, phone))
    if person.member_number:
        texts.append((MEMBER_NUMBER, person.member_number))
    return sorted({search_digest(kind, text) for kind, text in texts})


# --- Recording ---------------------------------------------------------------------------------


def _actor_id(actor: Any) -> int | None:
    """The account whose reads are recorded; None (record nothing) for a system actor, an
    anonymous visitor, an inactive account and the board viewer, who sees no people (the
    account says so: ``User.records_reads``)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    if not getattr(actor, "is_active", True):
        return None
    if not getattr(actor, "records_reads", True):
        return None
    return int(actor.pk)


def _unique_ids(person_ids: Iterable[Any]) -> list[int]:
    seen: dict[int, None] = {}
    for value in person_ids:
        if value is not None:
            seen.setdefault(int(value), None)
    return list(seen)


def record_reads(
    *,
    actor: Any,
    verb: str,
    person_ids: Iterable[Any] | QuerySet[Any],
    details: dict[str, Any] | None = None,
    search: str = "",
) -> int:
    """Record that ``actor`` was shown these people: one row per person (object
    ``people.person``, ``person_id`` set), leaving out those recorded for the same actor and
    verb within ``AUDIT_READ_DEDUPE_MINUTES`` (exports excepted) — in one ``INSERT … SELECT``
    that checks and writes at once (one query per list read, written or not).

    ``person_ids``: ids (None is skipped), or a queryset of people or of rows with a
    ``person_id`` (an export, however large). ``details``: ids and words, never personal
    values. ``search``: the text the list was searched with — recorded as its kind and keyed
    hash, on every row and on one ``people.search`` row of its own (also written when the
    search found no one; folded like the rows). Returns the number of rows written."""
    actor_id = _actor_id(actor)
    if actor_id is None:
        return 0
    details = dict(details or {})
    found = search_details(search) if search else None
    since = (
        None
        if verb in NEVER_FOLDED
        else timezone.now() - datetime.timedelta(minutes=settings.AUDIT_READ_DEDUPE_MINUTES)
    )
    insert = _Insert(actor_id=actor_id, verb=verb, since=since)
    row_details = {**details, "search": found} if found else details
    if isinstance(person_ids, QuerySet):
        written = insert.run(insert.people_of_queryset(person_ids, row_details))
        if found is not None:
            written += insert.run(insert.search_row(found, {**details, "shown": written}))
        return written
    ids = _unique_ids(person_ids)
    written = 0
    for start in range(0, max(len(ids), 1), IDS_PER_STATEMENT):
        parts = []
        chunk = ids[start : start + IDS_PER_STATEMENT]
        if chunk:
            parts.append(insert.people_of_ids(chunk, row_details))
        if found is not None and start == 0:
            parts.append(insert.search_row(found, {**details, "shown": len(ids)}))
        written += insert.run(*parts)
    return written


# One statement names at most this many ids (SQLite allows 32,766 parameters).
IDS_PER_STATEMENT = 2000

_COLUMNS = ("created_at", "actor_id", "verb", "object_type", "object_id", "person_id", "details")


class _Insert:
    """``INSERT INTO core_auditevent … SELECT …`` with the folding as ``NOT EXISTS``: each
    part is a SELECT of rows to write; ``run`` joins them with UNION ALL into one statement.
    Identifiers come from the model and Django's compiler; every value is a parameter."""

    def __init__(self, *, actor_id: int, verb: str, since: datetime.datetime | None) -> None:
        self.connection = connections[router.db_for_write(AuditEvent)]
        ops = self.connection.ops
        self.actor_id, self.verb, self.since = actor_id, verb, since
        self.table = ops.quote_name(AuditEvent._meta.db_table)
        pg = self.connection.vendor == "postgresql"
        self.stamp = "CAST(%s AS timestamp with time zone)" if pg else "%s"
        self.json = "CAST(%s AS jsonb)" if pg else "%s"
        self.now = ops.adapt_datetimefield_value(timezone.now())
        self.since_value = ops.adapt_datetimefield_value(since) if since else None

    def _json(self, details: dict[str, Any]) -> Any:
        field = AuditEvent._meta.get_field("details")
        return field.get_db_prep_save(details, self.connection)

    def _not_recorded(self, condition: str) -> tuple[str, list[Any]]:
        if self.since is None:
            return "", []
        sql = (
            f" NOT EXISTS (SELECT 1 FROM {self.table} seen"  # noqa: S608
            f" WHERE seen.actor_id = %s AND {condition} AND seen.created_at >= {self.stamp})"
        )
        return sql, [self.actor_id, self.since_value]

    def _people(
        self, source: str, source_params: list[Any], pid: str, details: dict[str, Any]
    ) -> tuple[str, list[Any]]:
        select = f"SELECT {self.stamp}, %s, %s, %s, CAST({pid} AS VARCHAR(64)), {pid}, {self.json}"
        sql = f"{select} FROM {source}"
        params = [self.now, self.actor_id, self.verb, PERSON_OBJECT, self._json(details)]
        params += source_params
        where, where_params = self._not_recorded(f"seen.verb = %s AND seen.person_id = {pid}")
        if where:
            sql += f" WHERE{where}"
            params += [where_params[0], self.verb, where_params[1]]
        return sql, params

    def people_of_ids(self, ids: list[int], details: dict[str, Any]) -> tuple[str, list[Any]]:
        values = ", ".join(["(%s)"] * len(ids))
        return self._people(f"(VALUES {values}) ids", list(ids), "ids.column1", details)

    def people_of_queryset(
        self, queryset: QuerySet[Any], details: dict[str, Any]
    ) -> tuple[str, list[Any]]:
        column = "pk" if queryset.model._meta.label_lower == PERSON_OBJECT else "person_id"
        ids = queryset if queryset.query.is_sliced else queryset.order_by()
        ids = ids.annotate(audit_pid=F(column)).filter(audit_pid__isnull=False)
        ids = ids.values_list("audit_pid", flat=True).distinct()
        sub_sql, sub_params = ids.query.get_compiler(connection=self.connection).as_sql()
        return self._people(f"({sub_sql}) sub", list(sub_params), "sub.audit_pid", details)

    def search_row(self, found: dict[str, str], details: dict[str, Any]) -> tuple[str, list[Any]]:
        sql = f"SELECT {self.stamp}, %s, %s, %s, %s, NULL, {self.json}"
        params = [
            self.now,
            self.actor_id,
            SEARCH,
            SEARCH_OBJECT,
            found["hash"],
            self._json({**details, **found, "in": self.verb}),
        ]
        where, where_params = self._not_recorded("seen.verb = %s AND seen.object_id = %s")
        if where:
            sql += f" WHERE{where}"
            params += [where_params[0], SEARCH, found["hash"], where_params[1]]
        return sql, params

    def run(self, *parts: tuple[str, list[Any]]) -> int:
        if not parts:
            return 0
        qn = self.connection.ops.quote_name
        columns = ", ".join(qn(c) for c in _COLUMNS)
        sql = f"INSERT INTO {self.table} ({columns}) " + " UNION ALL ".join(
            part for part, _params in parts
        )
        params = [value for _part, part_params in parts for value in part_params]
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return max(cursor.rowcount, 0)


def person_ids_in(rows: Iterable[Any]) -> list[int]:
    """The people of rows about to be shown: a person's own id, else the row's
    ``person_id`` (a registration, participation, membership, role …); ``None`` skipped."""
    ids = []
    for row in rows:
        if getattr(row, "_meta", None) is not None and row._meta.label_lower == PERSON_OBJECT:
            ids.append(row.pk)
        else:
            ids.append(getattr(row, "person_id", None))
    return [pid for pid in ids if pid is not None]


def record_shown(
    rows: T,
    *,
    actor: Any,
    verb: str,
    details: dict[str, Any] | None = None,
    search: str = "",
) -> T:
    """Record the people of ``rows`` (a list, or an evaluated-on-the-spot queryset whose
    cache the page then uses) as read, and return ``rows`` unchanged."""
    if isinstance(rows, QuerySet):
        list(rows)  # fills the queryset's cache: the template does not query again
    record_reads(
        actor=actor,
        verb=verb,
        person_ids=person_ids_in(rows),  # type: ignore[arg-type]
        details=details,
        search=search,
    )
    return rows
