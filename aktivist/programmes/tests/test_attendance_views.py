"""The check-in page at the door and the attendance upload page: who may use them, what
a tap, a search and a walk-in answer (with htmx and without), and the queries a list costs."""

from __future__ import annotations

import datetime as dt
import re
import tempfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from aktivist.people.models import Person, ReviewItem
from aktivist.people.tests.factories import PersonFactory
from aktivist.programmes.models import AttendanceUpload, Registration
from aktivist.programmes.tests.factories import EventFactory, RegistrationFactory

S = Registration.Status
pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def event(world):
    starts = timezone.now() - dt.timedelta(minutes=10)
    return EventFactory(
        unit=world.group_a1,
        title="Rekryteringsträff Malmö",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
    )


def _url(event, name="checkin", *args):
    return reverse(f"attendance:{name}", args=[event.pk, *args])


def test_the_names_of_the_pages(event):
    assert _url(event) == f"/programmes/events/{event.pk}/checkin/"
    assert _url(event, "upload") == f"/programmes/events/{event.pk}/attendance/upload/"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("admin", 200),
        ("staff", 200),
        ("district_a", 200),
        ("coordinator_a1", 200),
        ("coordinator_b1", 404),
        ("board", 404),
    ],
)
def test_who_keeps_the_door(world, personas, client_for, event, persona, status):
    assert client_for(getattr(personas, persona)).get(_url(event)).status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client, event):
    assert client.get(_url(event)).status_code == 302


def test_the_coordinator_sees_every_registration_of_the_groups_event_as_typed(
    world, personas, client_for, event
):
    RegistrationFactory(
        event=event, person=world.member_a1, typed_first_name="Märta", typed_last_name="Malm"
    )
    RegistrationFactory(
        event=event,
        person=world.member_b1,
        status=S.WAITLISTED,
        typed_first_name="Bjössa",
        typed_email="typed-by-him@example.org",
    )
    RegistrationFactory(event=event, person=world.home_b)  # older: nothing typed kept
    RegistrationFactory(event=event, person=world.home_a, status=S.CANCELLED)

    html = client_for(personas.coordinator_a1).get(_url(event)).content.decode()

    assert "Märta Malm" in html
    assert "Bjössa" in html  # what he typed into the coordinator's event
    assert "Björn" not in html and "Berg" not in html  # never the record behind it
    assert "Name not recorded" in html  # Ylva, registered before typed values were kept
    assert "Ylva" not in html
    assert "Waiting list" in html
    assert "Hanna Holm" not in html  # cancelled
    assert 'aria-pressed="false"' in html


def test_the_list_costs_the_same_queries_for_two_or_forty_people(
    world, personas, client_for, event, django_assert_max_num_queries
):
    client = client_for(personas.coordinator_a1)
    RegistrationFactory.create_batch(2, event=event)
    client.get(_url(event))  # warm the session
    with django_assert_max_num_queries(20) as few:
        client.get(_url(event))
    RegistrationFactory.create_batch(38, event=event)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(_url(event))
    assert response.content.decode().count('class="checkin-button"') == 40


def test_search_as_you_type_answers_with_the_list_only(world, personas, client_for, event):
    RegistrationFactory(event=event, person=world.member_a1)
    RegistrationFactory(event=event, person=world.role_a1)

    response = client_for(personas.coordinator_a1).get(
        _url(event), {"q": "rut"}, HTTP_HX_TARGET="checkin-list", **HTMX
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="checkin-list"')
    assert "Rut Roos" in html and "Märta Malm" not in html
    assert "<html" not in html


def test_a_tap_with_htmx_answers_with_the_row_and_the_counts(world, personas, client_for, event):
    registration = RegistrationFactory(event=event, person=world.member_a1)

    response = client_for(personas.coordinator_a1).post(
        _url(event, "toggle", registration.pk), {"attended": "1"}, **HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="checkin-{registration.pk}"' in html
    assert 'hx-swap-oob="true"' in html.split("</li>")[0]  # found by id when it arrives
    assert 'aria-pressed="true"' in html and "Checked in" in html
    assert (
        'id="checkin-counts" class="checkin-counts" aria-live="polite" hx-swap-oob="true"' in html
    )
    assert "1 checked in" in html
    registration.refresh_from_db()
    assert registration.status == S.ATTENDED


def test_a_tap_without_javascript_redirects_back_to_the_list(world, personas, client_for, event):
    registration = RegistrationFactory(event=event, person=world.member_a1)
    response = client_for(personas.coordinator_a1).post(
        _url(event, "toggle", registration.pk), {"attended": "1", "q": "mär"}
    )
    assert response.status_code == 302
    assert response["Location"] == _url(event) + "?q=m%C3%A4r"
    registration.refresh_from_db()
    assert registration.status == S.ATTENDED


def test_undoing_a_walk_in_removes_the_row(world, personas, client_for, event):
    registration = RegistrationFactory(
        event=event, person=world.member_a1, status=S.ATTENDED, source=Registration.Source.WALK_IN
    )
    response = client_for(personas.coordinator_a1).post(
        _url(event, "toggle", registration.pk), {"attended": "0"}, **HTMX
    )
    html = response.content.decode()
    assert f'<li id="checkin-{registration.pk}" hx-swap-oob="delete"></li>' in html
    assert 'id="checkin-counts"' in html


def test_nobody_taps_a_registration_they_cannot_see(world, personas, client_for):
    national = EventFactory(unit=world.national)
    registration = RegistrationFactory(event=national, person=world.member_b1)
    response = client_for(personas.coordinator_a1).post(
        _url(national, "toggle", registration.pk), {"attended": "1"}
    )
    assert response.status_code == 404
    registration.refresh_from_db()
    assert registration.status == S.REGISTERED


def test_a_tap_on_another_events_registration_is_not_found(world, personas, client_for, event):
    other = RegistrationFactory(event=EventFactory(unit=world.group_a1), person=world.member_a1)
    response = client_for(personas.coordinator_a1).post(
        _url(event, "toggle", other.pk), {"attended": "1"}
    )
    assert response.status_code == 404


def test_a_walk_in_with_htmx(world, personas, client_for, event):
    response = client_for(personas.coordinator_a1).post(
        _url(event, "walk_in"),
        {"first_name": "Nora", "last_name": "Nyberg", "email": "nora@example.org", "q": ""},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nora Nyberg is checked in." in html
    assert 'id="checkin-list" class="checkin-list-wrap" hx-swap-oob="true"' in html
    assert Registration.objects.get(event=event, person__email="nora@example.org").status == (
        S.ATTENDED
    )


def test_a_walk_in_outside_scope_shows_only_what_was_typed(world, personas, client_for, event):
    outsider = world.member_b1
    response = client_for(personas.coordinator_a1).post(
        _url(event, "walk_in"), {"first_name": "Typed", "email": outsider.email}, **HTMX
    )
    html = response.content.decode()
    assert "Typed is checked in." in html
    assert reverse("people:detail", args=[outsider.pk]) not in html
    # The refreshed list shows what was typed, never the person it matched.
    assert "Björn" not in html and "Berg" not in html
    assert "1 checked in" in html
    client = client_for(personas.coordinator_a1)
    # Typing someone's address at the door is no reason to see them anywhere else either.
    assert client.get(reverse("people:detail", args=[outsider.pk])).status_code == 404
    assert "Björn" not in client.get(_url(event)).content.decode()
    search = client.get(_url(event), {"q": "björn"}, HTTP_HX_TARGET="checkin-list", **HTMX)
    assert "Björn" not in search.content.decode()
    assert "No one on the list matches" in search.content.decode()
    # Typing them again answers as the first time, and holds nothing more.
    again = client.post(
        _url(event, "walk_in"), {"first_name": "Typed", "email": outsider.email}, **HTMX
    )
    assert reverse("people:detail", args=[outsider.pk]) not in again.content.decode()
    assert "Typed is checked in." in again.content.decode()
    assert not Registration.objects.filter(person=outsider).exists()
    assert ReviewItem.objects.filter(kind=ReviewItem.Kind.WALK_IN).count() == 1
    # The secretariat's review queue names him.
    review = client_for(personas.staff).get(reverse("people:review_list")).content.decode()
    assert "Björn Berg" in review


def test_a_walk_in_already_known_links_to_their_page(world, personas, client_for, event):
    response = client_for(personas.coordinator_a1).post(
        _url(event, "walk_in"), {"first_name": "Märta", "email": world.member_a1.email}, **HTMX
    )
    assert reverse("people:detail", args=[world.member_a1.pk]) in response.content.decode()


def test_a_malformed_walk_in_shows_the_errors_and_saves_nothing(world, personas, client_for, event):
    people = Person.objects.count()
    client = client_for(personas.coordinator_a1)
    response = client.post(_url(event, "walk_in"), {"first_name": "Ann"}, **HTMX)
    assert "Enter an email address or a mobile number." in response.content.decode()
    response = client.post(_url(event, "walk_in"), {"first_name": "Ann", "mobile": "123"})
    assert response.status_code == 400
    assert "Enter a valid phone number." in response.content.decode()
    assert Person.objects.count() == people


def test_mark_the_rest_as_no_shows(world, personas, client_for, event):
    registration = RegistrationFactory(event=event)
    client = client_for(personas.coordinator_a1)
    assert "Mark the rest as no-shows" in client.get(_url(event)).content.decode()
    response = client.post(_url(event, "no_show"), follow=True)
    assert "1 person who did not come is marked as a no-show." in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == S.NO_SHOW


def test_no_show_button_only_for_the_organisers_after_the_start(world, personas, client_for):
    national = EventFactory(
        unit=world.national,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(hours=1),
    )
    RegistrationFactory(event=national, person=world.member_a1)
    client = client_for(personas.coordinator_a1)
    assert "Mark the rest as no-shows" not in client.get(_url(national)).content.decode()
    assert client.post(_url(national, "no_show")).status_code == 404
    upcoming = EventFactory(unit=world.group_a1)
    RegistrationFactory(event=upcoming, person=world.member_a1)
    assert "Mark the rest as no-shows" not in client.get(_url(upcoming)).content.decode()


# --- Upload ----------------------------------------------------------------------------------


def _upload(client, event, text: str, encoding: str = "utf-8"):
    """Upload; once the task has read the list, the page the user is taken to."""
    return _posted(
        client,
        event,
        {"file": SimpleUploadedFile("lista.csv", text.encode(encoding), "text/csv")},
    )


def _posted(client, event, data):
    with TestCase.captureOnCommitCallbacks(execute=True):  # the task reads the file
        response = client.post(_url(event, "upload"), data)
    if response.status_code != 302:
        return response
    return client.get(response["Location"])


def test_the_upload_page_is_for_the_organisers(world, personas, client_for, event):
    assert client_for(personas.coordinator_a1).get(_url(event, "upload")).status_code == 200
    assert client_for(personas.coordinator_b1).get(_url(event, "upload")).status_code == 404
    national = EventFactory(unit=world.national)
    assert client_for(personas.coordinator_a1).get(_url(national, "upload")).status_code == 404


def test_a_clean_upload_records_attendance(world, personas, client_for, event):
    RegistrationFactory(event=event, person=world.member_a1)
    response = _upload(
        client_for(personas.coordinator_a1),
        event,
        f"Förnamn;Efternamn;E-post\nMärta;Malm;{world.member_a1.email}\nNy;Person;ny@example.org\n",
        encoding="cp1252",
    )
    assert response.status_code == 302
    assert response["Location"] == _url(event)
    assert Registration.objects.filter(event=event, status=S.ATTENDED).count() == 2


def test_a_malformed_upload_lists_the_refused_rows(world, personas, client_for, event):
    response = _upload(
        client_for(personas.coordinator_a1),
        event,
        "Förnamn;E-post\nAnn;ann@example.org\nBo;bo@@example\n",
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was recorded" in html
    assert "“bo@@example” is not a valid email address." in html
    assert not Registration.objects.filter(event=event).exists()


def test_a_file_that_is_not_a_list_is_refused(world, personas, client_for, event):
    response = _posted(
        client_for(personas.coordinator_a1),
        event,
        {"file": SimpleUploadedFile("bild.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "image/png")},
    )
    assert response.status_code == 400
    assert "binary data" in response.content.decode()


def test_an_upload_does_not_name_people_outside_scope(world, personas, client_for, event):
    person = PersonFactory(first_name="Hemlig", last_name="Hemligsson")  # outside A1's scope
    response = _upload(
        client_for(personas.coordinator_a1), event, f"Förnamn;E-post\nX;{person.email}\n"
    )
    assert response.status_code == 302
    html = client_for(personas.coordinator_a1).get(response["Location"]).content.decode()
    assert "Hemlig" not in html
    assert "1 checked in" in html  # counted, never named
    page = client_for(personas.coordinator_a1).get(reverse("people:detail", args=[person.pk]))
    assert page.status_code == 404


def test_the_upload_request_never_reads_the_list(
    world, personas, client_for, event, django_capture_on_commit_callbacks
):
    # Issue 15: the request stores the file; a task reads and records it.
    from unittest import mock

    from aktivist.programmes import attendance_upload

    client = client_for(personas.coordinator_a1)
    text = f"Förnamn;E-post\nMärta;{world.member_a1.email}\n"
    fail = AssertionError("read in the request")
    with (
        mock.patch.object(attendance_upload, "open_table", side_effect=fail),
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        response = client.post(
            _url(event, "upload"),
            {"file": SimpleUploadedFile("lista.csv", text.encode("cp1252"), "text/csv")},
        )
        assert response.status_code == 302
        page = client.get(response["Location"])
        html = page.content.decode()
        assert page.status_code == 200
        assert "Reading the file…" in html and 'hx-trigger="every 2s"' in html
        # Someone else organising the event does not see another's upload.
        other = client_for(personas.district_a)
        assert other.get(response["Location"])["Location"] == _url(event, "upload")
    assert not Registration.objects.filter(event=event).exists()

    assert len(callbacks) == 1
    callbacks[0]()  # the worker
    assert Registration.objects.filter(event=event, status=S.ATTENDED).count() == 1
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert partial["HX-Redirect"] == response["Location"]
    done = client.get(response["Location"])
    assert done["Location"] == _url(event)
    assert "1 people marked as attended" in client.get(done["Location"]).content.decode()
    # Shown once, then nothing of it is kept (no file, no row).
    assert not AttendanceUpload.objects.exists()
    assert client.get(response["Location"])["Location"] == _url(event, "upload")


def test_a_damaged_excel_list_is_explained_without_paths(world, personas, client_for, event):
    data = b"PK\x03\x04" + b"\x00" * 200  # a ZIP cut short
    response = _posted(
        client_for(personas.coordinator_a1),
        event,
        {"file": SimpleUploadedFile("lista.xlsx", data, "application/octet-stream")},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "The Excel file is damaged or incomplete." in html
    assert tempfile.gettempdir() not in html
    assert not re.search(r"upload-[0-9a-f]{32}", html)  # the stored file's name
