"""The person page's "Actions taken" card (aktivist/people/panels.py): the person's
participations in actions the viewer may see, newest first, with their count. Registered
in CampaignsConfig.ready()."""

from __future__ import annotations

from typing import Any

from aktivist.campaigns.models import Participation
from aktivist.campaigns.selectors import actions_visible_to
from aktivist.people.panels import PersonPanel, register_person_panel

LIMIT = 10


def actions_taken_context(viewer: Any, person: Any) -> dict[str, Any]:
    qs = Participation.objects.filter(
        person=person, action__in=actions_visible_to(viewer).values("pk")
    )
    latest = list(
        qs.select_related("action", "action__campaign").order_by("-created_at", "-id")[: LIMIT + 1]
    )
    return {
        "person": person,
        "participations": latest[:LIMIT],
        # Counted only when there are more than the card shows.
        "count": qs.count() if len(latest) > LIMIT else len(latest),
        "limit": LIMIT,
    }


def register() -> None:
    register_person_panel(
        PersonPanel(
            key="actions_taken",
            template="campaigns/panels/person_actions.html",
            context=actions_taken_context,
            column="main",
            order=30,
        )
    )
