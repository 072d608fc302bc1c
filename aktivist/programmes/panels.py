"""The person page's programmes panel (aktivist/people/panels.py): the person's
registrations for events the viewer may see (event, date, status), the programmes they
completed, and the next steps those offer — with upcoming events the viewer may see.
The secretariat and district representatives record or take back a completion here.
Registered in ProgrammesConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from aktivist.accounts.capabilities import Capability, can
from aktivist.people.panels import PersonPanel, register_person_panel
from aktivist.programmes.models import Programme, ProgrammeCompletion, Registration
from aktivist.programmes.progression import next_steps_for
from aktivist.programmes.selectors import events_visible_to

REGISTRATION_LIMIT = 20


def programmes_context(viewer: Any, person: Any) -> dict[str, Any]:
    events = events_visible_to(viewer)
    registrations = list(
        Registration.objects.filter(person=person, event__in=events.values("pk"))
        .select_related("event", "event__programme")
        .order_by("-event__starts_at", "-pk")[: REGISTRATION_LIMIT + 1]
    )
    completions = list(
        ProgrammeCompletion.objects.filter(person=person)
        .select_related("programme", "event")
        .order_by("-completed_on", "-pk")
    )
    can_record = can(viewer, Capability.PROGRAMMES_COMPLETIONS)
    done = {c.programme_id for c in completions}
    return {
        "person": person,
        "registrations": registrations[:REGISTRATION_LIMIT],
        "more_registrations": len(registrations) > REGISTRATION_LIMIT,
        "completions": completions,
        "next_steps": next_steps_for(person, events=events, completed=completions),
        "can_record": can_record,
        "programmes": (
            [p for p in Programme.objects.filter(is_active=True) if p.pk not in done]
            if can_record
            else []
        ),
        "today": timezone.localdate(),
    }


def register() -> None:
    register_person_panel(
        PersonPanel(
            key="programmes",
            template="programmes/panels/person_programmes.html",
            context=programmes_context,
            column="main",
            order=40,
        )
    )
