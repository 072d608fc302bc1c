from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from aktivist.accounts.models import AccessScope
from aktivist.accounts.tests.factories import UserFactory
from aktivist.core.models import ScheduledRun
from aktivist.core.schedule import run_due_jobs
from aktivist.organisation.tests.factories import RoleFactory

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.mark.django_db(transaction=True)
def test_a_nightly_job_runs_once_per_night_however_often_the_scheduler_checks():
    role = RoleFactory(ended_on=dt.date(2026, 1, 31))
    user = UserFactory(access_role="coordinator")
    AccessScope.objects.create(user=user, unit=role.unit, role=role, ends_with_role=True)
    night = dt.datetime(2026, 2, 1, 3, 0, tzinfo=STOCKHOLM)

    assert "end_access_of_ended_roles" in run_due_jobs(night)
    assert "end_access_of_ended_roles" not in run_due_jobs(night + dt.timedelta(minutes=5))

    assert ScheduledRun.objects.filter(job="end_access_of_ended_roles").count() == 1
    # The job ran (immediate backend in tests): access granted for the ended role is gone.
    assert not AccessScope.objects.filter(user=user).exists()


@pytest.mark.django_db(transaction=True)
def test_a_daily_job_waits_for_its_hour_and_runs_again_the_next_day():
    early = dt.datetime(2026, 2, 1, 1, 0, tzinfo=STOCKHOLM)
    assert "end_access_of_ended_roles" not in run_due_jobs(early)
    assert "end_access_of_ended_roles" in run_due_jobs(early + dt.timedelta(hours=2))
    assert "end_access_of_ended_roles" in run_due_jobs(early + dt.timedelta(days=1, hours=2))


def test_records_of_old_runs_are_forgotten_after_a_month(db):
    import datetime as dt

    from django.utils import timezone

    from aktivist.core.models import ScheduledRun
    from aktivist.core.schedule import purge_old_runs

    old = ScheduledRun.objects.create(job="mobilization.sweep", period="2026-01-01T10:00")
    ScheduledRun.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    recent = ScheduledRun.objects.create(job="mobilization.sweep", period="2026-12-06T10:00")
    assert purge_old_runs() == 1
    assert list(ScheduledRun.objects.all()) == [recent]


class _CountingTask:
    """Stands in for a job's task: records the moment (UTC) of each enqueue."""

    def __init__(self) -> None:
        self.runs: list[dt.datetime] = []

    def enqueue(self) -> None:
        from django.utils import timezone

        self.runs.append(timezone.now())


def _walk_the_scheduler(monkeypatch, period_names, start, end, step):
    """Run the scheduler loop with the clock moving from start to end, as `manage.py scheduler`
    does; returns each registered job of those periods with the moments it was enqueued."""
    import dataclasses

    from freezegun import freeze_time

    from aktivist.core import schedule

    counted = {
        name: dataclasses.replace(job, task=_CountingTask())
        for name, job in schedule.jobs.items()
        if job.period in period_names
    }
    assert counted, "no registered job of these periods"
    monkeypatch.setattr(schedule, "jobs", counted)
    with freeze_time(start) as clock:
        moment = start
        while moment < end:
            run_due_jobs()
            clock.tick(step)
            moment += step
    return counted


# The clocks in Stockholm go forward at 01:00 UTC on 29 March 2026 (02:00 CET -> 03:00 CEST)
# and back at 01:00 UTC on 25 October 2026 (03:00 CEST -> 02:00 CET).
CLOCK_CHANGES = [
    pytest.param(dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC), id="spring-forward"),
    pytest.param(dt.datetime(2026, 10, 25, 1, 0, tzinfo=dt.UTC), id="autumn-back"),
]


@pytest.mark.parametrize("change", CLOCK_CHANGES)
@pytest.mark.django_db(transaction=True)
def test_minutely_and_hourly_jobs_run_once_a_minute_and_hour_across_a_clock_change(
    monkeypatch, change
):
    start, end = change - dt.timedelta(hours=2), change + dt.timedelta(hours=2)
    jobs = _walk_the_scheduler(
        monkeypatch, {"minutely", "hourly"}, start, end, dt.timedelta(seconds=20)
    )

    for job in jobs.values():
        width = dt.timedelta(minutes=1) if job.period == "minutely" else dt.timedelta(hours=1)
        periods = int((end - start) / width)
        started = [run.replace(second=0, microsecond=0) for run in job.task.runs]
        if job.period == "hourly":
            started = [run.replace(minute=0) for run in started]
        # One run in every real minute (hour) of the four hours, none twice.
        assert len(started) == periods, (job.name, len(started), periods)
        assert len(set(started)) == periods, job.name


@pytest.mark.parametrize("change", CLOCK_CHANGES)
@pytest.mark.django_db(transaction=True)
def test_daily_jobs_run_once_every_day_around_a_clock_change_and_not_before_their_hour(
    monkeypatch, change
):
    # From noon the day before the day before the change to noon three days after it.
    start = change.astimezone(STOCKHOLM).replace(hour=12, minute=0) - dt.timedelta(days=2)
    start = start.astimezone(dt.UTC)
    end = start + dt.timedelta(days=5)
    jobs = _walk_the_scheduler(monkeypatch, {"daily"}, start, end, dt.timedelta(minutes=10))

    change_day = change.astimezone(STOCKHOLM).date()
    whole_days = [change_day + dt.timedelta(days=n) for n in (-1, 0, 1, 2)]
    for job in jobs.values():
        local_runs = [run.astimezone(STOCKHOLM) for run in job.task.runs]
        for day in whole_days:
            that_day = [run for run in local_runs if run.date() == day]
            assert len(that_day) == 1, (job.name, day, that_day)
            assert that_day[0].hour >= job.not_before_hour, (job.name, that_day[0])
