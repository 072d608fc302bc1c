from __future__ import annotations

import pytest

from aktivist.accounts.access import scope_for
from aktivist.core.conditions import MAX_DEPTH, SegmentError, compile_tree, validate_tree
from aktivist.people.models import Person, Tagging
from aktivist.people.selectors import filter_people, people_search
from aktivist.people.tests.factories import PersonFactory, TagFactory

MEMBERS = {"condition": "membership_status", "value": ["member"]}
ENGLISH = {"condition": "language", "value": "en"}


def names(qs):
    return set(qs.values_list("first_name", flat=True))


@pytest.fixture
def statuses(world):
    """Members: Hanna, Märta, Åke, Ylva. English speakers: Märta, Rut, Ylva."""
    for person in (world.home_a, world.member_a1, world.member_a2, world.home_b):
        Person.objects.filter(pk=person.pk).update(membership_status="member")
    for person in (world.member_a1, world.role_a1, world.home_b):
        Person.objects.filter(pk=person.pk).update(language="en")


def test_all_is_and(statuses, personas):
    tree = {"all": [MEMBERS, ENGLISH]}
    assert names(filter_people(personas.staff, tree)) == {"Märta", "Ylva"}


def test_any_is_or(statuses, personas):
    tree = {"any": [MEMBERS, ENGLISH]}
    assert names(filter_people(personas.staff, tree)) == {"Hanna", "Märta", "Rut", "Åke", "Ylva"}


def test_not_negates(statuses, personas):
    assert names(filter_people(personas.staff, {"not": MEMBERS})) == {"Folke", "Rut", "Björn"}


def test_groups_nest(statuses, world, personas):
    # Members who do not speak English, or anyone in group A1.
    tree = {
        "any": [
            {"all": [MEMBERS, {"not": ENGLISH}]},
            {"condition": "unit_subtree", "value": {"unit": world.group_a1.pk}},
        ]
    }
    assert names(filter_people(personas.staff, tree)) == {"Hanna", "Åke", "Märta", "Rut"}


def test_a_single_leaf_is_a_whole_tree(statuses, personas):
    assert names(filter_people(personas.staff, ENGLISH)) == {"Märta", "Rut", "Ylva"}


def test_coordinator_asking_for_all_members_sees_only_their_group(statuses, personas):
    assert names(filter_people(personas.coordinator_a1, MEMBERS)) == {"Märta"}
    assert names(filter_people(personas.coordinator_a1, {"not": MEMBERS})) == {"Rut"}


def test_district_representative_asking_for_everyone_sees_only_their_district(statuses, personas):
    tree = {"any": [MEMBERS, {"not": MEMBERS}]}
    assert names(filter_people(personas.district_a, tree)) == {
        "Hanna",
        "Märta",
        "Folke",
        "Rut",
        "Åke",
    }


def test_board_and_anonymous_see_no_one(statuses, personas):
    assert not filter_people(personas.board, {"not": MEMBERS}).exists()
    assert not filter_people(None, {"not": MEMBERS}).exists()


def test_compiled_q_narrows_the_people_search(statuses, personas):
    qs = people_search(personas.coordinator_a1, "m").filter(
        compile_tree({"not": ENGLISH}, personas.coordinator_a1)
    )
    assert names(qs) == set()
    qs = people_search(personas.coordinator_a1, "m").filter(
        compile_tree(ENGLISH, personas.coordinator_a1)
    )
    assert names(qs) == {"Märta"}


def test_filter_people_runs_a_fixed_number_of_queries(world, personas, django_assert_num_queries):
    red = TagFactory(name="röd")
    for _ in range(30):
        person = PersonFactory(home_unit=world.district_a)
        Tagging.objects.create(person=person, tag=red)
    tree = {
        "all": [
            {"condition": "tag", "value": {"tags": [red.pk]}},
            {"condition": "unit_subtree", "value": {"unit": world.district_a.pk}},
            {"not": {"condition": "young", "value": True}},
        ]
    }
    viewer = personas.district_a
    scope_for(viewer)  # the request has already loaded the viewer's scope
    # One query to check the unit is visible, one for the people.
    with django_assert_num_queries(2):
        people = list(filter_people(viewer, tree))
    assert len(people) == 30


def test_the_result_is_one_statement_with_subqueries_not_id_lists(world, personas):
    red = TagFactory(name="röd")
    tagged = PersonFactory(first_name="Tora")
    Tagging.objects.create(person=tagged, tag=red)
    qs = filter_people(personas.staff, {"condition": "tag", "value": {"tags": [red.pk]}})
    sql = str(qs.query)
    assert "people_tagging" in sql
    assert f"({tagged.pk})" not in sql


BAD_TREES = [
    ([MEMBERS], "must be an object"),
    ({"all": []}, "“all” needs a list of at least one condition"),
    ({"any": MEMBERS}, "“any” needs a list"),
    ({"all": [MEMBERS], "any": [MEMBERS]}, "must be {“all”"),
    ({"condition": "language"}, "must be {“all”"),
    ({"condition": "language", "value": "en", "extra": 1}, "must be {“all”"),
    ({"condition": "colour", "value": "red"}, "Unknown condition “colour”"),
    ({"not": {"condition": "language", "value": "de"}}, "Language: Expected one of: sv, en"),
    ({"and": [MEMBERS]}, "must be {“all”"),
]


@pytest.mark.parametrize(("tree", "message"), BAD_TREES)
def test_bad_trees_are_refused_with_a_clear_message(tree, message, personas):
    with pytest.raises(SegmentError) as error:
        filter_people(personas.staff, tree)
    assert message in error.value.message


def test_trees_deeper_than_the_limit_are_refused():
    tree: dict = MEMBERS
    for _ in range(MAX_DEPTH - 1):
        tree = {"not": tree}
    validate_tree(tree)
    with pytest.raises(SegmentError, match="nested too deeply"):
        validate_tree({"not": tree})


def test_trees_with_too_many_conditions_are_refused():
    with pytest.raises(SegmentError, match="at most 100 conditions"):
        validate_tree({"any": [MEMBERS] * 101})


def test_validation_returns_values_in_normal_form():
    tree = {"condition": "tag", "value": {"tags": [3, 1, 3]}}
    assert validate_tree(tree) == {"condition": "tag", "value": {"tags": [1, 3], "match": "any"}}


def test_nothing_is_compiled_when_a_later_part_is_wrong(world, personas, django_assert_num_queries):
    tree = {
        "all": [
            {"condition": "unit_subtree", "value": {"unit": world.group_a1.pk}},
            {"condition": "age", "value": {"min": "old"}},
        ]
    }
    scope_for(personas.staff)
    with django_assert_num_queries(0), pytest.raises(SegmentError, match="Age: "):
        compile_tree(tree, personas.staff)
