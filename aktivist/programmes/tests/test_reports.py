"""The red-thread report: of the people at recruitment meetings in a period, how many went
on to a training, to leadership, to a role — by district, with the young share; who may
see it, and its CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from aktivist.organisation.tests.factories import RoleFactory
from aktivist.people.tests.factories import PersonFactory
from aktivist.programmes import reports
from aktivist.programmes.models import Programme, Registration
from aktivist.programmes.tests.factories import (
    EventFactory,
    ProgrammeCompletionFactory,
    ProgrammeFactory,
    RegistrationFactory,
)

S = Registration.Status
pytestmark = pytest.mark.django_db
START, END = dt.date(2024, 9, 1), dt.date(2024, 12, 31)


def _at(day: str, unit, programme):
    starts = timezone.make_aware(dt.datetime.fromisoformat(f"{day} 18:00"))
    return EventFactory(
        unit=unit, programme=programme, starts_at=starts, ends_at=starts + dt.timedelta(hours=2)
    )


def _attended(person, event, status=S.ATTENDED):
    return RegistrationFactory(person=person, event=event, status=status)


@pytest.fixture
def autumn(world):
    """Nine people around the autumn's recruitment meetings (see each line)."""
    meeting = ProgrammeFactory(kind=Programme.Kind.RECRUITMENT_MEETING)
    training = ProgrammeFactory(kind=Programme.Kind.CAMPAIGN_TRAINING)
    leadership = ProgrammeFactory(kind=Programme.Kind.LEADERSHIP_PROGRAMME)
    other = ProgrammeFactory(kind=Programme.Kind.OTHER)
    a, b = world.group_a1, world.group_b1
    p = {}
    # District A (home unit in its subtree)
    p[1] = PersonFactory(home_unit=a, birth_year=2004)  # young; training and a role after
    _attended(p[1], _at("2024-09-10", a, meeting))
    _attended(p[1], _at("2024-10-01", a, training))
    RoleFactory(person=p[1], unit=a, started_on=dt.date(2024, 11, 1))
    p[2] = PersonFactory(home_unit=world.district_a, birth_year=1990)  # completed leadership
    _attended(p[2], _at("2024-09-15", a, meeting))
    ProgrammeCompletionFactory(person=p[2], programme=leadership, completed_on=dt.date(2024, 12, 1))
    p[8] = PersonFactory(home_unit=a, birth_year=None)  # went on to something not training
    _attended(p[8], _at("2024-09-20", a, meeting))
    _attended(p[8], _at("2024-10-20", a, other))
    p[9] = PersonFactory(home_unit=a, birth_year=1999)  # 25 in the meeting's year: young
    _attended(p[9], _at("2024-09-21", a, meeting))
    # District B
    p[3] = PersonFactory(home_unit=b, birth_year=1980)  # training and role before: neither
    _attended(p[3], _at("2024-10-01", b, meeting))
    _attended(p[3], _at("2024-09-01", b, training))
    RoleFactory(person=p[3], unit=b, started_on=dt.date(2024, 1, 1))
    p[7] = PersonFactory(home_unit=b, birth_year=1980)  # two meetings: counted once, from the first
    _attended(p[7], _at("2024-09-05", b, meeting))
    _attended(p[7], _at("2024-11-05", b, meeting))
    _attended(p[7], _at("2024-10-01", b, training))
    # No district
    p[4] = PersonFactory(home_unit=None)
    _attended(p[4], _at("2024-09-20", world.national, meeting))
    # Not counted: signed up but did not come; a meeting before the period; erased people
    p[5] = PersonFactory(home_unit=a)
    _attended(p[5], _at("2024-09-12", a, meeting), status=S.NO_SHOW)
    p[6] = PersonFactory(home_unit=a)
    _attended(p[6], _at("2024-08-01", a, meeting))
    _attended(p[6], _at("2024-10-02", a, training))
    RegistrationFactory(person=None, event=_at("2024-09-25", a, meeting), status=S.ATTENDED)
    return p


def _row(report, name):
    return next(r for r in report.rows if r.name == name)


def test_the_autumns_red_thread_by_district(world, personas, autumn):
    report = reports.red_thread(personas.staff, start=START, end=END)

    skane = _row(report, "Distrikt Skåne")
    assert (skane.attended, skane.training, skane.leadership, skane.role, skane.young) == (
        4,
        2,
        1,
        1,
        2,
    )
    assert skane.young_share == 50 and skane.training_share == 50
    norr = _row(report, "Distrikt Norr")
    assert (norr.attended, norr.training, norr.leadership, norr.role, norr.young) == (
        2,
        1,
        0,
        0,
        0,
    )
    nowhere = _row(report, "No district")
    assert (nowhere.attended, nowhere.training) == (1, 0)
    total = report.total
    assert (total.attended, total.training, total.leadership, total.role, total.young) == (
        7,
        3,
        1,
        1,
        2,
    )


def test_a_period_without_meetings_shows_every_district_with_zeros(world, personas, autumn):
    report = reports.red_thread(personas.staff, start=dt.date(2023, 1, 1), end=dt.date(2023, 6, 1))
    assert [r.name for r in report.rows] == ["Distrikt Norr", "Distrikt Skåne", "No district"]
    assert report.total.attended == 0
    assert report.total.training_share is None


def test_a_district_representative_sees_their_district_only(world, personas, autumn):
    report = reports.red_thread(personas.district_a, start=START, end=END)
    assert [r.name for r in report.rows] == ["Distrikt Skåne"]
    assert report.total.attended == 4
    assert not report.all_districts


def test_the_board_sees_every_district(world, personas, autumn):
    report = reports.red_thread(personas.board, start=START, end=END)
    assert report.total.attended == 7


def test_the_report_is_one_aggregate_query_however_many_people(
    world, personas, autumn, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        reports.red_thread(personas.staff, start=START, end=END)


# --- The page -----------------------------------------------------------------------------


URL = "/programmes/reports/red-thread/"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("admin", 200),
        ("staff", 200),
        ("district_a", 200),
        ("board", 200),
        ("coordinator_a1", 404),
        ("coordinator_b1", 404),
    ],
)
def test_who_may_see_the_report(world, personas, client_for, persona, status):
    response = client_for(getattr(personas, persona)).get(URL)
    assert response.status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


def test_the_page_shows_the_period_and_the_table(world, personas, client_for, autumn):
    assert reverse("programme_reports:red_thread") == URL
    # (The board viewer's figures hide small counts: test_small_counts_red_thread.py.)
    response = client_for(personas.staff).get(URL, {"start": "2024-09-01", "end": "2024-12-31"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<strong class="big-count">7</strong> people at recruitment meetings' in html
    assert "3 went on to a training (43 %)" in html
    assert "Distrikt Skåne" in html and "No district" in html
    # Counts only: no one is named.
    for person in autumn.values():
        assert person.last_name not in html


def test_a_period_that_ends_before_it_starts_is_refused(personas, client_for):
    response = client_for(personas.staff).get(URL, {"start": "2024-12-31", "end": "2024-09-01"})
    assert response.status_code == 400
    assert "The period ends before it starts." in response.content.decode()


def test_the_report_as_csv(world, personas, client_for, autumn):
    response = client_for(personas.district_a).get(
        "/programmes/reports/red-thread.csv", {"start": "2024-09-01", "end": "2024-12-31"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "red-thread-2024-09-01-2024-12-31.csv" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:2] == ["District", "At recruitment meetings"]
    assert rows[1][:6] == ["Distrikt Skåne", "4", "2", "50", "2", "50"]
    assert rows[-1][0] == "Total"
    assert len(rows) == 3
