"""The red-thread report: of the people at recruitment meetings in a period, how many went
on to a training, to the leadership programme, to a role — in total and by district, with
the share of young people.

* At a recruitment meeting: attended an event of a programme of kind
  ``recruitment_meeting`` that started in the period (from/to, local dates, inclusive).
  Each person counts once, from their first such meeting in the period ("the meeting").
* Went on to a training: after the meeting, attended an event of a programme that counts
  as training, or completed such a programme (completed on or after the meeting's day).
  The leadership programme counts as training too (Programme.TRAINING_KINDS).
* To leadership: the same for programmes of kind ``leadership_programme``.
* To a role: a role that started on or after the meeting's day.
* District: the district the person's home unit lies in (the unit itself or its nearest
  ancestor of kind district); people with no home unit or one outside every district
  form the "no district" row.
* Young: aged settings.YOUTH_MAX_AGE or younger in the year of the meeting (birth year
  known). An erased person's tombstone keeps no birth year but its age bracket and its
  district (aktivist/privacy/erasure.py): it counts as young when its bracket is a young
  one (13–17, 18–25), so that erasing someone never changes the report.

Counts only, no person is named: national staff and board viewers see every district,
district representatives their own district(s). One aggregate query; the district names
are a second. The board viewer gets the figures with small counts hidden
(``hide_small_counts``): under five reads "<5", and whatever would give one back — a
total less the other districts, a share — is hidden as well.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import ExtractYear, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.accounts.access import scope_for
from aktivist.accounts.models import User
from aktivist.campaigns.selectors import YOUNG_BRACKETS
from aktivist.lib.figures import Shown, protect_columns, share_shown
from aktivist.organisation.districts import (
    district_names,
    district_of_home_unit,
    districts_in_sight,
)
from aktivist.organisation.models import Role
from aktivist.people.models import Person
from aktivist.programmes.models import Programme, ProgrammeCompletion, Registration

Kind = Programme.Kind
ATTENDED = Registration.Status.ATTENDED
MEASURES = ("training", "leadership", "role")


def _percent(part: int, whole: int) -> int | None:
    return round(part * 100 / whole) if whole else None


@dataclass
class RedThreadRow:
    district_id: int | None
    name: str
    attended: int = 0
    young: int = 0
    training: int = 0
    leadership: int = 0
    role: int = 0

    @property
    def young_share(self) -> int | None:
        return _percent(self.young, self.attended)

    @property
    def training_share(self) -> int | None:
        return _percent(self.training, self.attended)

    @property
    def leadership_share(self) -> int | None:
        return _percent(self.leadership, self.attended)

    @property
    def role_share(self) -> int | None:
        return _percent(self.role, self.attended)

    def add(self, other: RedThreadRow) -> None:
        self.attended += other.attended
        self.young += other.young
        self.training += other.training
        self.leadership += other.leadership
        self.role += other.role


@dataclass
class RedThreadReport:
    start: dt.date
    end: dt.date
    rows: list[RedThreadRow] = field(default_factory=list)
    total: RedThreadRow = field(default_factory=lambda: RedThreadRow(None, ""))
    all_districts: bool = True


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _meetings(start: dt.date, end: dt.date) -> QuerySet[Registration]:
    return Registration.objects.filter(
        status=ATTENDED,
        person__isnull=False,
        event__programme__kind=Kind.RECRUITMENT_MEETING,
        event__starts_at__gte=_local_midnight(start),
        event__starts_at__lt=_local_midnight(end + dt.timedelta(days=1)),
    )


def _went_on(**programme: Any) -> Q:
    """Attended an event of such a programme after the meeting, or completed one on or
    after its day (``first_at``/``first_on`` are the person's meeting)."""
    attended = Registration.objects.filter(
        person_id=OuterRef("pk"),
        status=ATTENDED,
        event__starts_at__gt=OuterRef("first_at"),
        **{f"event__programme__{key}": value for key, value in programme.items()},
    )
    completed = ProgrammeCompletion.objects.filter(
        person_id=OuterRef("pk"),
        completed_on__gte=OuterRef("first_on"),
        **{f"programme__{key}": value for key, value in programme.items()},
    )
    return Q(Exists(attended)) | Q(Exists(completed))


def _people(start: dt.date, end: dt.date) -> QuerySet[Person]:
    meetings = _meetings(start, end)
    first_meeting = (
        meetings.filter(person_id=OuterRef("pk"))
        .order_by("event__starts_at")
        .values("event__starts_at")[:1]
    )
    return (
        Person.objects.filter(pk__in=meetings.values("person_id"))
        .annotate(first_at=Subquery(first_meeting))
        .annotate(first_on=TruncDate("first_at"), district=district_of_home_unit())
    )


def red_thread(viewer: Any, *, start: dt.date, end: dt.date) -> RedThreadReport:
    """The report for the viewer (who must hold ``reports.red_thread``)."""
    districts = districts_in_sight(viewer)
    people = _people(start, end)
    if districts is not None:
        # ``district`` is an annotation of _people() (django-stubs cannot see it).
        people = people.filter(district__in=districts)  # type: ignore[misc]
    young_oldest = ExtractYear("first_at") - settings.YOUTH_MAX_AGE
    counts = (
        people.alias(
            training=_went_on(counts_as_training=True),
            leadership=_went_on(kind=Kind.LEADERSHIP_PROGRAMME),
            role=Exists(
                Role.objects.filter(person_id=OuterRef("pk"), started_on__gte=OuterRef("first_on"))
            ),
        )
        .values("district")
        .annotate(
            n_attended=Count("pk"),
            n_young=Count(
                "pk",
                filter=Q(birth_year__isnull=False, birth_year__gte=young_oldest)
                | Q(birth_year__isnull=True, erased_age_bracket__in=YOUNG_BRACKETS),
            ),
            n_training=Count("pk", filter=Q(training=True)),
            n_leadership=Count("pk", filter=Q(leadership=True)),
            n_role=Count("pk", filter=Q(role=True)),
        )
        .order_by()
    )
    by_district: dict[int | None, RedThreadRow] = {}
    for values in counts:
        by_district[values["district"]] = RedThreadRow(
            district_id=values["district"],
            name="",
            attended=values["n_attended"],
            young=values["n_young"],
            training=values["n_training"],
            leadership=values["n_leadership"],
            role=values["n_role"],
        )
    # Every district in sight gets a row (a district with nobody is a finding too).
    names = district_names(districts, list(by_district))
    rows = [
        by_district.get(pk) or RedThreadRow(district_id=pk, name="")
        for pk in sorted(names, key=lambda pk: names[pk].casefold())
    ]
    for row in rows:
        row.name = names[row.district_id] if row.district_id is not None else ""
    if districts is None:
        rows.append(by_district.get(None) or RedThreadRow(district_id=None, name=""))
        rows[-1].name = _("No district")
    report = RedThreadReport(start=start, end=end, rows=rows, all_districts=districts is None)
    for row in rows:
        report.total.add(row)
    report.total.name = _("Total")
    return report


# --- The board's figures ------------------------------------------------------------------


@dataclass
class ShownRow:
    """A row as the board viewer sees it: counts under five read "<5", and whatever would
    give one of them back is hidden too ("×"), shares included (aktivist/lib/figures.py)."""

    district_id: int | None
    name: str
    attended: Shown
    young: Shown
    training: Shown
    leadership: Shown
    role: Shown
    young_share: Shown | None
    training_share: Shown | None
    leadership_share: Shown | None
    role_share: Shown | None


@dataclass
class ShownReport:
    start: dt.date
    end: dt.date
    rows: list[ShownRow]
    total: ShownRow
    all_districts: bool
    small_counts_hidden: bool


def hide_small_counts(report: RedThreadReport) -> ShownReport:
    """The report for the board viewer. Each measure is a part of "at recruitment
    meetings" (young, trained … among them), protected together with it, district by
    district and in the total (``protect_columns``)."""
    rows = report.rows
    columns = {
        "attended": [row.attended for row in rows],
        **{name: [getattr(row, name) for row in rows] for name in ("young", *MEASURES)},
    }
    protection = protect_columns(
        columns, within={name: "attended" for name in ("young", *MEASURES)}
    )

    def shown(row: RedThreadRow, index: int | None) -> ShownRow:
        def count(name: str) -> Shown:
            return protection.show(name, index)

        def share(name: str) -> Shown | None:
            return share_shown(count(name), count("attended"), getattr(row, f"{name}_share"))

        return ShownRow(
            district_id=row.district_id,
            name=row.name,
            attended=count("attended"),
            young=count("young"),
            training=count("training"),
            leadership=count("leadership"),
            role=count("role"),
            young_share=share("young"),
            training_share=share("training"),
            leadership_share=share("leadership"),
            role_share=share("role"),
        )

    return ShownReport(
        start=report.start,
        end=report.end,
        rows=[shown(row, index) for index, row in enumerate(rows)],
        total=shown(report.total, None),
        all_districts=report.all_districts,
        small_counts_hidden=protection.any_hidden,
    )


def report_for(viewer: Any, *, start: dt.date, end: dt.date) -> RedThreadReport | ShownReport:
    """The report as the viewer may see it: the board viewer's with small counts hidden
    (staff and district representatives see the people behind the counts anyway)."""
    report = red_thread(viewer, start=start, end=end)
    if scope_for(viewer).role == User.AccessRole.BOARD:
        return hide_small_counts(report)
    return report


def csv_headers() -> list[str]:
    return [
        _("District"),
        _("At recruitment meetings"),
        _("Young"),
        _("Young (%)"),
        _("Went on to a training"),
        _("Training (%)"),
        _("Went on to the leadership programme"),
        _("Leadership (%)"),
        _("Went on to a role"),
        _("Role (%)"),
    ]


def csv_rows(report: RedThreadReport | ShownReport) -> Iterator[list[Any]]:
    """The rows of the CSV; a hidden count is written as the page shows it ("<5", "×")."""
    for row in [*report.rows, report.total]:
        yield [
            row.name,
            row.attended,
            row.young,
            "" if row.young_share is None else row.young_share,
            row.training,
            "" if row.training_share is None else row.training_share,
            row.leadership,
            "" if row.leadership_share is None else row.leadership_share,
            row.role,
            "" if row.role_share is None else row.role_share,
        ]
