"""The person page's "Messages" card (aktivist/people/panels.py): what the person was sent
by mobilizations the viewer may see, newest first, and whether they may not be emailed.
Registered in MobilizationConfig.ready()."""

from __future__ import annotations

from typing import Any

from aktivist.people.panels import PersonPanel, register_person_panel

LIMIT = 10


def messages_context(viewer: Any, person: Any) -> dict[str, Any]:
    from aktivist.mobilization.models import Delivery, Suppression, address_hash
    from aktivist.mobilization.selectors import mobilizations_visible_to

    deliveries = list(
        Delivery.objects.filter(
            person=person, mobilization__in=mobilizations_visible_to(viewer).values("pk")
        )
        .select_related("mobilization")
        .order_by("-due_at", "-id")[:LIMIT]
    )
    suppressions = (
        list(
            Suppression.objects.filter(address_hash=address_hash(person.email)).order_by(
                "-created_at"
            )
        )
        if person.email
        else []
    )
    return {"deliveries": deliveries, "suppressions": suppressions, "limit": LIMIT}


def register() -> None:
    register_person_panel(
        PersonPanel(
            key="messages",
            template="mobilization/panels/person_messages.html",
            context=messages_context,
            column="main",
            order=40,
        )
    )
