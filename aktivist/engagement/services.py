"""Writing the ladder: recompute levels (some people, or everyone by id range) and take the
monthly snapshot. Levels are never typed in by hand: these functions are the only writers.

Rows exist only for active people above level 0; recomputing removes the rows of people who
fell to 0, became inactive or were erased. Both writers upsert in bulk and change only rows
whose value changed, so running them twice gives the same tables.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from aktivist.engagement.ladder import People, compute_levels
from aktivist.engagement.models import EngagementLevel, EngagementSnapshot, SnapshotMonth
from aktivist.engagement.signals import schedule_recompute
from aktivist.people.models import Person

logger = logging.getLogger(__name__)

CHUNK = 50_000  # people per id range in the nightly run (and the snapshot)
ID_BATCH = 500  # ids per IN (...) list
T = TypeVar("T")


@dataclass
class RecomputeResult:
    changed: int = 0  # rows written (new level or a different level)
    removed: int = 0  # rows deleted (fell to level 0, inactive, erased)

    def add(self, other: RecomputeResult) -> None:
        self.changed += other.changed
        self.removed += other.removed


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _write_levels(people: People, levels: dict[int, int], now: dt.datetime) -> RecomputeResult:
    existing = dict(
        EngagementLevel.objects.filter(people.ids_q("person_id")).values_list("person_id", "level")
    )
    changed = [
        EngagementLevel(person_id=person_id, level=level, computed_at=now)
        for person_id, level in levels.items()
        if existing.get(person_id) != level
    ]
    stale = sorted(person_id for person_id in existing if person_id not in levels)
    with transaction.atomic():
        if changed:
            EngagementLevel.objects.bulk_create(
                changed,
                batch_size=1000,
                update_conflicts=True,
                unique_fields=["person"],
                update_fields=["level", "computed_at"],
            )
        for batch in batched(stale, ID_BATCH):
            EngagementLevel.objects.filter(person_id__in=batch).delete()
    return RecomputeResult(changed=len(changed), removed=len(stale))


def _recompute(people: People, now: dt.datetime | None) -> RecomputeResult:
    # A person deleted (merged) between the read and the write breaks the foreign key:
    # read again once, the person is then gone from the facts.
    for attempt in (1, 2):
        stamp = timezone.now()
        try:
            return _write_levels(people, compute_levels(people, now=now), stamp)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def recompute_people(
    person_ids: Iterable[int], *, now: dt.datetime | None = None
) -> RecomputeResult:
    """Recompute the level of these people (after one of their facts changed)."""
    result = RecomputeResult()
    ids = sorted({int(pk) for pk in person_ids})
    for batch in batched(ids, ID_BATCH):
        result.add(_recompute(People(ids=batch), now))
    logger.info(
        "engagement recompute people=%d changed=%d removed=%d",
        len(ids),
        result.changed,
        result.removed,
    )
    return result


def recompute_all(*, chunk_size: int = CHUNK, now: dt.datetime | None = None) -> RecomputeResult:
    """Recompute everyone, one range of person ids at a time (the nightly job; also the end
    of ``manage.py demo_data``). The bulk paths (imports, public signing, demo data) send no
    signals: this run is what brings their people's levels up to date."""
    result = RecomputeResult()
    gone, _ = EngagementLevel.objects.filter(person__is_active=False).delete()
    result.removed += gone
    top = Person.objects.aggregate(top=Max("pk"))["top"] or 0
    for low in range(1, top + 1, chunk_size):
        result.add(_recompute(People(low=low, high=low + chunk_size), now))
    logger.info(
        "engagement recompute all people_upto=%d changed=%d removed=%d",
        top,
        result.changed,
        result.removed,
    )
    return result


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def previous_month(day: dt.date) -> dt.date:
    return month_start(month_start(day) - dt.timedelta(days=1))


def take_snapshot(month: dt.date, *, chunk_size: int = CHUNK) -> int:
    """Record every active person's current level as their level in ``month`` (its first
    day). Running it again for the same month rewrites that month: the snapshot is the
    levels at the latest run — except the rows of people erased since, which stay as they
    were (erasure keeps them on the tombstone, so a month's counts never change). Returns
    how many people are above level 0."""
    month = month_start(month)
    counted = 0
    top = Person.objects.aggregate(top=Max("pk"))["top"] or 0
    for low in range(1, top + 1, chunk_size):
        people = People(low=low, high=low + chunk_size)
        levels = dict(
            EngagementLevel.objects.filter(
                people.q(), level__gt=0, person__is_active=True
            ).values_list("person_id", "level")
        )
        existing = dict(
            EngagementSnapshot.objects.filter(
                people.ids_q("person_id"), month=month, person__erased_at__isnull=True
            ).values_list("person_id", "level")
        )
        changed = [
            EngagementSnapshot(person_id=person_id, month=month, level=level)
            for person_id, level in levels.items()
            if existing.get(person_id) != level
        ]
        stale = sorted(person_id for person_id in existing if person_id not in levels)
        with transaction.atomic():
            if changed:
                EngagementSnapshot.objects.bulk_create(
                    changed,
                    batch_size=1000,
                    update_conflicts=True,
                    unique_fields=["person", "month"],
                    update_fields=["level"],
                )
            for batch in batched(stale, ID_BATCH):
                EngagementSnapshot.objects.filter(month=month, person_id__in=batch).delete()
        counted += len(levels)
    SnapshotMonth.objects.update_or_create(month=month, defaults={"taken_at": timezone.now()})
    logger.info("engagement snapshot month=%s above_zero=%d", f"{month:%Y-%m}", counted)
    return counted


def monthly_snapshot(*, now: dt.datetime | None = None) -> int:
    """The monthly job: bring everyone's level up to date, then record it as the level of
    the month that just ended (the job runs early in the next month)."""
    recompute_all(now=now)
    return take_snapshot(previous_month(timezone.localdate(now or timezone.now())))


# --- Merge and erasure (registered in registries.py) --------------------------------------


def merge_levels(keep: Person, drop: Person) -> None:
    """One row per person: the higher of the two levels stays with the kept person until
    the recompute queued after commit counts the merged facts."""
    rows = {row.person_id: row for row in EngagementLevel.objects.filter(person__in=[keep, drop])}
    dropped, kept = rows.get(drop.pk), rows.get(keep.pk)
    if dropped is not None:
        if kept is None or dropped.level > kept.level:
            EngagementLevel.objects.update_or_create(
                person=keep, defaults={"level": dropped.level, "computed_at": timezone.now()}
            )
        dropped.delete()
    schedule_recompute([keep.pk])


def merge_snapshots(keep: Person, drop: Person) -> None:
    """One row per person and month: in a month both have, the higher level wins (they were
    the same human, engaged through either record)."""
    kept = dict(EngagementSnapshot.objects.filter(person=keep).values_list("month", "level"))
    for snapshot in EngagementSnapshot.objects.filter(person=drop, month__in=list(kept)):
        if snapshot.level > kept[snapshot.month]:
            EngagementSnapshot.objects.filter(person=keep, month=snapshot.month).update(
                level=snapshot.level
            )
        snapshot.delete()
    EngagementSnapshot.objects.filter(person=drop).update(person=keep)
