"""Reading the ladder: a person's level and why (the person page), and the counts of the
staff report, always over the people the viewer may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.models import Case, Count, F, Max, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aktivist.accounts.access import scope_for
from aktivist.accounts.models import User
from aktivist.engagement import ladder
from aktivist.engagement.models import EngagementLevel, EngagementSnapshot, Level, SnapshotMonth
from aktivist.lib.figures import (
    SECONDARY,
    SMALL,
    Shown,
    cell,
    protect_columns,
    protect_counts,
    row_total,
)
from aktivist.people.models import Person
from aktivist.people.selectors import people_visible_to

REASONS_SHOWN = 3
REPORT_CACHE_SECONDS = 600
T = TypeVar("T")


def stored_level(person: Person) -> int:
    """The level segments and reports use (no row: level 0)."""
    row = EngagementLevel.objects.filter(person=person).values_list("level", flat=True).first()
    return Level.CONTACT if row is None else int(row)


@dataclass
class Explanation:
    level: int
    reasons: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(Level(self.level).label)


def _day(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    return date_format(value, "Y-m-d")


def explain(person: Person, *, now: dt.datetime | None = None) -> Explanation:
    """The level the facts give now and the facts that give it, checked from the top rule
    down (so a role holder costs one query). Uses the rules of ``ladder``; the level agrees
    with ``ladder.compute_levels``."""
    if not person.is_active:
        return Explanation(Level.CONTACT)
    people = ladder.People(ids=[person.pk])
    since = ladder.window_start(now)

    roles = list(
        ladder.current_roles(people)
        .select_related("role_type", "unit")
        .order_by("-started_on", "-pk")[:REASONS_SHOWN]
    )
    if roles:
        return Explanation(
            Level.HOLDS_ROLE,
            [
                _("Holds the role %(role)s in %(unit)s since %(date)s")
                % {"role": r.role_type, "unit": r.unit.name, "date": _day(r.started_on)}
                for r in roles
            ],
        )
    memberships = list(
        ladder.current_group_memberships(people)
        .select_related("unit")
        .order_by("-started_on", "-pk")[:REASONS_SHOWN]
    )
    if memberships:
        return Explanation(
            Level.ACTIVE_IN_GROUP,
            [
                _("Member of %(unit)s (%(kind)s) since %(date)s")
                % {
                    "unit": m.unit.name,
                    "kind": m.unit.get_kind_display(),
                    "date": _day(m.started_on),
                }
                for m in memberships
            ],
        )
    completions = list(
        ladder.training_completions(people)
        .select_related("programme")
        .order_by("-completed_on", "-pk")[:REASONS_SHOWN]
    )
    if completions:
        return Explanation(
            Level.TRAINED,
            [
                _("Completed %(programme)s on %(date)s")
                % {"programme": c.programme.name, "date": _day(c.completed_on)}
                for c in completions
            ],
        )
    registrations = ladder.recent_registrations(people, since).aggregate(
        attended=Count("pk", filter=ladder.attended_q(since)),
        last_attended=Max("event__starts_at", filter=ladder.attended_q(since)),
        signed_up=Count("pk", filter=~ladder.attended_q(since)),
        last_signed_up=Max("created_at", filter=~ladder.attended_q(since)),
    )
    attended = registrations["attended"]
    if attended >= ladder.ATTENDED_EVENTS_FOR_TRAINED:
        return Explanation(
            Level.TRAINED,
            [
                _("Attended %(count)s events in the last 12 months, the latest on %(date)s")
                % {"count": attended, "date": _day(registrations["last_attended"])}
            ],
        )
    participations = ladder.recent_participations(people, since).aggregate(
        n=Count("pk"), last=Max("created_at")
    )
    reasons = []
    if participations["n"]:
        reasons.append(
            ngettext(
                "Took %(count)s action in the last 12 months, on %(date)s",
                "Took %(count)s actions in the last 12 months, the latest on %(date)s",
                participations["n"],
            )
            % {"count": participations["n"], "date": _day(participations["last"])}
        )
        if participations["n"] >= ladder.REPEATED_PARTICIPATIONS:
            return Explanation(Level.ACTS_REPEATEDLY, reasons)
    if attended:
        reasons.append(
            _("Attended an event on %(date)s") % {"date": _day(registrations["last_attended"])}
        )
    if registrations["signed_up"]:
        reasons.append(
            _("Signed up for an event on %(date)s")
            % {"date": _day(registrations["last_signed_up"])}
        )
    if reasons:
        return Explanation(Level.ACTED, reasons)
    return Explanation(
        Level.CONTACT, [_("No action, event sign-up or group in the last 12 months.")]
    )


def person_snapshots(person: Person, *, months: int = 6) -> list[dict[str, Any]]:
    """The person's level in the latest snapshot months, newest first."""
    taken = list(SnapshotMonth.objects.order_by("-month").values_list("month", flat=True)[:months])
    levels = dict(
        EngagementSnapshot.objects.filter(person=person, month__in=taken).values_list(
            "month", "level"
        )
    )
    rows = []
    for month in taken:
        level = levels.get(month, Level.CONTACT)
        rows.append({"month": month, "level": level, "label": Level(level).label})
    return rows


# --- The staff report --------------------------------------------------------------------


def report_population(viewer: Any) -> QuerySet[Person]:
    """Whose counts the viewer sees: the people they may see; the board sees counts for
    everyone (counts only, never a person)."""
    if scope_for(viewer).role == User.AccessRole.BOARD:
        return Person.objects.filter(is_active=True)
    return people_visible_to(viewer)


def _young_q(prefix: str = "") -> Q:
    oldest = timezone.localdate().year - settings.YOUTH_MAX_AGE
    return Q(**{f"{prefix}birth_year__gte": oldest})


def _cached(name: str, viewer: Any, compute: Callable[[], T]) -> T:
    """The report's counts, kept a few minutes per scope: at a million people each count
    reads most of a table, and they change mostly at night."""
    scope = scope_for(viewer)
    if scope.is_national or scope.role == User.AccessRole.BOARD:
        whose = "all"
    else:
        whose = f"{scope.role}:{','.join(str(pk) for pk in sorted(scope.unit_ids))}"
    key = f"engagement:report:{name}:{whose}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, REPORT_CACHE_SECONDS)
    return value


def levels_now(viewer: Any) -> list[dict[str, Any]]:
    """People per level now (and how many of them are young), highest level first."""
    counts = _cached("now", viewer, lambda: _level_counts(report_population(viewer)))
    return [
        {"level": level, "label": Level(level).label, "people": people, "young": young}
        for level, people, young in counts
    ]


def _level_counts(population: QuerySet[Person]) -> list[tuple[int, int, int]]:
    totals = population.aggregate(people=Count("pk"), young=Count("pk", filter=_young_q()))
    counts = {
        row["level"]: row
        for row in EngagementLevel.objects.filter(person__in=population, level__gt=Level.CONTACT)
        .order_by()
        .values("level")
        .annotate(people=Count("pk"), young=Count("pk", filter=_young_q("person__")))
    }
    rows: list[tuple[int, int, int]] = []
    people_above = young_above = 0
    for level in sorted(Level.values, reverse=True):
        row = counts.get(level, {"people": 0, "young": 0})
        people, young = int(row["people"]), int(row["young"])
        if level == Level.CONTACT:  # no rows: everyone else
            people, young = totals["people"] - people_above, totals["young"] - young_above
        people_above, young_above = people_above + people, young_above + young
        rows.append((level, people, young))
    return rows


def snapshot_months() -> list[dt.date]:
    return list(SnapshotMonth.objects.order_by("-month").values_list("month", flat=True))


def _transitions(
    population: QuerySet[Person], earlier: dt.date, later: dt.date
) -> list[tuple[int, int, int]]:
    """(level before, level after, people) for the people with a snapshot row in either
    month: one query grouping the two months' rows per person, then per pair of levels."""
    per_person = (
        EngagementSnapshot.objects.filter(month__in=[earlier, later], person__in=population)
        .order_by()
        .values("person_id")
        .annotate(
            level_before=Max(Case(When(month=earlier, then=F("level")), default=Value(0))),
            level_after=Max(Case(When(month=later, then=F("level")), default=Value(0))),
        )
        .values("level_before", "level_after")
    )
    # The ORM cannot group over an aggregate: count the pairs around its SQL.
    sql, params = per_person.query.sql_with_params()
    with connections[per_person.db].cursor() as cursor:
        cursor.execute(
            "SELECT level_before, level_after, COUNT(*) FROM ("  # noqa: S608 - Django's SQL
            + sql
            + ") per_person GROUP BY level_before, level_after",
            params,
        )
        return [(int(a), int(b), int(n)) for a, b, n in cursor.fetchall()]


def snapshot_population(viewer: Any, since: dt.date) -> QuerySet[Person]:
    """Whose monthly levels the viewer counts from month ``since`` on: the report's people,
    and for the secretariat and the board also the tombstones of people erased since then
    (erasure keeps their snapshots: the counts of past months never change)."""
    scope = scope_for(viewer)
    if scope.is_national or scope.role == User.AccessRole.BOARD:
        start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
        return Person.objects.filter(Q(is_active=True) | Q(erased_at__gte=start))
    return report_population(viewer)


def movement(viewer: Any, earlier: dt.date, later: dt.date) -> list[dict[str, Any]]:
    """Between two snapshot months, by the level in the earlier one: how many people moved
    up, stayed or moved down. People not yet registered in the earlier month count as
    contacts then; people erased before the earlier month are not counted, and people
    erased since are counted as they were (``snapshot_population``)."""

    def compute() -> list[tuple[int, int, int]]:
        population = snapshot_population(viewer, earlier)
        pairs = _transitions(population, earlier, later)
        counted = sum(n for _, _, n in pairs)
        # Everyone else had no row in either month: a contact both times.
        return [*pairs, (Level.CONTACT, Level.CONTACT, population.count() - counted)]

    pairs = _cached(f"moved:{earlier:%Y-%m}:{later:%Y-%m}", viewer, compute)
    rows: dict[int, dict[str, Any]] = {
        level: dict(level=level, label=Level(level).label, people=0, up=0, same=0, down=0)
        for level in Level.values
    }
    for before, after, n in pairs:
        row = rows[before]
        row["people"] += n
        row["up" if after > before else "down" if after < before else "same"] += n
    return [rows[level] for level in sorted(rows, reverse=True)]


# --- The board's figures ------------------------------------------------------------------


def hide_small_counts(
    levels: list[dict[str, Any]], movement: list[dict[str, Any]] | None
) -> tuple[list[dict[str, Any]], dict[str, Shown], list[dict[str, Any]] | None, bool]:
    """The report as the board viewer sees it: counts under five read "<5", and whatever
    would give one back is hidden too ("×", aktivist/lib/figures.py). Levels now: the
    people per level and the young among them, with their totals. Movement: up, same and
    down add up to the people of each level before (a level-5 person cannot move up, a
    contact cannot move down), and those people add up to everyone — a total the page shows
    above. Returns (levels, totals, movement, anything hidden)."""
    now = protect_columns(
        {"people": [row["people"] for row in levels], "young": [row["young"] for row in levels]},
        within={"young": "people"},
    )
    shown_levels = [
        {**row, "people": now.show("people", i), "young": now.show("young", i)}
        for i, row in enumerate(levels)
    ]
    totals = {"people": now.show("people"), "young": now.show("young")}
    hidden = now.any_hidden
    shown_movement = None
    if movement is not None:
        top, bottom = max(Level.values), min(Level.values)
        cells = [
            [
                None if row["level"] == top else row["up"],
                row["same"],
                None if row["level"] == bottom else row["down"],
            ]
            for row in movement
        ]
        moved = protect_counts(
            cells,
            row_totals=True,
            grand_total="none" if now.hidden("people") else "known",
        )
        if moved.stuck:  # the total above pins a figure: hide the whole table
            for key, value in moved.values.items():
                moved.states.setdefault(key, SMALL if value < moved.limit else SECONDARY)
        shown_movement = []
        for i, row in enumerate(movement):
            values: dict[str, Any] = {"people": moved.show(row_total(i))}
            for j, name in enumerate(("up", "same", "down")):
                values[name] = None if cells[i][j] is None else moved.show(cell(i, j))
            shown_movement.append({**row, **values})
        hidden = hidden or moved.any_hidden
    return shown_levels, totals, shown_movement, hidden
