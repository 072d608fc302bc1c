"""Public event pages never print how many places are left — only full, few places left
(at most PUBLIC_FEW_SEATS) or places available — so that signing someone up does not tell
whether they were signed up already. Staff pages keep the exact numbers (issue 13)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from aktivist.programmes.models import Registration
from aktivist.programmes.tests.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

EXACT = re.compile(r"\d+\s+(places?|seats?)\s+left|\d+\s+(platser?|plats)\s+kvar", re.I)
SEATS_RE = re.compile(r'<dd id="event-seats">(.*?)</dd>', re.S)


def _seats_line(client, event) -> str:
    html = client.get(reverse("public:event", args=[event.slug]) + "?lang=en").content.decode()
    assert not EXACT.search(html)
    found = SEATS_RE.search(html)
    assert found is not None
    return re.sub(r"<[^>]+>", "", found.group(1))


def _calendar(client) -> str:
    html = client.get(reverse("public:calendar") + "?lang=en").content.decode()
    assert not EXACT.search(html)
    return html


def test_the_event_page_says_full_few_or_available_and_never_how_many(client, settings):
    settings.PUBLIC_FEW_SEATS = 5
    event = EventFactory(capacity=8)
    RegistrationFactory(event=event, status=Registration.Status.CANCELLED)  # frees its seat
    seen = {}
    for taken in range(9):
        if taken:
            RegistrationFactory(event=event)
        seen[8 - taken] = _seats_line(client, event)
    assert seen[8] == seen[7] == seen[6] == "Places available"
    assert seen[5] == seen[4] == seen[1] == "Few places left"  # the threshold is few
    assert seen[0] == "Full: you can join the waiting list"


def test_the_threshold_for_few_places_is_a_setting(client, settings):
    settings.PUBLIC_FEW_SEATS = 2
    event = EventFactory(capacity=10)
    RegistrationFactory.create_batch(7, event=event)
    assert _seats_line(client, event) == "Places available"  # 3 left
    RegistrationFactory(event=event)
    assert _seats_line(client, event) == "Few places left"  # 2 left


def test_an_event_without_a_seat_limit_is_open_to_all(client):
    event = EventFactory(capacity=None)
    RegistrationFactory.create_batch(3, event=event)
    assert _seats_line(client, event) == "Open to all"


def test_the_calendar_marks_full_and_few_places_and_never_prints_the_number(client, settings):
    settings.PUBLIC_FEW_SEATS = 5
    soon = timezone.now() + dt.timedelta(days=3)
    at_threshold = EventFactory(title="At threshold", capacity=10, starts_at=soon)
    RegistrationFactory.create_batch(5, event=at_threshold)
    html = _calendar(client)
    assert html.count("Few places left") == 1
    full = EventFactory(title="Full", capacity=2, starts_at=soon)
    RegistrationFactory.create_batch(2, event=full)
    plenty = EventFactory(title="Plenty", capacity=20, starts_at=soon)
    RegistrationFactory(event=plenty)
    html = _calendar(client)
    assert html.count("Few places left") == 1
    assert html.count("Full: waiting list") == 1


def test_the_staff_event_page_keeps_the_exact_numbers(client_for, personas, world):
    event = EventFactory(unit=world.group_a1, capacity=10)
    RegistrationFactory.create_batch(7, event=event)
    html = (
        client_for(personas.admin)
        .get(reverse("programmes:event_detail", args=[event.pk]))
        .content.decode()
    )
    assert re.search(r"7\s*/\s*10", html)
