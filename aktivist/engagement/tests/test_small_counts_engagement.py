"""The engagement report as the board viewer sees it: counts under five read "<5", and no
hidden count can be worked out from the "Everyone" row, from the people of a level before
(moved up + same + down) or from everyone. Staff keep the exact figures."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from aktivist.engagement.models import EngagementLevel, EngagementSnapshot, Level, SnapshotMonth
from aktivist.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
URL = "/engagement/"
FEB, MAR = dt.date(2026, 2, 1), dt.date(2026, 3, 1)


@pytest.fixture
def ladder(world):
    """Besides the world's seven contacts: 12 who acted (6 of them young), 3 who act
    repeatedly (1 young), 8 trained, 2 who hold a role. Between February and March: of the
    12 who acted then, 7 stayed, 4 moved up, 1 moved down; the 8 trained stayed."""
    now = timezone.now()
    young, old = timezone.localdate().year - 20, 1970
    levels = [(Level.ACTED, n < 6) for n in range(12)]
    levels += [(Level.ACTS_REPEATEDLY, n < 1) for n in range(3)]
    levels += [(Level.TRAINED, False)] * 8 + [(Level.HOLDS_ROLE, False)] * 2
    people = []
    for level, is_young in levels:
        person = PersonFactory(birth_year=young if is_young else old)
        EngagementLevel.objects.create(person=person, level=level, computed_at=now)
        people.append((person, level))
    for month in (FEB, MAR):
        SnapshotMonth.objects.create(month=month, taken_at=now)
    acted = [p for p, level in people if level == Level.ACTED]
    trained = [p for p, level in people if level == Level.TRAINED]
    for n, person in enumerate(acted):
        EngagementSnapshot.objects.create(person=person, month=FEB, level=Level.ACTED)
        after = Level.ACTED if n < 7 else Level.TRAINED if n < 11 else None
        if after is not None:
            EngagementSnapshot.objects.create(person=person, month=MAR, level=after)
    for person in trained:
        EngagementSnapshot.objects.create(person=person, month=FEB, level=Level.TRAINED)
        EngagementSnapshot.objects.create(person=person, month=MAR, level=Level.TRAINED)
    return people


def _tables(html: str) -> list[dict[str, list[str]]]:
    tables = []
    for table in re.findall(r'<table class="data">(.*?)</table>', html, re.S):
        rows = {}
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
            name = re.search(r'<th scope="row">(.*?)</th>', row, re.S)
            if name:
                cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
                rows[name.group(1).split("·")[0].strip()] = [_text(c) for c in cells]
        tables.append(rows)
    return tables


def _text(cell: str) -> str:
    cell = re.sub(r'<span class="visually-hidden">.*?</span>', "", cell)
    return re.sub(r"<[^>]+>", "", cell).replace("&lt;", "<").strip()


def _shown(value: str) -> bool:
    return value.isdigit()


def test_the_board_sees_levels_with_counts_under_five_hidden(ladder, personas, client_for):
    html = client_for(personas.board).get(URL).content.decode()
    now = _tables(html)[0]
    assert now["1"] == ["12", "6"]
    assert now["2"] == ["<5", "<5"]  # 3 who act repeatedly, 1 of them young
    assert now["5"] == ["<5", "<5"] and now["4"] == ["<5", "<5"]
    assert now["3"][0] == "8"
    # Young: 6 + 1 + 0 … = 7 under a shown "Everyone" would give the hidden ones back
    # unless at least two are hidden: a column never has exactly one hidden level.
    for column in (0, 1):
        hidden = [row[column] for name, row in now.items() if name != "Everyone"]
        if _shown(now["Everyone"][column]):
            assert sum(not _shown(value) for value in hidden) != 1
    assert "fewer than 5" in html


def test_moved_up_same_and_down_add_up_without_giving_a_small_one_away(
    ladder, personas, client_for
):
    html = client_for(personas.board).get(URL, {"earlier": "2026-02", "later": "2026-03"})
    movement = _tables(html.content.decode())[1]
    # Level 1 in February: 12 = 4 up + 7 same + 1 down: the 1 is hidden, and with it
    # another figure of the row, so that 12 − 7 − 4 does not give it back.
    people, up, same, down = movement["1"]
    assert down == "<5" and up == "<5"
    # Nobody was at levels 2, 4 or 5 in February: three zeros under everyone (32), which
    # the rows shown (12 + 12 + 8) would give back as zeros — so one of those is hidden.
    assert movement["2"][0] == movement["4"][0] == movement["5"][0] == "<5"
    assert sum(not _shown(movement[level][0]) for level in ("0", "1", "3")) >= 1
    for row in movement.values():
        cells = [value for value in row[1:] if value != "–"]
        if _shown(row[0]):
            assert sum(not _shown(value) for value in cells) != 1, movement
    # A level-5 person cannot move up, a contact cannot move down: "–", not a count.
    assert movement["5"][1] == "–" and movement["0"][3] == "–"


def test_staff_keep_the_exact_figures(ladder, personas, client_for):
    html = client_for(personas.staff).get(URL, {"earlier": "2026-02", "later": "2026-03"})
    now, movement = _tables(html.content.decode())
    assert now["2"] == ["3", "1"]
    assert movement["1"] == ["12", "4", "7", "1"]
    assert "fewer than 5" not in html.content.decode()
