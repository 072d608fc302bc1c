from __future__ import annotations

import pytest
from django.urls import reverse

from aktivist.organisation.models import UnitMembership
from aktivist.people.models import ReviewItem

LIST = reverse("people:review_list")


@pytest.fixture
def held(client_for, personas, world):
    """District A tried to add someone whose email belongs to a district-B person."""
    world.member_b1.birth_year = None
    world.member_b1.save(update_fields=["birth_year"])
    client_for(personas.district_a).post(
        reverse("people:create"),
        {
            "first_name": "Björne",
            "last_name": "Berg",
            "email": world.member_b1.email,
            "birth_year": "1985",
            "city": "Lund",
            "language": "sv",
            "membership_status": "non_member",
            "unit": world.group_a2.pk,
        },
    )
    return ReviewItem.objects.get()


def test_only_national_roles_see_the_review_queue(client_for, personas, held):
    for persona in ("district_a", "coordinator_a1", "board"):
        client = client_for(getattr(personas, persona))
        assert client.get(LIST).status_code == 404, persona
        apply_url = reverse("people:review_apply", args=[held.pk])
        assert client.post(apply_url).status_code == 404, persona
    held.refresh_from_db()
    assert held.status == ReviewItem.Status.OPEN


def test_queue_shows_kind_requester_unit_values_and_the_matched_person(
    client_for, personas, world, held
):
    html = client_for(personas.staff).get(LIST).content.decode()
    assert "New person matches someone outside scope" in html
    assert personas.district_a.name in html
    assert "Grupp Lund" in html
    assert "Björne" in html and "1985" in html and "Lund" in html
    assert reverse("people:detail", args=[world.member_b1.pk]) in html


def test_apply_joins_the_matched_person_to_the_requesters_unit_and_fills_gaps(
    client_for, personas, world, held
):
    client = client_for(personas.staff)
    response = client.post(reverse("people:review_apply", args=[held.pk]), follow=True)
    assert "Applied." in response.content.decode()
    held.refresh_from_db()
    assert held.status == ReviewItem.Status.APPLIED
    assert UnitMembership.objects.filter(
        person=world.member_b1, unit=world.group_a2, ended_on__isnull=True
    ).exists()
    world.member_b1.refresh_from_db()
    assert world.member_b1.birth_year == 1985
    assert world.member_b1.first_name == "Björn"  # never overwritten
    assert "Björne" not in client.get(LIST).content.decode()
    again = client.post(reverse("people:review_apply", args=[held.pk]), follow=True)
    assert "already been handled" in again.content.decode()


def test_dismiss_closes_the_request_and_changes_no_one(client_for, personas, world, held):
    client = client_for(personas.admin)
    client.post(reverse("people:review_dismiss", args=[held.pk]))
    held.refresh_from_db()
    assert held.status == ReviewItem.Status.DISMISSED
    assert not UnitMembership.objects.filter(person=world.member_b1, unit=world.group_a2).exists()


def test_unknown_review_item_is_not_found(client_for, personas, world):
    client = client_for(personas.staff)
    assert client.post(reverse("people:review_apply", args=[424242])).status_code == 404
    assert client.get("/people/review/abc/apply/").status_code == 404
