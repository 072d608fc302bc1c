"""Programmes and events: who may write them, what the services refuse, what they audit,
and cancelling an event (registrants are told by email)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from aktivist.core.exceptions import ApplicationError
from aktivist.core.models import AuditEvent
from aktivist.people.tests.factories import PersonFactory
from aktivist.programmes import services
from aktivist.programmes.models import Event, Programme, Registration
from aktivist.programmes.tests.factories import (
    EventFactory,
    ProgrammeFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db


def in_days(days: float, hour: int = 18) -> dt.datetime:
    day = timezone.localtime() + dt.timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def event_data(unit, **overrides):
    return {
        "unit": unit,
        "title": "Kampanjutbildning i Malmö",
        "starts_at": in_days(10),
        "ends_at": in_days(10, hour=21),
        "place": "Föreningarnas hus, Malmö",
        **overrides,
    }


# --- Programmes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "training"),
    [
        ("recruitment_meeting", False),
        ("campaign_training", True),
        ("project_leader_training", True),
        ("activist_seminar", True),
        ("leadership_programme", True),
        ("alumni_programme", False),
    ],
)
def test_counts_as_training_follows_the_kind_unless_said(kind, training, personas):
    programme = services.programme_create(
        actor=personas.staff, data={"name": "Program", "kind": kind}
    )
    assert programme.counts_as_training is training
    said = services.programme_create(
        actor=personas.staff,
        data={"name": "Program 2", "kind": kind, "counts_as_training": not training},
    )
    assert said.counts_as_training is (not training)


def test_programme_with_next_steps_is_created_and_audited(personas):
    training = ProgrammeFactory(name="Kampanjutbildning")
    leadership = ProgrammeFactory(name="Ledarskapsprogrammet", kind="leadership_programme")
    first = services.programme_create(
        actor=personas.staff,
        data={
            "name": "  Rekryteringsmöte ",
            "kind": "recruitment_meeting",
            "next_steps": [training, leadership],
            "events_to_complete": 1,
        },
    )
    assert first.name == "Rekryteringsmöte"
    assert set(first.next_steps.all()) == {training, leadership}
    assert training.previous_steps.get() == first
    audit = AuditEvent.objects.get(verb="programme.create")
    assert set(audit.details["next_steps"]) == {training.pk, leadership.pk}


@pytest.mark.parametrize("persona", ["district_a", "coordinator_a1", "board"])
def test_only_the_secretariat_writes_programmes(persona, personas):
    programme = ProgrammeFactory()
    with pytest.raises(ApplicationError):
        services.programme_create(
            actor=getattr(personas, persona), data={"name": "X", "kind": "other"}
        )
    with pytest.raises(ApplicationError):
        services.programme_update(
            actor=getattr(personas, persona), programme=programme, data={"name": "Y"}
        )
    assert Programme.objects.count() == 1
    assert not AuditEvent.objects.exists()


def test_programme_cannot_be_its_own_next_step(personas):
    programme = ProgrammeFactory()
    with pytest.raises(ValidationError) as exc:
        services.programme_update(
            actor=personas.staff, programme=programme, data={"next_steps": [programme]}
        )
    assert "next_steps" in exc.value.error_dict
    assert not programme.next_steps.exists()


def test_programme_update_changes_only_what_changed(personas):
    training = ProgrammeFactory(name="Utbildning")
    programme = ProgrammeFactory(name="Möte", kind="recruitment_meeting")
    services.programme_update(
        actor=personas.admin,
        programme=programme,
        data={"name": "Möte", "events_to_complete": 2, "next_steps": [training]},
    )
    programme.refresh_from_db()
    assert programme.events_to_complete == 2
    assert list(programme.next_steps.all()) == [training]
    assert AuditEvent.objects.get(verb="programme.update").details["fields"] == [
        "events_to_complete",
        "next_steps",
    ]
    # Nothing changed: nothing recorded.
    services.programme_update(actor=personas.admin, programme=programme, data={"name": "Möte"})
    assert AuditEvent.objects.filter(verb="programme.update").count() == 1


def test_programme_needs_at_least_one_event_to_complete(personas):
    with pytest.raises(ValidationError) as exc:
        services.programme_create(
            actor=personas.staff,
            data={"name": "X", "kind": "other", "events_to_complete": 0},
        )
    assert "events_to_complete" in exc.value.error_dict


# --- Events --------------------------------------------------------------------------------


def test_event_slug_is_suggested_from_the_title_and_kept_free(world, personas):
    first = services.event_create(actor=personas.staff, data=event_data(world.group_a1))
    second = services.event_create(actor=personas.staff, data=event_data(world.group_a1))
    assert first.slug == "kampanjutbildning-i-malmo"
    assert second.slug == "kampanjutbildning-i-malmo-2"
    audit = AuditEvent.objects.filter(verb="event.create").order_by("pk").first()
    assert audit is not None and audit.details["slug"] == "kampanjutbildning-i-malmo"


def test_a_chosen_slug_must_be_valid_and_free(world, personas):
    EventFactory(slug="traffen")
    with pytest.raises(ValidationError) as exc:
        services.event_create(actor=personas.staff, data=event_data(world.group_a1, slug="traffen"))
    assert "slug" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        services.event_create(
            actor=personas.staff, data=event_data(world.group_a1, slug="Träffen i Malmö")
        )
    assert "traffen-i-malmo" in str(exc.value.error_dict["slug"])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": in_days(9)}, "ends_at"),
        ({"registration_deadline": in_days(11)}, "registration_deadline"),
        ({"place": "", "online_url": ""}, "place"),
        ({"capacity": 0}, "capacity"),
        ({"title": "  "}, "title"),
    ],
)
def test_bad_events_are_refused_field_by_field(overrides, field, world, personas):
    with pytest.raises(ValidationError) as exc:
        services.event_create(actor=personas.staff, data=event_data(world.group_a1, **overrides))
    assert field in exc.value.error_dict
    assert not Event.objects.exists()


def test_online_only_event_and_deadline_at_the_start_are_fine(world, personas):
    event = services.event_create(
        actor=personas.staff,
        data=event_data(
            world.national,
            place="",
            online_url="https://meet.example.org/traff",
            registration_deadline=in_days(10),
            capacity=30,
        ),
    )
    assert event.online_url and event.capacity == 30


def test_scoped_roles_organise_events_for_their_own_units_only(world, personas):
    event = services.event_create(actor=personas.coordinator_a1, data=event_data(world.group_a1))
    assert event.created_by == personas.coordinator_a1
    for unit in (world.group_b1, world.national, world.district_a):
        with pytest.raises(ValidationError) as exc:
            services.event_create(actor=personas.coordinator_a1, data=event_data(unit))
        assert "unit" in exc.value.error_dict
    district_event = services.event_create(
        actor=personas.district_a, data=event_data(world.group_a2)
    )
    assert district_event.unit == world.group_a2


def test_scoped_roles_cannot_change_national_events(world, personas):
    national = EventFactory(unit=world.national, title="Riksmötet")
    with pytest.raises(ApplicationError):
        services.event_update(
            actor=personas.district_a, event=national, data={"title": "Skånes möte"}
        )
    with pytest.raises(ApplicationError):
        services.event_cancel(actor=personas.district_a, event=national)
    national.refresh_from_db()
    assert national.title == "Riksmötet" and national.cancelled_at is None


def test_the_address_stays_once_people_signed_up(world, personas):
    event = EventFactory(unit=world.group_a1, slug="traffen")
    services.event_update(actor=personas.staff, event=event, data={"slug": "motet"})
    RegistrationFactory(event=event)
    with pytest.raises(ValidationError) as exc:
        services.event_update(actor=personas.staff, event=event, data={"slug": "annat"})
    assert "slug" in exc.value.error_dict
    event.refresh_from_db()
    assert event.slug == "motet"


def test_seats_never_drop_below_those_taken(world, personas):
    event = EventFactory(unit=world.group_a1, capacity=3)
    RegistrationFactory.create_batch(2, event=event)
    with pytest.raises(ValidationError) as exc:
        services.event_update(actor=personas.staff, event=event, data={"capacity": 1})
    assert "2" in str(exc.value.error_dict["capacity"])
    services.event_update(actor=personas.staff, event=event, data={"capacity": 2})


def test_more_seats_go_to_the_waiting_list_in_order_and_they_are_told(
    world, personas, django_capture_on_commit_callbacks, monkeypatch
):
    told: list[int] = []
    from aktivist.programmes import notifications

    monkeypatch.setattr(notifications, "send_promotion", told.append)
    event = EventFactory(unit=world.group_a1, capacity=1)
    RegistrationFactory(event=event)
    now = timezone.now()
    first = RegistrationFactory(
        event=event, status="waitlisted", waitlisted_at=now - dt.timedelta(hours=2)
    )
    second = RegistrationFactory(
        event=event, status="waitlisted", waitlisted_at=now - dt.timedelta(hours=1)
    )
    third = RegistrationFactory(event=event, status="waitlisted", waitlisted_at=now)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(actor=personas.staff, event=event, data={"capacity": 3})
    statuses = dict(Registration.objects.values_list("pk", "status"))
    assert statuses[first.pk] == statuses[second.pk] == "registered"
    assert statuses[third.pk] == "waitlisted"
    assert told == [first.pk, second.pk]


def test_no_limit_lets_everyone_off_the_waiting_list(world, personas):
    event = EventFactory(unit=world.group_a1, capacity=1)
    RegistrationFactory(event=event)
    RegistrationFactory.create_batch(3, event=event, status="waitlisted")
    services.event_update(actor=personas.staff, event=event, data={"capacity": None})
    assert not Registration.objects.filter(status="waitlisted").exists()


# --- Cancelling an event -------------------------------------------------------------------


def test_cancelling_tells_everyone_signed_up_or_waiting_in_their_language(
    world, personas, django_capture_on_commit_callbacks
):
    event = EventFactory(unit=world.group_a1, title="Kampanjutbildning", place="Malmö")
    RegistrationFactory(event=event, person=PersonFactory(email="anna@example.org"))
    RegistrationFactory(
        event=event,
        status="waitlisted",
        person=PersonFactory(email="ben@example.org", language="en"),
    )
    RegistrationFactory(event=event, status="cancelled", person=PersonFactory())
    RegistrationFactory(event=event, person=PersonFactory(email=None))
    RegistrationFactory(event=event, person=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(actor=personas.coordinator_a1, event=event)
    event.refresh_from_db()
    assert event.is_cancelled and not event.accepts_sign_ups()
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"anna@example.org", "ben@example.org"}
    assert "Kampanjutbildning" in by_address["anna@example.org"].subject
    english = by_address["ben@example.org"]
    assert english.subject == "Cancelled: Kampanjutbildning"
    assert "waiting list" in english.body and "Malmö" in english.body
    audit = AuditEvent.objects.get(verb="event.cancel")
    assert audit.details == {"registrants": 4}
    # The registrations stay as they were: the list still shows whom to call.
    assert Registration.objects.filter(event=event, status="registered").count() == 3


def test_one_failing_address_does_not_stop_the_others(
    world, personas, django_capture_on_commit_callbacks, caplog
):
    event = EventFactory(unit=world.group_a1)
    RegistrationFactory(event=event, person=PersonFactory(email="real@gmail.com"))
    RegistrationFactory(event=event, person=PersonFactory(email="ok@example.org"))
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(actor=personas.staff, event=event)
    assert [m.to for m in mail.outbox] == [["ok@example.org"]]
    assert "gmail" not in caplog.text  # no address in the logs


def test_an_event_is_cancelled_once_and_never_after_it_took_place(world, personas):
    event = EventFactory(unit=world.group_a1)
    services.event_cancel(actor=personas.staff, event=event)
    with pytest.raises(ApplicationError):
        services.event_cancel(actor=personas.staff, event=event)
    past = EventFactory(
        unit=world.group_a1,
        starts_at=timezone.now() - dt.timedelta(days=2),
        ends_at=timezone.now() - dt.timedelta(days=2) + dt.timedelta(hours=2),
    )
    with pytest.raises(ApplicationError):
        services.event_cancel(actor=personas.staff, event=past)
    with pytest.raises(ApplicationError):
        services.event_update(actor=personas.staff, event=event, data={"title": "Ny"})
