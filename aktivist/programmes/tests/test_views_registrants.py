"""An event's organisers keep their registrants without seeing the people behind them: the
list as a file and a message to tonight's sign-ups, both showing only what was typed."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from aktivist.core.models import AuditEvent
from aktivist.programmes.models import Registration
from aktivist.programmes.tests.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db
S = Registration.Status


@pytest.fixture
def event(world):
    return EventFactory(unit=world.group_a1, title="Aktivistträff")


@pytest.fixture
def registrants(world, event):
    """Märta (a member of A1, visible), Björn (group B1: hidden) as he typed himself, an
    older registration of Ylva (nothing typed kept), and a cancelled one."""
    return {
        "marta": RegistrationFactory(
            event=event,
            person=world.member_a1,
            typed_first_name="Märta",
            typed_last_name="Malm",
            typed_email=world.member_a1.email,
        ),
        "bjorn": RegistrationFactory(
            event=event,
            person=world.member_b1,
            status=S.WAITLISTED,
            typed_first_name="Bjössa",
            typed_last_name="",
            typed_email="bjossa@example.net",
            typed_mobile="+46701234500",
        ),
        "ylva": RegistrationFactory(event=event, person=world.home_b),
        "cancelled": RegistrationFactory(
            event=event, person=world.home_a, status=S.CANCELLED, typed_email="hanna@example.com"
        ),
    }


def _csv(client, event) -> str:
    response = client.get(reverse("programmes:registrations_csv", args=[event.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_the_list_as_a_file_holds_what_was_typed_never_the_hidden_person(
    world, personas, client_for, event, registrants
):
    text = _csv(client_for(personas.coordinator_a1), event)

    assert "Bjössa" in text and "bjossa@example.net" in text and "070-123 45 00" in text
    assert "Björn" not in text and world.member_b1.email not in text
    assert "Ylva" not in text and world.home_b.email not in text
    assert "Märta" in text
    event_audit = AuditEvent.objects.get(verb="event.registrations_export")
    assert event_audit.actor == personas.coordinator_a1
    assert event_audit.details == {"rows": 4}


def test_a_coordinator_of_another_group_gets_no_file(
    world, personas, client_for, event, registrants
):
    response = client_for(personas.coordinator_b1).get(
        reverse("programmes:registrations_csv", args=[event.pk])
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(verb="event.registrations_export").exists()


def test_on_a_national_event_a_coordinator_gets_only_their_own_people(world, personas, client_for):
    national = EventFactory(unit=world.national)
    RegistrationFactory(event=national, person=world.member_a1, typed_first_name="Märta")
    RegistrationFactory(event=national, person=world.member_b1, typed_first_name="Bjössa")

    text = _csv(client_for(personas.coordinator_a1), national)

    assert "Märta" in text and "Bjössa" not in text


def test_the_organisers_write_to_the_registrants_typed_addresses(
    world, personas, client_for, event, registrants, django_capture_on_commit_callbacks
):
    client = client_for(personas.coordinator_a1)
    page = client.get(reverse("programmes:event_message", args=[event.pk])).content.decode()
    assert "Everyone signed up (seat or waiting list) (3)" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("programmes:event_message", args=[event.pk]),
            {"audience": "signed_up", "subject": "Ny lokal", "body": "Vi ses på Möllan i stället."},
        )

    assert response.status_code == 302
    sent = {message.to[0]: message for message in mail.outbox}
    assert set(sent) == {world.member_a1.email, "bjossa@example.net", world.home_b.email}
    assert world.member_b1.email not in sent  # his record's address is not what he typed
    assert "hanna@example.com" not in sent  # cancelled
    assert "Vi ses på Möllan i stället." in sent["bjossa@example.net"].body
    assert "Aktivistträff" in sent["bjossa@example.net"].subject
    audit = AuditEvent.objects.get(verb="event.message")
    assert audit.details == {"audience": "signed_up", "recipients": 3, "subject": "Ny lokal"}


def test_only_the_organisers_write_and_a_few_times_a_day(
    world, personas, client_for, event, registrants, settings, django_capture_on_commit_callbacks
):
    url = reverse("programmes:event_message", args=[event.pk])
    national = EventFactory(unit=world.national)
    assert client_for(personas.coordinator_b1).get(url).status_code == 404
    assert (
        client_for(personas.coordinator_a1)
        .get(reverse("programmes:event_message", args=[national.pk]))
        .status_code
        == 404
    )
    settings.EVENT_MESSAGES_PER_DAY = 1
    client = client_for(personas.coordinator_a1)
    data = {"audience": "seated", "subject": "Hej", "body": "Välkomna!"}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
        again = client.post(url, data)
    assert again.status_code == 400
    assert "in the last 24 hours" in again.content.decode()
    assert len(mail.outbox) == 2  # Märta and Ylva hold seats; the second message never went


def test_an_erased_person_is_never_written_to(
    world, personas, client_for, event, registrants, django_capture_on_commit_callbacks
):
    world.home_b.is_active = False
    world.home_b.save()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(personas.coordinator_a1).post(
            reverse("programmes:event_message", args=[event.pk]),
            {"audience": "signed_up", "subject": "Hej", "body": "Välkomna!"},
        )
    assert world.home_b.email not in {m.to[0] for m in mail.outbox}
    assert len(mail.outbox) == 2
