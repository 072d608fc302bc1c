"""The public calendar /events/: upcoming published events that are not cancelled, soonest
first, filtered by district (its whole subtree), kind and "for young people", paged."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aktivist.programmes.models import Programme, Registration
from aktivist.programmes.tests.factories import EventFactory, ProgrammeFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def _titles(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'class="event-item__title"><a href="[^"]+">([^<]+)</a>', html)


def _soon(days: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


def test_only_upcoming_published_events_that_are_not_cancelled_soonest_first(client, world):
    EventFactory(title="Later", unit=world.group_a1, starts_at=_soon(9))
    EventFactory(title="Sooner", unit=world.group_b1, starts_at=_soon(2))
    EventFactory(title="Draft", unit=world.group_a1, is_published=False)
    EventFactory(title="Called off", unit=world.group_a1, cancelled_at=timezone.now())
    EventFactory(title="Past", unit=world.group_a1, starts_at=_soon(-3))
    response = client.get("/events/?lang=en")
    assert response.status_code == 200
    assert _titles(response) == ["Sooner", "Later"]
    assert "2 upcoming events" in response.content.decode()
    assert response.cookies == {}


def test_a_district_filter_takes_its_whole_subtree(client, world):
    EventFactory(title="In group A1", unit=world.group_a1, starts_at=_soon(1))
    EventFactory(title="In district A", unit=world.district_a, starts_at=_soon(2))
    EventFactory(title="In district B", unit=world.group_b1, starts_at=_soon(3))
    EventFactory(title="National", unit=world.national, starts_at=_soon(4))
    response = client.get(f"/events/?lang=en&district={world.district_a.pk}")
    assert _titles(response) == ["In group A1", "In district A"]
    html = response.content.decode()
    assert f'<option value="{world.district_a.pk}" selected>Distrikt Skåne</option>' in html
    assert f'<option value="{world.district_b.pk}">Distrikt Norr</option>' in html
    # A unit that is not a district is no filter at all.
    response = client.get(f"/events/?lang=en&district={world.group_a1.pk}")
    assert len(_titles(response)) == 4


def test_kind_and_young_people_filters(client, world):
    meeting = ProgrammeFactory(kind=Programme.Kind.RECRUITMENT_MEETING)
    training = ProgrammeFactory(kind=Programme.Kind.CAMPAIGN_TRAINING)
    EventFactory(title="Meeting", programme=meeting, unit=world.group_a1, starts_at=_soon(1))
    EventFactory(
        title="Youth meeting",
        programme=meeting,
        unit=world.group_a1,
        starts_at=_soon(2),
        for_young_people=True,
    )
    EventFactory(title="Training", programme=training, unit=world.group_a1, starts_at=_soon(3))
    EventFactory(title="No programme", unit=world.group_a1, starts_at=_soon(4))
    assert _titles(client.get("/events/?lang=en&kind=recruitment_meeting")) == [
        "Meeting",
        "Youth meeting",
    ]
    assert _titles(client.get("/events/?lang=en&young=1")) == ["Youth meeting"]
    assert _titles(client.get("/events/?lang=en&kind=recruitment_meeting&young=1")) == [
        "Youth meeting"
    ]
    html = client.get("/events/?lang=en&kind=nonsense").content.decode()
    assert "4 upcoming events" in html
    empty = client.get("/events/?lang=en&kind=alumni_programme").content.decode()
    assert "No upcoming events match your choices." in empty


def test_seats_and_closed_sign_up_show_on_each_event(client, world, settings):
    settings.PUBLIC_FEW_SEATS = 5
    full = EventFactory(title="Full", unit=world.group_a1, capacity=1, starts_at=_soon(1))
    RegistrationFactory(event=full)
    some = EventFactory(title="Some", unit=world.group_a1, capacity=5, starts_at=_soon(2))
    RegistrationFactory(event=some, status=Registration.Status.WAITLISTED)
    RegistrationFactory(event=some)
    plenty = EventFactory(title="Plenty", unit=world.group_a1, capacity=9, starts_at=_soon(4))
    RegistrationFactory.create_batch(3, event=plenty)
    EventFactory(
        title="Closed",
        unit=world.group_a1,
        starts_at=_soon(3),
        registration_deadline=_soon(-1),
    )
    html = client.get("/events/?lang=en").content.decode()
    assert "Full: waiting list" in html
    assert html.count("Few places left") == 1  # 4 left of 5; 6 left of 9 is not few
    assert "Sign-up closed" in html
    assert not re.search(r"\d+ places? left", html)  # never the exact number


def test_the_calendar_is_paged_with_filters_kept_and_few_queries(client, world):
    for day in range(25):
        EventFactory(title=f"Event {day:02d}", unit=world.group_a1, starts_at=_soon(day + 1))
    with CaptureQueriesContext(connection) as queries:
        first = client.get(f"/events/?lang=en&district={world.district_a.pk}")
    assert len(queries) <= 4  # districts, the count, the page of events (with seats)
    assert len(_titles(first)) == 20
    html = first.content.decode()
    assert f"/events/?district={world.district_a.pk}&amp;page=2&amp;lang=en" in html
    second = client.get(f"/events/?lang=en&district={world.district_a.pk}&page=2")
    assert _titles(second) == [f"Event {day:02d}" for day in range(20, 25)]
    assert "Earlier events" in second.content.decode()
    assert "Page 2 of 2" in second.content.decode()


def test_swedish_by_default_and_the_language_link_keeps_the_filters(client, world):
    response = client.get(
        f"/events/?district={world.district_a.pk}&young=1", HTTP_ACCEPT_LANGUAGE="sv"
    )
    html = response.content.decode()
    assert response["Content-Language"] == "sv"
    assert f"/events/?district={world.district_a.pk}&amp;young=1&amp;lang=en" in html
