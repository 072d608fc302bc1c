"""Membership values in imports by anyone but the secretariat (issue 16, item 4).

Membership is the lawful basis for member news, so only the secretariat's imports (national
roles, and commands) take membership status, member since, ended and member number from a
file (``matcher.Matcher.membership``). In a district representative's import a new person is
created as a non-member and an existing person keeps their membership; the values the row
gives are held here: one ``ReviewItem`` of kind ``import_membership`` per row and person,
with an audit row naming the importer, the person, the batch and the line (never the
values). The secretariat applies it from the review queue (``apply_membership_hold``, the
same rules as its own import: ``Matcher.membership_values``) or dismisses it. The importer
reads only "Membership held for the secretariat's review".

A dry run writes no membership holds: they name no one outside the importer's scope (the
person is theirs, or new), so there is nothing to probe; the dry run only says which rows
the real run will hold.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import partial
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.core.exceptions import ApplicationError
from aktivist.imports.holds import write_review_items
from aktivist.imports.matcher import MEMBERSHIP_FIELDS, Decision, Matcher
from aktivist.people.models import Person, ReviewItem
from aktivist.people.services import DuplicatePersonError, person_update


def membership_held_reason() -> str:
    return _("Membership held for the secretariat's review.")


def _serialised(values: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value.isoformat() if isinstance(value, dt.date) else value
        for name, value in values.items()
        if name in MEMBERSHIP_FIELDS
    }


def write_membership_holds(
    *, batch_id: int, actor: Any, unit_id: int | None, held: list[Decision], now: dt.datetime
) -> int:
    """A review item per row whose membership values were not applied (unless the same
    importer's same values for the same person already wait), and an audit row for each,
    in bulk. Returns how many review items were created."""
    rows = [d for d in held if d.membership and d.target is not None and d.target.pk is not None]
    if not rows:
        return 0
    user = actor if getattr(actor, "is_authenticated", False) else None
    open_filter = Q(
        kind=ReviewItem.Kind.IMPORT_MEMBERSHIP,
        matched_person_id__in={d.target.pk for d in rows if d.target is not None},
    )
    holds = []
    for d in rows:
        assert d.target is not None and d.target.pk is not None  # noqa: S101 - filtered above
        values = _serialised(d.membership)
        make = partial(
            ReviewItem,
            kind=ReviewItem.Kind.IMPORT_MEMBERSHIP,
            submitted_by=user,
            unit_id=unit_id,
            matched_person_id=d.target.pk,
            # The values at the top level are what the review queue lists; "membership" is
            # what the applier reads.
            payload={**values, "membership": values, "import_batch": batch_id, "line": d.row.line},
            created_at=now,
            updated_at=now,
        )
        details = {
            "kind": ReviewItem.Kind.IMPORT_MEMBERSHIP.value,
            "import_batch": batch_id,
            "line": d.row.line,
            "fields": sorted(d.membership),
        }
        holds.append(((d.target.pk, json.dumps(values, sort_keys=True)), make, details))
    return write_review_items(user=user, open_filter=open_filter, compared="membership", held=holds)


def _given(payload: Any) -> dict[str, Any]:
    """The held values, as the matcher gave them (dates as dates)."""
    raw = payload.get("membership") if isinstance(payload, dict) else None
    if not isinstance(raw, dict):
        return {}
    given: dict[str, Any] = {}
    for name in MEMBERSHIP_FIELDS:
        value = raw.get(name)
        if value in (None, ""):
            continue
        if name in ("member_since", "membership_ended_on"):
            try:
                value = dt.date.fromisoformat(str(value))
            except ValueError:
                continue
        elif name == "membership_status" and value not in Person.MembershipStatus.values:
            continue
        given[name] = str(value) if not isinstance(value, dt.date) else value
    return given


def apply_membership_hold(*, actor: Any, item: ReviewItem) -> list[str]:
    """The secretariat accepts a held membership: the person's membership fields change as
    the secretariat's own import of the row would change them. Returns the changed fields."""
    if item.matched_person_id is None:
        raise ApplicationError(_("This request has already been handled."))
    person = Person.objects.select_for_update().get(pk=item.matched_person_id)
    if not person.is_active:
        raise ApplicationError(_("This person has been erased."))
    stored = {name: getattr(person, name) for name in MEMBERSHIP_FIELDS}
    values = Matcher.membership_values(_given(item.payload), stored, timezone.localdate())
    changes = {name: value for name, value in values.items() if getattr(person, name) != value}
    if not changes:
        return []
    try:
        person_update(actor=actor, person=person, data=changes)
    except DuplicatePersonError as exc:
        raise ApplicationError(_("Another person already has this member number.")) from exc
    return sorted(changes)
