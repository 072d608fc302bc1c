"""Writing levels: for some people after a change, for everyone at night; and what merge
and erasure do to the level rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from aktivist.core.registries import erasure_registry, export_registry, merge_registry
from aktivist.engagement import services
from aktivist.engagement.models import EngagementLevel, EngagementSnapshot, Level
from aktivist.engagement.signals import PendingRecompute
from aktivist.engagement.tests.helpers import participated
from aktivist.organisation.tests.factories import RoleFactory
from aktivist.people.models import Person
from aktivist.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

RECENT = timezone.now() - dt.timedelta(days=10)


def levels() -> dict[int, int]:
    return dict(EngagementLevel.objects.values_list("person_id", "level"))


def test_recompute_all_writes_levels_above_zero_only_in_chunks():
    role, acted, contact = PersonFactory(), PersonFactory(), PersonFactory()
    RoleFactory(person=role)
    participated(acted, RECENT)
    result = services.recompute_all(chunk_size=1)  # one person per range
    assert levels() == {role.pk: Level.HOLDS_ROLE, acted.pk: Level.ACTED}
    assert contact.pk not in levels()
    assert result.changed == 2


def test_running_the_nightly_recompute_twice_changes_nothing_the_second_time():
    person = PersonFactory()
    RoleFactory(person=person)
    services.recompute_all()
    first = EngagementLevel.objects.get(person=person)
    again = services.recompute_all()
    assert (again.changed, again.removed) == (0, 0)
    assert EngagementLevel.objects.get(person=person).computed_at == first.computed_at


def test_a_level_that_falls_to_zero_loses_its_row_and_a_change_is_rewritten():
    person = PersonFactory()
    role = RoleFactory(person=person)
    services.recompute_people([person.pk])
    assert levels() == {person.pk: Level.HOLDS_ROLE}
    participated(person, RECENT)
    role.ended_on = timezone.localdate()
    role.save()
    services.recompute_people([person.pk])
    assert levels() == {person.pk: Level.ACTED}
    type(role).objects.filter(pk=role.pk).delete()
    person.participations.all().delete()
    result = services.recompute_people([person.pk])
    assert levels() == {}
    assert result.removed == 1


def test_inactive_and_erased_people_lose_their_level_at_night():
    person = PersonFactory()
    RoleFactory(person=person)
    services.recompute_all()
    Person.objects.filter(pk=person.pk).update(is_active=False)  # a bulk path: no signal
    result = services.recompute_all()
    assert levels() == {}
    assert result.removed == 1


def test_recompute_people_ignores_ids_that_no_longer_exist():
    assert services.recompute_people([987654]).changed == 0


def test_recompute_people_only_touches_the_people_given():
    one, other = PersonFactory(), PersonFactory()
    RoleFactory(person=one)
    RoleFactory(person=other)
    services.recompute_people([one.pk])
    assert levels() == {one.pk: Level.HOLDS_ROLE}


def test_merge_keeps_the_higher_level_moves_snapshots_and_queues_a_recompute():
    keep, drop = PersonFactory(), PersonFactory()
    RoleFactory(person=drop)
    participated(keep, RECENT)
    services.recompute_all()
    march, april = dt.date(2026, 3, 1), dt.date(2026, 4, 1)
    EngagementSnapshot.objects.create(person=keep, month=march, level=1)
    EngagementSnapshot.objects.create(person=drop, month=march, level=5)
    EngagementSnapshot.objects.create(person=drop, month=april, level=4)

    for model in (EngagementLevel, EngagementSnapshot):
        merge_registry[model](keep, drop)

    assert levels() == {keep.pk: Level.HOLDS_ROLE}
    assert dict(EngagementSnapshot.objects.values_list("month", "level")) == {march: 5, april: 4}
    assert set(EngagementSnapshot.objects.values_list("person_id", flat=True)) == {keep.pk}
    # After commit the kept person is recomputed from the merged facts.
    pending = [c for _, c, _ in connection.run_on_commit if isinstance(c, PendingRecompute)]
    assert keep.pk in pending[0].person_ids


def test_export_lists_the_level_and_the_months_and_erasure_keeps_only_the_months():
    person = PersonFactory()
    RoleFactory(person=person)
    services.recompute_people([person.pk])
    EngagementSnapshot.objects.create(person=person, month=dt.date(2026, 3, 1), level=5)

    _, export_level = export_registry[EngagementLevel]
    _, export_snapshots = export_registry[EngagementSnapshot]
    assert export_level(person)[0]["level"] == Level.HOLDS_ROLE
    assert export_snapshots(person) == [{"month": dt.date(2026, 3, 1), "level": 5}]

    erasure_registry[EngagementLevel]([person.pk])
    erasure_registry[EngagementSnapshot]([person.pk])
    # No level now; the month stays on the tombstone (the counts per month never change).
    assert not EngagementLevel.objects.exists()
    assert EngagementSnapshot.objects.get().person_id == person.pk
