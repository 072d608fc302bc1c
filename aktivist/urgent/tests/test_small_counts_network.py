"""The rapid-response network as the board viewer sees it: counts under five read "<5",
and none can be worked out from a total, from another month or from the channels (by
email and by SMS overlap, so the board gets them for the whole section only, all three or
none). Staff keep the exact figures, district by district and by channel."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from aktivist.urgent.tests.factories import network_member

pytestmark = pytest.mark.django_db


def _grow(world, *, both_in_a: int) -> None:
    """Skåne: 12 in the network (by email; ``both_in_a`` of them by SMS too). Norr: 3 by
    email. Nobody without a district."""
    for n in range(12):
        mobile = f"+467010{n:05d}" if n < both_in_a else ""
        network_member(email=f"a{n}@example.org", mobile=mobile, home_unit=world.group_a1)
    for n in range(3):
        network_member(email=f"b{n}@example.org", home_unit=world.group_b1)


def _districts(html: str) -> dict[str, list[str]]:
    table = re.search(r'<table class="data">(.*?)</table>', html, re.S).group(1)
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        name = re.search(r'<th scope="row">(.*?)</th>', row, re.S)
        if name:
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            rows[name.group(1).strip()] = [_text(c) for c in cells]
    return rows


def _text(cell: str) -> str:
    cell = re.sub(r'<span class="visually-hidden">.*?</span>', "", cell)
    return re.sub(r"<[^>]+>", "", cell).replace("&lt;", "<").strip()


def test_the_board_sees_the_districts_in_all_with_small_ones_hidden(world, personas, client_for):
    _grow(world, both_in_a=6)
    html = client_for(personas.board).get(reverse("urgent:network")).content.decode()
    rows = _districts(html)
    assert rows["Distrikt Skåne"] == ["12"]
    # Norr's 3 is hidden, and "no district" (0) with it: 15 − 12 leaves 3 for two.
    assert rows["Distrikt Norr"] == ["<5"] and rows["No district"] == ["<5"]
    assert rows["Total"] == ["15"]
    assert "<strong>15</strong> people in the network" in html
    assert "By email: 15 · by SMS: 6 (some by both)." in html
    # By channel per district would bound the hidden ones (in all = email ∪ SMS).
    assert "By SMS</th>" not in html
    # Month by month: the sizes; a month under five reads "<5".
    months = re.search(r"Month by month</caption>(.*?)</table>", html, re.S).group(1)
    sizes = [_text(c) for c in re.findall(r"<td>(.*?)</td>", months, re.S)]
    assert sizes[0] == "15" and set(sizes[1:]) == {"<5"}
    assert "Joined" not in months


def test_when_one_channel_is_small_all_three_totals_are_hidden(world, personas, client_for):
    # 15 in all, 15 by email, 2 by SMS: shown beside 15 and 15, a "<5" by SMS would be
    # bounded by them (in all ≤ by email + by SMS): all three go together.
    _grow(world, both_in_a=2)
    html = client_for(personas.board).get(reverse("urgent:network")).content.decode()
    channels = re.search(r"<p>(By email:.*?)</p>", html, re.S).group(1)
    assert _text(channels) == "By email: × · by SMS: <5 (some by both)."
    headline = re.search(r'<p class="big-count">(.*?)</p>', html, re.S).group(1)
    assert _text(headline) == "× people in the network"
    rows = _districts(html)
    assert rows["Total"] == ["×"]
    assert rows["Distrikt Skåne"] == ["12"] and rows["Distrikt Norr"] == ["<5"]


def test_staff_see_every_district_by_channel(world, personas, client_for):
    _grow(world, both_in_a=2)
    html = client_for(personas.staff).get(reverse("urgent:network")).content.decode()
    rows = _districts(html)
    assert rows["Distrikt Skåne"] == ["12", "2", "12"]
    assert rows["Distrikt Norr"] == ["3", "0", "3"]
    assert "fewer than 5" not in html
