"""Signatures per day and per hour, counted in Stockholm time, and the SVG they draw."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from aktivist.campaigns import charts
from aktivist.campaigns.models import Participation
from aktivist.campaigns.tests.factories import ActionFactory, ParticipationFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _at(action, *moments: dt.datetime) -> None:
    """Participations at these moments (created_at is set on insert, so moved after)."""
    for moment in moments:
        participation = ParticipationFactory(action=action)
        Participation.objects.filter(pk=participation.pk).update(created_at=moment)


def test_days_are_stockholm_calendar_days_in_summer():
    action = ActionFactory(opens_at=dt.datetime(2025, 6, 1, 8, 0, tzinfo=UTC))
    # 21:30 UTC on 1 June is 23:30 in Stockholm (CEST, +2); 22:30 UTC is already 2 June.
    _at(
        action,
        dt.datetime(2025, 6, 1, 21, 30, tzinfo=UTC),
        dt.datetime(2025, 6, 1, 22, 30, tzinfo=UTC),
        dt.datetime(2025, 6, 2, 12, 0, tzinfo=UTC),
    )
    buckets = charts.daily_buckets(action, now=dt.datetime(2025, 6, 3, 10, 0, tzinfo=UTC))
    assert [(b.start.date(), b.count) for b in buckets] == [
        (dt.date(2025, 6, 1), 1),
        (dt.date(2025, 6, 2), 2),
        (dt.date(2025, 6, 3), 0),
    ]
    assert buckets[0].start.utcoffset() == dt.timedelta(hours=2)


def test_days_are_stockholm_calendar_days_in_winter():
    action = ActionFactory(opens_at=dt.datetime(2025, 1, 10, 8, 0, tzinfo=UTC))
    # CET is +1: 22:59 UTC is still 10 January, 23:00 UTC is 11 January.
    _at(
        action,
        dt.datetime(2025, 1, 10, 22, 59, tzinfo=UTC),
        dt.datetime(2025, 1, 10, 23, 0, tzinfo=UTC),
    )
    buckets = charts.daily_buckets(action, now=dt.datetime(2025, 1, 11, 12, 0, tzinfo=UTC))
    assert [b.count for b in buckets] == [1, 1]


def test_the_day_summer_time_starts_is_one_bucket():
    """30 March 2025 has 23 hours in Stockholm; everything in it is one day's bar."""
    action = ActionFactory(opens_at=dt.datetime(2025, 3, 29, 8, 0, tzinfo=UTC))
    _at(
        action,
        dt.datetime(2025, 3, 29, 23, 0, tzinfo=UTC),  # 00:00 CET on the 30th
        dt.datetime(2025, 3, 30, 21, 59, tzinfo=UTC),  # 23:59 CEST on the 30th
        dt.datetime(2025, 3, 30, 22, 0, tzinfo=UTC),  # 00:00 CEST on the 31st
    )
    buckets = charts.daily_buckets(action, now=dt.datetime(2025, 3, 31, 12, 0, tzinfo=UTC))
    assert [(b.start.day, b.count) for b in buckets] == [(29, 0), (30, 2), (31, 1)]


def test_days_run_from_opening_to_closing_at_most_ninety():
    action = ActionFactory(
        opens_at=dt.datetime(2025, 1, 1, 8, 0, tzinfo=UTC),
        closes_at=dt.datetime(2025, 5, 1, 8, 0, tzinfo=UTC),
    )
    buckets = charts.daily_buckets(action, now=dt.datetime(2025, 6, 1, 8, 0, tzinfo=UTC))
    assert len(buckets) == charts.MAX_DAYS
    assert buckets[-1].start.date() == dt.date(2025, 5, 1)


def test_an_action_that_opens_later_has_one_empty_day():
    action = ActionFactory(opens_at=dt.datetime(2025, 7, 1, 8, 0, tzinfo=UTC))
    buckets = charts.daily_buckets(action, now=dt.datetime(2025, 6, 1, 8, 0, tzinfo=UTC))
    assert [(b.start.date(), b.count) for b in buckets] == [(dt.date(2025, 6, 1), 0)]


def test_hours_are_the_last_48_with_the_current_hour_last_in_local_time():
    action = ActionFactory(opens_at=dt.datetime(2025, 6, 1, 0, 0, tzinfo=UTC))
    now = dt.datetime(2025, 6, 5, 12, 20, tzinfo=UTC)  # 14:20 in Stockholm
    _at(
        action,
        dt.datetime(2025, 6, 5, 12, 5, tzinfo=UTC),  # this hour
        dt.datetime(2025, 6, 5, 12, 19, tzinfo=UTC),  # this hour
        dt.datetime(2025, 6, 5, 9, 59, tzinfo=UTC),  # 11:59 local
        dt.datetime(2025, 6, 3, 12, 59, tzinfo=UTC),  # 48 hours ago: outside
    )
    buckets = charts.hourly_buckets(action, now=now)
    assert len(buckets) == 48
    assert buckets[-1].label == "5 Jun 14:00" and buckets[-1].count == 2
    by_label = {b.label: b.count for b in buckets}
    assert by_label["5 Jun 11:00"] == 1
    assert buckets[0].start == dt.datetime(2025, 6, 3, 13, 0, tzinfo=UTC)
    assert sum(b.count for b in buckets) == 3


def test_the_repeated_autumn_hour_is_two_bars():
    """On 26 October 2025 Stockholm goes 02:59 CEST → 02:00 CET: two hours labelled 02:00."""
    action = ActionFactory(opens_at=dt.datetime(2025, 10, 1, 0, 0, tzinfo=UTC))
    _at(
        action,
        dt.datetime(2025, 10, 26, 0, 30, tzinfo=UTC),  # 02:30 CEST
        dt.datetime(2025, 10, 26, 1, 30, tzinfo=UTC),  # 02:30 CET
        dt.datetime(2025, 10, 26, 1, 45, tzinfo=UTC),  # 02:45 CET
    )
    buckets = charts.hourly_buckets(action, now=dt.datetime(2025, 10, 26, 3, 0, tzinfo=UTC))
    twos = [b.count for b in buckets if b.label == "26 Oct 02:00"]
    assert twos == [1, 2]


def test_a_closed_action_shows_its_last_hours_open():
    action = ActionFactory(
        opens_at=dt.datetime(2025, 6, 1, 0, 0, tzinfo=UTC),
        closes_at=dt.datetime(2025, 6, 10, 18, 0, tzinfo=UTC),
    )
    _at(action, dt.datetime(2025, 6, 10, 17, 30, tzinfo=UTC))
    now = dt.datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
    with translation.override("en"):
        chart = charts.per_hour_chart(action, now=now)
    assert chart.buckets[-1].label == "10 Jun 20:00"  # 18:00 UTC, the closing hour
    assert chart.buckets[-2].count == 1
    assert chart.title == "Signatures per hour, its last 48 hours open"


@pytest.mark.parametrize(
    ("value", "top"), [(0, 1), (1, 1), (3, 5), (7, 10), (10, 10), (11, 20), (2600, 5000)]
)
def test_the_axis_tops_at_a_round_number(value, top):
    assert charts.nice_ceiling(value) == top


def _bucket(count: int, n: int) -> charts.Bucket:
    start = dt.datetime(2025, 6, 1, tzinfo=UTC) + dt.timedelta(days=n)
    return charts.Bucket(start=start, label=f"{n}", long_label=f"day {n}", count=count)


def test_bars_scale_to_the_axis_and_stand_on_the_baseline():
    chart = charts.bar_chart(
        [_bucket(c, n) for n, c in enumerate([0, 5, 10])],
        chart_id="t",
        title="T",
        description="D",
    )
    plot_height = charts.HEIGHT - charts.PLOT_TOP - charts.PLOT_BOTTOM
    heights = [bar.height for bar in chart.bars]
    assert heights == [0, plot_height / 2, plot_height]
    for bar in chart.bars:
        assert bar.y + bar.height == pytest.approx(chart.baseline)
        assert charts.PLOT_LEFT <= bar.x < charts.WIDTH - charts.PLOT_RIGHT
    assert [label.text for label in chart.y_labels] == ["0", "5", "10"]
    assert [label.text for label in chart.x_labels] == ["0", "1", "2"]
    assert chart.bars[2].title == "day 2: 10"
    assert chart.total == 15


def test_the_description_names_the_total_and_the_peak():
    action = ActionFactory(opens_at=dt.datetime(2025, 6, 1, 8, 0, tzinfo=UTC))
    _at(action, *[dt.datetime(2025, 6, 2, 10, n, tzinfo=UTC) for n in range(3)])
    _at(action, dt.datetime(2025, 6, 1, 10, 0, tzinfo=UTC))
    with translation.override("en"):
        chart = charts.per_day_chart(action, now=dt.datetime(2025, 6, 2, 20, 0, tzinfo=UTC))
    assert "4 in all" in chart.description
    assert "the most, 3, on Mon 2 Jun 2025" in chart.description


def test_the_svg_numbers_are_not_localised_in_swedish():
    """Swedish writes 12,5; SVG needs 12.5 — the drawing is rendered without localisation."""
    chart = charts.bar_chart(
        [_bucket(c, n) for n, c in enumerate([1, 2, 3, 1234])],
        chart_id="per-day",
        title="Underskrifter per dag",
        description="…",
    )
    with translation.override("sv"):
        html = render_to_string("campaigns/_chart.html", {"chart": chart})
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    numbers = re.findall(r' (?:x|y|width|height|x1|x2|y1|y2)="([^"]*)"', svg)
    assert numbers and all(re.fullmatch(r"-?\d+(\.\d+)?", n) for n in numbers), numbers
    assert 'role="img"' in html and '<title id="per-day-title">' in html
    assert "<table" in html  # the numbers as a table for those who cannot see the bars
