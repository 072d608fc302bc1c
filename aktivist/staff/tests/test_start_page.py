from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from aktivist.people.models import Interaction
from aktivist.people.tests.factories import InteractionFactory, PersonFactory

START = reverse("staff:start")
HTMX = {"HX-Request": "true"}


def follow_up(person, owner, days, **extra):
    return InteractionFactory(
        person=person,
        follow_up_owner=owner,
        follow_up_due=timezone.localdate() + dt.timedelta(days=days),
        outcome=f"uppföljning {person.first_name}",
        **extra,
    )


def test_anonymous_visitor_is_sent_to_login(client, world):
    response = client.get(START)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_my_open_follow_ups_soonest_first_only_mine_and_only_people_i_see(
    client_for, personas, world
):
    me = personas.coordinator_a1
    follow_up(world.role_a1, me, 5)
    follow_up(world.member_a1, me, -2)
    follow_up(world.member_a1, personas.staff, 1, text="någon annans")
    follow_up(world.member_a1, me, 1, follow_up_done_at=timezone.now(), text="redan klar")
    # Assigned to me, but Björn is outside my scope: not shown.
    follow_up(world.member_b1, me, 0)
    html = client_for(me).get(START).content.decode()
    section = html.split('id="follow-ups"', 1)[1].split("</section>", 1)[0]
    assert section.index("Märta Malm") < section.index("Rut Roos")
    assert "Overdue since" in section
    assert "någon annans" not in section and "redan klar" not in section
    assert "Björn" not in html


def test_done_button_closes_the_follow_up_and_returns_the_section(client_for, personas, world):
    me = personas.district_a
    item = follow_up(world.member_a1, me, 1)
    client = client_for(me)
    url = reverse("people:follow_up_done", args=[world.member_a1.pk, item.pk])
    response = client.post(url, {"return_to": "start"}, headers=HTMX)
    html = response.content.decode()
    assert html.startswith('<section id="follow-ups"')
    assert "Follow-up marked as done." in html and "No open follow-ups" in html
    item.refresh_from_db()
    assert item.follow_up_done_at is not None
    # Without JavaScript: back to the start page with a message.
    other = follow_up(world.member_a1, me, 2)
    url = reverse("people:follow_up_done", args=[world.member_a1.pk, other.pk])
    response = client.post(url, {"return_to": "start"}, follow=True)
    assert response.redirect_chain[-1][0] == START
    assert "Follow-up marked as done." in response.content.decode()


def test_i_cannot_close_a_follow_up_of_someone_outside_my_scope(client_for, personas, world):
    item = follow_up(world.member_b1, personas.staff, 1)
    url = reverse("people:follow_up_done", args=[world.member_b1.pk, item.pk])
    assert client_for(personas.coordinator_a1).post(url).status_code == 404
    assert Interaction.objects.get(pk=item.pk).follow_up_done_at is None


def test_recent_activity_shows_only_my_scope(client_for, personas, world):
    InteractionFactory(person=world.member_a1, text="x", outcome="Kommer på mötet")
    InteractionFactory(person=world.member_b1, text="x", outcome="Hemligt utfall")
    PersonFactory(first_name="Nyfiken", last_name="Ny", home_unit=world.district_b)
    html = client_for(personas.district_a).get(START).content.decode()
    assert "Kommer på mötet" in html
    assert "Hemligt utfall" not in html and "Nyfiken" not in html
    assert "Hanna Holm" in html  # a new person in my district
    staff_html = client_for(personas.staff).get(START).content.decode()
    assert "Hemligt utfall" in staff_html and "Nyfiken Ny" in staff_html


def test_board_viewer_sees_a_start_page_without_personal_data(client_for, personas, world):
    InteractionFactory(person=world.member_a1, outcome="Kommer på mötet")
    response = client_for(personas.board).get(START)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Reports come later" in html
    for name in ("Märta", "Hanna", "Björn", "Kommer på mötet"):
        assert name not in html


def test_start_page_query_count_is_bounded(
    client_for, personas, world, django_assert_max_num_queries
):
    me = personas.staff
    for n in range(30):
        person = PersonFactory()
        follow_up(person, me, n)
        InteractionFactory(person=person, author=me)
    client = client_for(me)
    with django_assert_max_num_queries(10):
        assert client.get(START).status_code == 200


def test_unknown_pages_get_the_not_found_page(client_for, personas, world):
    response = client_for(personas.staff).get("/no-such-page/")
    assert response.status_code == 404
