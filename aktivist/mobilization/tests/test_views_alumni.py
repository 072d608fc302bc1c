from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from aktivist.organisation.tests.factories import RoleFactory, RoleTypeFactory
from aktivist.people.tests.factories import PersonFactory

URL = reverse("alumni:list")


@pytest.fixture
def alumni(world):
    contact = RoleTypeFactory(slug="group-contact")
    treasurer = RoleTypeFactory(slug="treasurer", name="Kassör", name_en="Treasurer")
    people = {}
    for key, unit, role_type, ended in (
        ("a1_2019", world.group_a1, contact, dt.date(2019, 6, 30)),
        ("a2_2022", world.group_a2, treasurer, dt.date(2022, 12, 31)),
        ("b1_2021", world.group_b1, contact, dt.date(2021, 3, 1)),
    ):
        person = PersonFactory(first_name=f"Alumn-{key}", last_name="Alm")
        RoleFactory(
            person=person,
            unit=unit,
            role_type=role_type,
            started_on=dt.date(2015, 1, 1),
            ended_on=ended,
        )
        people[key] = person
    return people, contact, treasurer


def names(response):
    html = response.content.decode()
    return {key for key in ("a1_2019", "a2_2022", "b1_2021") if f"Alumn-{key}" in html}


def test_alumni_list_shows_person_role_unit_and_period(client_for, personas, world, alumni):
    people, _, _ = alumni
    html = client_for(personas.staff).get(URL).content.decode()
    assert reverse("people:detail", args=[people["a2_2022"].pk]) in html
    assert "Treasurer" in html and "Grupp Lund" in html
    assert "2015-01-01 – 2022-12-31" in html
    assert "Rut Roos" not in html  # her role is current


def test_district_sees_only_alumni_of_its_district(client_for, personas, world, alumni):
    assert names(client_for(personas.district_a).get(URL)) == {"a1_2019", "a2_2022"}
    assert names(client_for(personas.staff).get(URL)) == {"a1_2019", "a2_2022", "b1_2021"}


def test_filters_by_role_type_unit_subtree_and_years(client_for, personas, world, alumni):
    _, contact, treasurer = alumni
    client = client_for(personas.staff)
    assert names(client.get(URL, {"role_type": contact.pk})) == {"a1_2019", "b1_2021"}
    assert names(client.get(URL, {"unit": world.district_a.pk})) == {"a1_2019", "a2_2022"}
    assert names(client.get(URL, {"ended_from": 2020, "ended_to": 2021})) == {"b1_2021"}
    assert names(client.get(URL, {"ended_from": 2022})) == {"a2_2022"}


def test_bad_filters_show_errors_not_a_crash(client_for, personas, world, alumni):
    client = client_for(personas.district_a)
    response = client.get(URL, {"ended_from": 2023, "ended_to": 2020})
    assert response.status_code == 200
    assert "The last year must not be before the first." in response.content.decode()
    outside = client.get(URL, {"unit": world.group_b1.pk})
    assert "Select a valid choice" in outside.content.decode()
    assert client.get(URL, {"ended_from": "x", "page": "y"}).status_code == 200


def test_alumni_list_is_paginated(client_for, personas, world, django_assert_max_num_queries):
    contact = RoleTypeFactory(slug="group-contact")
    for _ in range(55):
        RoleFactory(
            person=PersonFactory(),
            unit=world.group_a1,
            role_type=contact,
            started_on=dt.date(2020, 1, 1),
            ended_on=dt.date(2021, 1, 1),
        )
    client = client_for(personas.staff)
    with django_assert_max_num_queries(10):
        first = client.get(URL).content.decode()
    assert 'rel="next"' in first
    second = client.get(URL, {"page": 2}).content.decode()
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_board_viewer_gets_not_found(client_for, personas, world):
    assert client_for(personas.board).get(URL).status_code == 404
