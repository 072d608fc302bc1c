"""A database outage answers 503 with Retry-After, never 500 — in a view, in a middleware
(the session saved after the view), on the public signing form and on the JSON endpoint —
and a signature is never answered as accepted unless it was committed. Real errors stay 500.
bench/db_outage.py checks the same against a real PostgreSQL that is stopped and started."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn
from unittest import mock

import psycopg
import psycopg.errors
import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connections
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path, reverse

from aktivist.campaigns.channels import channel_create
from aktivist.campaigns.models import Participation
from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.core.outage import is_outage
from aktivist.people.models import Person
from aktivist.public.tests.helpers import post_signature

SERVER_GONE = "consuming input failed: server closed the connection unexpectedly"


def server_gone(*_args: Any, **_kwargs: Any) -> NoReturn:
    """What Django raises when PostgreSQL went away under a kept connection."""
    try:
        raise psycopg.OperationalError(SERVER_GONE)
    except psycopg.Error as e:
        raise OperationalError(str(e)) from e


def admin_shutdown() -> NoReturn:
    try:
        raise psycopg.errors.AdminShutdown("terminating connection due to administrator command")
    except psycopg.Error as e:
        raise OperationalError(str(e)) from e


def missing_table() -> NoReturn:
    try:
        raise sqlite3.OperationalError("no such table: people_nothing")
    except sqlite3.Error as e:
        raise OperationalError(str(e)) from e


# --- A URL configuration of views that fail (ROOT_URLCONF = this module) ---------------


def view_server_gone(request: HttpRequest) -> HttpResponse:
    server_gone()


def view_admin_shutdown(request: HttpRequest) -> HttpResponse:
    admin_shutdown()


def view_interface_error(request: HttpRequest) -> HttpResponse:
    raise InterfaceError("connection already closed")


def view_missing_table(request: HttpRequest) -> HttpResponse:
    missing_table()


def view_bug(request: HttpRequest) -> HttpResponse:
    raise ValueError("a real bug")


def view_session_write(request: HttpRequest) -> HttpResponse:
    request.session["seen"] = True  # saved by SessionMiddleware after the view
    return HttpResponse("ok")


urlpatterns = [
    path("gone/", view_server_gone),
    path("shutdown/", view_admin_shutdown),
    path("closed/", view_interface_error),
    path("missing-table/", view_missing_table),
    path("bug/", view_bug),
    path("session/", view_session_write),
    path("api/v1/gone", view_server_gone),
]
handler500 = "aktivist.core.views.server_error"


@pytest.fixture
def failing_views(settings: Any) -> None:
    settings.ROOT_URLCONF = __name__
    settings.DATABASE_OUTAGE_RETRY_AFTER = 7


def quiet_client() -> Client:
    """A client that gets the response Django sends rather than the exception re-raised."""
    return Client(raise_request_exception=False)


@contextmanager
def database_unavailable() -> Iterator[None]:
    """Every new cursor fails as when the server is gone (the test's own transaction is left
    alone)."""
    with mock.patch.object(connections["default"], "cursor", side_effect=server_gone):
        yield


@contextmanager
def commit_fails() -> Iterator[None]:
    """The COMMIT never reaches the server: the transaction is rolled back."""
    with mock.patch.object(connections["default"], "_commit", side_effect=server_gone):
        yield


def assert_outage(response: Any, retry_after: str) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == retry_after
    assert response["Cache-Control"] == "no-store"


# --- Which errors are an outage ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raiser", "outage"),
    [
        (server_gone, True),
        (admin_shutdown, True),
        (missing_table, False),
    ],
)
def test_an_outage_is_told_from_a_wrong_query(raiser: Any, outage: bool) -> None:
    with pytest.raises(OperationalError) as caught:
        raiser()
    assert is_outage(caught.value) is outage


def test_a_statement_timeout_is_not_an_outage() -> None:
    try:
        raise psycopg.errors.QueryCanceled("canceling statement due to statement timeout")
    except psycopg.Error as e:
        error = OperationalError(str(e))
        error.__cause__ = e
    assert not is_outage(error)


# --- Views and middleware ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/gone/", "/shutdown/", "/closed/"])
def test_a_view_that_loses_the_database_answers_503_with_retry_after(
    failing_views: None, url: str
) -> None:
    response = Client().get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert_outage(response, "7")
    assert response["Content-Type"].startswith("text/html")
    assert b"Temporarily unavailable" in response.content


@pytest.mark.django_db
def test_the_outage_page_speaks_swedish(failing_views: None) -> None:
    response = Client().get("/gone/", HTTP_ACCEPT_LANGUAGE="sv")
    assert_outage(response, "7")
    assert "Tillfälligt otillgänglig" in response.content.decode()
    assert response["Content-Language"] == "sv"


@pytest.mark.django_db
def test_the_api_gets_its_outage_answer_in_json(failing_views: None) -> None:
    response = Client().post("/api/v1/gone", "{}", content_type="application/json")
    assert_outage(response, "7")
    assert json.loads(response.content)["error"] == "unavailable"


@pytest.mark.django_db
def test_a_session_save_that_loses_the_database_after_the_view_answers_503(
    failing_views: None,
) -> None:
    with mock.patch.object(SessionStore, "save", side_effect=server_gone):
        response = quiet_client().get("/session/")
    assert_outage(response, "7")


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/missing-table/", "/bug/"])
def test_real_errors_still_answer_500(failing_views: None, url: str) -> None:
    response = quiet_client().get(url)
    assert response.status_code == 500
    assert "Retry-After" not in response


@pytest.mark.django_db
def test_a_logged_in_page_whose_session_cannot_be_read_answers_503(client_for, personas) -> None:
    staff = client_for(personas.staff)
    staff.raise_request_exception = False
    with database_unavailable():
        response = staff.get(reverse("staff:start"))
    assert_outage(response, "5")


# --- Public signing --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_signature_on_the_action_page_while_the_database_is_unavailable_answers_503(
    world: Any,
) -> None:
    action = ActionFactory()
    client = quiet_client()
    with database_unavailable():
        response = post_signature(client, action)
    assert_outage(response, "5")
    # The database back: the same signature goes through.
    assert post_signature(client, action).status_code == 303
    assert Participation.objects.filter(action=action).count() == 1


@pytest.mark.django_db
def test_a_signature_through_the_api_while_the_database_is_unavailable_answers_503(
    world: Any,
) -> None:
    action = ActionFactory()
    _channel, key = channel_create(actor=None, name="Webbplatsen")
    body = json.dumps({"first_name": "Amir", "email": "amir@example.org", "birth_year": 1990})
    url = reverse("public:api_sign", args=[action.slug])
    client = quiet_client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_IDEMPOTENCY_KEY": "k-1"}
    with database_unavailable():
        response = client.post(url, body, content_type="application/json", **headers)
    assert_outage(response, "5")
    assert json.loads(response.content)["error"] == "unavailable"
    retried = client.post(url, body, content_type="application/json", **headers)
    assert retried.status_code == 201
    assert Participation.objects.filter(action=action).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_signature_whose_commit_fails_is_not_answered_as_accepted(world: Any) -> None:
    action = ActionFactory()
    client = quiet_client()
    with commit_fails():
        response = post_signature(client, action)
    assert_outage(response, "5")
    assert not Person.objects.filter(email="amir.haddad@example.org").exists()
    assert not Participation.objects.filter(action=action).exists()


@pytest.mark.django_db(transaction=True)
def test_an_api_signature_whose_commit_fails_is_not_answered_as_accepted(world: Any) -> None:
    action = ActionFactory()
    _channel, key = channel_create(actor=None, name="Webbplatsen")
    body = json.dumps({"first_name": "Amir", "email": "amir@example.org", "birth_year": 1990})
    with commit_fails():
        response = quiet_client().post(
            reverse("public:api_sign", args=[action.slug]),
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
            HTTP_IDEMPOTENCY_KEY="k-1",
        )
    assert_outage(response, "5")
    assert not Participation.objects.filter(action=action).exists()
