"""Reads on campaigns, actions and participations, scoped by the viewer.

National campaigns (and their actions) are visible to all staff; district and local ones
follow the owning unit (DESIGN.md). Participants are people: a viewer sees only the
participants they may see as people. Board viewers see no campaign pages (their reports
come in the reports issue) and get 404s like anyone outside scope.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, IntegerField, Q, QuerySet
from django.db.models.functions import Coalesce, ExtractYear
from django.http import Http404
from django.utils import timezone

from aktivist.accounts.access import scope_for
from aktivist.campaigns.models import Action, Campaign, Participation, Priority
from aktivist.lib.figures import public_floor
from aktivist.organisation.scoping import subtree_q
from aktivist.people.models import YOUNG_MAX_AGE
from aktivist.people.selectors import people_visible_to

COUNT_CACHE_SECONDS = 5  # live counts on staff pages: at most this stale


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
        .select_related("person", "person__home_unit", "channel")
        .order_by("-created_at", "-id")
    )


def elevation_proposals() -> QuerySet[Campaign]:
    """Local initiatives awaiting the secretariat's decision."""
    return (
        Campaign.objects.filter(elevation=Campaign.Elevation.PROPOSED)
        .select_related("unit", "priority")
        .order_by("elevation_proposed_at")
    )


# --- Staff pages: lists and totals ------------------------------------------------------


def campaign_year_expression() -> Coalesce:
    """A campaign's year: its priority's, else the year it starts, else the year it was
    created."""
    return Coalesce(
        "priority__year",
        ExtractYear("starts_on"),
        ExtractYear("created_at"),
        output_field=IntegerField(),
    )


def campaign_list(
    viewer: Any, *, year: int | None = None, scope: str = "", kind: str = ""
) -> QuerySet[Campaign]:
    """The viewer's campaigns with their year and number of actions, newest year first,
    then by priority and name (the list groups by year and priority)."""
    qs = campaigns_visible_to(viewer).annotate(
        year=campaign_year_expression(), action_count=Count("actions")
    )
    if year:
        qs = qs.filter(year=year)
    if scope:
        qs = qs.filter(scope=scope)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-year", "priority__name", "is_archived", "name", "pk")


def campaign_years(viewer: Any) -> list[int]:
    """The years the viewer has campaigns in, and this year, newest first."""
    years = set(
        campaigns_visible_to(viewer)
        .annotate(year=campaign_year_expression())
        .values_list("year", flat=True)
        .distinct()
    )
    years.add(timezone.localdate().year)
    return sorted((y for y in years if y), reverse=True)


def participation_totals(campaign_ids: list[int]) -> dict[int, int]:
    """Participations per campaign (all its actions), in one query."""
    if not campaign_ids:
        return {}
    rows = (
        Participation.objects.filter(action__campaign_id__in=campaign_ids)
        .values_list("action__campaign_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {campaign_id: n for campaign_id, n in rows}


def campaign_actions(campaign: Campaign) -> list[Action]:
    """The campaign's actions, each with ``participation_count``, in one query."""
    actions: list[Action] = list(
        Action.objects.filter(campaign=campaign)
        .annotate(participation_count=Count("participations"))
        .order_by("-opens_at", "id")
    )
    return actions


def elevations_of(campaign: Campaign) -> QuerySet[Campaign]:
    """The national campaigns lifted from this initiative (visible to all staff)."""
    return Campaign.objects.filter(elevated_from=campaign).select_related("unit").order_by("pk")


def priorities_with_counts() -> QuerySet[Priority]:
    return Priority.objects.annotate(campaign_count=Count("campaigns")).order_by("-year", "name")


def access_priority(pk: Any) -> Priority:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    priority = Priority.objects.filter(pk=pk).first()
    if priority is None:
        raise Http404
    return priority


def action_sources(action: Action) -> list[dict[str, Any]]:
    """How people took the action: per source, per channel for the API and embeds, and per
    the link's ``utm_source``/``utm_medium``. Rows of ``source``, ``channel`` (name or ""),
    ``utm_source``, ``utm_medium`` and ``count``, largest first."""
    rows = (
        Participation.objects.filter(action=action)
        .values_list("source", "channel__name", "utm_source", "utm_medium")
        .annotate(n=Count("id"))
        .order_by("-n", "source", "utm_source", "utm_medium")
    )
    labels = dict(Participation.Source.choices)
    return [
        {
            "source": source,
            "label": labels.get(source, source),
            "channel": channel or "",
            "utm_source": utm_source,
            "utm_medium": utm_medium,
            "count": n,
        }
        for source, channel, utm_source, utm_medium, n in rows
    ]


YOUNG_BRACKETS = (Participation.AgeBracket.FROM_13_TO_17, Participation.AgeBracket.FROM_18_TO_25)
YOUNG_MIN_AGE = 13


def action_audience(action: Action) -> dict[str, int]:
    """Who took the action, as counts only: young (13–25, by the age bracket given or the
    person's birth year), age known; members, non-members, former members, and erased
    people (whose status is no longer known). One query."""
    this_year = timezone.localdate().year
    bracket_given = ~Q(age_bracket="")
    year_known = Q(age_bracket="", person__birth_year__isnull=False)
    counts = Participation.objects.filter(action=action).aggregate(
        total=Count("id"),
        age_known=Count("id", filter=bracket_given | year_known),
        young=Count(
            "id",
            filter=Q(age_bracket__in=YOUNG_BRACKETS)
            | Q(
                year_known,
                person__birth_year__gte=this_year - YOUNG_MAX_AGE,
                person__birth_year__lte=this_year - YOUNG_MIN_AGE,
            ),
        ),
        members=Count("id", filter=Q(person__membership_status="member")),
        non_members=Count("id", filter=Q(person__membership_status="non_member")),
        former_members=Count("id", filter=Q(person__membership_status="former")),
    )
    counts["status_unknown"] = (
        counts["total"] - counts["members"] - counts["non_members"] - counts["former_members"]
    )
    return counts


# --- Public reads ----------------------------------------------------------------------


def public_action(slug: str) -> Action:
    """A published action by its public address (open or closed), else 404."""
    action = Action.objects.select_related("campaign").filter(slug=slug, is_published=True).first()
    if action is None:
        raise Http404
    return action


def participation_count(action: Action, *, fresh: bool = False) -> int:
    """Everyone who took the action (erased people included: counts never go down), for
    staff pages. Cached for a few seconds. Anonymous visitors see
    ``public_participation_figure`` instead, never this."""
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


# --- The figure anonymous visitors see ---------------------------------------------------


def _count_interval() -> int:
    return max(1, int(settings.PUBLIC_COUNT_INTERVAL_SECONDS))


def public_count_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """The start of the current interval: the public figure counts what came before it."""
    interval = _count_interval()
    seconds = int((now or timezone.now()).timestamp())
    return dt.datetime.fromtimestamp(seconds - seconds % interval, tz=dt.UTC)


def seconds_until_recount(now: dt.datetime | None = None) -> int:
    """How long the public figure stays as it is (for Cache-Control)."""
    interval = _count_interval()
    return interval - int((now or timezone.now()).timestamp()) % interval


def public_participation_figure(action: Action) -> int:
    """The number of people who took the action as anonymous visitors see it: counted up to
    the start of the current interval (``PUBLIC_COUNT_INTERVAL_SECONDS``, aligned to the
    clock) and rounded down (``aktivist.lib.figures.public_floor``).

    A signature shows only from the next interval on, whoever reads the figure and in
    whichever process, so signing with someone's email and reading the figure right after
    never tells whether they had signed before. The count per interval is cached with the
    interval in its key; each process computes it at most once per interval."""
    cutoff = public_count_cutoff()
    key = f"campaigns:public-count:{action.pk}:{int(cutoff.timestamp())}"
    cached = cache.get(key)
    if cached is None:
        cached = Participation.objects.filter(action=action, created_at__lt=cutoff).count()
        cache.set(key, cached, _count_interval())
    return public_floor(int(cached))
