"""Reads for the start page's recent activity in the viewer's scope (its follow-ups panel
reads through ``people/follow_ups.py``). Every list is bounded and goes through
people_visible_to()."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from aktivist.people.models import Interaction, Person
from aktivist.people.selectors import people_visible_to

RECENT_LIMIT = 10


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
