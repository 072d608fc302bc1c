"""Next steps on an action's thank-you page: upcoming recruitment meetings and trainings
near the signer (the unit covering their postcode and the units above it) and national
ones, soonest first. Registered in ProgrammesConfig.ready()."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aktivist.core.next_steps import NextStep, register_next_step_provider
from aktivist.organisation.models import Unit
from aktivist.programmes.models import Event, Programme

NEXT_STEPS_LIMIT = 3


def upcoming_public_events(now: dt.datetime | None = None) -> QuerySet[Event]:
    """Published events that are not cancelled and have not started: what the public
    calendar lists."""
    return Event.objects.filter(
        is_published=True, cancelled_at__isnull=True, starts_at__gt=now or timezone.now()
    )


def open_for_sign_up(now: dt.datetime | None = None) -> QuerySet[Event]:
    now = now or timezone.now()
    return upcoming_public_events(now).filter(
        Q(registration_deadline__isnull=True) | Q(registration_deadline__gt=now)
    )


def _units_near(unit: Unit | None) -> list[int]:
    """The unit (covering the signer's postcode) and every unit above it."""
    if unit is None:
        return []
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def events_to_take_part_in(unit: Unit | None, *, limit: int = NEXT_STEPS_LIMIT) -> list[Event]:
    """Recruitment meetings and trainings open for sign-up in or above the unit covering
    the signer's postcode, or national."""
    first_steps = Q(programme__kind=Programme.Kind.RECRUITMENT_MEETING) | Q(
        programme__counts_as_training=True, programme__is_active=True
    )
    where = Q(unit__kind=Unit.Kind.NATIONAL)
    near = _units_near(unit)
    if near:
        where |= Q(unit_id__in=near)
    return list(
        open_for_sign_up()
        .filter(first_steps)
        .filter(where)
        .order_by("starts_at", "id")
        .only("slug", "title", "starts_at", "place", "online_url")[:limit]
    )


def upcoming_trainings(action: Any, unit: Unit | None) -> list[NextStep]:
    """The next-step provider: nothing here depends on who signed, only on the unit
    covering the postcode they typed."""
    lang = translation.get_language() or "sv"
    return [
        NextStep(
            title=event.title,
            url=f"{reverse('public:event', args=[event.slug])}?lang={lang}",
            when=event.starts_at,
            place=event.place or (_("Online") if event.online_url else ""),
        )
        for event in events_to_take_part_in(unit)
    ]


def register() -> None:
    register_next_step_provider(upcoming_trainings)
