"""The engagement card on the person page: the level, why, and the last months."""

from __future__ import annotations

from typing import Any

from aktivist.engagement import selectors
from aktivist.engagement.models import Level
from aktivist.people.panels import PersonPanel, register_person_panel


def engagement_context(viewer: Any, person: Any) -> dict[str, Any]:
    # The person page has already checked that the viewer may see this person.
    level = selectors.stored_level(person)
    explanation = selectors.explain(person)
    return {
        "level": level,
        "label": Level(level).label,
        "explanation": explanation,
        "pending": explanation.level != level,
        "snapshots": selectors.person_snapshots(person),
    }


def register() -> None:
    register_person_panel(
        PersonPanel(
            key="engagement",
            template="engagement/_person_panel.html",
            context=engagement_context,
            column="side",
            order=10,
        )
    )
