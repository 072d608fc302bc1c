"""Registrations and completed programmes in the merge, export and erasure registries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from aktivist.core.registries import erasure_registry, export_registry, merge_registry
from aktivist.imports.duplicate_review import person_merge
from aktivist.people.tests.factories import PersonFactory
from aktivist.programmes.models import ProgrammeCompletion, Registration
from aktivist.programmes.selectors import event_counts
from aktivist.programmes.tests.factories import (
    EventFactory,
    ProgrammeCompletionFactory,
    ProgrammeFactory,
    RegistrationFactory,
)

S = Registration.Status


def test_both_models_are_in_every_registry():
    for model in (Registration, ProgrammeCompletion):
        assert model in merge_registry
        assert model in export_registry
        assert model in erasure_registry


@pytest.mark.parametrize(
    ("keep_status", "drop_status", "winner"),
    [
        (S.REGISTERED, S.ATTENDED, "drop"),
        (S.ATTENDED, S.NO_SHOW, "keep"),
        (S.NO_SHOW, S.REGISTERED, "drop"),
        (S.WAITLISTED, S.NO_SHOW, "drop"),
        (S.CANCELLED, S.WAITLISTED, "drop"),
        (S.REGISTERED, S.CANCELLED, "keep"),
    ],
)
def test_merge_keeps_the_better_status_per_event(personas, keep_status, drop_status, winner):
    keep, drop = PersonFactory(), PersonFactory()
    event = EventFactory(starts_at=timezone.now() - dt.timedelta(days=3))
    kept_row = RegistrationFactory(person=keep, event=event, status=keep_status)
    dropped_row = RegistrationFactory(person=drop, event=event, status=drop_status)
    moved = RegistrationFactory(person=drop)  # another event: simply moves

    person_merge(actor=personas.staff, keep=keep, drop=drop)

    survivor = Registration.objects.get(event=event)
    assert survivor.person == keep
    assert survivor.pk == (kept_row.pk if winner == "keep" else dropped_row.pk)
    moved.refresh_from_db()
    assert moved.person == keep


def test_merge_on_a_tie_keeps_the_earlier_registration(personas):
    keep, drop = PersonFactory(), PersonFactory()
    event = EventFactory()
    later = RegistrationFactory(person=keep, event=event)
    earlier = RegistrationFactory(person=drop, event=event)
    Registration.objects.filter(pk=earlier.pk).update(
        created_at=timezone.now() - dt.timedelta(days=2)
    )
    person_merge(actor=personas.staff, keep=keep, drop=drop)
    assert list(Registration.objects.filter(event=event).values_list("pk", flat=True)) == [
        earlier.pk
    ]
    assert not Registration.objects.filter(pk=later.pk).exists()


def test_a_seat_freed_by_a_merge_goes_to_the_first_on_the_waiting_list(personas):
    keep, drop = PersonFactory(), PersonFactory()
    event = EventFactory(capacity=2)
    RegistrationFactory(person=keep, event=event)
    RegistrationFactory(person=drop, event=event)  # one person holding two seats
    first = RegistrationFactory(event=event, status=S.WAITLISTED)
    second = RegistrationFactory(event=event, status=S.WAITLISTED)
    Registration.objects.filter(pk=first.pk).update(
        waitlisted_at=timezone.now() - dt.timedelta(hours=1)
    )

    person_merge(actor=personas.staff, keep=keep, drop=drop)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (S.REGISTERED, S.WAITLISTED)
    counts = event_counts(event)
    assert (counts.seats_taken, counts.waitlisted) == (2, 1)


def test_a_merge_promotes_no_one_for_a_past_event(personas):
    keep, drop = PersonFactory(), PersonFactory()
    event = EventFactory(capacity=1, starts_at=timezone.now() - dt.timedelta(days=1))
    RegistrationFactory(person=keep, event=event, status=S.ATTENDED)
    RegistrationFactory(person=drop, event=event, status=S.ATTENDED)
    waiting = RegistrationFactory(event=event, status=S.WAITLISTED)
    person_merge(actor=personas.staff, keep=keep, drop=drop)
    waiting.refresh_from_db()
    assert waiting.status == S.WAITLISTED
    assert not mail.outbox


def test_erasure_keeps_registrations_so_counts_never_change(db):
    event = EventFactory(guardian_required_under_18=True)
    person = PersonFactory()
    RegistrationFactory(
        person=person,
        event=event,
        status=S.ATTENDED,
        guardian_name="Eva Ek",
        guardian_contact="eva@example.org",
        tracking_token="tok-1",
    )
    RegistrationFactory(event=event)
    before = event_counts(event)

    erasure_registry[Registration]([person.pk])

    after = event_counts(event)
    assert (after.registered, after.attended) == (before.registered, before.attended) == (1, 1)
    # The row stays on the person's record (privacy's erasure makes it a tombstone).
    erased = Registration.objects.get(event=event, person=person)
    assert erased.status == S.ATTENDED
    assert (erased.guardian_name, erased.guardian_contact, erased.tracking_token) == ("", "", "")


def test_erasure_blanks_what_was_typed_and_held_walk_ins_that_typed_their_address(db):
    event = EventFactory()
    person = PersonFactory(email="rut@example.org", mobile="+46701234599")
    RegistrationFactory(
        person=person,
        event=event,
        typed_first_name="Rut",
        typed_email="rut@example.org",
        typed_mobile="+46701234599",
    )
    held = RegistrationFactory(
        person=None, event=event, typed_first_name="R", typed_mobile="+46701234599"
    )
    other = RegistrationFactory(event=event, typed_first_name="Ola", typed_email="ola@example.org")

    child = RegistrationFactory(
        event=event, guardian_name="Rut Ek", guardian_contact="+46701234599", typed_first_name="Mo"
    )

    erasure_registry[Registration]([person.pk])

    for registration in Registration.objects.filter(person=person):
        assert (
            registration.typed_first_name,
            registration.typed_email,
            registration.typed_mobile,
        ) == ("", "", "")
    child.refresh_from_db()
    # Her child's registration keeps what the child typed, but not her as the guardian.
    assert (child.typed_first_name, child.guardian_name, child.guardian_contact) == ("Mo", "", "")
    held.refresh_from_db()
    assert held.typed_first_name == ""
    other.refresh_from_db()
    assert other.typed_email == "ola@example.org"


def test_the_export_lists_what_was_typed(db):
    person = PersonFactory()
    RegistrationFactory(person=person, typed_first_name="Rut", typed_email="rut@example.org")
    _section, handler = export_registry[Registration]
    (row,) = handler(person)
    assert (row["typed_first_name"], row["typed_email"]) == ("Rut", "rut@example.org")


def test_the_export_lists_the_persons_registrations(db):
    person = PersonFactory()
    event = EventFactory(title="Kampanjutbildning i Lund", slug="kampanjutbildning-lund")
    RegistrationFactory(person=person, event=event, status=S.ATTENDED)
    RegistrationFactory(event=event)  # someone else's
    section, handler = export_registry[Registration]
    rows = handler(person)
    assert section == "programmes.registration"
    assert len(rows) == 1
    assert rows[0]["event__title"] == "Kampanjutbildning i Lund"
    assert rows[0]["event__slug"] == "kampanjutbildning-lund"
    assert rows[0]["status"] == S.ATTENDED


@pytest.mark.parametrize("earlier", ["keep", "drop"])
def test_merge_keeps_the_earlier_completion(personas, earlier):
    keep, drop = PersonFactory(), PersonFactory()
    programme, other = ProgrammeFactory(), ProgrammeFactory()
    old, new = dt.date(2024, 5, 1), dt.date(2025, 5, 1)
    ProgrammeCompletionFactory(
        person=keep, programme=programme, completed_on=old if earlier == "keep" else new
    )
    ProgrammeCompletionFactory(
        person=drop, programme=programme, completed_on=new if earlier == "keep" else old
    )
    ProgrammeCompletionFactory(person=drop, programme=other)

    person_merge(actor=personas.staff, keep=keep, drop=drop)

    survivor = ProgrammeCompletion.objects.get(programme=programme)
    assert (survivor.person, survivor.completed_on) == (keep, old)
    assert ProgrammeCompletion.objects.get(programme=other).person == keep


def test_erasure_keeps_completions_and_export_lists_them(db):
    person = PersonFactory()
    programme = ProgrammeFactory(name="Ledarskapsprogrammet")
    ProgrammeCompletionFactory(person=person, programme=programme, completed_on=dt.date(2025, 3, 9))
    ProgrammeCompletionFactory(programme=programme)  # someone else's
    section, handler = export_registry[ProgrammeCompletion]
    assert section == "programmes.programmecompletion"
    assert handler(person) == [
        {
            "programme__name": "Ledarskapsprogrammet",
            "programme__kind": programme.kind,
            "completed_on": dt.date(2025, 3, 9),
            "event__title": None,
        }
    ]
    erasure_registry[ProgrammeCompletion]([person.pk])
    # Kept on the tombstone: the red-thread report counts who went on to a training.
    assert ProgrammeCompletion.objects.filter(person=person).count() == 1
    assert ProgrammeCompletion.objects.filter(programme=programme).count() == 2
