"""Small builders for the ladder's facts at a chosen time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aktivist.campaigns.models import Participation
from aktivist.campaigns.tests.factories import ParticipationFactory
from aktivist.programmes.models import Registration
from aktivist.programmes.tests.factories import EventFactory, RegistrationFactory


def participated(person: Any, at: dt.datetime) -> Participation:
    participation = ParticipationFactory.create(person=person)
    Participation.objects.filter(pk=participation.pk).update(created_at=at)
    return participation


def registered(
    person: Any,
    *,
    created_at: dt.datetime,
    status: str = Registration.Status.REGISTERED,
    event_starts_at: dt.datetime | None = None,
) -> Registration:
    starts_at = event_starts_at or created_at + dt.timedelta(days=7)
    event = EventFactory(starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=2))
    registration = RegistrationFactory.create(person=person, event=event, status=status)
    Registration.objects.filter(pk=registration.pk).update(created_at=created_at)
    return registration


def attended(
    person: Any, *, event_starts_at: dt.datetime, created_at: dt.datetime | None = None
) -> Registration:
    return registered(
        person,
        created_at=created_at or event_starts_at - dt.timedelta(days=7),
        status=Registration.Status.ATTENDED,
        event_starts_at=event_starts_at,
    )
