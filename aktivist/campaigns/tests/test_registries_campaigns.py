"""Participations in the merge, export and erasure registries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aktivist.campaigns.models import Action, Participation
from aktivist.campaigns.selectors import participation_count
from aktivist.campaigns.tests.factories import ActionFactory, ParticipationFactory
from aktivist.core.registries import erasure_registry, export_registry, merge_registry
from aktivist.imports.duplicate_review import person_merge
from aktivist.people.models import Person
from aktivist.people.tests.factories import PersonFactory


def _aged(participation: Participation, days: int) -> Participation:
    Participation.objects.filter(pk=participation.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days)
    )
    participation.refresh_from_db()
    return participation


def test_participations_are_in_every_registry():
    assert Participation in merge_registry
    assert Participation in export_registry
    assert Participation in erasure_registry


def test_erasure_keeps_the_actions_count_and_blanks_what_the_person_wrote(db):
    letter = ActionFactory(kind=Action.Kind.LETTER)
    person = PersonFactory()
    ParticipationFactory(
        person=person,
        action=letter,
        letter_text="Jag, Sara i Lund, skriver till er …",
        named=True,
        tracking_token="tok-123",
    )
    other = ParticipationFactory(action=letter, letter_text="Mitt eget brev", named=True)
    assert participation_count(letter, fresh=True) == 2

    erasure_registry[Participation]([person.pk])

    assert participation_count(letter, fresh=True) == 2
    # The row stays on the person's record (privacy's erasure makes it a tombstone).
    erased = Participation.objects.get(action=letter, person=person)
    assert (erased.letter_text, erased.named, erased.tracking_token) == ("", False, "")
    other.refresh_from_db()
    assert (other.letter_text, other.named) == ("Mitt eget brev", True)


def test_erasure_gives_a_participation_without_an_age_bracket_the_tombstones(db):
    person = PersonFactory()
    given = ParticipationFactory(person=person, age_bracket="13-17")
    unknown = ParticipationFactory(person=person)
    Person.objects.filter(pk=person.pk).update(erased_age_bracket="18-25")

    erasure_registry[Participation]([person.pk])

    given.refresh_from_db()
    unknown.refresh_from_db()
    assert (given.age_bracket, unknown.age_bracket) == ("13-17", "18-25")


@pytest.mark.parametrize("earlier", ["keep", "drop"])
def test_merge_keeps_the_earlier_participation_per_action(personas, earlier):
    keep, drop = PersonFactory(), PersonFactory()
    petition, other = ActionFactory(), ActionFactory()
    kept_row = ParticipationFactory(person=keep, action=petition, source=Participation.Source.WEB)
    dropped_row = ParticipationFactory(
        person=drop, action=petition, source=Participation.Source.API
    )
    _aged(kept_row if earlier == "keep" else dropped_row, days=5)
    moved = ParticipationFactory(person=drop, action=other)

    person_merge(actor=personas.staff, keep=keep, drop=drop)

    survivor = Participation.objects.get(action=petition)
    assert survivor.person == keep
    expected = Participation.Source.WEB if earlier == "keep" else Participation.Source.API
    assert survivor.source == expected
    moved.refresh_from_db()
    assert moved.person == keep
    assert participation_count(other, fresh=True) == 1


def test_the_access_export_lists_the_persons_participations(db):
    person = PersonFactory()
    action = ActionFactory(title_sv="Frige journalisten", slug="frige-journalisten")
    ParticipationFactory(person=person, action=action, named=True)
    ParticipationFactory(action=action)  # someone else's
    section, handler = export_registry[Participation]
    rows = handler(person)
    assert section == "campaigns.participation"
    assert len(rows) == 1
    assert rows[0]["action__title_sv"] == "Frige journalisten"
    assert rows[0]["action__slug"] == "frige-journalisten"
    assert rows[0]["named"] is True
