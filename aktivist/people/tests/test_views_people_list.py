from __future__ import annotations

from django.urls import reverse

from aktivist.people.models import Person
from aktivist.people.tests.factories import PersonFactory, TagFactory

URL = reverse("people:list")


def test_anonymous_visitor_is_sent_to_login(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_board_viewer_gets_not_found(client_for, personas):
    assert client_for(personas.board).get(URL).status_code == 404


def test_list_shows_name_status_unit_email_and_formatted_mobile(client_for, personas, world):
    PersonFactory(
        first_name="Greta",
        last_name="Gran",
        email="greta@example.org",
        mobile="+46701234567",
        membership_status=Person.MembershipStatus.MEMBER,
        home_unit=world.district_a,
        birth_year=2000,
    )
    response = client_for(personas.staff).get(URL, {"q": "gran"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Greta Gran" in html
    assert "greta@example.org" in html
    assert "070-123 45 67" in html
    assert "Distrikt Skåne" in html
    assert "Member" in html


def test_search_by_phone_in_any_format_finds_the_stored_number(client_for, personas, world):
    greta = PersonFactory(first_name="Greta", last_name="Gran", mobile="+46701234567")
    response = client_for(personas.staff).get(URL, {"q": "070-123 45 67"})
    assert reverse("people:detail", args=[greta.pk]) in response.content.decode()
    assert "Märta" not in response.content.decode()


def test_search_by_name_prefix_email_and_member_number(client_for, personas, world):
    greta = PersonFactory(
        first_name="Greta", last_name="Gran", email="greta@example.org", member_number="12345"
    )
    client = client_for(personas.staff)
    link = reverse("people:detail", args=[greta.pk])
    for query in ("gre", "Greta Gr", "GRETA@example.org", "12345"):
        assert link in client.get(URL, {"q": query}).content.decode(), query


def test_coordinator_sees_only_own_group_in_list_and_search(client_for, personas, world):
    client = client_for(personas.coordinator_a1)
    html = client.get(URL).content.decode()
    assert "Märta Malm" in html and "Rut Roos" in html
    assert "Björn" not in html and "Ylva" not in html and "Hanna" not in html
    berg = client.get(URL, {"q": "Berg"}).content.decode()
    assert reverse("people:detail", args=[world.member_b1.pk]) not in berg
    assert "No one matches" in berg
    by_email = client.get(URL, {"q": world.member_b1.email}).content.decode()
    assert "Björn" not in by_email


def test_filters_from_the_segment_form_narrow_the_list(client_for, personas, world):
    tag = TagFactory(name="volontär")
    world.member_a1.tags.add(tag)
    response = client_for(personas.district_a).get(URL, {"tag": [tag.pk]})
    html = response.content.decode()
    assert "Märta Malm" in html
    assert "Rut Roos" not in html


def test_invalid_filters_show_errors_and_no_results(client_for, personas, world):
    response = client_for(personas.staff).get(URL, {"age_min": "40", "age_max": "20"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Correct the filters" in html
    assert "Märta Malm" not in html


def test_htmx_request_gets_only_the_results_partial(client_for, personas, world):
    response = client_for(personas.staff).get(URL, {"q": "Malm"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "<html" not in html
    assert "Märta Malm" in html
    assert "HX-Request" in response["Vary"]


def test_full_page_includes_the_same_results_partial(client_for, personas, world):
    html = client_for(personas.staff).get(URL, {"q": "Malm"}).content.decode()
    assert "<html" in html and 'id="results"' in html and 'hx-push-url="true"' in html


def test_pages_link_forward_and_back_keeping_the_query(client_for, personas, world):
    for n in range(55):
        PersonFactory(first_name=f"Sid{n:02d}", last_name="Sidström")
    client = client_for(personas.staff)
    first = client.get(URL, {"q": "sidström"}).content.decode()
    assert "?q=sidstr%C3%B6m&amp;page=2" in first
    assert 'rel="prev"' not in first
    second = client.get(URL, {"q": "sidström", "page": "2"}).content.decode()
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert second.count("Sidström</a>") == 5


def test_nonsense_page_number_shows_the_first_page(client_for, personas, world):
    response = client_for(personas.staff).get(URL, {"page": "abc"})
    assert response.status_code == 200


def test_query_count_does_not_grow_with_the_rows(
    client_for, personas, world, django_assert_max_num_queries
):
    for _ in range(40):
        PersonFactory(home_unit=world.group_a1)
    for persona in (personas.staff, personas.district_a, personas.coordinator_a1):
        client = client_for(persona)
        with django_assert_max_num_queries(12):
            response = client.get(URL)
        assert response.status_code == 200
        with django_assert_max_num_queries(12):
            client.get(URL, {"q": "a", "status": "non_member"})
