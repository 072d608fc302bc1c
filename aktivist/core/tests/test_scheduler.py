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
