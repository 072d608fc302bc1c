"""The audit of reads: every page, list, preview and export that shows a person writes one
``AuditEvent`` per person shown, inside the request that shows them.

``record_reads(actor=…, verb=…, person_ids=…)`` is the one call a view makes:

* **One bulk INSERT, inside the request.** A list of ids is checked against the recent rows
  in one indexed query and written with one ``bulk_create`` (at most two queries per list
  read); a queryset (an export) becomes one ``INSERT … SELECT``, however many people it
  holds. Never after the response, never in a task: a read whose record could be lost is a
  read that can go unaudited.
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
from django.db import connections
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from aktivist.core.models import AuditEvent

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
REVIEW_READ = "review.read"  # the review queue's held requests
AUDIT_PERSON_SEARCH = "audit.person_search"  # the audit viewer's "who saw her?" search
AUDIT_PERSON_READ = "audit.person_read"  # the audit trail of one person
# One row per person in an exported file (each export also writes its own summary event,
# e.g. ``people.export`` with the count). Never folded.
EXPORT = "people.export"
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
    REVIEW_READ,
    AUDIT_PERSON_SEARCH,
    AUDIT_PERSON_READ,
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
    from aktivist.lib.normalise import normalise_phone

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
    from aktivist.lib.normalise import normalise_email, normalise_name, normalise_phone

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
    anonymous visitor, an inactive account and the board viewer, who sees no people."""
    from aktivist.accounts.models import User

    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    if not getattr(actor, "is_active", True):
        return None
    if getattr(actor, "access_role", None) == User.AccessRole.BOARD:
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
    ``people.person``, ``person_id`` set), in one INSERT, leaving out those recorded for the
    same actor and verb within ``AUDIT_READ_DEDUPE_MINUTES`` (exports excepted).

    ``person_ids``: ids (None is skipped), or a queryset of people or of rows with a
    ``person_id`` (an export: written with one ``INSERT … SELECT``). ``details``: ids and
    words, never personal values. ``search``: the text the list was searched with — it is
    recorded as its kind and keyed hash, on every row and on one ``people.search`` row of its
    own (also written when the search found no one). Returns the number of rows written."""
    actor_id = _actor_id(actor)
    if actor_id is None:
        return 0
    details = dict(details or {})
    found = search_details(search) if search else None
    now = timezone.now()
    since = (
        None
        if verb in NEVER_FOLDED
        else now - datetime.timedelta(minutes=settings.AUDIT_READ_DEDUPE_MINUTES)
    )
    row_details = {**details, "search": found} if found else details
    if isinstance(person_ids, QuerySet):
        written = _insert_select(
            actor_id=actor_id, verb=verb, queryset=person_ids, details=row_details, since=since
        )
        if found:
            written += _insert_rows(
                actor_id=actor_id,
                verb=verb,
                ids=[],
                details={**details, "shown": written},
                found=found,
                since=since,
            )
        return written
    return _insert_rows(
        actor_id=actor_id,
        verb=verb,
        ids=_unique_ids(person_ids),
        details=details,
        found=found,
        since=since,
    )


def _insert_rows(
    *,
    actor_id: int,
    verb: str,
    ids: list[int],
    details: dict[str, Any],
    found: dict[str, str] | None,
    since: datetime.datetime | None,
) -> int:
    """One query for what is already recorded, one bulk INSERT for the rest."""
    if not ids and found is None:
        return 0
    search_recorded = False
    if since is not None:
        recent = Q(verb=verb, person_id__in=ids) if ids else Q(pk__in=[])
        if found is not None:
            recent |= Q(verb=SEARCH, object_type=SEARCH_OBJECT, object_id=found["hash"])
        recorded = set()
        for person_id, object_type in (
            AuditEvent.objects.filter(recent, actor_id=actor_id, created_at__gte=since)
            .order_by()
            .values_list("person_id", "object_type")
        ):
            if object_type == SEARCH_OBJECT:
                search_recorded = True
            else:
                recorded.add(person_id)
        ids = [pid for pid in ids if pid not in recorded]
    row_details = {**details, "search": found} if found else details
    rows = [
        AuditEvent(
            actor_id=actor_id,
            verb=verb,
            object_type=PERSON_OBJECT,
            object_id=str(pid),
            person_id=pid,
            details=row_details,
        )
        for pid in ids
    ]
    if found is not None and not search_recorded:
        rows.append(
            AuditEvent(
                actor_id=actor_id,
                verb=SEARCH,
                object_type=SEARCH_OBJECT,
                object_id=found["hash"],
                details={"shown": len(ids), **details, **found, "in": verb},
            )
        )
    if rows:
        AuditEvent.objects.bulk_create(rows)
    return len(rows)


def _insert_select(
    *,
    actor_id: int,
    verb: str,
    queryset: QuerySet[Any],
    details: dict[str, Any],
    since: datetime.datetime | None,
) -> int:
    """``INSERT INTO core_auditevent … SELECT`` the queryset's people: one statement, set-based,
    for any number of people (an export of the whole scope)."""
    column = "pk" if queryset.model._meta.label_lower == PERSON_OBJECT else "person_id"
    ids = queryset if queryset.query.is_sliced else queryset.order_by()
    ids = ids.annotate(audit_pid=F(column)).filter(audit_pid__isnull=False)
    ids = ids.values_list("audit_pid", flat=True).distinct()
    connection = connections[queryset.db]
    sub_sql, sub_params = ids.query.get_compiler(connection=connection).as_sql()
    qn = connection.ops.quote_name
    table = qn(AuditEvent._meta.db_table)
    columns = ", ".join(
        qn(c)
        for c in (
            "created_at",
            "actor_id",
            "verb",
            "object_type",
            "object_id",
            "person_id",
            "details",
        )
    )
    json = AuditEvent._meta.get_field("details").get_db_prep_save(details, connection)
    created = connection.ops.adapt_datetimefield_value(timezone.now())
    pg = connection.vendor == "postgresql"
    stamp = "CAST(%s AS timestamp with time zone)" if pg else "%s"
    # Identifiers come from the model and Django's own compiler; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608
        f"SELECT {stamp}, %s, %s, %s, CAST(sub.audit_pid AS VARCHAR(64)), sub.audit_pid, "
        f"{'CAST(%s AS jsonb)' if pg else '%s'} "
        f"FROM ({sub_sql}) sub"
    )
    params: list[Any] = [created, actor_id, verb, PERSON_OBJECT, json, *sub_params]
    if since is not None:
        sql += (
            f" WHERE NOT EXISTS (SELECT 1 FROM {table} seen WHERE seen.actor_id = %s"  # noqa: S608
            f" AND seen.verb = %s AND seen.person_id = sub.audit_pid"
            f" AND seen.created_at >= {stamp})"
        )
        params += [actor_id, verb, connection.ops.adapt_datetimefield_value(since)]
    with connection.cursor() as cursor:
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
