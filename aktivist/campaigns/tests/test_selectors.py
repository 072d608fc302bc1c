"""Scoped reads behind the campaign pages: who sees which campaign, the list's year and
totals, and the action's breakdowns (counts only, everyone included)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aktivist.campaigns import selectors
from aktivist.campaigns.models import Participation
from aktivist.campaigns.tests.factories import (
    ActionFactory,
    CampaignFactory,
    ParticipationFactory,
    PriorityFactory,
)
from aktivist.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaigns(world):
    return {
        "national": CampaignFactory(scope="national", unit=world.national),
        "district_a": CampaignFactory(scope="district", unit=world.district_a),
        "local_a1": CampaignFactory(scope="local", unit=world.group_a1),
        "local_a2": CampaignFactory(scope="local", unit=world.group_a2),
        "local_b1": CampaignFactory(scope="local", unit=world.group_b1),
    }


@pytest.mark.parametrize(
    ("persona", "visible", "editable"),
    [
        ("staff", {"national", "district_a", "local_a1", "local_a2", "local_b1"}, None),
        (
            "district_a",
            {"national", "district_a", "local_a1", "local_a2"},
            {"district_a", "local_a1", "local_a2"},
        ),
        ("coordinator_a1", {"national", "local_a1"}, {"local_a1"}),
        ("board", set(), set()),
    ],
)
def test_who_sees_and_edits_which_campaign(persona, visible, editable, campaigns, personas):
    user = personas.all()[persona]
    names = {c.pk: key for key, c in campaigns.items()}
    assert {names[c.pk] for c in selectors.campaigns_visible_to(user)} == visible
    expected_edit = visible if editable is None else editable
    assert {names[c.pk] for c in selectors.campaigns_editable_by(user)} == expected_edit


def test_a_campaigns_year_comes_from_its_priority_then_its_start(world, personas):
    this_year = timezone.localdate().year
    by_priority = CampaignFactory(
        priority=PriorityFactory(year=2023), starts_on=dt.date(2024, 1, 1)
    )
    by_start = CampaignFactory(priority=None, starts_on=dt.date(2022, 5, 1))
    by_creation = CampaignFactory(priority=None, starts_on=None)
    years = {c.pk: c.year for c in selectors.campaign_list(personas.staff)}
    assert years[by_priority.pk] == 2023
    assert years[by_start.pk] == 2022
    assert years[by_creation.pk] == this_year
    assert selectors.campaign_years(personas.staff) == [this_year, 2023, 2022]
    assert [c.pk for c in selectors.campaign_list(personas.staff, year=2022)] == [by_start.pk]


def test_totals_count_every_action_of_each_campaign(campaigns):
    for campaign, n in ((campaigns["national"], 3), (campaigns["local_a1"], 2)):
        for action in ActionFactory.create_batch(2, campaign=campaign):
            ParticipationFactory.create_batch(n, action=action)
    totals = selectors.participation_totals([c.pk for c in campaigns.values()])
    assert totals == {campaigns["national"].pk: 6, campaigns["local_a1"].pk: 4}
    assert selectors.participation_totals([]) == {}


def test_the_breakdowns_count_everyone_including_erased_people(world):
    action = ActionFactory()
    this_year = timezone.localdate().year
    young_member = PersonFactory(birth_year=this_year - 20, membership_status="member")
    old = PersonFactory(birth_year=this_year - 60)
    ParticipationFactory(action=action, person=young_member)
    ParticipationFactory(action=action, person=old, age_bracket="18-25")  # the bracket wins
    ParticipationFactory(action=action, person=PersonFactory(birth_year=None), source="staff")
    erased = ParticipationFactory(action=action, source="api")
    Participation.objects.filter(pk=erased.pk).update(person=None)

    audience = selectors.action_audience(action)
    assert audience == {
        "total": 4,
        "age_known": 2,
        "young": 2,
        "members": 1,
        "non_members": 2,
        "former_members": 0,
        "status_unknown": 1,
    }
    sources = {
        (row["source"], row["channel"]): row["count"] for row in selectors.action_sources(action)
    }
    assert sources == {("web", ""): 2, ("staff", ""): 1, ("api", ""): 1}


def test_participants_follow_the_viewers_people_scope(world, personas):
    action = ActionFactory(campaign=CampaignFactory(scope="national", unit=world.national))
    for person in (world.member_a1, world.member_b1, world.home_a):
        ParticipationFactory(action=action, person=person)
    seen = {
        p.person.last_name
        for p in selectors.participants_visible_to(personas.coordinator_a1, action)
    }
    assert seen == {"Malm"}
    seen = {
        p.person.last_name for p in selectors.participants_visible_to(personas.district_a, action)
    }
    assert seen == {"Malm", "Holm"}
    assert not selectors.participants_visible_to(personas.board, action).exists()
