"""The monthly snapshot and the scheduled jobs."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from aktivist.campaigns.models import Participation
from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.core.schedule import jobs, run_due_jobs
from aktivist.engagement import services, tasks
from aktivist.engagement.models import EngagementLevel, EngagementSnapshot, Level, SnapshotMonth
from aktivist.organisation.tests.factories import RoleFactory
from aktivist.people.models import Person
from aktivist.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("Europe/Stockholm")

MARCH = dt.date(2026, 3, 1)


def snapshot(month=MARCH) -> dict[int, int]:
    return dict(EngagementSnapshot.objects.filter(month=month).values_list("person_id", "level"))


def test_a_snapshot_records_every_level_above_zero_and_the_month():
    role, contact = PersonFactory(), PersonFactory()
    RoleFactory(person=role)
    services.recompute_all()
    assert services.take_snapshot(dt.date(2026, 3, 17)) == 1
    assert snapshot() == {role.pk: Level.HOLDS_ROLE}
    assert contact.pk not in snapshot()  # no row: level 0 that month
    assert SnapshotMonth.objects.get().month == MARCH


def test_taking_the_same_month_twice_gives_the_same_rows():
    people = [PersonFactory() for _ in range(3)]
    for person in people:
        RoleFactory(person=person)
    services.recompute_all()
    services.take_snapshot(MARCH, chunk_size=2)
    services.take_snapshot(MARCH, chunk_size=2)
    assert EngagementSnapshot.objects.count() == 3
    assert SnapshotMonth.objects.count() == 1
    # A rerun later in the month rewrites it: levels that fell to 0 or people who left go.
    Person.objects.filter(pk=people[0].pk).update(is_active=False)
    people[1].roles.all().delete()
    services.recompute_all()
    services.take_snapshot(MARCH)
    assert snapshot() == {people[2].pk: Level.HOLDS_ROLE}


def test_a_level_left_on_an_inactive_person_is_not_recorded():
    person = PersonFactory()
    EngagementLevel.objects.create(person=person, level=3, computed_at=timezone.now())
    Person.objects.filter(pk=person.pk).update(is_active=False)  # not recomputed yet
    services.take_snapshot(MARCH)
    assert snapshot() == {}


def test_other_months_are_left_alone():
    person = PersonFactory()
    EngagementSnapshot.objects.create(person=person, month=dt.date(2026, 2, 1), level=2)
    services.take_snapshot(MARCH)
    assert snapshot(dt.date(2026, 2, 1)) == {person.pk: 2}


def test_the_monthly_job_recomputes_then_records_the_month_that_ended():
    person = PersonFactory()
    # A bulk path (no signals): only the recompute can see it.
    Participation.objects.bulk_create(
        [Participation(person=person, action=ActionFactory(), source=Participation.Source.WEB)]
    )
    april_first = dt.datetime(2026, 4, 1, 3, 30, tzinfo=ZONE)
    services.monthly_snapshot(now=april_first)
    assert snapshot(MARCH) == {person.pk: Level.ACTED}


def test_the_tasks_run_the_services():
    person = PersonFactory()
    RoleFactory(person=person)
    assert tasks.recompute_everyone.enqueue().return_value == 1
    assert tasks.monthly_snapshot.enqueue().return_value == 1
    assert tasks.recompute_people.enqueue([person.pk]).return_value == 0


def test_the_jobs_are_registered_for_the_night_and_the_month():
    nightly, monthly = jobs["engagement.recompute"], jobs["engagement.snapshot"]
    assert (nightly.period, nightly.task, nightly.not_before_hour) == (
        "daily",
        tasks.recompute_everyone,
        2,
    )
    assert (monthly.period, monthly.task) == ("monthly", tasks.monthly_snapshot)


def test_the_scheduler_enqueues_the_night_run_once_and_not_before_two():
    assert "engagement.recompute" not in run_due_jobs(dt.datetime(2026, 4, 1, 1, 59, tzinfo=ZONE))
    assert "engagement.recompute" in run_due_jobs(dt.datetime(2026, 4, 1, 2, 5, tzinfo=ZONE))
    assert "engagement.recompute" not in run_due_jobs(dt.datetime(2026, 4, 1, 2, 10, tzinfo=ZONE))
    assert "engagement.snapshot" in run_due_jobs(dt.datetime(2026, 4, 1, 3, 5, tzinfo=ZONE))
    assert "engagement.snapshot" not in run_due_jobs(dt.datetime(2026, 4, 20, 3, 5, tzinfo=ZONE))
