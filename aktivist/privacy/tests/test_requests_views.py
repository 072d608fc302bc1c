"""The data-subject requests pages: who may open them, registering a request, the list by
deadline, linking the person, and the steps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aktivist.core.models import AuditEvent
from aktivist.privacy import requests as dsar
from aktivist.privacy.models import DataSubjectRequest

pytestmark = pytest.mark.django_db

LIST = "/privacy/requests/"


def make_request(actor, *, received_on=None, **extra):
    return dsar.request_register(
        actor=actor,
        kind=extra.pop("kind", DataSubjectRequest.Kind.ACCESS),
        channel=DataSubjectRequest.Channel.LETTER,
        received_on=received_on or timezone.localdate(),
        requester_name=extra.pop("requester_name", "Folke Fors"),
        requester_contact="folke@example.org",
        **extra,
    )


@pytest.mark.parametrize("who", ["admin", "staff", "dpo"])
def test_the_secretariat_and_the_officer_open_the_requests(personas, client_for, who):
    item = make_request(personas.staff)
    client = client_for(getattr(personas, who))
    assert client.get(LIST).status_code == 200
    assert client.get(f"{LIST}{item.pk}/").status_code == 200
    assert client.get(f"{LIST}new/").status_code == 200


@pytest.mark.parametrize("who", ["district_a", "coordinator_a1", "coordinator_b1", "board"])
def test_everyone_else_gets_not_found(personas, client_for, who):
    item = make_request(personas.staff)
    client = client_for(getattr(personas, who))
    for url in (LIST, f"{LIST}new/", f"{LIST}{item.pk}/"):
        assert client.get(url).status_code == 404, url
    response = client.post(f"{LIST}{item.pk}/refuse/", {"reason": "Nej"})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.status == DataSubjectRequest.Status.RECEIVED


def test_anonymous_visitors_are_sent_to_log_in(personas, client_for):
    response = client_for(None).get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_officer_registers_a_request_and_sees_its_deadline(personas, client_for):
    client = client_for(personas.dpo)
    response = client.post(
        f"{LIST}new/",
        {
            "kind": "erasure",
            "channel": "email",
            "received_on": "2026-01-31",
            "requester_name": "Folke Fors",
            "requester_contact": "folke@example.org",
            "details": "Radera allt om mig.",
        },
    )
    item = DataSubjectRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{LIST}{item.pk}/"
    assert item.due_on == dt.date(2026, 2, 28)
    assert item.received_by == personas.dpo
    page = client.get(f"{LIST}{item.pk}/").content.decode()
    assert "2026-02-28" in page
    assert "Folke Fors" in page


def test_a_future_receipt_date_is_refused_on_the_form(personas, client_for):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client_for(personas.staff).post(
        f"{LIST}new/",
        {
            "kind": "access",
            "channel": "email",
            "received_on": tomorrow.isoformat(),
            "requester_name": "Folke",
        },
    )
    assert response.status_code == 400
    assert not DataSubjectRequest.objects.exists()


def test_the_list_shows_overdue_and_due_this_week_before_the_rest(personas, client_for):
    today = timezone.localdate()
    later = make_request(personas.staff, requester_name="Senare Sven")
    soon = make_request(personas.staff, requester_name="Snart Stina")
    late = make_request(personas.staff, requester_name="Sen Sara")
    DataSubjectRequest.objects.filter(pk=soon.pk).update(due_on=today + dt.timedelta(days=3))
    DataSubjectRequest.objects.filter(pk=late.pk).update(due_on=today - dt.timedelta(days=2))
    DataSubjectRequest.objects.filter(pk=later.pk).update(due_on=today + dt.timedelta(days=20))

    page = client_for(personas.dpo).get(LIST).content.decode()

    overdue_at = page.index("Past the deadline")
    week_at = page.index("Due this week")
    later_at = page.index("Open, due later")
    assert overdue_at < page.index("Sen Sara") < week_at
    assert week_at < page.index("Snart Stina") < later_at < page.index("Senare Sven")
    assert page.count("Overdue") == 1


def test_staff_find_and_link_the_person_the_request_is_about(world, personas, client_for):
    item = make_request(personas.staff)
    client = client_for(personas.staff)
    page = client.get(f"{LIST}{item.pk}/", {"q": "Fors"}).content.decode()
    assert "Folke Fors" in page and f'value="{world.former_member_a1.pk}"' in page
    # The search leaves its kind and a keyed hash, never the text.
    search = AuditEvent.objects.get(verb="people.search", actor=personas.staff)
    assert search.details["kind"] == "name" and "Fors" not in str(search.details)

    response = client.post(f"{LIST}{item.pk}/person/", {"person": world.former_member_a1.pk})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.person == world.former_member_a1
    assert AuditEvent.objects.filter(
        verb="privacy.request_person_linked", person_id=world.former_member_a1.pk
    ).exists()


def test_the_officer_can_neither_search_nor_link_people(world, personas, client_for):
    item = make_request(personas.dpo)
    client = client_for(personas.dpo)
    page = client.get(f"{LIST}{item.pk}/", {"q": "Fors"}).content.decode()
    assert f'value="{world.former_member_a1.pk}"' not in page
    assert 'name="q"' not in page
    response = client.post(f"{LIST}{item.pk}/person/", {"person": world.former_member_a1.pk})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.person is None


def test_a_person_can_be_preselected_from_their_page(world, personas, client_for):
    client = client_for(personas.staff)
    person = world.home_a
    page = client.get(f"{LIST}new/", {"person": person.pk}).content.decode()
    assert person.full_name in page
    client.post(
        f"{LIST}new/",
        {
            "person": person.pk,
            "kind": "access",
            "channel": "phone",
            "received_on": timezone.localdate().isoformat(),
            "requester_name": person.full_name,
        },
    )
    assert DataSubjectRequest.objects.get().person == person


def test_refusing_without_a_reason_is_refused_with_a_message(personas, client_for):
    item = make_request(personas.staff)
    response = client_for(personas.staff).post(f"{LIST}{item.pk}/refuse/", {"reason": ""})
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.status == DataSubjectRequest.Status.RECEIVED


def test_the_steps_from_identity_to_fulfilled_and_their_history(world, personas, client_for):
    item = make_request(personas.staff, person=world.home_a)
    client = client_for(personas.staff)
    assert client.post(f"{LIST}{item.pk}/fulfil/", {"outcome": "x"}).status_code == 400
    client.post(f"{LIST}{item.pk}/identity/", {"method": "Svar från registrerad adress"})
    client.post(f"{LIST}{item.pk}/extend/", {"months": "2", "reason": "Många system"})
    client.post(f"{LIST}{item.pk}/fulfil/", {"outcome": "Registerutdrag skickat"})
    item.refresh_from_db()
    assert item.status == DataSubjectRequest.Status.FULFILLED
    assert item.extended_to is not None
    page = client.get(f"{LIST}{item.pk}/").content.decode()
    for step in ("Registered", "Identity checked", "Deadline extended", "Fulfilled"):
        assert step in page
    assert "Registerutdrag skickat" in page


def test_an_extension_of_three_months_is_not_offered_or_accepted(personas, client_for):
    item = make_request(personas.staff)
    response = client_for(personas.staff).post(
        f"{LIST}{item.pk}/extend/", {"months": "3", "reason": "Långt"}
    )
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.extended_to is None


def test_an_erasure_request_links_to_erasing_the_person(world, personas, client_for):
    from django.urls import reverse

    item = make_request(personas.staff, kind=DataSubjectRequest.Kind.ERASURE, person=world.home_a)
    dsar.request_check_identity(actor=personas.staff, request=item, method="Legitimation")
    page = client_for(personas.staff).get(f"{LIST}{item.pk}/").content.decode()
    erase = reverse("privacy:person_erase", args=[world.home_a.pk])
    assert f"{erase}?request={item.pk}" in page
    # The officer is told the secretariat erases; no button.
    officer_page = client_for(personas.dpo).get(f"{LIST}{item.pk}/").content.decode()
    assert erase not in officer_page


def test_the_person_panel_include_lists_open_requests_and_links_a_new_one(world, personas):
    from django.template.loader import render_to_string

    item = make_request(personas.staff, person=world.home_a)
    html = render_to_string("privacy/requests/_person_requests.html", {"person": world.home_a})
    assert f"{LIST}{item.pk}/" in html
    assert f"{LIST}new/?person={world.home_a.pk}" in html
    # As the person page's panel passes it.
    panel = render_to_string(
        "privacy/requests/_person_requests.html", {"panel": {"person": world.home_a}}
    )
    assert f"{LIST}{item.pk}/" in panel
    dsar.request_refuse(actor=personas.staff, request=item, reason="Dubblett")
    html = render_to_string("privacy/requests/_person_requests.html", {"person": world.home_a})
    assert f"{LIST}{item.pk}/" not in html


def test_the_list_takes_the_same_queries_for_two_requests_or_twenty(personas, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(personas.dpo)
    client.get(LIST)  # the session and the scope are warm
    counts = []
    for total in (2, 20):
        while DataSubjectRequest.objects.count() < total:
            item = make_request(personas.staff)
            if item.pk % 3 == 0:
                dsar.request_refuse(actor=personas.staff, request=item, reason="Dubblett")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize(("who", "shown"), [("dpo", True), ("staff", True), ("district_a", False)])
def test_the_menu_leads_to_requests_retention_and_records(personas, client_for, who, shown):
    page = client_for(getattr(personas, who)).get("/accounts/me/").content.decode()
    for url in (LIST, "/privacy/retention/", "/privacy/records/"):
        assert (f'href="{url}"' in page) is shown, url


def test_an_access_request_links_to_the_persons_access_export(world, personas, client_for):
    from django.urls import reverse

    item = make_request(personas.staff, person=world.home_a)
    dsar.request_check_identity(actor=personas.staff, request=item, method="Legitimation")
    access = reverse("privacy:access", args=[world.home_a.pk])
    page = client_for(personas.staff).get(f"{LIST}{item.pk}/").content.decode()
    assert f'href="{access}"' in page
    assert client_for(personas.staff).get(access).status_code == 200
    # The officer has no people pages: no link.
    assert access not in client_for(personas.dpo).get(f"{LIST}{item.pk}/").content.decode()
