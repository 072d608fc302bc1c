"""The "took_action" segment condition: by action, campaign or kind, within a period,
never beyond what the viewer may see."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from aktivist.campaigns.models import Action, Campaign, Participation
from aktivist.campaigns.tests.factories import (
    ActionFactory,
    CampaignFactory,
    ParticipationFactory,
)
from aktivist.core.conditions import SegmentError, compile_tree, registered_conditions
from aktivist.people.selectors import filter_people

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def leaf(value):
    return {"condition": "took_action", "value": value}


def names(viewer, tree):
    return set(filter_people(viewer, tree).values_list("first_name", flat=True))


def took(person, action, when=None):
    participation = ParticipationFactory(person=person, action=action)
    if when is not None:
        Participation.objects.filter(pk=participation.pk).update(created_at=when)
    return participation


@pytest.fixture
def acts(world):
    """A national campaign with a petition and a letter; group A1's and group B1's local
    initiatives with a petition each."""
    national = CampaignFactory(unit=world.national, scope=Campaign.Scope.NATIONAL)
    local_a1 = CampaignFactory(
        unit=world.group_a1,
        scope=Campaign.Scope.LOCAL,
        origin=Campaign.Origin.LOCAL_INITIATIVE,
    )
    local_b1 = CampaignFactory(
        unit=world.group_b1,
        scope=Campaign.Scope.LOCAL,
        origin=Campaign.Origin.LOCAL_INITIATIVE,
    )
    petition = ActionFactory(campaign=national)
    letter = ActionFactory(campaign=national, kind=Action.Kind.LETTER)
    petition_a1 = ActionFactory(campaign=local_a1)
    petition_b1 = ActionFactory(campaign=local_b1)
    took(world.home_a, petition)  # Hanna
    took(world.member_a1, letter)  # Märta
    took(world.member_a1, petition_a1)
    took(world.role_a1, petition_a1)  # Rut
    took(world.member_b1, petition_b1)  # Björn
    took(world.home_b, petition)  # Ylva
    return {
        "national": national,
        "local_a1": local_a1,
        "local_b1": local_b1,
        "petition": petition,
        "letter": letter,
        "petition_a1": petition_a1,
        "petition_b1": petition_b1,
    }


def test_the_condition_is_registered_with_a_label():
    condition = next(c for c in registered_conditions() if c.key == "took_action")
    assert str(condition.label) == "Took an action"


def test_given_actions(personas, acts):
    value = {"actions": [acts["petition"].pk, acts["petition_a1"].pk]}
    assert names(personas.staff, leaf(value)) == {"Hanna", "Märta", "Rut", "Ylva"}


def test_any_action_of_the_given_campaigns(personas, acts):
    assert names(personas.staff, leaf({"campaigns": [acts["national"].pk]})) == {
        "Hanna",
        "Märta",
        "Ylva",
    }


def test_given_kinds(personas, acts):
    assert names(personas.staff, leaf({"kinds": ["letter"]})) == {"Märta"}
    assert names(personas.staff, leaf({"kinds": ["letter", "petition"]})) == {
        "Hanna",
        "Märta",
        "Rut",
        "Björn",
        "Ylva",
    }


def test_no_field_means_any_action_and_people_who_took_none_stay_out(personas, acts):
    assert names(personas.staff, leaf({})) == {"Hanna", "Märta", "Rut", "Björn", "Ylva"}


def test_fields_given_together_must_all_hold(personas, acts):
    value = {"campaigns": [acts["national"].pk], "kinds": ["petition"]}
    assert names(personas.staff, leaf(value)) == {"Hanna", "Ylva"}


def test_period_bounds_are_whole_stockholm_days_both_included(personas, world, acts):
    petition = ActionFactory(campaign=acts["national"])
    # 00:30 on 1 March in Stockholm is still 28 February in UTC.
    took(world.member_a2, petition, dt.datetime(2026, 3, 1, 0, 30, tzinfo=STOCKHOLM))  # Åke
    took(world.former_member_a1, petition, dt.datetime(2026, 3, 31, 23, 59, tzinfo=STOCKHOLM))
    took(world.home_a, petition, dt.datetime(2026, 2, 28, 23, 59, tzinfo=STOCKHOLM))
    took(world.role_a1, petition, dt.datetime(2026, 4, 1, 0, 0, tzinfo=STOCKHOLM))
    base = {"actions": [petition.pk]}

    def between(since=None, until=None):
        value = dict(base)
        if since:
            value["since"] = since
        if until:
            value["until"] = until
        return names(personas.staff, leaf(value))

    assert between("2026-03-01", "2026-03-31") == {"Åke", "Folke"}
    assert between(since="2026-03-01") == {"Åke", "Folke", "Rut"}
    assert between(until="2026-02-28") == {"Hanna"}
    assert between("2026-03-31", "2026-03-31") == {"Folke"}
    assert between("2026-04-02") == set()


def test_a_period_alone_counts_any_action_taken_within_it(personas, world, acts):
    when = dt.datetime(2025, 6, 10, 12, tzinfo=STOCKHOLM)
    took(world.member_a2, acts["letter"], when)
    assert names(personas.staff, leaf({"since": "2025-06-10", "until": "2025-06-10"})) == {"Åke"}


@pytest.mark.parametrize("field", ["actions", "campaigns"])
def test_an_action_or_campaign_outside_the_scope_is_refused_like_one_that_does_not_exist(
    personas, acts, field
):
    other = acts["petition_b1"] if field == "actions" else acts["local_b1"]
    with pytest.raises(SegmentError) as hidden:
        names(personas.district_a, leaf({field: [other.pk]}))
    with pytest.raises(SegmentError) as missing:
        names(personas.district_a, leaf({field: [999_999]}))
    assert hidden.value.message == missing.value.message
    assert hidden.value.message in (
        "Took an action: Unknown action.",
        "Took an action: Unknown campaign.",
    )


def test_one_unknown_id_among_known_ones_refuses_the_whole_condition(personas, acts):
    with pytest.raises(SegmentError, match="Unknown action"):
        names(personas.staff, leaf({"actions": [acts["petition"].pk, 999_999]}))


def test_a_coordinator_may_name_national_and_own_local_actions(personas, acts):
    value = {"actions": [acts["petition"].pk, acts["petition_a1"].pk]}
    # The coordinator of A1 sees Märta and Rut (membership and role in A1) only.
    assert names(personas.coordinator_a1, leaf(value)) == {"Märta", "Rut"}


def test_participations_in_actions_outside_the_scope_never_count(personas, world, acts):
    # Hanna (district A) also took group B1's local petition: district A's representative
    # must not learn that through "any petition".
    ParticipationFactory(person=world.home_a, action=acts["petition_b1"])
    Participation.objects.filter(person=world.home_a, action=acts["petition"]).delete()
    assert "Hanna" in names(personas.staff, leaf({"kinds": ["petition"]}))
    assert "Hanna" not in names(personas.district_a, leaf({"kinds": ["petition"]}))


def test_negation_still_works_when_erased_people_left_anonymous_participations(
    personas, world, acts
):
    ParticipationFactory(person=None, action=acts["letter"])  # an erased signer's letter
    tree = {"not": leaf({"kinds": ["letter"]})}
    assert names(personas.staff, tree) == {"Hanna", "Folke", "Rut", "Åke", "Björn", "Ylva"}


def test_combined_with_other_conditions_in_one_tree(personas, world, acts):
    tree = {
        "all": [
            leaf({"campaigns": [acts["national"].pk, acts["local_a1"].pk]}),
            {"any": [{"condition": "unit_subtree", "value": {"unit": world.group_a1.pk}}]},
            {"not": leaf({"kinds": ["letter"]})},
        ]
    }
    assert names(personas.staff, tree) == {"Rut"}
    # One query with subqueries, never a list of person ids fetched first.
    q = compile_tree(tree, personas.staff)
    assert "campaigns_participation" in str(filter_people(personas.staff, tree).query)
    assert q is not None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([1], "Expected an object"),
        ({"actions": []}, "Choose at least one"),
        ({"campaigns": "all"}, "list of ids"),
        ({"kinds": ["march"]}, "petition"),
        ({"since": "1 March"}, "YYYY-MM-DD"),
        ({"until": 20260301}, "YYYY-MM-DD"),
        ({"since": "2026-03-02", "until": "2026-03-01"}, "must not end before it starts"),
        ({"action": [1]}, "Unexpected field: action"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(personas, acts, value, message):
    with pytest.raises(SegmentError, match=message):
        names(personas.staff, leaf(value))


def test_validation_returns_the_normal_form(personas):
    from aktivist.core.conditions import validate_tree

    tree = validate_tree(leaf({"actions": [3, 1, 3], "since": "2026-03-01"}))
    assert tree == {"condition": "took_action", "value": {"actions": [1, 3], "since": "2026-03-01"}}
