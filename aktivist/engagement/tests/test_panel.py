"""The engagement card on the person page: the level, why, and the last months."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from aktivist.engagement import services
from aktivist.engagement.models import EngagementSnapshot, SnapshotMonth
from aktivist.engagement.tests.helpers import attended, participated
from aktivist.programmes.tests.factories import ProgrammeCompletionFactory, ProgrammeFactory


def card(client, person) -> str:
    response = client.get(reverse("people:detail", args=[person.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('id="engagement"')
    return html[start : html.index("</section>", start)]


def test_the_card_shows_the_level_and_the_role_behind_it(world, personas, client_for):
    services.recompute_all()
    html = card(client_for(personas.staff), world.role_a1)
    assert "5</strong> · Holds a role" in html
    assert "Holds the role Group contact in Grupp Malmö since 2023-01-01" in html
    assert "Being updated" not in html


def test_the_card_names_the_completed_training(world, personas, client_for):
    person = world.home_a
    training = ProgrammeFactory(name="Campaign training")
    ProgrammeCompletionFactory(person=person, programme=training, completed_on=dt.date(2026, 3, 2))
    services.recompute_people([person.pk])
    html = card(client_for(personas.staff), person)
    assert "3</strong> · Trained" in html
    assert "Completed Campaign training on 2026-03-02" in html


def test_the_card_counts_actions_and_events_without_naming_them(world, personas, client_for):
    person = world.home_a
    now = timezone.now()
    for days in (3, 20, 40):
        participated(person, now - dt.timedelta(days=days))
    services.recompute_people([person.pk])
    html = card(client_for(personas.district_a), person)
    assert "2</strong> · Acts repeatedly" in html
    assert "Took 3 actions in the last 12 months" in html
    attended(person, event_starts_at=now - dt.timedelta(days=5))
    attended(person, event_starts_at=now - dt.timedelta(days=50))
    services.recompute_people([person.pk])
    assert "Attended 2 events in the last 12 months" in card(client_for(personas.staff), person)


def test_a_contact_is_told_why_and_a_pending_change_is_shown(world, personas, client_for):
    person = world.home_a
    html = card(client_for(personas.staff), person)
    assert "0</strong> · Contact" in html
    assert "No action, event sign-up or group in the last 12 months." in html
    participated(person, timezone.now())  # not recomputed yet (no commit in this test)
    html = card(client_for(personas.staff), person)
    assert "0</strong> · Contact" in html
    assert "Being updated: the facts now give level 1 · Acted." in html


def test_the_card_lists_the_last_snapshot_months(world, personas, client_for):
    person = world.role_a1
    now = timezone.now()
    for month, level in ((dt.date(2026, 1, 1), None), (dt.date(2026, 2, 1), 4)):
        SnapshotMonth.objects.create(month=month, taken_at=now)
        if level:
            EngagementSnapshot.objects.create(person=person, month=month, level=level)
    html = card(client_for(personas.staff), person)
    assert html.index("February 2026: 4 · Active in a group or network") < html.index(
        "January 2026: 0 · Contact"
    )


def test_the_card_costs_the_same_queries_whatever_the_history(world, personas, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(personas.staff)
    little, lots = world.home_a, world.home_b
    participated(little, timezone.now())
    for days in range(1, 9):
        participated(lots, timezone.now() - dt.timedelta(days=days))
    services.recompute_all()

    def engagement_queries(person) -> int:
        with CaptureQueriesContext(connection) as ctx:
            card(client, person)
        return len([q for q in ctx.captured_queries if "engagement_" in q["sql"]])

    assert engagement_queries(little) == engagement_queries(lots) <= 3
