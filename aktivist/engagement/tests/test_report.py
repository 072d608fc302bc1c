"""The engagement report: counts per level now and who moved between two months, scoped
to the people the viewer may see (the board sees everyone's counts, never a person)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from aktivist.engagement import services
from aktivist.engagement.models import EngagementSnapshot, Level, SnapshotMonth
from aktivist.engagement.selectors import levels_now, movement
from aktivist.people.models import Person
from aktivist.people.selectors import people_visible_to

FEB, MAR = dt.date(2026, 2, 1), dt.date(2026, 3, 1)
URL = "/engagement/"


def counts(rows) -> dict[int, int]:
    return {row["level"]: row["people"] for row in rows}


@pytest.fixture
def computed(world):
    """Rut holds a role (5); Märta, Åke and Björn (district B) are group members (4);
    Hanna, Folke and Ylva are contacts (0)."""
    services.recompute_all()
    return world


def test_staff_see_everyone_per_level(computed, personas):
    assert counts(levels_now(personas.staff)) == {5: 1, 4: 3, 3: 0, 2: 0, 1: 0, 0: 3}


def test_a_district_representative_counts_only_their_people(computed, personas):
    rows = counts(levels_now(personas.district_a))
    assert rows[5] == 1 and rows[4] == 2  # Björn in district B is not counted


def test_a_coordinator_counts_their_group(computed, personas):
    assert counts(levels_now(personas.coordinator_b1))[4] == 1


def test_the_board_sees_the_counts_for_everyone(computed, personas):
    assert counts(levels_now(personas.board)) == counts(levels_now(personas.staff))


def test_young_people_are_counted_per_level(computed, personas):
    Person.objects.filter(pk=computed.role_a1.pk).update(birth_year=timezone.localdate().year - 20)
    rows = {row["level"]: row for row in levels_now(personas.staff)}
    assert rows[Level.HOLDS_ROLE]["young"] == 1
    assert rows[Level.ACTIVE_IN_GROUP]["young"] == 0


def test_movement_between_two_months_by_the_earlier_level(computed, personas):
    world = computed
    for month, person, level in (
        (FEB, world.member_a1, 2),  # 2 → 4: up
        (MAR, world.member_a1, 4),
        (FEB, world.role_a1, 5),  # 5 → 5: same
        (MAR, world.role_a1, 5),
        (FEB, world.member_a2, 4),  # 4 → 0 (no row in March): down
        (MAR, world.home_a, 1),  # 0 → 1: up
    ):
        EngagementSnapshot.objects.create(person=person, month=month, level=level)
    rows = {row["level"]: row for row in movement(personas.staff, FEB, MAR)}
    assert (rows[2]["up"], rows[2]["same"], rows[2]["down"]) == (1, 0, 0)
    assert (rows[5]["same"], rows[4]["down"]) == (1, 1)
    # Hanna moved up from 0; Folke, Ylva and Björn stayed contacts.
    assert (rows[0]["people"], rows[0]["up"], rows[0]["same"]) == (4, 1, 3)
    assert sum(row["people"] for row in rows.values()) == 7
    district = movement(personas.district_a, FEB, MAR)
    assert sum(row["people"] for row in district) == people_visible_to(personas.district_a).count()


@pytest.mark.parametrize("persona", ["admin", "staff", "district_a", "coordinator_a1", "board"])
def test_every_staff_role_may_open_the_report(computed, personas, client_for, persona):
    response = client_for(getattr(personas, persona)).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "People per level now" in html
    for name in ("Hanna", "Rut", "Märta", "Björn", "Ylva"):
        assert name not in html  # counts only, never a person


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_page_compares_the_latest_two_months_by_default(computed, personas, client_for):
    now = timezone.now()
    for month in (dt.date(2026, 1, 1), FEB, MAR):
        SnapshotMonth.objects.create(month=month, taken_at=now)
    html = client_for(personas.staff).get(URL).content.decode()
    assert "From February 2026 to March 2026" in html
    html = client_for(personas.staff).get(URL, {"earlier": "2026-01", "later": "2026-03"})
    assert "From January 2026 to March 2026" in html.content.decode()


def test_months_in_the_wrong_order_or_unknown_are_refused(computed, personas, client_for):
    now = timezone.now()
    for month in (FEB, MAR):
        SnapshotMonth.objects.create(month=month, taken_at=now)
    client = client_for(personas.staff)
    html = client.get(URL, {"earlier": "2026-03", "later": "2026-02"}).content.decode()
    assert "Choose an earlier month first" in html
    assert "Moved up</th>" not in html
    html = client.get(URL, {"earlier": "1999-01", "later": "2026-03"}).content.decode()
    assert "Moved up</th>" not in html


def test_before_two_snapshots_the_page_says_when_movement_appears(computed, personas, client_for):
    html = client_for(personas.staff).get(URL).content.decode()
    assert "once two monthly snapshots have been taken" in html


def test_the_report_costs_the_same_queries_for_more_people(
    computed, personas, client_for, django_assert_max_num_queries
):
    now = timezone.now()
    for month in (FEB, MAR):
        SnapshotMonth.objects.create(month=month, taken_at=now)
    client = client_for(personas.district_a)
    with django_assert_max_num_queries(14):
        client.get(URL)
