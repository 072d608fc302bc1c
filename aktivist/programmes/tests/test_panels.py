"""The person page's programmes panel: registrations (for events the viewer may see),
completed programmes, the next steps they offer, and completions recorded by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from aktivist.programmes.models import Programme, ProgrammeCompletion, Registration
from aktivist.programmes.tests.factories import (
    EventFactory,
    ProgrammeCompletionFactory,
    ProgrammeFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db


def _page(client, person):
    response = client.get(reverse("people:detail", args=[person.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def history(world):
    meeting = ProgrammeFactory(name="Rekryteringsträff", kind=Programme.Kind.RECRUITMENT_MEETING)
    training = ProgrammeFactory(name="Kampanjutbildning")
    meeting.next_steps.add(training)
    person = world.member_a1
    past = timezone.now() - dt.timedelta(days=20)
    RegistrationFactory(
        person=person,
        status=Registration.Status.ATTENDED,
        event=EventFactory(
            unit=world.group_a1,
            programme=meeting,
            title="Träff i Malmö",
            starts_at=past,
            ends_at=past + dt.timedelta(hours=2),
        ),
    )
    RegistrationFactory(
        person=person,
        event=EventFactory(unit=world.group_b1, title="Träff i Umeå"),  # district B's event
    )
    ProgrammeCompletionFactory(person=person, programme=meeting)
    EventFactory(unit=world.group_a2, programme=training, title="Kampanjutbildning Lund")
    EventFactory(unit=world.group_b1, programme=training, title="Kampanjutbildning Umeå")
    return person, meeting, training


def test_the_panel_shows_events_completions_and_next_steps_in_scope(
    world, personas, client_for, history
):
    person, _meeting, _training = history

    html = _page(client_for(personas.district_a), person)

    assert "Events and programmes" in html
    assert "Träff i Malmö" in html and "Attended" in html
    assert "Träff i Umeå" not in html  # an event the viewer may not see
    assert "Rekryteringsträff" in html  # completed
    assert "Next steps offered" in html
    assert "Kampanjutbildning Lund" in html
    assert "Kampanjutbildning Umeå" not in html


def test_the_secretariat_sees_every_event(world, personas, client_for, history):
    person, _, _ = history
    html = _page(client_for(personas.staff), person)
    assert "Träff i Umeå" in html
    assert "Kampanjutbildning Umeå" in html


def test_recording_a_completion_from_the_panel(world, personas, client_for, history):
    person, _, training = history
    client = client_for(personas.district_a)
    assert "Record a completed programme" in _page(client, person)

    response = client.post(
        reverse("attendance:completion_record", args=[person.pk]),
        {"programme": training.pk, "completed_on": "2024-05-01"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("people:detail", args=[person.pk]) + "#programmes"
    completion = ProgrammeCompletion.objects.get(person=person, programme=training)
    assert completion.completed_on == dt.date(2024, 5, 1)
    assert completion.recorded_by == personas.district_a
    html = _page(client, person)
    assert "recorded by hand" in html


def test_taking_back_a_completion_from_the_panel(world, personas, client_for, history):
    person, meeting, _ = history
    completion = ProgrammeCompletion.objects.get(person=person, programme=meeting)
    response = client_for(personas.staff).post(
        reverse("attendance:completion_undo", args=[completion.pk]), follow=True
    )
    assert "is no longer recorded as completed" in response.content.decode()
    assert not ProgrammeCompletion.objects.filter(pk=completion.pk).exists()


def test_coordinators_see_the_panel_but_record_nothing(world, personas, client_for, history):
    person, meeting, training = history
    client = client_for(personas.coordinator_a1)
    html = _page(client, person)
    assert "Träff i Malmö" in html
    assert "Record a completed programme" not in html
    response = client.post(
        reverse("attendance:completion_record", args=[person.pk]), {"programme": training.pk}
    )
    assert response.status_code == 404
    completion = ProgrammeCompletion.objects.get(person=person, programme=meeting)
    assert (
        client.post(reverse("attendance:completion_undo", args=[completion.pk])).status_code == 404
    )
    assert not ProgrammeCompletion.objects.filter(programme=training).exists()


def test_no_completions_for_people_outside_scope(world, personas, client_for):
    training = ProgrammeFactory()
    response = client_for(personas.district_a).post(
        reverse("attendance:completion_record", args=[world.member_b1.pk]),
        {"programme": training.pk},
    )
    assert response.status_code == 404
    assert not ProgrammeCompletion.objects.exists()


def test_the_panel_costs_a_few_queries(
    world, personas, client_for, history, django_assert_max_num_queries
):
    from aktivist.programmes.panels import programmes_context

    person, _, _ = history
    with django_assert_max_num_queries(8):
        context = programmes_context(personas.staff, person)
        assert len(context["registrations"]) == 2
