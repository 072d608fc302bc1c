from __future__ import annotations

from aktivist.people.selectors import people_visible_to


def names(qs):
    return set(qs.values_list("first_name", flat=True))


def test_district_representative_sees_home_unit_memberships_and_roles_in_district(world, personas):
    seen = names(people_visible_to(personas.district_a))
    assert seen == {"Hanna", "Märta", "Folke", "Rut", "Åke"}


def test_coordinator_sees_only_current_members_and_role_holders_of_own_group(world, personas):
    assert names(people_visible_to(personas.coordinator_a1)) == {"Märta", "Rut"}
    assert names(people_visible_to(personas.coordinator_b1)) == {"Björn"}


def test_national_roles_see_everyone_and_board_sees_no_one(world, personas):
    assert len(names(people_visible_to(personas.staff))) == 7
    assert len(names(people_visible_to(personas.admin))) == 7
    assert not people_visible_to(personas.board).exists()
