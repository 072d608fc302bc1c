"""Periodic work: a registry of jobs and the one small scheduler that enqueues them.

Each job names a period ("minutely", "hourly", "daily", "monthly"); a run is recorded as a
``ScheduledRun(job, period_key)`` row whose unique constraint stops two schedulers from
enqueueing the same run twice. Period keys are UTC, so no run is skipped or doubled when the
clocks change; a daily or monthly job's ``not_before_hour`` is a local (Stockholm) hour.
Apps register their jobs in ``ready()``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from aktivist.core.models import ScheduledRun

logger = logging.getLogger(__name__)

# Period keys are taken in UTC, which has no clock changes: a local key would repeat the hour
# 02:00-02:59 on the last Sunday of October (skipping an hour of minutely and hourly runs).
# Minutely and hourly keys end in "Z" so they never meet a key written in local time by an
# older version; daily and monthly keys keep their form (a UTC date or month).
PERIODS: dict[str, Callable[[dt.datetime], str]] = {
    "minutely": lambda utc: utc.strftime("%Y-%m-%dT%H:%MZ"),
    "hourly": lambda utc: utc.strftime("%Y-%m-%dT%HZ"),
    "daily": lambda utc: utc.strftime("%Y-%m-%d"),
    "monthly": lambda utc: utc.strftime("%Y-%m"),
}


@dataclass(frozen=True)
class Job:
    name: str
    period: str
    task: Any  # a django_tasks Task; enqueued with no arguments
    not_before_hour: int = 0  # local hour before which a daily/monthly run does not start


jobs: dict[str, Job] = {}


def register_job(job: Job) -> None:
    if job.period not in PERIODS:
        raise ValueError(f"unknown period {job.period!r}")
    jobs[job.name] = job


def run_due_jobs(now: dt.datetime | None = None) -> list[str]:
    """Enqueue every job whose current period has no run yet. Returns the jobs enqueued."""
    moment = now or timezone.now()
    local = timezone.localtime(moment)  # only for "not before this hour" (a local hour)
    utc = moment.astimezone(dt.UTC)
    enqueued: list[str] = []
    for job in jobs.values():
        if job.period not in ("minutely", "hourly") and local.hour < job.not_before_hour:
            continue
        key = PERIODS[job.period](utc)
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job.name, period=key)
                transaction.on_commit(job.task.enqueue)
                run.enqueued_at = timezone.now()
                run.save(update_fields=["enqueued_at"])
        except IntegrityError:
            continue  # another scheduler (or an earlier loop) already took this period
        enqueued.append(job.name)
        logger.info("scheduler enqueued job=%s period=%s", job.name, key)
    return enqueued


RUN_HISTORY = dt.timedelta(days=30)


def purge_old_runs(now: dt.datetime | None = None) -> int:
    """Forget the records of runs older than a month (a minutely job leaves 1,440 a day);
    a period that old is never due again."""
    cutoff = (now or timezone.now()) - RUN_HISTORY
    deleted, _ = ScheduledRun.objects.filter(created_at__lt=cutoff).delete()
    return deleted
