"""The campaign pages: the list grouped by year and priority, the campaign page, the forms,
elevation and the priorities page — for each persona, with bad input changing nothing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from aktivist.campaigns.models import Action, Campaign, Priority
from aktivist.campaigns.tests.factories import (
    ActionFactory,
    CampaignFactory,
    ParticipationFactory,
    PriorityFactory,
)
from aktivist.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@dataclass
class Campaigns:
    priority: Priority
    national: Campaign
    district_a: Campaign
    local_a1: Campaign
    local_b1: Campaign


@pytest.fixture
def campaigns(world) -> Campaigns:
    priority = PriorityFactory(name="Flyktingars rätt")
    national = CampaignFactory(
        name="Sommarkampanjen", priority=priority, scope="national", unit=world.national, goal=100
    )
    district_a = CampaignFactory(
        name="Skåne för asylrätt", priority=priority, scope="district", unit=world.district_a
    )
    local_a1 = CampaignFactory(
        name="Malmö mot utvisningar",
        priority=None,
        scope="local",
        unit=world.group_a1,
        origin="local_initiative",
    )
    local_b1 = CampaignFactory(
        name="Umeå hemliga initiativ",
        priority=None,
        scope="local",
        unit=world.group_b1,
        origin="local_initiative",
    )
    action = ActionFactory(campaign=national, goal=50)
    ParticipationFactory.create_batch(5, action=action)
    return Campaigns(priority, national, district_a, local_a1, local_b1)


NAMES = {
    "national": "Sommarkampanjen",
    "district_a": "Skåne för asylrätt",
    "local_a1": "Malmö mot utvisningar",
    "local_b1": "Umeå hemliga initiativ",
}
VISIBLE = {
    "admin": {"national", "district_a", "local_a1", "local_b1"},
    "staff": {"national", "district_a", "local_a1", "local_b1"},
    "district_a": {"national", "district_a", "local_a1"},
    "coordinator_a1": {"national", "local_a1"},
    "coordinator_b1": {"national", "local_b1"},
}


@pytest.mark.parametrize("persona", list(VISIBLE))
def test_the_list_shows_the_campaigns_in_scope_grouped_by_priority(
    persona, campaigns, personas, client_for
):
    response = client_for(personas.all()[persona]).get(reverse("campaigns:list"))
    assert response.status_code == 200
    body = response.content.decode()
    for key, name in NAMES.items():
        assert (name in body) == (key in VISIBLE[persona]), f"{persona} sees {name}"
    assert "Flyktingars rätt" in body
    assert "5 of 100 took part" in body


def test_the_list_filters_by_year_scope_and_kind(campaigns, personas, client_for):
    client = client_for(personas.staff)
    last_year = timezone.localdate().year - 1
    old = CampaignFactory(
        name="Fjolårets kampanj",
        priority=PriorityFactory(year=last_year),
        scope="national",
        kind="election",
    )
    body = client.get(reverse("campaigns:list")).content.decode()
    assert old.name not in body
    body = client.get(reverse("campaigns:list"), {"year": last_year}).content.decode()
    assert old.name in body and "Sommarkampanjen" not in body
    body = client.get(reverse("campaigns:list"), {"year": 0, "kind": "election"}).content.decode()
    assert old.name in body and "Sommarkampanjen" not in body
    body = client.get(reverse("campaigns:list"), {"scope": "local"}).content.decode()
    assert "Malmö mot utvisningar" in body and "Sommarkampanjen" not in body


def test_a_bad_filter_shows_a_message_not_an_error(campaigns, personas, client_for):
    response = client_for(personas.staff).get(reverse("campaigns:list"), {"year": "abc"})
    assert response.status_code == 200
    assert "Correct the filters" in response.content.decode()


def test_the_list_keeps_its_queries_few(
    campaigns, personas, client_for, django_assert_max_num_queries
):
    for _ in range(15):
        campaign = CampaignFactory(
            priority=PriorityFactory(), scope="local", unit=campaigns.local_a1.unit
        )
        ParticipationFactory(action=ActionFactory(campaign=campaign))
    for persona in ("staff", "district_a", "coordinator_a1"):
        client = client_for(personas.all()[persona])
        with django_assert_max_num_queries(10):
            assert client.get(reverse("campaigns:list")).status_code == 200


def test_the_proposals_tab_is_for_the_secretariat(campaigns, personas, client_for):
    campaigns.local_a1.elevation = "proposed"
    campaigns.local_a1.elevation_note = "Stort stöd i Malmö"
    campaigns.local_a1.elevation_proposed_at = timezone.now()
    campaigns.local_a1.save()
    url = reverse("campaigns:list") + "?tab=proposals"
    body = client_for(personas.staff).get(url).content.decode()
    assert "Malmö mot utvisningar" in body and "Stort stöd i Malmö" in body
    assert "Sommarkampanjen" not in body
    assert client_for(personas.district_a).get(url).status_code == 404


# --- Campaign page --------------------------------------------------------------------------


def test_the_campaign_page_shows_its_actions_against_the_goal(campaigns, personas, client_for):
    response = client_for(personas.coordinator_a1).get(
        reverse("campaigns:detail", args=[campaigns.national.pk])
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "5 of 50" in body
    # A coordinator reads a national campaign but cannot change it.
    assert reverse("campaigns:edit", args=[campaigns.national.pk]) not in body
    assert reverse("campaigns:action_create", args=[campaigns.national.pk]) not in body


@pytest.mark.parametrize(
    ("persona", "campaign", "status"),
    [
        ("district_a", "local_b1", 404),
        ("coordinator_a1", "district_a", 404),
        ("coordinator_b1", "local_a1", 404),
        ("board", "national", 404),
        ("district_a", "local_a1", 200),
    ],
)
def test_a_campaign_outside_the_scope_does_not_exist(
    persona, campaign, status, campaigns, personas, client_for
):
    target = getattr(campaigns, campaign)
    response = client_for(personas.all()[persona]).get(
        reverse("campaigns:detail", args=[target.pk])
    )
    assert response.status_code == status
    if status == 404:
        assert target.name not in response.content.decode()


def test_the_campaign_page_stays_within_a_few_queries(
    campaigns, personas, client_for, django_assert_max_num_queries
):
    for _ in range(10):
        ParticipationFactory(action=ActionFactory(campaign=campaigns.national))
    client = client_for(personas.staff)
    with django_assert_max_num_queries(12):
        client.get(reverse("campaigns:detail", args=[campaigns.national.pk]))


# --- Creating and editing ----------------------------------------------------------------


def test_staff_create_a_national_summer_campaign_under_the_priority(
    campaigns, personas, client_for, world
):
    response = client_for(personas.staff).post(
        reverse("campaigns:create"),
        {
            "name": "Sommar för flyktingars rätt",
            "priority": campaigns.priority.pk,
            "scope": "national",
            "unit": "",
            "origin": "secretariat",
            "kind": "summer",
            "goal": "20000",
        },
    )
    campaign = Campaign.objects.get(name="Sommar för flyktingars rätt")
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:detail", args=[campaign.pk])
    assert campaign.unit == world.national and campaign.kind == "summer"
    assert campaign.priority == campaigns.priority


def test_the_create_form_offers_the_priority_asked_for(campaigns, personas, client_for):
    response = client_for(personas.staff).get(
        reverse("campaigns:create"), {"priority": campaigns.priority.pk}
    )
    assert f'value="{campaigns.priority.pk}" selected' in response.content.decode()


def test_bad_input_re_renders_with_messages_and_saves_nothing(campaigns, personas, client_for):
    before = Campaign.objects.count()
    response = client_for(personas.staff).post(
        reverse("campaigns:create"),
        {
            "name": "",
            "scope": "district",
            "unit": campaigns.local_a1.unit.pk,
            "origin": "secretariat",
            "kind": "standard",
            "starts_on": "2025-06-01",
            "ends_on": "2025-05-01",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing was saved" in body
    assert "This field is required" in body
    assert Campaign.objects.count() == before
    response = client_for(personas.staff).post(
        reverse("campaigns:create"),
        {
            "name": "Fel enhet",
            "scope": "district",
            "unit": campaigns.local_a1.unit.pk,
            "origin": "secretariat",
            "kind": "standard",
            "starts_on": "2025-06-01",
            "ends_on": "2025-05-01",
        },
    )
    body = response.content.decode()
    assert "A district campaign belongs to a district." in body
    assert Campaign.objects.count() == before
    assert not AuditEvent.objects.filter(verb="campaign.create").exists()


def test_a_coordinator_cannot_pick_a_unit_outside_the_group(campaigns, personas, client_for, world):
    client = client_for(personas.coordinator_a1)
    body = client.get(reverse("campaigns:create")).content.decode()
    assert "Grupp Umeå" not in body and 'value="national"' not in body
    before = Campaign.objects.count()
    response = client.post(
        reverse("campaigns:create"),
        {"name": "Smyg", "scope": "local", "unit": world.group_b1.pk, "kind": "standard"},
    )
    assert response.status_code == 200
    assert Campaign.objects.count() == before
    response = client.post(
        reverse("campaigns:create"),
        {"name": "Malmö läser", "scope": "local", "unit": world.group_a1.pk, "kind": "standard"},
    )
    created = Campaign.objects.get(name="Malmö läser")
    assert response.status_code == 302
    assert created.origin == Campaign.Origin.LOCAL_INITIATIVE


def test_editing_a_campaign_outside_the_edit_scope_is_a_404(campaigns, personas, client_for):
    client = client_for(personas.district_a)
    assert client.get(reverse("campaigns:edit", args=[campaigns.national.pk])).status_code == 404
    response = client.post(
        reverse("campaigns:edit", args=[campaigns.national.pk]),
        {"name": "Kapad", "scope": "national", "kind": "standard"},
    )
    assert response.status_code == 404
    campaigns.national.refresh_from_db()
    assert campaigns.national.name == "Sommarkampanjen"


# --- Elevation ------------------------------------------------------------------------------


def test_a_coordinator_proposes_and_the_secretariat_lifts(campaigns, personas, client_for):
    local = campaigns.local_a1
    action = ActionFactory(campaign=local, slug="malmo")
    coordinator = client_for(personas.coordinator_a1)
    detail = coordinator.get(reverse("campaigns:detail", args=[local.pk])).content.decode()
    assert reverse("campaigns:propose", args=[local.pk]) in detail
    assert reverse("campaigns:elevate", args=[local.pk]) not in detail

    response = coordinator.post(reverse("campaigns:propose", args=[local.pk]), {"note": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    response = coordinator.post(
        reverse("campaigns:propose", args=[local.pk]), {"note": "300 namn på en lördag"}
    )
    assert response.status_code == 302
    local.refresh_from_db()
    assert local.elevation == "proposed"
    assert coordinator.get(reverse("campaigns:elevate", args=[local.pk])).status_code == 404

    staff = client_for(personas.staff)
    form = staff.get(reverse("campaigns:elevate", args=[local.pk])).content.decode()
    assert "300 namn på en lördag" in form
    response = staff.post(
        reverse("campaigns:elevate", args=[local.pk]), {"copy_actions": [action.pk]}
    )
    national = Campaign.objects.get(elevated_from=local)
    assert response["Location"] == reverse("campaigns:detail", args=[national.pk])
    assert national.actions.get().slug == "malmo-2"

    # Links both ways; the coordinator of B1 sees the national one without the initiative's name.
    body = staff.get(reverse("campaigns:detail", args=[national.pk])).content.decode()
    assert reverse("campaigns:detail", args=[local.pk]) in body
    body = staff.get(reverse("campaigns:detail", args=[local.pk])).content.decode()
    assert reverse("campaigns:detail", args=[national.pk]) in body
    body = (
        client_for(personas.coordinator_b1)
        .get(reverse("campaigns:detail", args=[national.pk]))
        .content.decode()
    )
    assert reverse("campaigns:detail", args=[local.pk]) not in body
    assert "Grupp Malmö" not in body


def test_the_secretariat_declines_a_proposal(campaigns, personas, client_for):
    local = campaigns.local_a1
    local.elevation = "proposed"
    local.elevation_proposed_at = timezone.now()
    local.save()
    assert (
        client_for(personas.district_a)
        .post(reverse("campaigns:decline", args=[local.pk]))
        .status_code
        == 404
    )
    response = client_for(personas.staff).post(reverse("campaigns:decline", args=[local.pk]))
    assert response.status_code == 302
    local.refresh_from_db()
    assert local.elevation == "declined"
    assert not Campaign.objects.filter(elevated_from=local).exists()


# --- Priorities -----------------------------------------------------------------------------


def test_staff_add_and_rename_priorities(personas, client_for, world):
    client = client_for(personas.staff)
    year = timezone.localdate().year
    response = client.post(
        reverse("campaigns:priorities"), {"name": "Flyktingars rätt", "year": year}
    )
    assert response.status_code == 302
    priority = Priority.objects.get()
    response = client.post(
        reverse("campaigns:priorities"), {"name": "flyktingars rätt", "year": year}
    )
    assert response.status_code == 200
    assert "already a priority with this name" in response.content.decode()
    assert Priority.objects.count() == 1
    response = client.post(
        reverse("campaigns:priority_edit", args=[priority.pk]),
        {"name": "Flyktingars rättigheter", "year": year, "description": "Handlingsplanen"},
    )
    assert response.status_code == 302
    priority.refresh_from_db()
    assert priority.name == "Flyktingars rättigheter"
    body = client.get(reverse("campaigns:priorities")).content.decode()
    assert "Flyktingars rättigheter" in body


@pytest.mark.parametrize("persona", ["district_a", "coordinator_a1", "board"])
def test_priorities_are_the_secretariats(persona, personas, client_for):
    client = client_for(personas.all()[persona])
    assert client.get(reverse("campaigns:priorities")).status_code == 404
    client.post(reverse("campaigns:priorities"), {"name": "X", "year": 2025})
    assert not Priority.objects.exists()


def test_the_board_sees_no_campaign_page(campaigns, personas, client_for):
    client = client_for(personas.board)
    action = Action.objects.get()
    for url in (
        reverse("campaigns:list"),
        reverse("campaigns:create"),
        reverse("campaigns:detail", args=[campaigns.national.pk]),
        reverse("campaigns:action_detail", args=[action.pk]),
        reverse("campaigns:action_live", args=[action.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_lifting_an_initiative_without_actions_needs_no_choice(campaigns, personas, client_for):
    local = campaigns.local_b1
    staff = client_for(personas.staff)
    form = staff.get(reverse("campaigns:elevate", args=[local.pk])).content.decode()
    assert 'name="copy_actions"' not in form
    response = staff.post(reverse("campaigns:elevate", args=[local.pk]), {})
    national = Campaign.objects.get(elevated_from=local)
    assert response["Location"] == reverse("campaigns:detail", args=[national.pk])
    assert not national.actions.exists()
