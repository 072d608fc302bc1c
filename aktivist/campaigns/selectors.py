"""Reads on campaigns, actions and participations, scoped by the viewer.

National campaigns (and their actions) are visible to all staff; district and local ones
follow the owning unit (DESIGN.md). Participants are people: a viewer sees only the
participants they may see as people. Board viewers see no campaign pages (their reports
come in the reports issue) and get 404s like anyone outside scope.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.http import Http404

from aktivist.accounts.access import scope_for
from aktivist.campaigns.models import Action, Campaign, Participation, Priority
from aktivist.organisation.scoping import subtree_q
from aktivist.people.selectors import people_visible_to

COUNT_CACHE_SECONDS = 5  # live counts on public pages: at most this stale


def _campaign_q(viewer: Any, prefix: str = "") -> Q | None:
    """None: everything; otherwise the campaigns (or, with prefix, related rows) in sight."""
    scope = scope_for(viewer)
    if scope.is_national:
        return None
    if not scope.sees_people:
        return Q(pk__in=[])
    return Q(**{f"{prefix}scope": Campaign.Scope.NATIONAL}) | subtree_q(
        scope, field=f"{prefix}unit__path"
    )


def campaigns_visible_to(viewer: Any) -> QuerySet[Campaign]:
    qs = Campaign.objects.select_related("priority", "unit")
    q = _campaign_q(viewer)
    return qs if q is None else qs.filter(q)


def campaigns_editable_by(viewer: Any) -> QuerySet[Campaign]:
    """Staff edit every campaign; scoped roles only those their units own (not national)."""
    scope = scope_for(viewer)
    qs = Campaign.objects.select_related("priority", "unit")
    if scope.is_national:
        return qs
    if not scope.sees_people:
        return qs.none()
    return qs.filter(subtree_q(scope, field="unit__path")).exclude(scope=Campaign.Scope.NATIONAL)


def can_edit_campaign(viewer: Any, campaign: Campaign) -> bool:
    return campaigns_editable_by(viewer).filter(pk=campaign.pk).exists()


def access_campaign(viewer: Any, pk: Any) -> Campaign:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    campaign = campaigns_visible_to(viewer).filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign


def actions_visible_to(viewer: Any) -> QuerySet[Action]:
    qs = Action.objects.select_related("campaign", "campaign__unit")
    q = _campaign_q(viewer, prefix="campaign__")
    return qs if q is None else qs.filter(q)


def access_action(viewer: Any, pk: Any) -> Action:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    action = actions_visible_to(viewer).filter(pk=pk).first()
    if action is None:
        raise Http404
    return action


def priorities() -> QuerySet[Priority]:
    return Priority.objects.all()


def participants_visible_to(viewer: Any, action: Action) -> QuerySet[Participation]:
    """The action's participations whose person the viewer may see, newest first."""
    return (
        Participation.objects.filter(action=action, person__in=people_visible_to(viewer))
        .select_related("person", "person__home_unit")
        .order_by("-created_at", "-id")
    )


def elevation_proposals() -> QuerySet[Campaign]:
    """Local initiatives awaiting the secretariat's decision."""
    return (
        Campaign.objects.filter(elevation=Campaign.Elevation.PROPOSED)
        .select_related("unit", "priority")
        .order_by("elevation_proposed_at")
    )


# --- Public reads ----------------------------------------------------------------------


def public_action(slug: str) -> Action:
    """A published action by its public address (open or closed), else 404."""
    action = Action.objects.select_related("campaign").filter(slug=slug, is_published=True).first()
    if action is None:
        raise Http404
    return action


def participation_count(action: Action, *, fresh: bool = False) -> int:
    """Everyone who took the action (erased people included: counts never go down).
    Cached for a few seconds: public pages are read far more often than signed."""
    key = f"campaigns:action-count:{action.pk}"
    if not fresh:
        cached = cache.get(key)
        if cached is not None:
            return int(cached)
    count = Participation.objects.filter(action=action).count()
    cache.set(key, count, COUNT_CACHE_SECONDS)
    return count


def forget_participation_count(action_id: int) -> None:
    cache.delete(f"campaigns:action-count:{action_id}")
