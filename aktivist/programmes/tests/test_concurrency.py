"""Capacity under concurrency (PostgreSQL): sign-ups racing from parallel threads, each on
its own database connection, as many at a time as the database allows. 200 sign-ups for
50 seats give exactly 50 registered and 150 on the waiting list; a cancellation then gives
the seat to the first on the list and tells them."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core import mail
from django.db import connection, connections
from django.test import Client

from aktivist.campaigns.signing import SignatureInput
from aktivist.programmes import registering
from aktivist.programmes.models import Event, Registration
from aktivist.programmes.tests.factories import EventFactory
from aktivist.public.tests.event_helpers import sign_up_data

pytestmark = [pytest.mark.django_db(transaction=True)]

MAX_WORKERS = 40
SPARE_CONNECTIONS = 10  # for the test's own connection and anything else running


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Concurrency is tested on PostgreSQL (SQLite serialises every writer).")


def _workers() -> int:
    """As many parallel connections as the server has room for, at most MAX_WORKERS."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        limit = int(cursor.fetchone()[0])
        cursor.execute("SELECT count(*) FROM pg_stat_activity")
        used = int(cursor.fetchone()[0])
    return max(2, min(MAX_WORKERS, limit - used - SPARE_CONNECTIONS))


def _race(count: int, work: Any) -> list[Any]:
    """Run work(n) for n in range(count) from parallel threads, started together."""
    workers = _workers()
    gate = threading.Barrier(min(workers, count))
    started = threading.local()

    def run(n: int) -> Any:
        try:
            if not getattr(started, "done", False):
                started.done = True
                gate.wait(timeout=30)  # the first wave starts at once
            return work(n)
        finally:
            connections.close_all()  # each thread's own connection

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, range(count)))


def _signature(n: int) -> SignatureInput:
    return SignatureInput(
        first_name=f"Racer{n}",
        last_name="Test",
        email=f"racer{n}@example.org",
        mobile=None,
        postcode="",
        birth_year=1995,
        age_bracket="",
        language="en",
    )


def test_200_racing_sign_ups_for_50_seats_give_50_seats_and_150_waiting():
    event = EventFactory(capacity=50)

    def sign(n: int) -> str:
        return registering.sign_up(
            event=Event.objects.get(pk=event.pk), signature=_signature(n)
        ).status

    statuses = _race(200, sign)
    assert Counter(statuses) == {"registered": 50, "waitlisted": 150}
    rows = Registration.objects.filter(event=event)
    assert rows.count() == 200
    assert Counter(rows.values_list("status", flat=True)) == {"registered": 50, "waitlisted": 150}
    assert rows.values("person_id").distinct().count() == 200
    subjects = Counter(m.subject.split(":")[0] for m in mail.outbox)
    assert subjects == {"You have a place": 50, "You are on the waiting list": 150}

    # A cancellation gives the seat to the first on the waiting list, who is told.
    mail.outbox.clear()
    first_waiting = rows.filter(status="waitlisted").order_by("waitlisted_at", "id").first()
    holder = rows.filter(status="registered").first()
    promoted = registering.registration_cancel(actor=None, registration=holder)
    assert promoted is not None and promoted.pk == first_waiting.pk
    assert Counter(rows.values_list("status", flat=True)) == {
        "registered": 50,
        "waitlisted": 149,
        "cancelled": 1,
    }
    assert [m.to for m in mail.outbox] == [[first_waiting.person.email]]
    assert mail.outbox[0].subject == f"You got a place: {event.title}"


def test_racing_cancellations_and_sign_ups_never_overfill():
    event = EventFactory(capacity=10)
    for n in range(20):
        registering.sign_up(event=event, signature=_signature(n))
    seated = list(Registration.objects.filter(event=event, status="registered")[:5])

    def work(n: int) -> str:
        if n < len(seated):
            registering.registration_cancel(actor=None, registration=seated[n])
            return "cancelled"
        return registering.sign_up(event=event, signature=_signature(100 + n)).status

    _race(30, work)
    counts = Counter(Registration.objects.filter(event=event).values_list("status", flat=True))
    assert counts["registered"] == 10
    assert counts["cancelled"] == 5
    assert sum(counts.values()) == 20 + 25


def test_racing_posts_to_the_public_page_through_separate_clients():
    event = EventFactory(capacity=20)

    def post(n: int) -> int:
        client = Client()
        data = sign_up_data(event, email=f"web{n}@example.org", first_name=f"Web{n}")
        response = client.post(f"/e/{event.slug}/?lang=en", data, REMOTE_ADDR=f"198.51.100.{n}")
        return response.status_code

    codes = _race(100, post)
    assert Counter(codes) == {303: 100}
    counts = Counter(Registration.objects.filter(event=event).values_list("status", flat=True))
    assert counts == {"registered": 20, "waitlisted": 80}
