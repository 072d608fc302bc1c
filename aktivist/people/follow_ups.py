"""Follow-ups whose owner lost sight of the person pass on (issue 13).

An open follow-up (due date set, not done, about an active person) belongs to the account
named as its owner, or, with no owner, to the secretariat's pool. When the owner can no
longer see the person (a membership or role ended, their access changed, their account was
deactivated, the rules of sight changed), the follow-up passes on: to an active district
representative who can see the person, preferring the one whose scope is the person's
district, else to the secretariat (owner None). Each pass is audited; each former owner is
told how many passed on and where, never whom (they may no longer see them).

Who sees whom is decided only by ``people_visible_to`` (aktivist/people/selectors.py): this
module asks it once per owner and once per district representative, never per follow-up.

Erased people are left alone: erasure deletes their interactions (the registry's default
for ``Interaction``), and any follow-up about an inactive row (erased or merged away) is
not open work for anyone.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from aktivist.accounts.access import scope_for
from aktivist.accounts.models import User
from aktivist.core.emails import send_transactional
from aktivist.core.models import AuditEvent
from aktivist.organisation.districts import district_of_home_unit
from aktivist.people.models import Interaction, Person
from aktivist.people.selectors import people_visible_to

logger = logging.getLogger(__name__)

PASSED_VERB = "follow_up.passed"
REASON_INACTIVE = "owner_inactive"
REASON_OUT_OF_SIGHT = "out_of_sight"
CHUNK = 500  # ids per IN (...) list: well below SQLite's variable limit
FOLLOW_UP_LIMIT = 50  # per list on the start page's follow-ups panel


def _chunks(ids: Sequence[int], size: int = CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# --- Selectors ----------------------------------------------------------------------------


def open_follow_ups() -> QuerySet[Interaction]:
    """Every open follow-up about an active person, whoever owns it."""
    return Interaction.objects.filter(
        follow_up_due__isnull=False,
        follow_up_done_at__isnull=True,
        person__is_active=True,
    )


def secretariat_follow_ups() -> QuerySet[Interaction]:
    """The secretariat's pool: open follow-ups with no owner, soonest due first. Only for
    national staff: callers check the viewer (``secretariat_open_follow_ups`` below)."""
    return (
        open_follow_ups()
        .filter(follow_up_owner__isnull=True)
        .select_related("person")
        .order_by("follow_up_due", "pk")
    )


def my_open_follow_ups(viewer: Any, *, limit: int = FOLLOW_UP_LIMIT) -> list[Interaction]:
    """Open follow-ups the viewer owns, soonest due first, only for people they may see
    (the start page's follow-ups panel)."""
    if not getattr(viewer, "is_authenticated", False):
        return []
    qs = (
        Interaction.objects.filter(
            follow_up_owner=viewer,
            follow_up_done_at__isnull=True,
            follow_up_due__isnull=False,
            person__in=people_visible_to(viewer),
        )
        .select_related("person")
        .order_by("follow_up_due", "pk")
    )
    return list(qs[:limit])


def secretariat_open_follow_ups(viewer: Any, *, limit: int = FOLLOW_UP_LIMIT) -> list[Interaction]:
    """The secretariat's pool (open follow-ups with no owner, soonest due first), for
    national staff only; scoped viewers never see it."""
    if not scope_for(viewer).is_national:
        return []
    return list(secretariat_follow_ups().filter(person__in=people_visible_to(viewer))[:limit])


def owners_of_open_follow_ups(person_id: int) -> list[int]:
    """The accounts that own an open follow-up about this person."""
    return sorted(
        set(
            open_follow_ups()
            .filter(person_id=person_id, follow_up_owner__isnull=False)
            .values_list("follow_up_owner_id", flat=True)
        )
    )


def follow_ups_out_of_sight(owner: User) -> list[tuple[int, int]]:
    """(interaction id, person id) of the owner's open follow-ups about people the owner
    can no longer see: one query (plus the owner's scope, once)."""
    qs = open_follow_ups().filter(follow_up_owner=owner)
    scope = scope_for(owner)
    if scope.is_national:
        return []  # active secretariat accounts see every active person
    if scope.sees_people:
        qs = qs.exclude(person__in=people_visible_to(owner))
    return list(qs.order_by("pk").values_list("pk", "person_id"))


def district_representatives_for(person_ids: Iterable[int]) -> dict[int, int]:
    """For each person, the active district representative a follow-up about them passes
    to: one who can see them, preferring one whose scope is the person's district (the
    district their home unit lies in), then the oldest account. People no representative
    sees are left out (their follow-ups go to the secretariat). One query per
    representative account (and its scope), not per person."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    district: dict[int, int | None] = {}
    for chunk in _chunks(ids):
        district.update(
            Person.objects.filter(pk__in=chunk)
            .annotate(district_id=district_of_home_unit())
            .values_list("pk", "district_id")
        )
    seen_by: dict[int, list[User]] = defaultdict(list)
    representatives = User.objects.filter(
        is_active=True, access_role=User.AccessRole.DISTRICT
    ).order_by("pk")
    for representative in representatives:
        if not scope_for(representative).sees_people:
            continue
        for chunk in _chunks(ids):
            visible = people_visible_to(representative).filter(pk__in=chunk)
            for person_id in visible.values_list("pk", flat=True):
                seen_by[person_id].append(representative)
    chosen: dict[int, int] = {}
    for person_id, candidates in seen_by.items():
        own_district = [r for r in candidates if district.get(person_id) in scope_for(r).unit_ids]
        chosen[person_id] = (own_district or candidates)[0].pk
    return chosen


# --- The service --------------------------------------------------------------------------


@dataclass
class PassedOn:
    """What one run passed on: per former owner, how many went to a district
    representative and how many to the secretariat."""

    to_district: Counter[int] = field(default_factory=Counter)
    to_secretariat: Counter[int] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.to_district.values()) + sum(self.to_secretariat.values())

    @property
    def former_owners(self) -> list[int]:
        return sorted(set(self.to_district) | set(self.to_secretariat))


def follow_ups_pass_on(*, owner_ids: Iterable[int] | None = None) -> PassedOn:
    """Pass on every open follow-up whose owner can no longer see the person (an inactive
    account sees no one); ``owner_ids`` limits the check to these accounts (None: every
    owner, the nightly run). Audits each pass and, after commit, tells each former owner
    once how many passed on and where."""
    owners = User.objects.filter(
        pk__in=open_follow_ups().filter(follow_up_owner__isnull=False).values("follow_up_owner_id")
    ).order_by("pk")
    if owner_ids is not None:
        wanted = sorted({int(pk) for pk in owner_ids})
        if not wanted:
            return PassedOn()
        owners = owners.filter(pk__in=wanted)

    # (interaction id) -> (former owner id, person id, reason)
    stale: dict[int, tuple[int, int, str]] = {}
    for owner in owners:
        reason = REASON_OUT_OF_SIGHT if owner.is_active else REASON_INACTIVE
        for interaction_id, person_id in follow_ups_out_of_sight(owner):
            stale[interaction_id] = (owner.pk, person_id, reason)
    if not stale:
        return PassedOn()

    new_owner = district_representatives_for(person_id for _o, person_id, _r in stale.values())
    result = PassedOn()
    with transaction.atomic():
        # Lock the rows and keep only those still open and still with the same owner: a
        # follow-up closed or reassigned meanwhile is no longer ours to move.
        still: dict[int, int | None] = {}
        for chunk in _chunks(sorted(stale)):
            still.update(
                Interaction.objects.select_for_update()
                .filter(pk__in=chunk, follow_up_done_at__isnull=True)
                .values_list("pk", "follow_up_owner_id")
            )
        moves: dict[int | None, list[int]] = defaultdict(list)
        events: list[AuditEvent] = []
        for interaction_id, (former, person_id, reason) in stale.items():
            if still.get(interaction_id) != former:
                continue
            to = new_owner.get(person_id)
            moves[to].append(interaction_id)
            (result.to_district if to else result.to_secretariat)[former] += 1
            events.append(
                AuditEvent(
                    actor=None,
                    verb=PASSED_VERB,
                    object_type=Interaction._meta.label_lower,
                    object_id=str(interaction_id),
                    person_id=person_id,
                    details={
                        "from_account": former,
                        "to_account": to,
                        "to": "district_representative" if to else "secretariat",
                        "reason": reason,
                    },
                )
            )
        now = timezone.now()
        for to, ids in moves.items():
            for chunk in _chunks(ids):
                Interaction.objects.filter(pk__in=chunk).update(
                    follow_up_owner_id=to, updated_at=now
                )
        AuditEvent.objects.bulk_create(events, batch_size=CHUNK)
        if result.total:
            transaction.on_commit(lambda: _enqueue_tell(result), robust=True)
    logger.info("follow-ups passed on total=%s owners=%s", result.total, len(result.former_owners))
    return result


def _enqueue_tell(result: PassedOn) -> None:
    # tasks_follow_ups imports this module (task -> service -> enqueue): imported when called.
    from aktivist.people.tasks_follow_ups import tell_former_owner

    for owner_id in result.former_owners:
        tell_former_owner.enqueue(
            owner_id, result.to_district[owner_id], result.to_secretariat[owner_id]
        )


def follow_ups_tell_former_owner(*, owner: User, to_district: int, to_secretariat: int) -> bool:
    """Email the former owner how many of their follow-ups passed on and where. Names no
    one: they can no longer see these people. Deactivated accounts are not written to."""
    total = to_district + to_secretariat
    if not owner.is_active or not owner.email or total <= 0:
        return False
    return send_transactional(
        "people/follow_ups_passed",
        to=owner.email,
        language=owner.language,
        context={
            "name": owner.name,
            "total": total,
            "to_district": to_district,
            "to_secretariat": to_secretariat,
        },
    )


# --- After a change that takes sight away -------------------------------------------------


def owners_to_check(*, person_id: int | None, owner_ids: Iterable[int]) -> list[int]:
    """The accounts whose follow-ups a change may have put out of their sight: these, and
    the owners of open follow-ups about the person."""
    ids = {int(pk) for pk in owner_ids}
    if person_id is not None:
        ids.update(owners_of_open_follow_ups(person_id))
    return sorted(ids)


def pass_on_after_commit(*, person_id: int | None = None, owner_ids: Iterable[int] = ()) -> None:
    """Once the current transaction commits, check the owners of open follow-ups about
    ``person_id`` and the accounts ``owner_ids`` (a membership or role ended, an account's
    access changed). Robust: a queue that cannot be reached must not fail a committed
    change; the nightly run catches up."""
    # tasks_follow_ups imports this module (task -> service -> enqueue): imported when called.
    from aktivist.people.tasks_follow_ups import pass_on_follow_ups_after_change

    ids = sorted({int(pk) for pk in owner_ids})
    transaction.on_commit(
        lambda: pass_on_follow_ups_after_change.enqueue(person_id, ids), robust=True
    )
