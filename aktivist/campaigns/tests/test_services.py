"""Campaign, priority and action services: scope rules, validation in words a person
understands, audit in the same transaction, and elevation that keeps the initiative's
history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from aktivist.campaigns import elevation, services
from aktivist.campaigns.models import Action, Campaign, Participation, Priority
from aktivist.campaigns.tests.factories import (
    ActionFactory,
    CampaignFactory,
    ParticipationFactory,
    PriorityFactory,
)
from aktivist.core.exceptions import ApplicationError
from aktivist.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _campaign_data(**overrides):
    return {
        "name": "Flyktingars rätt",
        "description": "",
        "priority": None,
        "scope": Campaign.Scope.LOCAL,
        "unit": None,
        "kind": Campaign.Kind.STANDARD,
        "starts_on": None,
        "ends_on": None,
        "goal": None,
        **overrides,
    }


def _action_data(**overrides):
    return {
        "kind": Action.Kind.PETITION,
        "slug": "",
        "title_sv": "Stoppa utvisningen",
        "title_en": "Stop the deportation",
        "text_sv": "Vi kräver att utvisningen stoppas.",
        "text_en": "We demand that the deportation is stopped.",
        "opens_at": None,
        "closes_at": None,
        "goal": 20000,
        "is_published": True,
        **overrides,
    }


# --- Priorities -------------------------------------------------------------------------


def test_staff_create_a_priority_and_it_is_audited(personas):
    priority = services.priority_create(actor=personas.staff, name=" Flyktingars rätt ", year=2025)
    assert priority.name == "Flyktingars rätt"
    event = AuditEvent.objects.get(verb="priority.create")
    assert event.actor == personas.staff and event.object_id == str(priority.pk)


def test_the_same_priority_twice_in_a_year_is_refused_in_words(personas):
    services.priority_create(actor=personas.staff, name="Flyktingars rätt", year=2025)
    with pytest.raises(ValidationError) as error:
        services.priority_create(actor=personas.staff, name="flyktingars RÄTT", year=2025)
    assert "already a priority with this name for 2025" in str(error.value.message_dict["name"])
    services.priority_create(actor=personas.staff, name="Flyktingars rätt", year=2026)
    assert Priority.objects.count() == 2


@pytest.mark.parametrize("persona", ["district_a", "coordinator_a1", "board"])
def test_only_the_secretariat_sets_priorities(persona, personas):
    with pytest.raises(ApplicationError):
        services.priority_create(actor=getattr(personas, persona), name="X", year=2025)
    assert not Priority.objects.exists()
    assert not AuditEvent.objects.exists()


def test_priority_update_records_the_changed_fields(personas):
    priority = PriorityFactory(name="Gamla namnet", year=2025)
    services.priority_update(actor=personas.admin, priority=priority, name="Nytt", year=2025)
    priority.refresh_from_db()
    assert priority.name == "Nytt"
    assert AuditEvent.objects.get(verb="priority.update").details == {"fields": ["name"]}


# --- Campaigns ----------------------------------------------------------------------------


def test_a_national_campaign_without_a_unit_belongs_to_the_national_unit(world, personas):
    campaign = services.campaign_create(
        actor=personas.staff,
        data=_campaign_data(scope=Campaign.Scope.NATIONAL, kind=Campaign.Kind.SUMMER),
    )
    assert campaign.unit == world.national
    assert campaign.origin == Campaign.Origin.SECRETARIAT
    assert campaign.created_by == personas.staff
    assert AuditEvent.objects.filter(verb="campaign.create", object_id=str(campaign.pk)).exists()


@pytest.mark.parametrize(
    ("scope", "unit", "message"),
    [
        ("national", "district_a", "belongs to the national unit"),
        ("district", "group_a1", "belongs to a district"),
        ("local", "district_a", "belongs to a local group"),
    ],
)
def test_the_scope_must_fit_the_owning_unit(scope, unit, message, world, personas):
    with pytest.raises(ValidationError) as error:
        services.campaign_create(
            actor=personas.staff, data=_campaign_data(scope=scope, unit=getattr(world, unit))
        )
    assert message in str(error.value.message_dict["unit"])
    assert not Campaign.objects.exists()


def test_a_district_representative_starts_local_initiatives_in_the_district(world, personas):
    campaign = services.campaign_create(
        actor=personas.district_a,
        data=_campaign_data(scope=Campaign.Scope.LOCAL, unit=world.group_a2),
    )
    assert campaign.origin == Campaign.Origin.LOCAL_INITIATIVE
    district = services.campaign_create(
        actor=personas.district_a,
        data=_campaign_data(name="Skånekampanjen", scope="district", unit=world.district_a),
    )
    assert district.unit == world.district_a


def test_scoped_staff_cannot_start_campaigns_outside_their_scope(world, personas):
    with pytest.raises(ApplicationError):
        services.campaign_create(
            actor=personas.district_a, data=_campaign_data(unit=world.group_b1)
        )
    with pytest.raises(ApplicationError):
        services.campaign_create(
            actor=personas.coordinator_a1, data=_campaign_data(unit=world.group_a2)
        )
    assert not Campaign.objects.exists()


def test_scoped_staff_cannot_run_national_or_secretariat_led_campaigns(world, personas):
    with pytest.raises(ValidationError) as error:
        services.campaign_create(
            actor=personas.district_a,
            data=_campaign_data(scope="national", unit=world.national),
        )
    assert "Only the secretariat runs national campaigns" in str(error.value)
    with pytest.raises(ValidationError) as error:
        services.campaign_create(
            actor=personas.coordinator_a1,
            data=_campaign_data(unit=world.group_a1, origin=Campaign.Origin.SECRETARIAT),
        )
    assert "origin" in error.value.message_dict


def test_a_campaign_cannot_end_before_it_starts(world, personas):
    with pytest.raises(ValidationError) as error:
        services.campaign_create(
            actor=personas.staff,
            data=_campaign_data(
                scope="national", starts_on=dt.date(2025, 6, 1), ends_on=dt.date(2025, 5, 1)
            ),
        )
    assert "cannot end before it starts" in str(error.value.message_dict["ends_on"])


def test_a_coordinator_edits_their_group_campaign_but_not_the_national_one(world, personas):
    local = CampaignFactory(scope="local", unit=world.group_a1, origin="local_initiative")
    national = CampaignFactory(scope="national", unit=world.national)
    updated = services.campaign_update(
        actor=personas.coordinator_a1, campaign=local, data={"name": "Malmö för asylrätt"}
    )
    assert updated.name == "Malmö för asylrätt"
    assert AuditEvent.objects.get(verb="campaign.update").details == {"fields": ["name"]}
    with pytest.raises(ApplicationError):
        services.campaign_update(
            actor=personas.coordinator_a1, campaign=national, data={"name": "Kapad"}
        )
    national.refresh_from_db()
    assert national.name != "Kapad"


def test_a_refused_update_leaves_the_callers_object_unchanged(world, personas):
    campaign = CampaignFactory(scope="local", unit=world.group_a1, name="Före")
    with pytest.raises(ValidationError):
        services.campaign_update(
            actor=personas.staff,
            campaign=campaign,
            data={"name": "Efter", "unit": world.district_a},
        )
    assert campaign.name == "Före"
    campaign.refresh_from_db()
    assert campaign.name == "Före"


# --- Elevation ----------------------------------------------------------------------------


@pytest.fixture
def initiative(world):
    priority = PriorityFactory(name="Flyktingars rätt")
    campaign = CampaignFactory(
        name="Malmö säger nej till utvisningar",
        description="Gruppen i Malmö samlade namn.",
        priority=priority,
        scope=Campaign.Scope.LOCAL,
        unit=world.group_a1,
        origin=Campaign.Origin.LOCAL_INITIATIVE,
        kind=Campaign.Kind.STANDARD,
        goal=500,
    )
    action = ActionFactory(campaign=campaign, slug="malmo-nej", goal=500)
    ParticipationFactory.create_batch(3, action=action)
    return campaign


def test_the_owner_proposes_the_initiative_with_a_note(initiative, personas):
    campaign = elevation.campaign_propose_elevation(
        actor=personas.coordinator_a1, campaign=initiative, note="600 namn på en vecka."
    )
    assert campaign.elevation == Campaign.Elevation.PROPOSED
    assert campaign.elevation_note == "600 namn på en vecka."
    assert campaign.elevation_proposed_at is not None
    assert AuditEvent.objects.filter(verb="campaign.propose_elevation").exists()


def test_a_proposal_needs_a_note_and_an_owner(initiative, personas):
    with pytest.raises(ValidationError) as error:
        elevation.campaign_propose_elevation(
            actor=personas.coordinator_a1, campaign=initiative, note="  "
        )
    assert "note" in error.value.message_dict
    with pytest.raises(ApplicationError):
        elevation.campaign_propose_elevation(
            actor=personas.coordinator_b1, campaign=initiative, note="Varför inte?"
        )
    initiative.refresh_from_db()
    assert initiative.elevation == Campaign.Elevation.NONE


def test_elevation_creates_a_linked_national_campaign_and_keeps_the_history(
    initiative, personas, world
):
    elevation.campaign_propose_elevation(
        actor=personas.coordinator_a1, campaign=initiative, note="Bra idé."
    )
    original_action = initiative.actions.get()
    national = elevation.campaign_elevate(actor=personas.staff, campaign=initiative)

    assert national.pk != initiative.pk
    assert national.scope == Campaign.Scope.NATIONAL and national.unit == world.national
    assert national.elevated_from == initiative
    assert (national.name, national.description, national.kind, national.goal) == (
        initiative.name,
        initiative.description,
        initiative.kind,
        initiative.goal,
    )
    assert national.priority == initiative.priority
    assert not national.actions.exists()  # starts empty unless actions are copied

    initiative.refresh_from_db()
    assert initiative.elevation == Campaign.Elevation.ELEVATED
    assert initiative.elevation_decided_by == personas.staff
    assert initiative.elevation_decided_at is not None
    assert initiative.elevation_note == "Bra idé."
    assert initiative.scope == Campaign.Scope.LOCAL and initiative.unit == world.group_a1
    assert list(initiative.elevations.all()) == [national]
    # The initiative's action and its participations are untouched.
    assert list(initiative.actions.all()) == [original_action]
    assert Participation.objects.filter(action=original_action).count() == 3
    assert AuditEvent.objects.filter(verb="campaign.elevate", object_id=str(initiative.pk)).exists()


def test_elevation_can_copy_chosen_actions_with_new_addresses(initiative, personas):
    original = initiative.actions.get()
    national = elevation.campaign_elevate(
        actor=personas.admin, campaign=initiative, copy_actions=[original]
    )
    copy = national.actions.get()
    assert copy.slug == "malmo-nej-2"
    assert copy.title_sv == original.title_sv and copy.text_en == original.text_en
    assert copy.is_published is False
    assert not copy.participations.exists()
    original.refresh_from_db()
    assert original.campaign == initiative and original.slug == "malmo-nej"
    assert original.participations.count() == 3


def test_only_the_secretariat_elevates_and_only_once(initiative, personas):
    with pytest.raises(ApplicationError):
        elevation.campaign_elevate(actor=personas.district_a, campaign=initiative)
    elevation.campaign_elevate(actor=personas.staff, campaign=initiative)
    with pytest.raises(ApplicationError, match="already been lifted"):
        elevation.campaign_elevate(actor=personas.staff, campaign=initiative)
    assert Campaign.objects.filter(elevated_from=initiative).count() == 1


def test_actions_of_another_campaign_cannot_be_copied(initiative, personas, world):
    other = ActionFactory.create(campaign=CampaignFactory(scope="local", unit=world.group_b1))
    with pytest.raises(ApplicationError):
        elevation.campaign_elevate(actor=personas.staff, campaign=initiative, copy_actions=[other])
    assert not Campaign.objects.filter(elevated_from=initiative).exists()


def test_a_declined_proposal_may_be_proposed_again(initiative, personas):
    elevation.campaign_propose_elevation(actor=personas.district_a, campaign=initiative, note="A")
    declined = elevation.campaign_decline_elevation(actor=personas.staff, campaign=initiative)
    assert declined.elevation == Campaign.Elevation.DECLINED
    assert declined.elevation_decided_by == personas.staff
    again = elevation.campaign_propose_elevation(
        actor=personas.district_a, campaign=initiative, note="B"
    )
    assert again.elevation == Campaign.Elevation.PROPOSED and again.elevation_decided_at is None
    with pytest.raises(ApplicationError):
        elevation.campaign_decline_elevation(actor=personas.district_a, campaign=initiative)


# --- Actions ------------------------------------------------------------------------------


@pytest.fixture
def national_campaign(world):
    return CampaignFactory(scope="national", unit=world.national)


def test_the_address_is_suggested_from_the_swedish_title(national_campaign, personas):
    first = services.action_create(
        actor=personas.staff,
        campaign=national_campaign,
        data=_action_data(title_sv="Frige Ahmed – nu!"),
    )
    second = services.action_create(
        actor=personas.staff,
        campaign=national_campaign,
        data=_action_data(title_sv="Frige Ahmed – nu!"),
    )
    assert (first.slug, second.slug) == ("frige-ahmed-nu", "frige-ahmed-nu-2")
    assert first.goal == 20000 and first.created_by == personas.staff
    assert AuditEvent.objects.filter(verb="action.create").count() == 2


def test_swedish_letters_become_plain_letters_in_the_address(national_campaign, personas):
    action = services.action_create(
        actor=personas.staff,
        campaign=national_campaign,
        data=_action_data(title_sv="Rädda flyktingbarnen i Åre"),
    )
    assert action.slug == "radda-flyktingbarnen-i-are"


@pytest.mark.parametrize(
    ("slug", "message"),
    [("Frige Ahmed", "lower-case letters"), ("taken", "This address is taken")],
)
def test_a_bad_or_taken_address_is_refused(slug, message, national_campaign, personas):
    ActionFactory(slug="taken")
    with pytest.raises(ValidationError) as error:
        services.action_create(
            actor=personas.staff, campaign=national_campaign, data=_action_data(slug=slug)
        )
    assert message in str(error.value.message_dict["slug"])
    assert Action.objects.count() == 1


def test_swedish_texts_are_required_english_optional(national_campaign, personas):
    with pytest.raises(ValidationError) as error:
        services.action_create(
            actor=personas.staff,
            campaign=national_campaign,
            data=_action_data(title_sv=" ", text_sv=""),
        )
    assert set(error.value.message_dict) >= {"title_sv", "text_sv"}
    action = services.action_create(
        actor=personas.staff,
        campaign=national_campaign,
        data=_action_data(title_en="", text_en=""),
    )
    assert action.title_en == ""


def test_a_letter_needs_a_target_and_a_letter(national_campaign, personas):
    with pytest.raises(ValidationError) as error:
        services.action_create(
            actor=personas.staff,
            campaign=national_campaign,
            data=_action_data(kind=Action.Kind.LETTER, letter_delivery="pdf"),
        )
    assert set(error.value.message_dict) == {"target_name", "target_address", "letter_text_sv"}
    with pytest.raises(ValidationError) as error:
        services.action_create(
            actor=personas.staff,
            campaign=national_campaign,
            data=_action_data(
                kind=Action.Kind.LETTER,
                letter_delivery="email",
                target_name="Migrationsministern",
                target_address="Rosenbad, Stockholm",
                letter_text_sv="Bästa minister …",
            ),
        )
    assert set(error.value.message_dict) == {"target_email"}
    letter = services.action_create(
        actor=personas.staff,
        campaign=national_campaign,
        data=_action_data(
            kind=Action.Kind.LETTER,
            letter_delivery="pdf",
            target_name="Migrationsministern",
            target_address="Rosenbad, Stockholm",
            letter_text_sv="Bästa minister …",
        ),
    )
    assert letter.is_letter


def test_an_action_must_close_after_it_opens(national_campaign, personas):
    opens = timezone.now()
    with pytest.raises(ValidationError) as error:
        services.action_create(
            actor=personas.staff,
            campaign=national_campaign,
            data=_action_data(opens_at=opens, closes_at=opens - dt.timedelta(hours=1)),
        )
    assert "close after it opens" in str(error.value.message_dict["closes_at"])


def test_the_address_stays_once_people_have_signed(national_campaign, personas):
    action = ActionFactory(campaign=national_campaign, slug="forsta")
    services.action_update(actor=personas.staff, action=action, data={"slug": "andra"})
    action.refresh_from_db()
    assert action.slug == "andra"
    ParticipationFactory(action=action)
    with pytest.raises(ValidationError) as error:
        services.action_update(actor=personas.staff, action=action, data={"slug": "tredje"})
    assert "cannot change once people have taken" in str(error.value.message_dict["slug"])
    action.refresh_from_db()
    assert action.slug == "andra"


def test_scoped_staff_cannot_add_actions_to_national_campaigns(national_campaign, personas):
    with pytest.raises(ApplicationError):
        services.action_create(
            actor=personas.district_a, campaign=national_campaign, data=_action_data()
        )
    assert not Action.objects.exists()


def test_close_now_stops_signatures_and_is_audited(national_campaign, personas):
    action = ActionFactory(campaign=national_campaign)
    closed = services.action_close_now(actor=personas.staff, action=action)
    assert not closed.is_open()
    assert AuditEvent.objects.filter(verb="action.close").exists()
    with pytest.raises(ApplicationError, match="already closed"):
        services.action_close_now(actor=personas.staff, action=closed)


def test_an_action_not_yet_open_is_unpublished_rather_than_closed(national_campaign, personas):
    action = ActionFactory(
        campaign=national_campaign, opens_at=timezone.now() + dt.timedelta(days=1)
    )
    with pytest.raises(ApplicationError, match="unpublish"):
        services.action_close_now(actor=personas.staff, action=action)
    services.action_set_published(actor=personas.staff, action=action, published=False)
    action.refresh_from_db()
    assert action.is_published is False
    assert AuditEvent.objects.filter(verb="action.unpublish").count() == 1
