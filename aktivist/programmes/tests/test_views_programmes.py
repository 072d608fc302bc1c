"""The programme pages: the red thread for every staff member, forms for the secretariat."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from aktivist.programmes.models import Programme
from aktivist.programmes.tests.factories import EventFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(world):
    first = ProgrammeFactory(name="Rekryteringsmöte", kind="recruitment_meeting")
    training = ProgrammeFactory(name="Kampanjutbildning", kind="campaign_training")
    leadership = ProgrammeFactory(name="Ledarskapsprogrammet", kind="leadership_programme")
    first.next_steps.set([training])
    training.next_steps.set([leadership])
    return first, training, leadership


def test_the_list_shows_each_programme_and_its_next_steps(thread, personas, client_for):
    body = (
        client_for(personas.coordinator_a1)
        .get(reverse("programmes:programme_list"))
        .content.decode()
    )
    first_at = body.index("Rekryteringsmöte")
    assert first_at < body.index("Kampanjutbildning") < body.index("Ledarskapsprogrammet")
    assert "Next steps:" in body
    # Only the secretariat is offered a new programme.
    assert reverse("programmes:programme_create") not in body
    staff_body = (
        client_for(personas.staff).get(reverse("programmes:programme_list")).content.decode()
    )
    assert reverse("programmes:programme_create") in staff_body


def test_the_programme_page_shows_where_it_comes_from_and_leads(
    thread, world, personas, client_for
):
    first, training, leadership = thread
    EventFactory(programme=training, unit=world.group_a1, title="Utbildning i Malmö")
    EventFactory(programme=training, unit=world.group_b1, title="Utbildning i Umeå")
    body = (
        client_for(personas.coordinator_a1)
        .get(reverse("programmes:programme_detail", args=[training.pk]))
        .content.decode()
    )
    assert "Rekryteringsmöte" in body and "Ledarskapsprogrammet" in body
    assert "Utbildning i Malmö" in body and "Utbildning i Umeå" not in body
    assert reverse("programmes:programme_edit", args=[training.pk]) not in body


def test_the_secretariat_creates_a_programme_with_next_steps(thread, personas, client_for):
    _, training, _ = thread
    response = client_for(personas.staff).post(
        reverse("programmes:programme_create"),
        {
            "name": "Introduktion",
            "kind": "introduction",
            "description": "Vad vi gör och hur.",
            "counts_as_training": "",
            "next_steps": [training.pk],
            "events_to_complete": "1",
            "is_active": "on",
        },
    )
    programme = Programme.objects.get(name="Introduktion")
    assert response["Location"] == reverse("programmes:programme_detail", args=[programme.pk])
    assert not programme.counts_as_training  # introductions are no training
    assert list(programme.next_steps.all()) == [training]


def test_the_edit_form_offers_other_programmes_only(thread, personas, client_for):
    first, training, _ = thread
    url = reverse("programmes:programme_edit", args=[training.pk])
    client = client_for(personas.staff)
    body = client.get(url).content.decode()
    offered = {int(v) for v in re.findall(r'name="next_steps" value="(\d+)"', body)}
    assert offered == {first.pk, thread[2].pk}
    response = client.post(
        url,
        {
            "name": "Kampanjutbildning",
            "kind": "campaign_training",
            "counts_as_training": "no",
            "next_steps": [training.pk],
            "events_to_complete": "2",
            "is_active": "on",
        },
    )
    assert response.status_code == 200  # itself is no choice
    response = client.post(
        url,
        {
            "name": "Kampanjutbildning",
            "kind": "campaign_training",
            "counts_as_training": "no",
            "next_steps": [first.pk],
            "events_to_complete": "2",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    training.refresh_from_db()
    assert not training.counts_as_training and training.events_to_complete == 2
    assert list(training.next_steps.all()) == [first]


@pytest.mark.parametrize("persona", ["district_a", "coordinator_a1", "board"])
def test_programme_forms_are_not_found_for_others(persona, thread, personas, client_for):
    client = client_for(getattr(personas, persona))
    assert client.get(reverse("programmes:programme_create")).status_code == 404
    response = client.post(
        reverse("programmes:programme_edit", args=[thread[0].pk]),
        {"name": "Kapat", "kind": "other", "events_to_complete": "1"},
    )
    assert response.status_code == 404
    assert not Programme.objects.filter(name="Kapat").exists()
