"""The start page's secretariat pool: open follow-ups with no owner, for national staff
only (issue 13: follow-ups that pass on to the secretariat land here)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

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


def pool_section(html: str) -> str:
    return html.split('id="secretariat-follow-ups"', 1)[1].split("</div>\n</section>", 1)[0]


def test_admin_and_staff_see_the_secretariat_pool_soonest_first_with_a_link(
    client_for, personas, world
):
    later = follow_up(world.home_b, None, 6)
    sooner = follow_up(world.member_a1, None, -1)
    follow_up(world.member_a2, None, 2, follow_up_done_at=timezone.now(), text="redan klar")
    follow_up(world.role_a1, personas.staff, 1, text="min egen")
    for persona in (personas.admin, personas.staff):
        html = client_for(persona).get(START).content.decode()
        pool = pool_section(html)
        assert "The secretariat's follow-ups" in html
        assert pool.index("Märta Malm") < pool.index("Ylva Ström")
        assert reverse("people:detail", args=[world.member_a1.pk]) in pool
        assert reverse("people:follow_up_done", args=[world.home_b.pk, later.pk]) in pool
        assert reverse("people:follow_up_done", args=[world.member_a1.pk, sooner.pk]) in pool
        assert "redan klar" not in pool and "min egen" not in pool
    assert "Rut Roos" in client_for(personas.staff).get(START).content.decode()


def test_scoped_viewers_never_see_the_pool(client_for, personas, world):
    follow_up(world.member_a1, None, 1, text="sekretariatets")
    follow_up(world.member_b1, None, 1, text="sekretariatets")
    for persona in (personas.district_a, personas.coordinator_a1, personas.coordinator_b1):
        html = client_for(persona).get(START).content.decode()
        assert "secretariat-follow-ups" not in html
        assert "The secretariat's follow-ups" not in html
        section = html.split('id="follow-ups"', 1)[1].split("</section>", 1)[0]
        assert "No open follow-ups" in section
        assert "Märta" not in section and "Björn" not in section
        assert "sekretariatets" not in html
    board = client_for(personas.board).get(START).content.decode()
    assert "Märta" not in board and "sekretariatets" not in board


def test_an_empty_pool_says_so(client_for, personas, world):
    html = client_for(personas.staff).get(START).content.decode()
    assert "No follow-ups are waiting for the secretariat." in html


def test_done_on_a_pool_follow_up_returns_the_section_with_the_pool(client_for, personas, world):
    item = follow_up(world.member_a1, None, 1)
    url = reverse("people:follow_up_done", args=[world.member_a1.pk, item.pk])
    response = client_for(personas.staff).post(url, {"return_to": "start"}, headers=HTMX)
    html = response.content.decode()
    assert html.startswith('<section id="follow-ups"')
    assert "Follow-up marked as done." in html
    assert "No follow-ups are waiting for the secretariat." in html
    item.refresh_from_db()
    assert item.follow_up_done_at is not None


def test_start_page_with_the_pool_stays_within_its_query_budget(
    client_for, personas, world, django_assert_max_num_queries, django_assert_num_queries
):
    me = personas.staff
    client = client_for(me)
    for n in range(5):
        follow_up(PersonFactory(), None, n)
    client.get(START)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(START)
    for n in range(30):
        person = PersonFactory()
        follow_up(person, me, n)
        follow_up(PersonFactory(), None, n)
        InteractionFactory(person=person, author=me)
    # The pool is one query, however long it is; the page stays within the same budget.
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(START)
    with django_assert_max_num_queries(10):
        response = client.get(START)
    assert response.status_code == 200
    assert response.content.decode().count('class="follow-up"') == 30 + 35
