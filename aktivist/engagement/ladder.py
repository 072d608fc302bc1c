"""The ladder's rules, computed set-based from the facts (DESIGN.md, "engagement").

The highest level that holds wins:

0 contact — nothing below.
1 acted — at least one participation, or a registration that is not cancelled, in the last
  12 months.
2 acts repeatedly — at least three participations in the last 12 months.
3 trained — completed a programme whose ``counts_as_training`` is set (at any time), or
  attended at least two events in the last 12 months.
4 active in a local group, school group or network — a current ``UnitMembership``
  (``ended_on`` empty) in a unit of kind local group, school group, network or youth network.
5 holds a current role — a ``Role`` with ``ended_on`` empty.

"In the last 12 months" is measured in whole local days: a fact counts from the start of the
same calendar day twelve months ago (29 February falls back to 28 February), so a nightly run
gives the same answer whatever time it runs. A participation is dated by its ``created_at``.
A registration is dated by its event's start when it was attended (that is when the person
came), and by its own ``created_at`` otherwise (registered, waitlisted, no-show: that is when
the person signed up). Cancelled registrations never count.

Only active people have a level: facts of inactive or erased people are ignored.

Each rule is one query over a set of people (a range of ids for the nightly run, or a list of
ids after a change), grouping in the database; nothing is loaded per person.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from aktivist.campaigns.models import Participation
from aktivist.engagement.models import Level
from aktivist.organisation.models import Role, Unit, UnitMembership
from aktivist.people.models import Person
from aktivist.programmes.models import ProgrammeCompletion, Registration

WINDOW_MONTHS = 12
REPEATED_PARTICIPATIONS = 3  # level 2
ATTENDED_EVENTS_FOR_TRAINED = 2  # level 3
GROUP_KINDS = (
    Unit.Kind.LOCAL_GROUP,
    Unit.Kind.SCHOOL_GROUP,
    Unit.Kind.NETWORK,
    Unit.Kind.YOUTH_NETWORK,
)
# Registrations that count for "acted" when created in the window (attended ones count by the
# event's start instead).
SIGNED_UP = (
    Registration.Status.REGISTERED,
    Registration.Status.WAITLISTED,
    Registration.Status.NO_SHOW,
)


def months_back(day: dt.date, months: int) -> dt.date:
    """The same calendar day ``months`` months earlier (clamped to that month's last day)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last_day))


def window_start(now: dt.datetime | None = None) -> dt.datetime:
    """The first moment that is "in the last 12 months" (start of the local day)."""
    today = timezone.localdate(now or timezone.now())
    first_day = months_back(today, WINDOW_MONTHS)
    return timezone.make_aware(dt.datetime.combine(first_day, dt.time.min))


@dataclass(frozen=True)
class People:
    """Which people a computation covers: ``ids`` (a list) or ``low <= id < high``."""

    ids: Sequence[int] | None = None
    low: int | None = None
    high: int | None = None

    def ids_q(self, field: str) -> Q:
        """The id restriction alone, on ``field`` (e.g. "person_id" or "pk")."""
        q = Q()
        if self.ids is not None:
            q &= Q(**{f"{field}__in": list(self.ids)})
        if self.low is not None:
            q &= Q(**{f"{field}__gte": self.low})
        if self.high is not None:
            q &= Q(**{f"{field}__lt": self.high})
        return q

    def q(self) -> Q:
        """For a model with a ``person`` foreign key: these people's rows. Inactive people
        are left out by ``compute_levels`` (one small query instead of a join per rule)."""
        return self.ids_q("person_id")

    def inactive_ids(self) -> set[int]:
        return set(
            Person.objects.filter(self.ids_q("pk"), is_active=False).values_list("pk", flat=True)
        )


def _person_ids(qs: QuerySet[Any]) -> set[int]:
    return set(qs.order_by().values_list("person_id", flat=True).distinct())


def current_roles(people: People) -> QuerySet[Role]:
    return Role.objects.filter(people.q(), ended_on__isnull=True)


def current_group_memberships(people: People) -> QuerySet[UnitMembership]:
    return UnitMembership.objects.filter(
        people.q(), ended_on__isnull=True, unit__kind__in=GROUP_KINDS
    )


def training_completions(people: People) -> QuerySet[ProgrammeCompletion]:
    return ProgrammeCompletion.objects.filter(people.q(), programme__counts_as_training=True)


def recent_participations(people: People, since: dt.datetime) -> QuerySet[Participation]:
    return Participation.objects.filter(people.q(), created_at__gte=since)


def attended_q(since: dt.datetime) -> Q:
    return Q(status=Registration.Status.ATTENDED, event__starts_at__gte=since)


def recent_registrations(people: People, since: dt.datetime) -> QuerySet[Registration]:
    """Registrations that make a person "acted": attended an event that started in the
    window, or signed up (not cancelled) in the window."""
    return Registration.objects.filter(people.q()).filter(
        attended_q(since) | Q(status__in=SIGNED_UP, created_at__gte=since)
    )


def compute_levels(people: People, *, now: dt.datetime | None = None) -> dict[int, int]:
    """{person id: level} for the active people covered whose level is above 0 (people
    missing from the answer are at level 0). Six queries, whatever the number of people."""
    since = window_start(now)
    levels: dict[int, int] = {}
    inactive = people.inactive_ids()

    def lift(person_ids: set[int] | list[int], level: int) -> None:
        for person_id in person_ids:
            if person_id in inactive:
                continue
            if levels.get(person_id, Level.CONTACT) < level:
                levels[person_id] = level

    participations = (
        recent_participations(people, since)
        .order_by()
        .values_list("person_id")
        .annotate(n=Count("pk"))
    )
    for person_id, n in participations:
        lift([person_id], Level.ACTS_REPEATEDLY if n >= REPEATED_PARTICIPATIONS else Level.ACTED)

    registrations = (
        recent_registrations(people, since)
        .order_by()
        .values_list("person_id")
        .annotate(attended=Count("pk", filter=attended_q(since)))
    )
    for person_id, attended in registrations:
        trained = attended >= ATTENDED_EVENTS_FOR_TRAINED
        lift([person_id], Level.TRAINED if trained else Level.ACTED)

    lift(_person_ids(training_completions(people)), Level.TRAINED)
    lift(_person_ids(current_group_memberships(people)), Level.ACTIVE_IN_GROUP)
    lift(_person_ids(current_roles(people)), Level.HOLDS_ROLE)
    return levels
