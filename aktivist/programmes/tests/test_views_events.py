"""The event pages: the list with its filters and counts, the forms, the event page with
its registrations (scoped), signing someone up, cancelling registrations and events."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from aktivist.core.models import AuditEvent
from aktivist.people.tests.factories import PersonFactory
from aktivist.programmes import notifications
from aktivist.programmes.models import Event, Registration
from aktivist.programmes.tests.factories import (
    EventFactory,
    ProgrammeFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quiet_notifications(monkeypatch):
    """The public pages' emails are theirs to test; here they only must not fail."""
    monkeypatch.setattr(notifications, "send_confirmation", lambda *a, **k: None)
    monkeypatch.setattr(notifications, "send_promotion", lambda *a, **k: None)


def local(days: float, hour: int = 18) -> str:
    day = timezone.localtime() + dt.timedelta(days=days)
    return day.replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


def event_post(unit, **overrides):
    return {
        "title": "Aktivistträff i Malmö",
        "programme": "",
        "unit": unit.pk,
        "starts_at": local(5),
        "ends_at": local(5, hour=20),
        "place": "Möllevångstorget 1",
        "online_url": "",
        "description": "Vi planerar hösten.",
        "capacity": "20",
        "registration_deadline": "",
        "language": "sv",
        "reminder_hours_before": "24",
        "slug": "",
        "is_published": "on",
        **overrides,
    }


# --- The list ------------------------------------------------------------------------------


def test_list_shows_seats_waiting_list_and_youth_share(world, personas, client_for):
    year = timezone.localdate().year
    event = EventFactory(unit=world.group_a1, title="Malmöträffen", capacity=2)
    RegistrationFactory(event=event, person=PersonFactory(birth_year=year - 19))
    RegistrationFactory(event=event, person=PersonFactory(birth_year=year - 40))
    RegistrationFactory(event=event, status="waitlisted", person=PersonFactory(birth_year=None))
    EventFactory(unit=world.group_b1, title="Umeåträffen")
    response = client_for(personas.coordinator_a1).get(reverse("programmes:event_list"))
    body = response.content.decode()
    assert "Malmöträffen" in body and "Umeåträffen" not in body
    assert "2 of 2 seats taken" in body
    assert "1 on the waiting list" in body
    assert "50 % young" in body


def test_list_filters_answer_htmx_with_the_results_only(world, personas, client_for):
    EventFactory(unit=world.group_a1, title="Ungdomsträff", for_young_people=True)
    EventFactory(unit=world.group_a1, title="Vuxenträff")
    url = reverse("programmes:event_list") + "?young=on"
    client = client_for(personas.staff)
    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert partial.startswith('<section id="event-results"')
    assert "Ungdomsträff" in partial and "Vuxenträff" not in partial
    full = client.get(url).content.decode()
    assert "<html" in full and "Ungdomsträff" in full and "Vuxenträff" not in full


def test_past_events_are_listed_apart(world, personas, client_for):
    then = timezone.now() - dt.timedelta(days=30)
    EventFactory(unit=world.group_a1, title="Förra månaden", starts_at=then)
    EventFactory(unit=world.group_a1, title="Nästa vecka")
    client = client_for(personas.staff)
    upcoming = client.get(reverse("programmes:event_list")).content.decode()
    past = client.get(reverse("programmes:event_list") + "?when=past").content.decode()
    assert "Nästa vecka" in upcoming and "Förra månaden" not in upcoming
    assert "Förra månaden" in past and "Nästa vecka" not in past


def test_a_unit_outside_the_scope_is_no_filter(world, personas, client_for):
    EventFactory(unit=world.group_b1, title="Umeåträffen")
    url = reverse("programmes:event_list") + f"?unit={world.group_b1.pk}"
    body = client_for(personas.coordinator_a1).get(url).content.decode()
    assert "Umeåträffen" not in body
    assert "Correct the filters" in body


def test_list_runs_a_fixed_number_of_queries(
    world, personas, client_for, django_assert_max_num_queries
):
    client = client_for(personas.coordinator_a1)
    client.get(reverse("programmes:event_list"))  # session and scope warmed up
    for _ in range(3):
        event = EventFactory(unit=world.group_a1, programme=ProgrammeFactory(), capacity=5)
        RegistrationFactory.create_batch(3, event=event)
    with django_assert_max_num_queries(12) as captured:
        client.get(reverse("programmes:event_list"))
    few = len(captured)
    for _ in range(5):
        EventFactory(unit=world.group_a1, programme=ProgrammeFactory())
    with django_assert_max_num_queries(few):
        client.get(reverse("programmes:event_list"))


# --- Forms ---------------------------------------------------------------------------------


def test_coordinator_creates_an_event_for_their_group(world, personas, client_for):
    client = client_for(personas.coordinator_a1)
    form = client.get(reverse("programmes:event_create")).content.decode()
    assert "Grupp Malmö" in form and "Grupp Umeå" not in form
    response = client.post(reverse("programmes:event_create"), event_post(world.group_a1))
    event = Event.objects.get()
    assert response["Location"] == reverse("programmes:event_detail", args=[event.pk])
    assert event.slug == "aktivisttraff-i-malmo" and event.capacity == 20
    assert event.created_by == personas.coordinator_a1


def test_a_bad_event_is_explained_and_nothing_is_saved(world, personas, client_for):
    response = client_for(personas.staff).post(
        reverse("programmes:event_create"),
        event_post(world.group_a1, ends_at=local(4), place=""),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "The event cannot end before it starts." in body
    assert "Give a place, an online link, or both." in body
    assert not Event.objects.exists()


def test_coordinator_cannot_post_an_event_for_another_group(world, personas, client_for):
    response = client_for(personas.coordinator_a1).post(
        reverse("programmes:event_create"), event_post(world.group_b1)
    )
    assert response.status_code == 200
    assert not Event.objects.exists()


def test_a_new_event_can_start_from_a_programme(world, personas, client_for):
    training = ProgrammeFactory(name="Kampanjutbildning")
    url = reverse("programmes:event_create") + f"?programme={training.pk}"
    body = client_for(personas.staff).get(url).content.decode()
    assert f'<option value="{training.pk}" selected>' in body


def test_edit_keeps_the_address_once_people_signed_up(world, personas, client_for):
    event = EventFactory(unit=world.group_a1, slug="malmotraffen", capacity=10)
    RegistrationFactory(event=event)
    client = client_for(personas.coordinator_a1)
    url = reverse("programmes:event_edit", args=[event.pk])
    assert "The address stays once people have signed up." in client.get(url).content.decode()
    data = event_post(world.group_a1, title="Nytt namn", slug="annat", capacity="12")
    response = client.post(url, data)
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.slug, event.capacity) == ("Nytt namn", "malmotraffen", 12)


# --- The event page ------------------------------------------------------------------------


def test_event_page_lists_registrations_by_status_within_the_scope(world, personas, client_for):
    event = EventFactory(unit=world.national, title="Riksmötet", capacity=1)
    RegistrationFactory(event=event, person=world.member_a1)
    RegistrationFactory(event=event, person=world.member_b1, status="waitlisted")
    body = (
        client_for(personas.coordinator_a1)
        .get(reverse("programmes:event_detail", args=[event.pk]))
        .content.decode()
    )
    assert "Märta Malm" in body and "Björn Berg" not in body
    assert "1 / 1" in body  # counts include everyone
    assert f"/e/{event.slug}/" in body
    staff_body = (
        client_for(personas.staff)
        .get(reverse("programmes:event_detail", args=[event.pk]))
        .content.decode()
    )
    assert "Björn Berg" in staff_body and "On the waiting list (1)" in staff_body


def test_event_page_runs_a_fixed_number_of_queries(
    world, personas, client_for, django_assert_max_num_queries
):
    event = EventFactory(unit=world.group_a1, capacity=3)
    client = client_for(personas.coordinator_a1)
    url = reverse("programmes:event_detail", args=[event.pk])
    client.get(url)
    RegistrationFactory.create_batch(3, event=event)
    with django_assert_max_num_queries(14) as captured:
        client.get(url)
    few = len(captured)
    RegistrationFactory.create_batch(10, event=event, status="waitlisted")
    RegistrationFactory.create_batch(5, event=event, status="cancelled")
    with django_assert_max_num_queries(few):
        client.get(url)


def test_the_event_page_links_to_checkin_and_attendance_upload(world, personas, client_for):
    event = EventFactory(unit=world.group_a1)
    body = (
        client_for(personas.coordinator_a1)
        .get(reverse("programmes:event_detail", args=[event.pk]))
        .content.decode()
    )
    for name in ("attendance:checkin", "attendance:upload"):
        assert f'href="{reverse(name, args=[event.pk])}"' in body


def test_search_and_sign_up_someone(world, personas, client_for):
    event = EventFactory(unit=world.group_a1, capacity=5)
    client = client_for(personas.coordinator_a1)
    url = reverse("programmes:registration_add", args=[event.pk])
    partial = client.get(url + "?q=Malm", headers={"HX-Request": "true"}).content.decode()
    assert partial.startswith('<div id="add-results"') and "Märta Malm" in partial
    assert "Björn" not in client.get(url + "?q=Berg").content.decode()
    response = client.post(url, {"person": world.member_a1.pk}, follow=True)
    assert "Märta Malm is signed up." in response.content.decode()
    registration = Registration.objects.get()
    assert (registration.person, registration.source) == (world.member_a1, "staff")


def test_signing_up_someone_outside_the_scope_is_not_found(world, personas, client_for):
    event = EventFactory(unit=world.group_a1)
    response = client_for(personas.coordinator_a1).post(
        reverse("programmes:registration_add", args=[event.pk]), {"person": world.member_b1.pk}
    )
    assert response.status_code == 404
    assert not Registration.objects.exists()


def test_cancel_by_htmx_says_who_got_the_seat(world, personas, client_for):
    event = EventFactory(unit=world.group_a1, capacity=1)
    seat = RegistrationFactory(event=event, person=world.member_a1)
    RegistrationFactory(event=event, person=world.role_a1, status="waitlisted")
    url = reverse("programmes:registration_cancel", args=[event.pk, seat.pk])
    response = client_for(personas.coordinator_a1).post(url, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.startswith('<div id="registrations"')
    assert "Märta Malm&#x27;s registration is cancelled." in body
    assert "Rut Roos got the seat from the waiting list" in body
    assert Registration.objects.get(person=world.role_a1).status == "registered"


def test_the_promoted_person_is_not_named_to_those_who_may_not_see_them(
    world, personas, client_for
):
    event = EventFactory(unit=world.national, capacity=1)
    seat = RegistrationFactory(event=event, person=world.member_a1)
    RegistrationFactory(event=event, person=world.member_b1, status="waitlisted")
    url = reverse("programmes:registration_cancel", args=[event.pk, seat.pk])
    response = client_for(personas.coordinator_a1).post(url, follow=True)
    body = response.content.decode()
    assert "The first on the waiting list got the seat" in body
    assert "Berg" not in body


def test_give_a_seat_by_htmx(world, personas, client_for):
    start = timezone.now() - dt.timedelta(minutes=5)
    event = EventFactory(
        unit=world.group_a1, capacity=2, starts_at=start, ends_at=start + dt.timedelta(hours=3)
    )
    RegistrationFactory(event=event)
    waiting = RegistrationFactory(event=event, person=world.member_a1, status="waitlisted")
    client = client_for(personas.coordinator_a1)
    page = client.get(reverse("programmes:event_detail", args=[event.pk])).content.decode()
    assert "Give a seat" in page
    response = client.post(
        reverse("programmes:registration_give_seat", args=[event.pk, waiting.pk]),
        headers={"HX-Request": "true"},
    )
    assert "Märta Malm has a seat now" in response.content.decode()
    assert Registration.objects.get(pk=waiting.pk).status == "registered"


def test_a_refusal_is_shown_in_the_partial(world, personas, client_for):
    event = EventFactory(unit=world.group_a1, capacity=1)
    RegistrationFactory(event=event)
    waiting = RegistrationFactory(event=event, person=world.member_a1, status="waitlisted")
    response = client_for(personas.staff).post(
        reverse("programmes:registration_give_seat", args=[event.pk, waiting.pk]),
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert "message--error" in body and "Every seat is taken" in body


def test_registration_of_someone_outside_the_scope_cannot_be_cancelled(world, personas, client_for):
    event = EventFactory(unit=world.national)
    other = RegistrationFactory(event=event, person=world.member_b1)
    url = reverse("programmes:registration_cancel", args=[event.pk, other.pk])
    assert client_for(personas.coordinator_a1).post(url).status_code == 404
    assert Registration.objects.get(pk=other.pk).status == "registered"


def test_cancel_an_event_after_confirming(world, personas, client_for):
    event = EventFactory(unit=world.group_a1, title="Malmöträffen")
    RegistrationFactory.create_batch(2, event=event)
    client = client_for(personas.coordinator_a1)
    url = reverse("programmes:event_cancel", args=[event.pk])
    confirm = client.get(url).content.decode()
    assert "2 people are signed up or on the waiting list" in confirm
    response = client.post(url, follow=True)
    assert "The event is cancelled." in response.content.decode()
    event.refresh_from_db()
    assert event.is_cancelled
    assert AuditEvent.objects.filter(verb="event.cancel").count() == 1
    # A cancelled event is not edited any more.
    edit = client.get(reverse("programmes:event_edit", args=[event.pk]))
    assert edit.status_code == 302


def test_cancel_and_edit_pages_are_not_found_for_national_events_to_scoped_roles(
    world, personas, client_for
):
    event = EventFactory(unit=world.national)
    client = client_for(personas.district_a)
    assert client.get(reverse("programmes:event_edit", args=[event.pk])).status_code == 404
    assert client.post(reverse("programmes:event_cancel", args=[event.pk])).status_code == 404
    assert not Event.objects.get(pk=event.pk).is_cancelled
