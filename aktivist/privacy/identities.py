"""The keyed suppression of erased identities.

When a person is erased, the keyed hash (HMAC-SHA256 with ``settings.PRIVACY_HASH_KEY``,
never ``SECRET_KEY``) of their normalised email, mobile and member number is kept as an
``ErasedIdentity`` with the day of the erasure, and nothing else. A later staff create or
import of that person is then held for the secretariat's review ("erased on <date>")
instead of bringing them back unnoticed (``people.services.person_create``,
``imports.matcher``). Without the key the hashes name no one; with it they can only be
compared with an address someone types again.

A public signature by the person herself (action page, event sign-up, the channels' JSON
endpoint) is a new basis: it creates a new person as for anyone unknown, and is never
checked here.

Only keys that no live person holds are checked: an address that somebody (the person who
signed again, say) holds now is matched to them as usual.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import connection

from aktivist.core.exceptions import ApplicationError
from aktivist.lib.normalise import normalise_email
from aktivist.people.services import DuplicatePersonError, person_create
from aktivist.privacy.models import ErasedIdentity

KINDS = (
    ErasedIdentity.Kind.EMAIL.value,
    ErasedIdentity.Kind.MOBILE.value,
    ErasedIdentity.Kind.MEMBER_NUMBER.value,
)


def normalised(kind: str, value: Any) -> str:
    """The value as it is stored on a person (email lower-cased, mobile in E.164 as the
    services and the import cleaner store it, member number trimmed)."""
    text = "" if value is None else str(value)
    if kind == ErasedIdentity.Kind.EMAIL:
        return normalise_email(text) or ""
    return text.strip()


@functools.lru_cache(maxsize=4)
def _keyed(key: str) -> Any:
    """An HMAC-SHA256 object holding the key, copied for every value (an import hashes the
    keys of every new row: keying once saves half the work)."""
    return hmac.new(key.encode("utf-8"), digestmod=hashlib.sha256)


def digest(kind: str, value: Any) -> str:
    """The keyed hash of one identity key ("" for an empty value): HMAC-SHA256 with
    ``settings.PRIVACY_HASH_KEY`` of the kind and the normalised value."""
    text = normalised(kind, value)
    if not text:
        return ""
    mac = _keyed(settings.PRIVACY_HASH_KEY).copy()
    mac.update(f"{kind}\x1f{text}".encode())
    return mac.hexdigest()


def erased_identity_rows(
    people: Iterable[Mapping[str, Any]], *, erased_on: dt.date
) -> list[ErasedIdentity]:
    """The rows to keep for these people (mappings with ``email``, ``mobile`` and
    ``member_number``): one per non-empty key."""
    rows = []
    for values in people:
        for kind in KINDS:
            hashed = digest(kind, values.get(kind))
            if hashed:
                rows.append(ErasedIdentity(kind=kind, digest=hashed, erased_on=erased_on))
    return rows


def remember_erased(people: Iterable[Mapping[str, Any]], *, erased_on: dt.date) -> int:
    """Keep the keyed hashes of these people's keys (one INSERT; a key erased before keeps
    its first date). Returns how many rows were offered."""
    rows = erased_identity_rows(people, erased_on=erased_on)
    if rows:
        ErasedIdentity.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def erased_identities(keys: Mapping[str, Iterable[str]]) -> dict[tuple[str, str], dt.date]:
    """Which of these keys (``{"email": {…}, "mobile": {…}, "member_number": {…}}``, values
    as stored) belonged to an erased person, with the day of the erasure: one query (two
    when anyone was ever erased: nothing is hashed while no one was).

    An import asks this for every chunk of rows that would create someone (thousands of
    keys): on PostgreSQL the digests go as one text parameter split by the server (cheaper
    to send than thousands of parameters), looked up in the unique index."""
    if not any(keys.values()) or not ErasedIdentity.objects.exists():
        return {}
    wanted: dict[tuple[str, str], tuple[str, str]] = {}
    keyed = _keyed(settings.PRIVACY_HASH_KEY)
    for kind in KINDS:
        # digest() for each value, inlined: an import asks for every new row's keys.
        prefix = f"{kind}\x1f"
        lower = kind == ErasedIdentity.Kind.EMAIL
        for value in keys.get(kind) or ():
            text = "" if value is None else str(value).strip()
            if not text:
                continue
            mac = keyed.copy()
            mac.update((prefix + (text.lower() if lower else text)).encode())
            wanted[(kind, mac.hexdigest())] = (kind, value)
    if not wanted:
        return {}
    found: dict[tuple[str, str], dt.date] = {}
    by_kind: dict[str, list[str]] = {}
    for kind, hashed in wanted:
        by_kind.setdefault(kind, []).append(hashed)
    rows: Iterable[tuple[str, str, dt.date]]
    if connection.vendor == "postgresql":
        # (kind, digest) is the unique index: one index condition per kind, ORed.
        table = connection.ops.quote_name(ErasedIdentity._meta.db_table)
        conditions = " OR ".join(
            "(kind = %s AND digest = ANY(string_to_array(%s, ',')))" for _kind in by_kind
        )
        params: list[str] = []
        for kind, digests in by_kind.items():
            params += [kind, ",".join(digests)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT kind, digest, erased_on FROM {table} WHERE {conditions}",  # noqa: S608 - a quoted name, bound values
                params,
            )
            rows = cursor.fetchall()
    else:
        rows = ErasedIdentity.objects.filter(
            digest__in=[hashed for digests in by_kind.values() for hashed in digests]
        ).values_list("kind", "digest", "erased_on")
    for kind, hashed, erased_on in rows:
        key = wanted.get((kind, hashed))
        if key is not None:
            found[key] = erased_on
    return found


def erased_on(values: Mapping[str, Any]) -> dt.date | None:
    """The latest erasure day of any of these values' keys (a person's data), or None."""
    keys = {kind: {normalised(kind, values.get(kind))} - {""} for kind in KINDS}
    days = erased_identities(keys).values()
    return max(days) if days else None


# --- The secretariat's answer to a hold ---------------------------------------------------


def apply_erased_identity_hold(*, actor: Any, item: Any) -> list[str]:
    """Applying a review item held because it named an erased person: the secretariat has
    judged that there is a new basis (she came back and asked to be registered, say), so the
    person is created from what was submitted — in the requester's unit, if it named one.
    Returns what changed (for the audit event)."""
    payload: dict[str, Any] = item.payload if isinstance(item.payload, dict) else {}
    given = payload.get("values")
    values: dict[str, Any] = given if isinstance(given, dict) else payload
    try:
        person = person_create(actor=actor, data=dict(values), unit=item.unit, erased_ok=True)
    except DuplicatePersonError as exc:
        raise ApplicationError(exc.message) from None
    item.matched_person = person
    item.save(update_fields=["matched_person", "updated_at"])
    return ["created"]
