"""Work outside the request for mobilizations. Tasks take ids, call a service and return;
the unit of work is a batch of deliveries, claimed by whichever worker asks first.

Urgent mobilizations use the ``urgent`` queue (and a high priority, which the database
backend honours): workers that serve it take urgent work before anything else, and every
dispatch claims urgent batches before bulk ones.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_tasks import task

from aktivist.mobilization import sending, starting

URGENT_PRIORITY = 100


@task()
def start_mobilization(mobilization_id: int, lane: str = "default") -> int:
    """Snapshot the recipients, wake the other workers, and start sending at once."""
    if starting.mobilization_start(mobilization_id):
        enqueue_dispatch(lane, count=max(0, settings.MOBILIZATION_PARALLEL_TASKS - 1))
        return _dispatch(lane)
    return 0


@task()
def dispatch(lane: str = "default") -> int:
    """Claim and send batches until nothing is due (or hand over to a fresh task)."""
    return _dispatch(lane)


@task()
def sweep() -> dict[str, int]:
    """The minutely job: due starts, expired leases, due retries, finished mobilizations."""
    return starting.sweep()


@task()
def send_preference_link(person_id: int) -> bool:
    """A fresh preference-centre link asked for by address (0: an unknown address, which
    is queued all the same and gets nothing)."""
    from aktivist.mobilization.preference_links import preference_link_send

    return preference_link_send(person_id=person_id)


def _dispatch(lane: str) -> int:
    result = sending.dispatch(lane=lane)
    if result.more:
        enqueue_dispatch(lane, count=1)
    else:
        from aktivist.mobilization.models import Mobilization

        for pk in Mobilization.objects.filter(status=Mobilization.Status.SENDING).values_list(
            "pk", flat=True
        ):
            starting.finish_if_done(pk)
    return result.sent


def _using(lane: str, the_task: Any) -> Any:
    if lane == "urgent":
        return the_task.using(queue_name="urgent", priority=URGENT_PRIORITY)
    return the_task


def enqueue_start(mobilization_id: int, lane: str) -> None:
    _using(lane, start_mobilization).enqueue(mobilization_id, lane)


def enqueue_dispatch(lane: str, *, count: int) -> None:
    for _ in range(count):
        _using(lane, dispatch).enqueue(lane)
