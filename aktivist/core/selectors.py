"""Reads for the start page: the viewer's own follow-ups and recent activity in their scope.
Every list is bounded and goes through people_visible_to()."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from aktivist.accounts.access import scope_for
from aktivist.people.follow_ups import secretariat_follow_ups
from aktivist.people.models import Interaction, Person
from aktivist.people.selectors import people_visible_to

FOLLOW_UP_LIMIT = 50
RECENT_LIMIT = 10


def my_open_follow_ups(viewer: Any, *, limit: int = FOLLOW_UP_LIMIT) -> list[Interaction]:
    """Open follow-ups the viewer owns, soonest due first, only for people they may see."""
    if not getattr(viewer, "is_authenticated", False):
        return []
    qs = (
        Interaction.objects.filter(
            follow_up_owner=viewer,
            follow_up_done_at__isnull=True,
            follow_up_due__isnull=False,
            person__in=people_visible_to(viewer),
        )
        .select_related("person")
        .order_by("follow_up_due", "pk")
    )
    return list(qs[:limit])


def secretariat_open_follow_ups(viewer: Any, *, limit: int = FOLLOW_UP_LIMIT) -> list[Interaction]:
    """The secretariat's pool (open follow-ups with no owner, soonest due first), for
    national staff only; scoped viewers never see it."""
    if not scope_for(viewer).is_national:
        return []
    return list(secretariat_follow_ups().filter(person__in=people_visible_to(viewer))[:limit])


def recent_interactions(viewer: Any, *, limit: int = RECENT_LIMIT) -> QuerySet[Interaction]:
    """The latest interactions recorded with people in the viewer's scope."""
    return (
        Interaction.objects.filter(person__in=people_visible_to(viewer))
        .select_related("person", "author")
        .order_by("-pk")[:limit]
    )


def recent_people(viewer: Any, *, limit: int = RECENT_LIMIT) -> QuerySet[Person]:
    """The people most recently added within the viewer's scope."""
    return people_visible_to(viewer).select_related("home_unit").order_by("-pk")[:limit]
