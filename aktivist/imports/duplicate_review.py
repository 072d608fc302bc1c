"""The review of duplicate pairs (issue 3): dismissing a pair, merging two people through
the merge registry of DESIGN.md (``person_merge``), and what the review page shows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from aktivist.accounts.capabilities import Capability, can
from aktivist.core import audit
from aktivist.core.exceptions import ApplicationError
from aktivist.core.models import AuditEvent
from aktivist.core.registries import merge_registry, models_pointing_to
from aktivist.imports.models import DuplicateCandidate, PersonMerge
from aktivist.organisation.selectors import home_unit_for_postcode
from aktivist.people.models import Person
from aktivist.people.selectors import people_visible_to
from aktivist.people.services import EDITABLE_FIELDS, IDENTITY_FIELDS

# --- Review decisions --------------------------------------------------------------------------


def _require_national(actor: Any) -> None:
    if not can(actor, Capability.DUPLICATES_MERGE):
        raise ApplicationError(_("Only the secretariat may decide on duplicates."))


@transaction.atomic
def candidate_dismiss(*, actor: Any, candidate: DuplicateCandidate) -> DuplicateCandidate:
    """Not the same person: the pair stays, dismissed, so the finder never proposes it again."""
    _require_national(actor)
    locked = DuplicateCandidate.objects.select_for_update().filter(pk=candidate.pk).first()
    if locked is None or locked.status != DuplicateCandidate.Status.OPEN:
        raise ApplicationError(_("This pair has already been decided."))
    locked.status = DuplicateCandidate.Status.DISMISSED
    locked.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.save(update_fields=["status", "decided_by", "updated_at"])
    audit.record(
        actor=actor,
        verb="duplicate.dismiss",
        obj=locked,
        details={"person_a": locked.person_a_id, "person_b": locked.person_b_id},
    )
    return locked


# --- Merge -------------------------------------------------------------------------------------

MERGE_FIELDS: tuple[str, ...] = EDITABLE_FIELDS
MEMBERSHIP_FIELDS = ("membership_status", "member_since", "membership_ended_on")
STATUS_STRENGTH: dict[str, int] = {
    Person.MembershipStatus.NON_MEMBER: 0,
    Person.MembershipStatus.FORMER: 1,
    Person.MembershipStatus.MEMBER: 2,
}


def _empty(value: Any) -> bool:
    return value is None or value == ""


def stronger_membership(a: Person, b: Person) -> Person:
    """The person whose membership status is stronger (member > former > non-member); the
    first on a tie."""
    rank = STATUS_STRENGTH.get
    return b if rank(b.membership_status, 0) > rank(a.membership_status, 0) else a


def _membership_values(keep: Person, drop: Person, values: dict[str, Any]) -> dict[str, Any]:
    """The membership fields of the merged person: the stronger status wins unless chosen,
    with the earlier member_since; a member has no end date."""
    status = values.get("membership_status") or stronger_membership(keep, drop).membership_status
    sides = [p for p in (keep, drop) if p.membership_status == status] or [keep]
    if status == Person.MembershipStatus.NON_MEMBER:
        since, ended = sides[0].member_since, sides[0].membership_ended_on
    else:
        dates = [d for d in (keep.member_since, drop.member_since) if d is not None]
        since = min(dates) if dates else None
        if status == Person.MembershipStatus.MEMBER:
            ended = None
        else:
            ends = [p.membership_ended_on for p in sides if p.membership_ended_on is not None]
            ends = ends or [
                d for d in (keep.membership_ended_on, drop.membership_ended_on) if d is not None
            ]
            ended = max(ends) if ends else None
    resolved = {"membership_status": status, "member_since": since, "membership_ended_on": ended}
    for name in ("member_since", "membership_ended_on"):
        if name in values:
            resolved[name] = values[name]
    return resolved


def _resolve_values(keep: Person, drop: Person, values: dict[str, Any]) -> dict[str, Any]:
    """Every merge field's value on the merged person."""
    unknown = sorted(set(values) - set(MERGE_FIELDS))
    if unknown:
        raise ApplicationError(
            _("These fields cannot be chosen in a merge: %(fields)s.")
            % {"fields": ", ".join(unknown)}
        )
    for name, value in values.items():
        if value != getattr(keep, name) and value != getattr(drop, name):
            raise ApplicationError(
                _("A merge keeps values the two people have; edit the person afterwards.")
            )
    resolved = _membership_values(keep, drop, values)
    for name in MERGE_FIELDS:
        if name in resolved:
            continue
        mine, theirs = getattr(keep, name), getattr(drop, name)
        if name in values:
            resolved[name] = values[name]
        elif _empty(mine) and not _empty(theirs):
            resolved[name] = theirs  # empty fields on the kept person are filled
        else:
            resolved[name] = mine
    return resolved


def _rows_pointing_to(person: Person) -> list[str]:
    """Labels of models that still have rows pointing to the person."""
    left = []
    for model in models_pointing_to(Person):
        for f in model._meta.get_fields(include_hidden=True):
            if f.is_relation and f.concrete and f.related_model is Person:
                if model._default_manager.filter(**{f.name: person}).exists():
                    left.append(model._meta.label)
    return left


@transaction.atomic
def person_merge(
    *, actor: Any, keep: Person, drop: Person, values: dict[str, Any] | None = None
) -> Person:
    """Fold ``drop`` into ``keep``: the chosen values (each one of the two people's own) are
    kept, empty fields on keep are filled from drop, the stronger membership wins with the
    earlier member_since; every row pointing to drop moves through the merge registry (each
    model's rule settles unique collisions); drop is deleted; the merge is recorded and
    audited. Both people must be visible to the actor, who must be national staff."""
    _require_national(actor)
    if keep.pk == drop.pk:
        raise ApplicationError(_("A person cannot be merged with themselves."))
    ids = sorted((keep.pk, drop.pk))
    if people_visible_to(actor).filter(pk__in=ids).count() != 2:
        raise ApplicationError(_("Choose two people you may see."))
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    keep, drop = locked[keep.pk], locked[drop.pk]
    drop_id = drop.pk

    resolved = _resolve_values(keep, drop, dict(values or {}))
    changed = {name: v for name, v in resolved.items() if v != getattr(keep, name)}
    taken = [
        name for name in MERGE_FIELDS if name in changed and changed[name] == getattr(drop, name)
    ]

    # Identity values (unique) move: the dropped person lets go of them first.
    moving = [name for name in IDENTITY_FIELDS if name in taken and not _empty(changed[name])]
    if moving:
        for name in moving:
            setattr(drop, name, None)
        drop.save(update_fields=moving)
    if changed:
        for name, value in changed.items():
            setattr(keep, name, value)
        keep.normalise()
        update = set(changed)
        if "postcode" in changed:
            keep.home_unit = home_unit_for_postcode(keep.postcode)
            update.add("home_unit")
        keep.full_clean(exclude=[f.name for f in Person._meta.fields if f.name not in update])
        keep.save(update_fields=[*sorted(update), "updated_at"])

    candidate_ids = list(
        DuplicateCandidate.objects.filter(person_a_id=ids[0], person_b_id=ids[1]).values_list(
            "pk", flat=True
        )
    )
    # Every registered relation, in a fixed order (by model label).
    for model in sorted(merge_registry, key=lambda m: m._meta.label):
        merge_registry[model](keep, drop)
    left = _rows_pointing_to(drop)
    if left:
        # A handler left rows behind: deleting the person would lose them. Nothing is saved.
        raise ApplicationError(
            _("The merge would lose related rows (%(models)s); nothing was changed.")
            % {"models": ", ".join(left)}
        )
    drop.delete()

    PersonMerge.objects.create(
        kept=keep,
        dropped_person_id=drop_id,
        fields_from_dropped=taken,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor=actor,
        verb="person.merge",
        obj=keep,
        details={
            "dropped_person_id": drop_id,
            "fields_from_dropped": taken,
            "candidate_ids": candidate_ids,
        },
    )
    keep.refresh_from_db()
    return keep


# --- For the review page -------------------------------------------------------------------------


def related_counts(people: Sequence[Person]) -> list[tuple[type[Any], dict[int, int]]]:
    """For every model pointing to a person: how many rows point to each of the people
    (one grouped query per model)."""
    ids = [p.pk for p in people]
    out: list[tuple[type[Any], dict[int, int]]] = []
    for model in sorted(models_pointing_to(Person), key=lambda m: m._meta.label):
        counts = dict.fromkeys(ids, 0)
        names = [
            f.name
            for f in model._meta.get_fields(include_hidden=True)
            if f.is_relation and f.concrete and f.related_model is Person
        ]
        for name in names:
            rows = (
                model._default_manager.filter(**{f"{name}__in": ids})
                .order_by()
                .values(name)
                .annotate(n=Count("pk"))
            )
            for row in rows:
                counts[row[name]] += row["n"]
        out.append((model, counts))
    return out


def default_choice(a: Person, b: Person, name: str) -> str:
    """Which side ("a" or "b") the review page preselects for a differing field: the
    non-empty value, the stronger membership, else the more recently updated person's."""
    if name == "membership_status":
        return "b" if stronger_membership(a, b) is b else "a"
    va, vb = getattr(a, name), getattr(b, name)
    if _empty(va) and not _empty(vb):
        return "b"
    if _empty(vb) and not _empty(va):
        return "a"
    return "b" if b.updated_at > a.updated_at else "a"


def open_candidates() -> Any:
    return (
        DuplicateCandidate.objects.filter(
            status=DuplicateCandidate.Status.OPEN,
            person_a__is_active=True,
            person_b__is_active=True,
        )
        .select_related("person_a", "person_b")
        .order_by("-score", "id")
    )


def last_run() -> dict[str, Any] | None:
    event = AuditEvent.objects.filter(verb="duplicates.find").order_by("-created_at", "-id").first()
    if event is None:
        return None
    return {"at": event.created_at, **event.details}
