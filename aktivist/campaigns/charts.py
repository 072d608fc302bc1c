"""Signatures over time on the action page: counts per day and per hour in the
organisation's time zone (Europe/Stockholm), and the geometry of a small SVG bar chart that
the template draws on the server (no script, no external asset; the CSP allows neither).

The numbers come from one grouped query each. Days are the organisation's calendar days
(midnight to midnight in Stockholm, also across the changes to and from summer time).
Hours are counted per UTC hour and labelled in local time: Stockholm's offset is a whole
number of hours, so every UTC hour is exactly one local hour, and the repeated hour of the
autumn change stays two bars instead of one doubled bar.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import TruncDate, TruncHour
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from aktivist.campaigns.models import Action, Participation

MAX_DAYS = 90
HOURS = 48

# The drawing, in SVG user units; the SVG scales to the width of the page.
WIDTH, HEIGHT = 360, 180
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 40, 6, 10, 24


@dataclass(frozen=True)
class Bucket:
    start: dt.datetime  # aware, in the organisation's time zone
    label: str  # short, under the axis: "12 jun", "14:00"
    long_label: str  # in the table and the bar's tooltip: "12 jun 2025", "12 jun 14:00"
    count: int


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True)
class AxisLabel:
    x: float
    y: float
    text: str
    anchor: str  # SVG text-anchor: start, middle, end


@dataclass(frozen=True)
class BarChart:
    chart_id: str
    title: str
    description: str
    buckets: list[Bucket]
    bars: list[Bar]
    y_labels: list[AxisLabel]
    gridlines: list[float]
    x_labels: list[AxisLabel]
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - PLOT_BOTTOM
    plot_left: float = PLOT_LEFT
    plot_right: float = WIDTH - PLOT_RIGHT

    @property
    def total(self) -> int:
        return sum(b.count for b in self.buckets)


def local_zone() -> dt.tzinfo:
    """The organisation's time zone (settings.TIME_ZONE: Europe/Stockholm), whatever
    zone a request may have activated."""
    return timezone.get_default_timezone()


# --- Buckets -----------------------------------------------------------------------------


def day_range(action: Action, *, now: dt.datetime, max_days: int = MAX_DAYS) -> list[dt.date]:
    """The action's days so far: from the day it opened to today (or the day it closed),
    at most the last ``max_days``."""
    zone = local_zone()
    today = now.astimezone(zone).date()
    last = today
    if action.closes_at is not None:
        last = min(last, action.closes_at.astimezone(zone).date())
    first = min(action.opens_at.astimezone(zone).date(), last)
    first = max(first, last - dt.timedelta(days=max_days - 1))
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def daily_buckets(
    action: Action, *, now: dt.datetime | None = None, max_days: int = MAX_DAYS
) -> list[Bucket]:
    """Participations per local calendar day, every day of the range (zeros included)."""
    now = now or timezone.now()
    zone = local_zone()
    days = day_range(action, now=now, max_days=max_days)
    start = dt.datetime.combine(days[0], dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    rows = (
        Participation.objects.filter(action=action, created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values_list("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {_as_date(day): n for day, n in rows}
    return [
        Bucket(
            start=dt.datetime.combine(day, dt.time.min, tzinfo=zone),
            label=formats.date_format(day, "j M"),
            long_label=formats.date_format(day, "D j M Y"),
            count=counts.get(day, 0),
        )
        for day in days
    ]


def _as_date(value: dt.date | dt.datetime | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def hour_range_end(action: Action, *, now: dt.datetime) -> dt.datetime:
    """The moment the per-hour chart ends: now, or when the action closed."""
    if action.closes_at is not None and action.closes_at < now:
        return action.closes_at
    return now


def hourly_buckets(
    action: Action, *, now: dt.datetime | None = None, hours: int = HOURS
) -> list[Bucket]:
    """Participations per hour for the last ``hours`` hours (of a closed action: its last
    hours open), the current hour last."""
    end = hour_range_end(action, now=now or timezone.now())
    zone = local_zone()
    current = end.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    starts = [current - dt.timedelta(hours=n) for n in range(hours - 1, -1, -1)]
    rows = (
        Participation.objects.filter(
            action=action,
            created_at__gte=starts[0],
            created_at__lt=current + dt.timedelta(hours=1),
        )
        .annotate(hour=TruncHour("created_at", tzinfo=dt.UTC))
        .values_list("hour")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {_as_utc(hour): n for hour, n in rows}
    buckets = []
    for start in starts:
        local = start.astimezone(zone)
        buckets.append(
            Bucket(
                start=local,
                label=f"{formats.date_format(local, 'j M')} {local:%H:%M}",
                long_label=f"{formats.date_format(local, 'D j M')} {local:%H:%M}",
                count=counts.get(start, 0),
            )
        )
    return buckets


def _as_utc(value: dt.datetime | str) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


# --- The drawing ------------------------------------------------------------------------


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ at or above ``value`` (at least 1): the top of the axis."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _number(value: int) -> str:
    return formats.number_format(value, force_grouping=True)


def bar_chart(buckets: list[Bucket], *, chart_id: str, title: str, description: str) -> BarChart:
    """Bars for ``buckets`` scaled to the largest, with labels at the axis ends."""
    plot_width = WIDTH - PLOT_LEFT - PLOT_RIGHT
    plot_height = HEIGHT - PLOT_TOP - PLOT_BOTTOM
    baseline = HEIGHT - PLOT_BOTTOM
    top = nice_ceiling(max((b.count for b in buckets), default=0))
    slot = plot_width / max(len(buckets), 1)
    bar_width = max(slot * 0.8, 0.6)
    bars = []
    for index, bucket in enumerate(buckets):
        height = plot_height * bucket.count / top
        bars.append(
            Bar(
                x=round(PLOT_LEFT + index * slot + (slot - bar_width) / 2, 2),
                y=round(baseline - height, 2),
                width=round(bar_width, 2),
                height=round(height, 2),
                title=f"{bucket.long_label}: {_number(bucket.count)}",
            )
        )
    levels = sorted({0, top // 2, top}) if top > 1 else [0, 1]
    y_labels = [
        AxisLabel(
            x=PLOT_LEFT - 4,
            y=round(baseline - plot_height * level / top + 4, 2),
            text=_number(level),
            anchor="end",
        )
        for level in levels
    ]
    gridlines = [round(baseline - plot_height * level / top, 2) for level in levels if level]
    x_labels: list[AxisLabel] = []
    if buckets:
        label_y = HEIGHT - 6
        x_labels.append(AxisLabel(PLOT_LEFT, label_y, buckets[0].label, "start"))
        if len(buckets) > 2:
            middle = len(buckets) // 2
            x_labels.append(
                AxisLabel(
                    round(PLOT_LEFT + (middle + 0.5) * slot, 2),
                    label_y,
                    buckets[middle].label,
                    "middle",
                )
            )
        if len(buckets) > 1:
            x_labels.append(AxisLabel(WIDTH - PLOT_RIGHT, label_y, buckets[-1].label, "end"))
    return BarChart(
        chart_id=chart_id,
        title=title,
        description=description,
        buckets=buckets,
        bars=bars,
        y_labels=y_labels,
        gridlines=gridlines,
        x_labels=x_labels,
    )


def _describe(buckets: list[Bucket], what: str) -> str:
    """The chart in one sentence for screen readers (the table has every number)."""
    total = sum(b.count for b in buckets)
    if not buckets or not total:
        return _("%(what)s: none yet.") % {"what": what}
    peak = max(buckets, key=lambda b: b.count)
    return _(
        "%(what)s from %(first)s to %(last)s: %(total)s in all; the most, %(peak)s, "
        "on %(peak_label)s."
    ) % {
        "what": what,
        "first": buckets[0].long_label,
        "last": buckets[-1].long_label,
        "total": _number(total),
        "peak": _number(peak.count),
        "peak_label": peak.long_label,
    }


def per_day_chart(action: Action, *, now: dt.datetime | None = None) -> BarChart:
    buckets = daily_buckets(action, now=now)
    title = _("Signatures per day")
    return bar_chart(
        buckets, chart_id="per-day", title=title, description=_describe(buckets, title)
    )


def per_hour_chart(action: Action, *, now: dt.datetime | None = None) -> BarChart:
    now = now or timezone.now()
    buckets = hourly_buckets(action, now=now)
    if hour_range_end(action, now=now) < now:
        title = _("Signatures per hour, its last 48 hours open")
    else:
        title = _("Signatures per hour, last 48 hours")
    return bar_chart(
        buckets, chart_id="per-hour", title=title, description=_describe(buckets, title)
    )
