"""A fact that changes queues its person's recompute after commit: one task per
transaction, nothing computed inside the request, nothing queued by the bulk paths."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks.signals import task_enqueued

from aktivist.campaigns.models import Participation
from aktivist.campaigns.tests.factories import ActionFactory, ParticipationFactory
from aktivist.core.signals import facts_changed
from aktivist.engagement import services
from aktivist.engagement.models import EngagementLevel, Level
from aktivist.engagement.signals import PendingRecompute
from aktivist.organisation.models import Unit
from aktivist.organisation.tests.factories import RoleFactory, UnitFactory, UnitMembershipFactory
from aktivist.people.tests.factories import PersonFactory
from aktivist.programmes.tests.factories import (
    EventFactory,
    ProgrammeCompletionFactory,
    ProgrammeFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued() -> Any:
    """The person ids of every recompute task enqueued during the test."""
    calls: list[list[int]] = []

    def record(sender: Any, task_result: Any, **kwargs: Any) -> None:
        if task_result.task.name == "recompute_people":
            calls.append(task_result.args[0])

    task_enqueued.connect(record)
    yield calls
    task_enqueued.disconnect(record)


def level(person) -> int | None:
    return EngagementLevel.objects.filter(person=person).values_list("level", flat=True).first()


FACTS = {
    "participation": lambda p: ParticipationFactory(person=p),
    "registration": lambda p: RegistrationFactory(person=p),
    "training": lambda p: ProgrammeCompletionFactory(person=p, programme=ProgrammeFactory()),
    "membership": lambda p: UnitMembershipFactory(
        person=p, unit=UnitFactory(kind=Unit.Kind.SCHOOL_GROUP)
    ),
    "role": lambda p: RoleFactory(person=p),
}
EXPECTED = {
    "participation": Level.ACTED,
    "registration": Level.ACTED,
    "training": Level.TRAINED,
    "membership": Level.ACTIVE_IN_GROUP,
    "role": Level.HOLDS_ROLE,
}


@pytest.mark.parametrize("fact", list(FACTS))
def test_a_new_fact_raises_the_level_after_commit_not_before(
    fact, django_capture_on_commit_callbacks, queued
):
    person = PersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        FACTS[fact](person)
        assert level(person) is None  # nothing is computed inside the transaction
        assert queued == []
    assert level(person) == EXPECTED[fact]
    assert queued == [[person.pk]]


@pytest.mark.parametrize("fact", list(FACTS))
def test_deleting_a_fact_lowers_the_level_after_commit(fact, django_capture_on_commit_callbacks):
    person = PersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        row = FACTS[fact](person)
    assert level(person) == EXPECTED[fact]
    with django_capture_on_commit_callbacks(execute=True):
        row.delete()
    assert level(person) is None


def test_ending_a_role_lowers_the_level_after_commit(django_capture_on_commit_callbacks):
    person = PersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        role = RoleFactory(person=person)
        UnitMembershipFactory(person=person, unit=UnitFactory(kind=Unit.Kind.NETWORK))
    assert level(person) == Level.HOLDS_ROLE
    with django_capture_on_commit_callbacks(execute=True):
        role.ended_on = timezone.localdate()
        role.save(update_fields=["ended_on"])
    assert level(person) == Level.ACTIVE_IN_GROUP


def test_many_changes_in_one_transaction_queue_one_task(django_capture_on_commit_callbacks, queued):
    one, two = PersonFactory(), PersonFactory()
    event = EventFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for _ in range(3):
            ParticipationFactory(person=one)
        RegistrationFactory(person=one, event=event)
        RegistrationFactory(person=two, event=event)
        RoleFactory(person=two)
    assert len([c for c in callbacks if isinstance(c, PendingRecompute)]) == 1
    assert queued == [sorted([one.pk, two.pk])]
    assert (level(one), level(two)) == (Level.ACTS_REPEATEDLY, Level.HOLDS_ROLE)


def test_a_rolled_back_savepoint_takes_its_callback_along_and_later_changes_still_count(
    django_capture_on_commit_callbacks, queued
):
    lost, kept = PersonFactory(), PersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                RoleFactory(person=lost)
                raise RuntimeError("the form was refused")
        except RuntimeError:
            pass
        ParticipationFactory(person=kept)
    assert queued == [[kept.pk]]
    assert level(kept) == Level.ACTED
    assert level(lost) is None


def test_a_person_made_inactive_loses_the_level_after_commit(django_capture_on_commit_callbacks):
    person = PersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        RoleFactory(person=person)
    assert level(person) == Level.HOLDS_ROLE
    with django_capture_on_commit_callbacks(execute=True):
        person.is_active = False
        person.save(update_fields=["is_active"])
    assert level(person) is None


def test_editing_a_person_queues_nothing(django_capture_on_commit_callbacks):
    person = PersonFactory.create()
    with django_capture_on_commit_callbacks() as callbacks:
        person.first_name = "Greta"
        person.save()
    assert not [c for c in callbacks if isinstance(c, PendingRecompute)]


def test_bulk_paths_queue_nothing_the_nightly_run_catches_up(django_capture_on_commit_callbacks):
    person = PersonFactory()
    action = ActionFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        Participation.objects.bulk_create(
            [Participation(person=person, action=action, source=Participation.Source.IMPORT)]
        )
    assert callbacks == []
    services.recompute_all()
    assert level(person) == Level.ACTED


def test_a_bulk_write_that_announces_its_facts_joins_the_transactions_task(
    django_capture_on_commit_callbacks, queued
):
    """core.signals.facts_changed (sent by the programmes' bulk writes: attendance,
    no-shows, completions) lands in the same pending set as the model signals."""
    one, two = PersonFactory(), PersonFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        RoleFactory(person=one)
        facts_changed.send(sender=None, person_ids=[two.pk, None, one.pk])
    assert len([c for c in callbacks if isinstance(c, PendingRecompute)]) == 1
    assert queued == [sorted([one.pk, two.pk])]


@pytest.mark.django_db(transaction=True)
def test_in_a_real_transaction_the_task_runs_once_after_commit(queued):
    person = PersonFactory()
    with transaction.atomic():
        ParticipationFactory(person=person)
        ParticipationFactory(person=person)
        ParticipationFactory(person=person)
        assert queued == []
    assert queued == [[person.pk]]
    assert level(person) == Level.ACTS_REPEATEDLY
    # Outside a transaction a change is queued at once (autocommit).
    RoleFactory(person=person)
    assert queued == [[person.pk], [person.pk]]
    assert level(person) == Level.HOLDS_ROLE
