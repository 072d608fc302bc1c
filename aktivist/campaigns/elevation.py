"""Lifting a district or local campaign to a national one (DESIGN.md, "Who may see what").

The owner of a district or local campaign proposes it for a national campaign with a note;
the secretariat lifts it or declines. Lifting creates a **new** national campaign
(``elevated_from`` points back) and leaves the initiative, its actions and their
participations untouched. The new campaign starts empty, or with copies of the actions the
secretariat picks: each copy has its own address (slug), starts unpublished (the
secretariat reviews the texts before the national launch) and counts its own
participations from zero — the initiative's counts stay where they were earned.

Every function takes ``actor`` and records one audit event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.accounts.capabilities import Capability, can
from aktivist.campaigns.models import Action, Campaign
from aktivist.campaigns.selectors import can_edit_campaign
from aktivist.campaigns.services import national_unit, require_national, suggest_slug
from aktivist.core import audit
from aktivist.core.exceptions import ApplicationError


def can_propose_elevation(actor: Any, campaign: Campaign) -> bool:
    return (
        campaign.scope != Campaign.Scope.NATIONAL
        and campaign.elevation in (Campaign.Elevation.NONE, Campaign.Elevation.DECLINED)
        and can_edit_campaign(actor, campaign)
    )


def can_decide_elevation(actor: Any, campaign: Campaign) -> bool:
    return (
        can(actor, Capability.NATIONAL_PLANNING)
        and campaign.scope != Campaign.Scope.NATIONAL
        and campaign.elevation != Campaign.Elevation.ELEVATED
    )


@transaction.atomic
def campaign_propose_elevation(*, actor: Any, campaign: Campaign, note: str) -> Campaign:
    """The initiative's owner asks the secretariat to lift it to a national campaign."""
    campaign = Campaign.objects.select_for_update().select_related("unit").get(pk=campaign.pk)
    note = (note or "").strip()
    if campaign.scope == Campaign.Scope.NATIONAL:
        raise ApplicationError(_("This is already a national campaign."))
    if campaign.elevation == Campaign.Elevation.PROPOSED:
        raise ApplicationError(_("It has already been proposed; the secretariat will decide."))
    if campaign.elevation == Campaign.Elevation.ELEVATED:
        raise ApplicationError(_("It has already been lifted to a national campaign."))
    if actor is not None and not can_edit_campaign(actor, campaign):
        raise ApplicationError(_("You cannot change this campaign."))
    if not note:
        raise ValidationError({"note": _("Say why it should become a national campaign.")})
    campaign.elevation = Campaign.Elevation.PROPOSED
    campaign.elevation_note = note
    campaign.elevation_proposed_at = timezone.now()
    campaign.elevation_decided_at = None
    campaign.elevation_decided_by = None
    campaign.full_clean()
    campaign.save(
        update_fields=[
            "elevation",
            "elevation_note",
            "elevation_proposed_at",
            "elevation_decided_at",
            "elevation_decided_by",
            "updated_at",
        ]
    )
    audit.record(actor=actor, verb="campaign.propose_elevation", obj=campaign)
    return campaign


def _decide(campaign: Campaign, actor: Any, elevation: str) -> None:
    campaign.elevation = elevation
    campaign.elevation_decided_at = timezone.now()
    campaign.elevation_decided_by = actor if getattr(actor, "is_authenticated", False) else None
    campaign.save(
        update_fields=["elevation", "elevation_decided_at", "elevation_decided_by", "updated_at"]
    )


@transaction.atomic
def campaign_elevate(
    *, actor: Any, campaign: Campaign, copy_actions: Sequence[Action] = ()
) -> Campaign:
    """Lift a district or local campaign to a new national campaign; returns the new one.

    The initiative keeps its actions, participations and texts; it is only marked as lifted
    (with when and by whom). ``copy_actions`` (actions of the initiative) are copied into
    the new campaign with new addresses, unpublished."""
    require_national(actor, _("Only the secretariat lifts campaigns to national ones."))
    initiative = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if initiative.scope == Campaign.Scope.NATIONAL:
        raise ApplicationError(_("This is already a national campaign."))
    if initiative.elevation == Campaign.Elevation.ELEVATED:
        raise ApplicationError(_("It has already been lifted to a national campaign."))
    foreign = [a.pk for a in copy_actions if a.campaign_id != initiative.pk]
    if foreign:
        raise ApplicationError(_("Only the initiative's own actions can be copied."))
    national = Campaign(
        name=initiative.name,
        description=initiative.description,
        priority=initiative.priority,
        kind=initiative.kind,
        goal=initiative.goal,
        scope=Campaign.Scope.NATIONAL,
        unit=national_unit(),
        # Where the idea came from: the link back says from which initiative.
        origin=Campaign.Origin.LOCAL_INITIATIVE,
        elevated_from=initiative,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    national.full_clean()
    national.save()
    copies = [_copy_action(actor, action, national) for action in copy_actions]
    _decide(initiative, actor, Campaign.Elevation.ELEVATED)
    audit.record(
        actor=actor,
        verb="campaign.elevate",
        obj=initiative,
        details={"national_campaign": national.pk, "copied_actions": [a.pk for a in copies]},
    )
    audit.record(
        actor=actor,
        verb="campaign.create",
        obj=national,
        details={"scope": national.scope, "elevated_from": initiative.pk},
    )
    return national


def _copy_action(actor: Any, action: Action, campaign: Campaign) -> Action:
    now = timezone.now()
    copy = Action(
        campaign=campaign,
        kind=action.kind,
        slug=suggest_slug(action.slug),
        title_sv=action.title_sv,
        title_en=action.title_en,
        text_sv=action.text_sv,
        text_en=action.text_en,
        opens_at=now,
        closes_at=action.closes_at if action.closes_at and action.closes_at > now else None,
        goal=action.goal,
        is_published=False,
        target_name=action.target_name,
        target_email=action.target_email,
        target_address=action.target_address,
        letter_subject=action.letter_subject,
        letter_text_sv=action.letter_text_sv,
        letter_text_en=action.letter_text_en,
        letter_delivery=action.letter_delivery,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    copy.full_clean()
    copy.save()
    audit.record(actor=actor, verb="action.create", obj=copy, details={"copied_from": action.pk})
    return copy


@transaction.atomic
def campaign_decline_elevation(*, actor: Any, campaign: Campaign) -> Campaign:
    """The secretariat does not lift the proposal; the owner may propose it again later."""
    require_national(actor, _("Only the secretariat decides on proposals."))
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.elevation != Campaign.Elevation.PROPOSED:
        raise ApplicationError(_("There is no proposal to decline."))
    _decide(campaign, actor, Campaign.Elevation.DECLINED)
    audit.record(actor=actor, verb="campaign.decline_elevation", obj=campaign)
    return campaign
