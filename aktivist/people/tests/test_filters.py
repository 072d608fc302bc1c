from __future__ import annotations

from django.http import QueryDict
from django.utils.functional import Promise

from aktivist.core.conditions import compile_tree
from aktivist.organisation.tests.factories import RoleTypeFactory
from aktivist.people.filters import PeopleFilterForm
from aktivist.people.models import Person, Tagging
from aktivist.people.selectors import filter_people
from aktivist.people.tests.factories import TagFactory


def names(qs):
    return set(qs.values_list("first_name", flat=True))


def form_for(viewer, query: str) -> PeopleFilterForm:
    return PeopleFilterForm(QueryDict(query) or None, viewer=viewer)


def test_an_empty_query_gives_no_tree(world, personas):
    form = form_for(personas.staff, "")
    assert not form.is_bound


def test_a_search_without_filters_gives_no_tree(world, personas):
    form = form_for(personas.staff, "q=malm&page=2")
    assert form.is_valid()
    assert form.to_tree() is None


def test_filled_fields_become_one_leaf_each(world, personas):
    red, blue = TagFactory(name="röd"), TagFactory(name="blå")
    query = (
        f"tag={red.pk}&tag={blue.pk}&status=member&status=former&age_min=16&age_max=30"
        "&young=on&language=en&consent=sms:rapid_response&created_within=30"
    )
    form = form_for(personas.staff, query)
    assert form.is_valid(), form.errors
    assert form.to_tree() == {
        "all": [
            {"condition": "tag", "value": {"tags": sorted([red.pk, blue.pk]), "match": "any"}},
            {"condition": "membership_status", "value": ["member", "former"]},
            {"condition": "age", "value": {"min": 16, "max": 30}},
            {"condition": "young", "value": True},
            {"condition": "language", "value": "en"},
            {
                "condition": "consent",
                "value": {"channel": "sms", "purpose": "rapid_response", "status": "confirmed"},
            },
            {"condition": "created_within", "value": {"days": 30}},
        ]
    }
    compile_tree(form.to_tree(), personas.staff)


def test_unit_alone_is_a_subtree_filter(world, personas):
    form = form_for(personas.district_a, f"unit={world.group_a1.pk}")
    assert form.is_valid(), form.errors
    tree = form.to_tree()
    assert tree == {"all": [{"condition": "unit_subtree", "value": {"unit": world.group_a1.pk}}]}
    assert names(filter_people(personas.district_a, tree)) == {"Märta", "Rut"}


def test_unit_with_a_role_means_the_role_is_held_there(world, personas):
    contact = RoleTypeFactory(slug="group-contact")
    form = form_for(
        personas.staff, f"unit={world.district_a.pk}&role_type={contact.pk}&role_state=any"
    )
    assert form.is_valid(), form.errors
    assert form.to_tree() == {
        "all": [
            {
                "condition": "role",
                "value": {"role_types": [contact.pk], "state": "any", "unit": world.district_a.pk},
            }
        ]
    }


def test_role_state_alone_finds_everyone_in_that_state(world, personas):
    form = form_for(personas.staff, "role_state=former")
    assert form.is_valid(), form.errors
    assert form.to_tree() == {
        "all": [{"condition": "role", "value": {"role_types": [], "state": "former"}}]
    }


def test_units_outside_the_viewers_scope_are_not_offered(world, personas):
    form = form_for(personas.district_a, f"unit={world.district_b.pk}")
    assert not form.is_valid()
    assert "unit" in form.errors
    assert world.district_b.name not in str(form.errors)
    offered = {u.pk for u in form.fields["unit"].queryset}
    assert world.district_b.pk not in offered and world.group_a2.pk in offered


def test_age_range_must_not_be_reversed(world, personas):
    form = form_for(personas.staff, "age_min=40&age_max=20")
    assert not form.is_valid()
    assert "age_max" in form.errors


def test_unknown_choices_are_form_errors(world, personas):
    form = form_for(personas.staff, "status=gold&consent=fax:campaigns&created_within=3")
    assert not form.is_valid()
    assert set(form.errors) == {"status", "consent", "created_within"}


def test_the_people_list_recipe_filters_within_scope(world, personas):
    red = TagFactory(name="röd")
    for person in (world.member_a1, world.member_b1):
        Tagging.objects.create(person=person, tag=red)
    Person.objects.update(membership_status="member")
    viewer = personas.coordinator_a1
    form = form_for(viewer, f"tag={red.pk}&status=member")
    assert form.is_valid(), form.errors
    qs = Person.objects.none()
    if form.is_valid() and (tree := form.to_tree()):
        qs = filter_people(viewer, tree)
    assert names(qs) == {"Märta"}


def test_labels_are_translatable(world, personas):
    form = form_for(personas.staff, "")
    for field in form.fields.values():
        assert isinstance(field.label, Promise)
