"""Staff sessions end after 30 minutes without a request and 12 hours after the login
(SESSION_IDLE_TIMEOUT_MINUTES, SESSION_ABSOLUTE_TIMEOUT_HOURS; aktivist/accounts/middleware.py
SessionTimeoutMiddleware). The clock is moved with freezegun."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory

from aktivist.accounts.models import User
from aktivist.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "correct-horse-battery"
START = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> Iterator[FrozenDateTimeFactory]:
    with freeze_time(START) as frozen:
        yield frozen


@pytest.fixture
def logged_in(client: Client, clock: FrozenDateTimeFactory) -> Client:
    """A board viewer (no second factor) who logged in through the login form at START."""
    UserFactory(email="styrelse@example.org", access_role=User.AccessRole.BOARD)
    response = client.post(LOGIN, {"username": "styrelse@example.org", "password": PASSWORD})
    assert response.status_code == 302
    return client


def at(clock: FrozenDateTimeFactory, **delta: int) -> None:
    clock.move_to(START + dt.timedelta(**delta))


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def messages_on_login_page(client: Client, response: Any) -> str:
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    return client.get(response["Location"]).content.decode()


def test_a_session_without_requests_for_30_minutes_ends(
    logged_in: Client, clock: FrozenDateTimeFactory
) -> None:
    at(clock, minutes=29, seconds=59)
    assert logged_in.get("/").status_code == 200
    # Each request restarts the idle clock.
    at(clock, minutes=59, seconds=58)
    assert logged_in.get("/").status_code == 200
    at(clock, minutes=89, seconds=59)
    response = logged_in.get("/people/?q=berg")
    assert response["Location"] == f"{LOGIN}?next={quote('/people/?q=berg', safe='')}"
    assert not is_logged_in(logged_in)
    page = messages_on_login_page(logged_in, response)
    assert "You were logged out after 30 minutes without activity" in page


def test_a_session_ends_12_hours_after_the_login_however_active(
    logged_in: Client, clock: FrozenDateTimeFactory
) -> None:
    for minutes in range(20, 12 * 60, 20):
        at(clock, minutes=minutes)
        assert logged_in.get("/").status_code == 200, minutes
    at(clock, hours=12)
    response = logged_in.get("/")
    assert not is_logged_in(logged_in)
    page = messages_on_login_page(logged_in, response)
    assert "You were logged out 12 hours after logging in" in page
    # Logging in again starts a new session with fresh clocks.
    logged_in.post(LOGIN, {"username": "styrelse@example.org", "password": PASSWORD})
    at(clock, hours=12, minutes=20)
    assert logged_in.get("/").status_code == 200


def test_both_timeouts_are_configurable(
    client: Client, settings: Any, clock: FrozenDateTimeFactory
) -> None:
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 5
    settings.SESSION_ABSOLUTE_TIMEOUT_HOURS = 1
    UserFactory(email="styrelse@example.org", access_role=User.AccessRole.BOARD)
    client.post(LOGIN, {"username": "styrelse@example.org", "password": PASSWORD})
    at(clock, minutes=5)
    assert client.get("/").status_code == 302
    assert not is_logged_in(client)

    client.post(LOGIN, {"username": "styrelse@example.org", "password": PASSWORD})
    for minutes in (9, 13, 17, 21, 25, 29, 33, 37, 41, 45, 49, 53, 57):
        at(clock, minutes=minutes)
        assert client.get("/").status_code == 200, minutes
    at(clock, minutes=65)
    response = client.get("/")
    assert "You were logged out 1 hour after logging in" in messages_on_login_page(client, response)


def test_an_htmx_request_after_the_timeout_gets_401_and_a_full_page_redirect(
    logged_in: Client, clock: FrozenDateTimeFactory
) -> None:
    at(clock, minutes=31)
    response = logged_in.get(
        "/people/search/?q=berg",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/people/?q=berg",
    )
    assert response.status_code == 401
    # htmx follows HX-Redirect with a full page load, back to the page the person was on.
    assert response["HX-Redirect"] == f"{LOGIN}?next={quote('/people/?q=berg', safe='')}"
    assert not is_logged_in(logged_in)


def test_a_public_page_after_the_timeout_is_shown_to_nobody_logged_in(
    logged_in: Client, clock: FrozenDateTimeFactory
) -> None:
    at(clock, minutes=31)
    response = logged_in.get("/events/")
    assert response.status_code == 200
    assert not is_logged_in(logged_in)


def test_a_session_from_before_the_clocks_starts_them_at_its_next_request(
    client: Client, settings: Any, clock: FrozenDateTimeFactory
) -> None:
    settings.SESSION_ABSOLUTE_TIMEOUT_HOURS = 1
    user = UserFactory(email="styrelse@example.org", access_role=User.AccessRole.BOARD)
    client.force_login(user)
    session = client.session
    for key in [k for k in session.keys() if k.startswith("aktivist.")]:
        del session[key]
    session.save()
    at(clock, hours=2)
    assert client.get("/").status_code == 200  # not logged out for an age nobody recorded
    at(clock, hours=2, minutes=31)
    assert client.get("/").status_code == 302
