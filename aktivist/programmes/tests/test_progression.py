"""Completing programmes by attendance (once, dated by the event that completed it) or by
hand, taking them back, and the next steps a completion offers: the email and the list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from aktivist.core.exceptions import ApplicationError
from aktivist.core.models import AuditEvent
from aktivist.organisation.models import Unit
from aktivist.organisation.tests.factories import UnitFactory
from aktivist.people.tests.factories import PersonFactory
from aktivist.programmes import attendance, progression
from aktivist.programmes.models import Programme, ProgrammeCompletion, Registration
from aktivist.programmes.tests.factories import (
    EventFactory,
    ProgrammeCompletionFactory,
    ProgrammeFactory,
    RegistrationFactory,
)

S = Registration.Status
pytestmark = pytest.mark.django_db


def _past_event(programme, unit, days_ago: int, **kwargs):
    starts = timezone.now() - dt.timedelta(days=days_ago)
    return EventFactory(
        programme=programme,
        unit=unit,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        **kwargs,
    )


def _check_in(actor, event, person):
    registration = RegistrationFactory(event=event, person=person)
    attendance.attendance_set(actor=actor, registration=registration, attended=True)
    return registration


@pytest.fixture
def thread(world):
    """Recruitment meeting → campaign training (two sessions) → leadership programme."""
    leadership = ProgrammeFactory(
        name="Ledarskapsprogrammet", kind=Programme.Kind.LEADERSHIP_PROGRAMME
    )
    training = ProgrammeFactory(
        name="Kampanjutbildning", kind=Programme.Kind.CAMPAIGN_TRAINING, events_to_complete=2
    )
    training.next_steps.add(leadership)
    meeting = ProgrammeFactory(name="Rekryteringsträff", kind=Programme.Kind.RECRUITMENT_MEETING)
    meeting.next_steps.add(training)
    return meeting, training, leadership


def test_attending_enough_events_completes_the_programme_once(world, personas, thread):
    _meeting, training, _ = thread
    first = _past_event(training, world.group_a1, days_ago=10)
    second = _past_event(training, world.group_a1, days_ago=3)
    person = world.member_a1

    _check_in(personas.coordinator_a1, second, person)
    assert not ProgrammeCompletion.objects.filter(person=person).exists()

    _check_in(personas.coordinator_a1, first, person)
    completion = ProgrammeCompletion.objects.get(person=person, programme=training)
    # Dated by the event that completed it: the second in time, whatever the order of taps.
    assert completion.completed_on == timezone.localdate(second.starts_at)
    assert completion.event == second
    assert completion.recorded_by is None
    assert AuditEvent.objects.filter(verb="completion.create", person_id=person.pk).count() == 1


def test_undoing_the_attendance_takes_back_the_completion(world, personas, thread):
    meeting, _, _ = thread
    event = _past_event(meeting, world.group_a1, days_ago=1)
    registration = _check_in(personas.coordinator_a1, event, world.member_a1)
    assert ProgrammeCompletion.objects.filter(person=world.member_a1).count() == 1

    attendance.attendance_set(
        actor=personas.coordinator_a1, registration=registration, attended=False
    )

    assert not ProgrammeCompletion.objects.filter(person=world.member_a1).exists()


def test_a_completion_recorded_by_hand_is_never_taken_back_by_attendance(world, personas, thread):
    meeting, _, _ = thread
    progression.completion_record(actor=personas.staff, person=world.member_a1, programme=meeting)
    event = _past_event(meeting, world.group_a1, days_ago=1)
    registration = _check_in(personas.coordinator_a1, event, world.member_a1)
    attendance.attendance_set(
        actor=personas.coordinator_a1, registration=registration, attended=False
    )
    completion = ProgrammeCompletion.objects.get(person=world.member_a1)
    assert completion.recorded_by == personas.staff


def test_completing_sends_the_next_steps_with_links_to_upcoming_events(
    world, personas, thread, settings, django_capture_on_commit_callbacks
):
    meeting, training, _ = thread
    settings.SITE_URL = "https://aktivist.example.org"
    soon = EventFactory(programme=training, unit=world.group_a1, title="Kampanjutbildning Malmö")
    EventFactory(
        programme=training, unit=world.group_a1, title="Inställd", cancelled_at=timezone.now()
    )
    EventFactory(programme=training, unit=world.group_a1, title="Opublicerad", is_published=False)
    person = world.member_a1
    person.language = "en"
    person.save()

    with django_capture_on_commit_callbacks(execute=True):
        _check_in(personas.coordinator_a1, _past_event(meeting, world.group_a1, 1), person)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [person.email]
    assert "Rekryteringsträff" in message.subject
    assert "Kampanjutbildning Malmö" in message.body
    assert f"https://aktivist.example.org/e/{soon.slug}/" in message.body
    assert "Inställd" not in message.body and "Opublicerad" not in message.body
    html = message.alternatives[0][0]
    assert f'href="https://aktivist.example.org/e/{soon.slug}/"' in html


def test_the_next_steps_email_is_sent_once_per_programme(
    world, personas, thread, django_capture_on_commit_callbacks
):
    meeting, _, _ = thread
    event = _past_event(meeting, world.group_a1, 1)
    with django_capture_on_commit_callbacks(execute=True):
        registration = _check_in(personas.coordinator_a1, event, world.member_a1)
    for attended in (False, True):
        with django_capture_on_commit_callbacks(execute=True):
            attendance.attendance_set(
                actor=personas.coordinator_a1, registration=registration, attended=attended
            )
    assert ProgrammeCompletion.objects.filter(person=world.member_a1).count() == 1
    assert len(mail.outbox) == 1


def test_no_email_to_someone_without_an_address(
    world, personas, thread, django_capture_on_commit_callbacks
):
    meeting, _, _ = thread
    person = PersonFactory(email=None)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _check_in(personas.staff, _past_event(meeting, world.group_a1, 1), person)
    assert callbacks  # the email task ran, and sent nothing
    assert ProgrammeCompletion.objects.filter(person=person).exists()
    assert mail.outbox == []


def test_staff_record_and_take_back_a_completion_by_hand(
    world, personas, thread, django_capture_on_commit_callbacks
):
    _, training, _ = thread
    day = timezone.localdate() - dt.timedelta(days=30)

    with django_capture_on_commit_callbacks(execute=True):
        completion = progression.completion_record(
            actor=personas.district_a, person=world.home_a, programme=training, completed_on=day
        )

    assert (completion.completed_on, completion.recorded_by) == (day, personas.district_a)
    assert len(mail.outbox) == 1
    with pytest.raises(ApplicationError):
        progression.completion_record(
            actor=personas.district_a, person=world.home_a, programme=training
        )
    progression.completion_undo(actor=personas.district_a, completion=completion)
    assert not ProgrammeCompletion.objects.exists()
    verbs = set(AuditEvent.objects.filter(person_id=world.home_a.pk).values_list("verb", flat=True))
    assert {"completion.record", "completion.undo"} <= verbs


@pytest.mark.parametrize("persona", ["coordinator_a1", "board"])
def test_coordinators_and_board_cannot_record_completions(world, personas, thread, persona):
    _, training, _ = thread
    with pytest.raises(ApplicationError):
        progression.completion_record(
            actor=getattr(personas, persona), person=world.member_a1, programme=training
        )


def test_a_district_representative_cannot_record_for_someone_outside_the_district(
    world, personas, thread
):
    _, training, _ = thread
    with pytest.raises(ApplicationError):
        progression.completion_record(
            actor=personas.district_a, person=world.member_b1, programme=training
        )


def test_no_completion_in_the_future(world, personas, thread):
    from django.core.exceptions import ValidationError

    _, training, _ = thread
    with pytest.raises(ValidationError):
        progression.completion_record(
            actor=personas.staff,
            person=world.member_a1,
            programme=training,
            completed_on=timezone.localdate() + dt.timedelta(days=1),
        )


def test_next_steps_skip_what_is_done_and_offer_the_home_district_first(world, thread):
    meeting, training, leadership = thread
    person = PersonFactory(home_unit=world.group_a1)
    ProgrammeCompletionFactory(person=person, programme=meeting)
    ProgrammeCompletionFactory(person=person, programme=training)
    far_sooner = EventFactory(
        programme=leadership,
        unit=world.group_b1,
        starts_at=timezone.now() + dt.timedelta(days=2),
        ends_at=timezone.now() + dt.timedelta(days=2, hours=2),
    )
    near_later = EventFactory(programme=leadership, unit=world.group_a2)

    steps = progression.next_steps_for(person)

    assert [s.programme for s in steps] == [leadership]  # training is done already
    assert steps[0].events == [near_later, far_sooner]


def test_next_steps_from_a_viewers_events_only(world, personas, thread):
    meeting, training, _ = thread
    person = world.member_a1
    ProgrammeCompletionFactory(person=person, programme=meeting)
    other_district = UnitFactory(kind=Unit.Kind.LOCAL_GROUP, parent=world.group_b1)
    EventFactory(programme=training, unit=other_district)
    from aktivist.programmes.selectors import events_visible_to

    steps = progression.next_steps_for(person, events=events_visible_to(personas.coordinator_a1))

    assert steps[0].programme == training
    assert steps[0].events == []
