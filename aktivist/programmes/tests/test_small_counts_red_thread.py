"""The red-thread report as the board viewer sees it: counts under five read "<5", and no
hidden count can be worked out from a total, a share or another cell — on the page and in
its CSV. Staff keep the exact figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.utils import timezone

from aktivist.organisation.tests.factories import RoleFactory
from aktivist.people.tests.factories import PersonFactory
from aktivist.programmes.models import Programme, Registration
from aktivist.programmes.tests.factories import (
    EventFactory,
    ProgrammeFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db
URL = "/programmes/reports/red-thread/"
CSV_URL = "/programmes/reports/red-thread.csv"
PERIOD = {"start": "2024-09-01", "end": "2024-12-31"}
COLUMNS = ("attended", "young", "training", "leadership", "role")


def _event(unit, programme, day):
    starts = timezone.make_aware(dt.datetime.fromisoformat(f"{day} 18:00"))
    return EventFactory(
        unit=unit, programme=programme, starts_at=starts, ends_at=starts + dt.timedelta(hours=2)
    )


@pytest.fixture
def autumn(world):
    """Skåne: 12 at meetings (6 young, 7 on to a training, 3 to leadership, 2 to a role).
    Norr: 3 at meetings (1 young, 1 on to a training). No district: nobody."""
    meeting = ProgrammeFactory(kind=Programme.Kind.RECRUITMENT_MEETING)
    training = ProgrammeFactory(kind=Programme.Kind.CAMPAIGN_TRAINING)
    leadership = ProgrammeFactory(kind=Programme.Kind.LEADERSHIP_PROGRAMME)
    a, b = world.group_a1, world.group_b1
    meet_a, meet_b = _event(a, meeting, "2024-09-10"), _event(b, meeting, "2024-09-11")
    train_a, train_b = _event(a, training, "2024-10-01"), _event(b, training, "2024-10-02")
    lead_a = _event(a, leadership, "2024-11-01")
    attended = Registration.Status.ATTENDED
    people = []
    for n in range(12):
        person = PersonFactory(home_unit=a, birth_year=2005 if n < 6 else 1980)
        RegistrationFactory(person=person, event=meet_a, status=attended)
        if n < 7:
            RegistrationFactory(person=person, event=train_a, status=attended)
        if n < 3:
            RegistrationFactory(person=person, event=lead_a, status=attended)
        if n < 2:
            RoleFactory(person=person, unit=a, started_on=dt.date(2024, 11, 15))
        people.append(person)
    for n in range(3):
        person = PersonFactory(home_unit=b, birth_year=2006 if n == 0 else 1970)
        RegistrationFactory(person=person, event=meet_b, status=attended)
        if n == 0:
            RegistrationFactory(person=person, event=train_b, status=attended)
        people.append(person)
    return people


def _table(html: str) -> dict[str, list[str]]:
    """The report's table: district → its cells as text (shares apart)."""
    table = html[html.index('<table class="data red-thread">') :]
    table = table[: table.index("</table>")]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        name = re.search(r'<th scope="row">(.*?)</th>', row, re.S)
        if not name:
            continue
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        rows[name.group(1).strip()] = [_text(cell) for cell in cells]
    return rows


def _text(cell: str) -> str:
    """ "<5", "×" or the number; a share in brackets kept apart with a '|'."""
    cell = re.sub(r'<span class="visually-hidden">.*?</span>', "", cell)
    cell = re.sub(r'<span class="muted">\((.*?)\)</span>', r"|\1", cell)
    return re.sub(r"<[^>]+>", "", cell).replace("&lt;", "<").replace(" ", "").strip()


def _assert_no_cell_is_given_away(rows: dict[str, list[str]]) -> None:
    """Under a shown total, a column never has exactly one hidden district."""
    total = rows["Total"]
    districts = [cells for name, cells in rows.items() if name != "Total"]
    for column in range(len(COLUMNS)):
        hidden = [cells for cells in districts if not cells[column].split("|")[0].isdigit()]
        if total[column].split("|")[0].isdigit():
            assert len(hidden) != 1, (COLUMNS[column], rows)


def test_the_board_sees_counts_under_five_as_under_five(world, personas, client_for, autumn):
    response = client_for(personas.board).get(URL, PERIOD)
    assert response.status_code == 200
    rows = _table(response.content.decode())
    skane, norr, nowhere = rows["Distrikt Skåne"], rows["Distrikt Norr"], rows["No district"]
    assert skane[0] == "12" and skane[1] == "6|50%" and skane[2] == "7|58%"
    assert skane[3] == "<5" and skane[4] == "<5"  # 3 to leadership, 2 to a role
    assert norr == ["<5"] * 5 and nowhere == ["<5"] * 5
    assert rows["Total"][0] == "15"
    _assert_no_cell_is_given_away(rows)


def test_a_share_of_a_hidden_count_is_left_out(world, personas, client_for, autumn):
    html = client_for(personas.board).get(URL, PERIOD).content.decode()
    skane = _table(html)["Distrikt Skåne"]
    assert "|" not in skane[3] and "|" not in skane[4]  # 3 of 12 (25 %) would give 3 away
    assert "25 %" not in html
    assert "fewer than 5" in html  # the note says what "<5" and "×" mean


def test_a_lone_small_district_under_a_shown_total_takes_another_with_it(
    world, personas, client_for, autumn
):
    # Training: Skåne 7, Norr 1, nobody 0, total 8 — Norr and "no district" are both
    # hidden, so 8 − 7 leaves 1 to share between two hidden cells. Young: Skåne 6, Norr 1,
    # total 7: the same.
    rows = _table(client_for(personas.board).get(URL, PERIOD).content.decode())
    assert rows["Total"][2] == "8|53%" and rows["Distrikt Norr"][2] == "<5"
    assert rows["No district"][2] == "<5"


def test_staff_keep_the_exact_figures(world, personas, client_for, autumn):
    rows = _table(client_for(personas.staff).get(URL, PERIOD).content.decode())
    assert rows["Distrikt Skåne"][3] == "3|25%" and rows["Distrikt Norr"][0] == "3"


def test_the_boards_csv_hides_the_same_counts(world, personas, client_for, autumn):
    response = client_for(personas.board).get(CSV_URL, PERIOD)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = {row[0]: row[1:] for row in csv.reader(io.StringIO(text), delimiter=";")}
    assert rows["Distrikt Norr"][0] == "<5"
    assert rows["Distrikt Skåne"][:4] == ["12", "6", "50", "7"]
    assert rows["Distrikt Skåne"][5:7] == ["<5", "×"]  # leadership and its share
    assert "3" not in rows["Distrikt Norr"]
    staff = client_for(personas.staff).get(CSV_URL, PERIOD)
    staff_rows = list(
        csv.reader(
            io.StringIO(b"".join(staff.streaming_content).decode("utf-8-sig")), delimiter=";"
        )
    )
    assert ["Distrikt Norr", "3", "1", "33", "1", "33", "0", "0", "0", "0"] in staff_rows
