"""Racing retries on PostgreSQL: several requests with the same idempotency key, or the same
new signer under different keys, arrive at once — exactly one participation, and every
request gets the same 201. (SQLite serialises writers, so the race is PostgreSQL's.)"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aktivist.campaigns.channels import channel_create
from aktivist.campaigns.models import IdempotencyKey, Participation
from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.people.models import Person

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the race needs PostgreSQL's row locks"
)


@pytest.fixture(autouse=True)
def _fresh_endpoint_caches():
    """The endpoint remembers actions and keys per process; each test has its own."""
    from aktivist.campaigns.channels import forget_channel_cache
    from aktivist.public.api import forget_action_cache

    forget_action_cache()
    forget_channel_cache()


THREADS = 8


def _race(key: str, bodies: list[dict[str, Any]], idempotency_keys: list[str]) -> list[Any]:
    from django.db import connections

    barrier = threading.Barrier(len(bodies))
    url = reverse("public:api_sign", args=["kapplopning"])

    def one(n: int) -> tuple[int, bytes]:
        try:
            client = Client()
            barrier.wait(timeout=10)
            response = client.post(
                url,
                json.dumps(bodies[n]),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {key}",
                HTTP_IDEMPOTENCY_KEY=idempotency_keys[n],
            )
            return response.status_code, response.content
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(one, range(len(bodies))))


def _body(email: str = "kapp@example.org") -> dict[str, Any]:
    return {
        "first_name": "Kim",
        "email": email,
        "mobile": "0701234599",
        "birth_year": timezone.localdate().year - 30,
    }


@pytest.mark.django_db(transaction=True)
def test_racing_retries_with_one_idempotency_key_sign_once():
    ActionFactory(slug="kapplopning")
    _channel, key = channel_create(actor=None, name="Webbplatsen")
    results = _race(key, [_body()] * THREADS, ["same-request"] * THREADS)
    assert {status for status, _ in results} == {201}
    assert len({content for _, content in results}) == 1
    assert Participation.objects.count() == 1
    assert Person.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_new_signer_racing_under_different_keys_signs_once():
    ActionFactory(slug="kapplopning")
    _channel, key = channel_create(actor=None, name="Webbplatsen")
    keys = [f"request-{n}" for n in range(THREADS)]
    results = _race(key, [_body()] * THREADS, keys)
    assert {status for status, _ in results} == {201}
    assert len({content for _, content in results}) == 1
    assert Person.objects.count() == 1
    assert Participation.objects.count() == 1
    assert IdempotencyKey.objects.count() == THREADS  # each accepted request is remembered


@pytest.mark.django_db(transaction=True)
def test_racing_distinct_signers_all_get_their_participation():
    ActionFactory(slug="kapplopning")
    _channel, key = channel_create(actor=None, name="Webbplatsen")
    bodies = [{**_body(f"p{n}@example.org"), "mobile": None} for n in range(THREADS)]
    results = _race(key, bodies, [f"r{n}" for n in range(THREADS)])
    assert {status for status, _ in results} == {201}
    assert Participation.objects.count() == THREADS
