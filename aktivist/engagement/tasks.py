"""Work outside the request for the ladder: thin tasks over the services."""

from __future__ import annotations

from django_tasks import task

from aktivist.engagement import services


@task()
def recompute_people(person_ids: list[int]) -> int:
    """Recompute these people's levels (queued after commit by signals.py). Returns how many
    rows changed."""
    result = services.recompute_people(person_ids)
    return result.changed + result.removed


@task()
def recompute_everyone() -> int:
    """The nightly job ``engagement.recompute``: everyone's level from the facts."""
    result = services.recompute_all()
    return result.changed + result.removed


@task()
def monthly_snapshot() -> int:
    """The monthly job ``engagement.snapshot``: the month that just ended, per person."""
    return services.monthly_snapshot()
