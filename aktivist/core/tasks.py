"""The base's own periodic work."""

from __future__ import annotations

from django_tasks import task

from aktivist.core import schedule


@task()
def purge_scheduled_runs() -> int:
    """Daily: forget the records of scheduler runs older than a month."""
    return schedule.purge_old_runs()
