"""Rate limits on public signing: wide per IP (a school class signs from one address),
narrow per email and mobile; over the limit a readable, translated 429 page."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from freezegun import freeze_time

from aktivist.campaigns.models import Participation
from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.public.limits import client_ip
from aktivist.public.tests.helpers import form_data, post_signature

pytestmark = pytest.mark.django_db

# Inside one rate-limit window whatever the wall clock says (windows end at jittered times).
FROZEN = "2026-11-20 10:00:00"


@pytest.fixture
def frozen():
    with freeze_time(FROZEN, tick=False):
        yield


def test_a_school_class_of_sixty_signs_from_one_address(client, frozen, settings):
    settings.PUBLIC_SIGNATURES_PER_IP_PER_MINUTE = 60
    action = ActionFactory()
    for n in range(60):
        response = post_signature(client, action, email=f"elev{n}@example.org")
        assert response.status_code == 303, n
    assert Participation.objects.filter(action=action).count() == 60


def test_the_sixty_first_signature_a_minute_from_one_address_gets_a_readable_429(
    client, frozen, settings
):
    settings.PUBLIC_SIGNATURES_PER_IP_PER_MINUTE = 60
    action = ActionFactory()
    for n in range(60):
        post_signature(client, action, email=f"elev{n}@example.org")
    response = post_signature(client, action, email="elev60@example.org", query="lang=en")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert "Please wait a moment" in html
    assert '<html lang="en">' in html
    assert Participation.objects.filter(action=action).count() == 60
    # Another address is not held back.
    other = client.post(
        f"/a/{action.slug}/", form_data(action, email="annan@example.org"), REMOTE_ADDR="192.0.2.1"
    )
    assert other.status_code == 303


def test_the_limit_counts_per_address_with_repeats_answered_as_the_first(client, frozen, settings):
    settings.PUBLIC_SIGNATURES_PER_ADDRESS_PER_HOUR = 3
    action = ActionFactory()
    answers = [
        client.post(f"/a/{action.slug}/", form_data(action), REMOTE_ADDR=f"192.0.2.{n}").status_code
        for n in range(1, 5)
    ]
    assert answers == [303, 303, 303, 429]
    assert Participation.objects.filter(action=action).count() == 1


def test_a_mobile_is_limited_whatever_email_comes_with_it(client, frozen, settings):
    settings.PUBLIC_SIGNATURES_PER_ADDRESS_PER_HOUR = 2
    action = ActionFactory()
    codes = [
        post_signature(
            client, action, email=f"variant{n}@example.org", mobile="070-123 45 67"
        ).status_code
        for n in range(3)
    ]
    assert codes == [303, 303, 429]


def test_behind_a_proxy_the_last_forwarded_hop_is_the_client(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.20"
    )
    settings.USE_X_FORWARDED_FOR = False
    assert client_ip(request) == "10.0.0.1"
    settings.USE_X_FORWARDED_FOR = True
    assert client_ip(request) == "198.51.100.20"


def test_ipv6_clients_count_per_network():
    request = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2:3:4:5:6")
    assert client_ip(request) == "2001:db8:1:2::"
