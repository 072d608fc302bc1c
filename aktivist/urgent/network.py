"""The rapid-response network in figures: how many are in it by district and channel, and
how it has grown month by month. Aggregates only (the board may see them, with small
counts hidden: ``hide_small_counts``); a district representative sees their districts.

A person is in the network by email with a confirmed rapid-response consent for email, and
by SMS with one for SMS whose mobile was proved (a code, or an SMS from the number).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from aktivist.campaigns.charts import BarChart, Bucket, bar_chart
from aktivist.lib.figures import (
    SMALL_COUNT_LIMIT,
    HiddenCount,
    Shown,
    cell,
    column_total,
    protect_counts,
)
from aktivist.organisation.districts import (
    district_names,
    district_of_home_unit,
    districts_in_sight,
)
from aktivist.people.models import Consent

MONTHS = 12


@dataclass
class NetworkRow:
    district_id: int | None
    name: str
    email: int = 0
    sms: int = 0
    either: int = 0


@dataclass
class Month:
    start: dt.date
    joined: int  # people whose first confirmation fell in the month
    size: int  # people in the network at the month's end (or now)


@dataclass
class NetworkReport:
    rows: list[NetworkRow] = field(default_factory=list)
    total: NetworkRow = field(default_factory=lambda: NetworkRow(None, ""))
    months: list[Month] = field(default_factory=list)
    chart: BarChart | None = None
    all_districts: bool = True


def network_q() -> Q:
    return Q(purpose=Consent.Purpose.RAPID_RESPONSE) & (
        Q(channel=Consent.Channel.EMAIL)
        | Q(channel=Consent.Channel.SMS, confirmed_by__in=Consent.MOBILE_PROVED)
    )


def _consents(districts: list[int] | None) -> QuerySet[Consent]:
    qs = Consent.objects.filter(network_q(), person__is_active=True)
    if districts is not None:
        qs = qs.alias(district=district_of_home_unit("person__")).filter(district__in=districts)
    return qs


def _by_district(districts: list[int] | None) -> list[NetworkRow]:
    counts = (
        _consents(districts)
        .filter(status=Consent.Status.CONFIRMED)
        .annotate(district=district_of_home_unit("person__"))
        .values("district")
        .annotate(
            email=Count("person", filter=Q(channel=Consent.Channel.EMAIL), distinct=True),
            sms=Count("person", filter=Q(channel=Consent.Channel.SMS), distinct=True),
            either=Count("person", distinct=True),
        )
        .order_by()
    )
    found = {
        c["district"]: NetworkRow(c["district"], "", c["email"], c["sms"], c["either"])
        for c in counts
    }
    names = district_names(districts, list(found))
    rows = [
        found.get(pk) or NetworkRow(pk, "")
        for pk in sorted(names, key=lambda pk: names[pk].casefold())
    ]
    for row in rows:
        row.name = names[row.district_id] if row.district_id is not None else ""
    if districts is None:
        rows.append(found.get(None) or NetworkRow(None, ""))
        rows[-1].name = _("No district")
    return rows


def _month_starts(today: dt.date) -> list[dt.date]:
    first = today.replace(day=1)
    starts = []
    for back in range(MONTHS - 1, -1, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        starts.append(dt.date(year, month + 1, 1))
    return starts


def _growth(districts: list[int] | None, now: dt.datetime) -> list[Month]:
    """Each month's size at its end and who joined in it: two queries, one count per
    month in each."""
    zone = timezone.get_current_timezone()
    consents = _consents(districts).exclude(status=Consent.Status.PENDING)
    starts = _month_starts(timezone.localdate(now))
    begins = [dt.datetime.combine(start, dt.time(), tzinfo=zone) for start in starts]
    ends = [*begins[1:], now]
    sizes = consents.aggregate(
        **{
            f"m{i}": Count(
                "person",
                distinct=True,
                filter=Q(confirmed_at__lt=end)
                & (Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=end)),
            )
            for i, end in enumerate(ends)
        }
    )
    # A person joins in the month of their first confirmation.
    firsts = consents.values("person_id").annotate(first=Min("confirmed_at")).order_by()
    joined = firsts.aggregate(
        **{
            f"m{i}": Count("person_id", filter=Q(first__gte=begin, first__lt=end))
            for i, (begin, end) in enumerate(zip(begins, ends, strict=True))
        }
    )
    return [
        Month(start=start, size=sizes[f"m{i}"], joined=joined[f"m{i}"])
        for i, start in enumerate(starts)
    ]


def network_report(viewer: Any, *, now: dt.datetime | None = None) -> NetworkReport:
    now = now or timezone.now()
    districts = districts_in_sight(viewer)
    report = NetworkReport(all_districts=districts is None)
    report.rows = _by_district(districts)
    for row in report.rows:
        report.total.email += row.email
        report.total.sms += row.sms
        report.total.either += row.either
    report.total.name = _("Total")
    report.months = _growth(districts, now)
    report.chart = _chart([(m.start, m.size) for m in report.months])
    return report


def _chart(sizes: list[tuple[dt.date, Shown]]) -> BarChart:
    """The growth chart; a hidden size (the board's) is drawn as no bar and named as shown."""
    zone = timezone.get_current_timezone()
    buckets = [
        Bucket(
            start=dt.datetime.combine(start, dt.time(), tzinfo=zone),
            label=formats.date_format(start, "M y"),
            long_label=formats.date_format(start, "F Y"),
            count=size if isinstance(size, int) else 0,
        )
        for start, size in sizes
    ]

    def words(size: Shown) -> str:
        return formats.number_format(size, 0) if isinstance(size, int) else str(size)

    title = _("People in the network at each month's end")
    chart = bar_chart(
        buckets,
        chart_id="network-growth",
        title=title,
        description=_("%(title)s: %(first)s twelve months ago, %(last)s now.")
        % {
            "title": title,
            "first": words(sizes[0][1] if sizes else 0),
            "last": words(sizes[-1][1] if sizes else 0),
        },
    )
    hidden = [i for i, (_start, size) in enumerate(sizes) if isinstance(size, HiddenCount)]
    if not hidden:
        return chart
    bars = list(chart.bars)
    shown_buckets: list[Any] = list(chart.buckets)
    for i in hidden:
        size = sizes[i][1]
        bars[i] = replace(bars[i], title=f"{buckets[i].long_label}: {size}")
        # The table under the chart prints what the board may see ("<5").
        shown_buckets[i] = replace(buckets[i], count=size)  # type: ignore[arg-type]
    return replace(chart, bars=bars, buckets=shown_buckets)


# --- The board's figures ------------------------------------------------------------------


@dataclass
class ShownNetwork:
    """The network as the board viewer sees it (``hide_small_counts``)."""

    rows: list[tuple[str, Shown]]  # district, people in the network
    email: Shown
    sms: Shown
    either: Shown
    months: list[tuple[dt.date, Shown]]  # size at each month's end
    chart: BarChart
    all_districts: bool
    small_counts_hidden: bool
    board: bool = True


def hide_small_counts(report: NetworkReport) -> ShownNetwork:
    """Counts under five read "<5", and whatever would give one back is hidden too ("×",
    aktivist/lib/figures.py).

    By email and by SMS overlap (in all = by email ∪ by SMS), so one of the three bounds
    the others: the board gets them for the whole network only, all three or none, and
    per district only "in all" (whose districts add up to the total). Month by month it
    gets the size at each month's end, not who joined: a month's growth is at most who
    joined, which would bound a hidden one; the last month's size is the total."""
    total = report.total
    union = [total.either, total.email, total.sms]
    union_hidden = any(value < SMALL_COUNT_LIMIT for value in union)

    def alone(value: int) -> Shown:
        return HiddenCount(small=value < SMALL_COUNT_LIMIT) if union_hidden else value

    districts = protect_counts(
        [[row.either] for row in report.rows],
        column_totals=True,
        hide=[column_total()] if union_hidden else [],
    )
    months: list[tuple[dt.date, Shown]] = []
    for i, month in enumerate(report.months):
        last = i == len(report.months) - 1
        if month.size < SMALL_COUNT_LIMIT or (last and districts.hidden(column_total())):
            months.append((month.start, HiddenCount(small=month.size < SMALL_COUNT_LIMIT)))
        else:
            months.append((month.start, month.size))
    return ShownNetwork(
        rows=[(row.name, districts.show(cell(i))) for i, row in enumerate(report.rows)],
        email=alone(total.email),
        sms=alone(total.sms),
        either=districts.show(column_total()),
        months=months,
        chart=_chart(months),
        all_districts=report.all_districts,
        small_counts_hidden=union_hidden
        or districts.any_hidden
        or any(isinstance(size, HiddenCount) for _start, size in months),
    )
