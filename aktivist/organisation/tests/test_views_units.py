from __future__ import annotations

from django.urls import reverse

from aktivist.organisation.tests.factories import UnitFactory, UnitMembershipFactory
from aktivist.people.tests.factories import PersonFactory

LIST = reverse("organisation:unit_list")


def unit_url(unit):
    return reverse("organisation:unit_detail", args=[unit.pk])


def test_staff_see_the_whole_tree_with_kinds_and_member_counts(client_for, personas, world):
    html = client_for(personas.staff).get(LIST).content.decode()
    for name in ("Sverige", "Distrikt Skåne", "Grupp Malmö", "Grupp Lund", "Grupp Umeå"):
        assert name in html
    assert "unit-depth-2" in html and "Local group" in html
    malmo = html.split("Grupp Malmö", 1)[1].split("</li>", 1)[0]
    assert "1 member" in malmo  # Märta; Folke's membership has ended


def test_coordinator_sees_only_own_group_and_no_other_unit(client_for, personas, world):
    client = client_for(personas.coordinator_a1)
    html = client.get(LIST).content.decode()
    assert "Grupp Malmö" in html
    assert "Grupp Umeå" not in html and "Grupp Lund" not in html and "Sverige" not in html
    assert client.get(unit_url(world.group_b1)).status_code == 404
    assert client.get(unit_url(world.district_a)).status_code == 404


def test_board_viewer_and_anonymous_get_no_unit_pages(client, client_for, personas, world):
    assert client_for(personas.board).get(LIST).status_code == 404
    assert client_for(personas.board).get(unit_url(world.group_a1)).status_code == 404
    assert client.get(unit_url(world.group_a1)).status_code == 302


def test_unknown_and_non_numeric_unit_ids_are_not_found(client_for, personas, world):
    client = client_for(personas.staff)
    assert client.get("/units/999999/").status_code == 404
    assert client.get("/units/malmo/").status_code == 404


def test_group_page_shows_members_role_holders_and_former_role_holders(client_for, personas, world):
    html = client_for(personas.coordinator_a1).get(unit_url(world.group_a1)).content.decode()
    members = html.split('id="members"', 1)[1].split("</section>", 1)[0]
    assert "Märta Malm" in members
    assert "Folke" not in members  # a past membership
    assert reverse("people:detail", args=[world.member_a1.pk]) in members
    assert "tel:" + world.member_a1.mobile in members
    holders = html.split('id="role-holders"', 1)[1].split("</section>", 1)[0]
    assert "Group contact" in holders and "Rut Roos" in holders
    assert "Distrikt Skåne" in html  # the breadcrumb names the parent, without a link
    assert unit_url(world.district_a) not in html


def test_district_page_lists_sub_units_with_counts(client_for, personas, world):
    html = client_for(personas.district_a).get(unit_url(world.district_a)).content.decode()
    sub = html.split('id="sub-units"', 1)[1].split("</section>", 1)[0]
    assert unit_url(world.group_a1) in sub and unit_url(world.group_a2) in sub
    assert "Grupp Umeå" not in html


def test_query_counts_stay_bounded(client_for, personas, world, django_assert_max_num_queries):
    for n in range(15):
        group = UnitFactory(parent=world.district_a, name=f"Skola {n}")
        for _ in range(3):
            UnitMembershipFactory(unit=group, person=PersonFactory())
    for _ in range(20):
        UnitMembershipFactory(unit=world.group_a1, person=PersonFactory())
    for persona in (personas.staff, personas.district_a):
        client = client_for(persona)
        with django_assert_max_num_queries(8):
            assert client.get(LIST).status_code == 200
        with django_assert_max_num_queries(14):
            assert client.get(unit_url(world.group_a1)).status_code == 200
        with django_assert_max_num_queries(14):
            assert client.get(unit_url(world.district_a)).status_code == 200
