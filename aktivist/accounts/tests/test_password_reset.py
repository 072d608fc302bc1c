"""Password reset answers at once and the same for every address (aktivist/accounts/views.py
PasswordResetView): whether an account has the address is decided by a task, never in the
request; too many requests from one client address get 429 with Retry-After, too many for
one email get the usual answer and no more email (aktivist/accounts/throttle.py)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from aktivist.accounts.models import User
from aktivist.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RESET = "/accounts/password-reset/"
SENT = "/accounts/password-reset/sent/"
USERS_TABLE = User._meta.db_table


@pytest.fixture(autouse=True)
def _one_rate_window() -> Iterator[None]:
    # Inside one rate-limit window whatever the wall clock says.
    with freeze_time("2026-11-20 10:00:00", tick=False):
        yield


def ask(client: Client, email: str, *, peer: str = "192.0.2.10", **extra: Any) -> Any:
    return client.post(RESET, {"email": email}, REMOTE_ADDR=peer, **extra)


def _shape(sql: str) -> str:
    """A statement without its values: what work was done, not on which row."""
    return re.sub(r"'[^']*'|\b\d+\b", "?", sql)


def test_known_and_unknown_addresses_get_the_same_answer_after_the_same_work(
    client: Client,
) -> None:
    UserFactory(email="maja@example.org")
    answers = {}
    work = {}
    for email in ("maja@example.org", "nobody@example.org"):
        with CaptureQueriesContext(connection) as queries:
            response = ask(Client(), email)
        answers[email] = (response.status_code, response["Location"], response.content)
        work[email] = [_shape(q["sql"]) for q in queries.captured_queries]
    assert answers["maja@example.org"] == answers["nobody@example.org"] == (302, SENT, b"")
    assert work["maja@example.org"] == work["nobody@example.org"]
    # Nothing in the request looks for the account.
    assert not any(USERS_TABLE in sql for sql in work["maja@example.org"])
    # And the page after it is the same too.
    assert _page(client.get(SENT).content) == _page(Client().get(SENT).content)


def _page(content: bytes) -> str:
    """The page without its CSRF token (a new one in every browser)."""
    return re.sub(
        r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", content.decode()
    )


def test_the_link_is_sent_by_a_task_that_never_holds_the_typed_address(
    client: Client, settings: Any, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "urgent"]}
    }
    UserFactory(email="maja@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, "Maja@Example.org")
        ask(client, "nobody@example.org")
    assert mail.outbox == []  # the answer did not wait for the email
    queued = list(DBTaskResult.objects.values_list("args_kwargs", flat=True))
    assert len(queued) == 2
    assert "example.org" not in repr(queued)

    # The worker runs them (as db_worker would, without closing the test's connection).
    for row in DBTaskResult.objects.all():
        row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
    assert [message.to for message in mail.outbox] == [["maja@example.org"]]


def test_too_many_requests_from_one_address_get_429_with_retry_after(
    client: Client, settings: Any, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    settings.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR = 3
    UserFactory(email="maja@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        answers = [ask(client, f"guess{n}@example.org") for n in range(3)]
        refused = ask(client, "maja@example.org", HTTP_ACCEPT_LANGUAGE="en")
    assert [a.status_code for a in answers] == [302, 302, 302]
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "Many password reset links were asked for from your network" in refused.content.decode()
    assert mail.outbox == []  # the refused request queued nothing
    # Another address is not held back.
    with django_capture_on_commit_callbacks(execute=True):
        assert ask(client, "maja@example.org", peer="192.0.2.11").status_code == 302
    assert len(mail.outbox) == 1


def test_behind_the_proxy_each_client_address_has_its_own_limit(
    client: Client, settings: Any
) -> None:
    settings.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR = 2
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]

    def via_proxy(address: str) -> int:
        return int(
            ask(client, "x@example.org", peer="10.0.0.2", HTTP_X_FORWARDED_FOR=address).status_code
        )

    assert [via_proxy("203.0.113.7") for _ in range(3)] == [302, 302, 429]
    assert via_proxy("198.51.100.20") == 302  # not everyone behind the proxy


def test_too_many_requests_for_one_email_answer_as_always_and_send_no_more(
    client: Client, settings: Any, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    settings.PASSWORD_RESETS_PER_EMAIL_PER_HOUR = 2
    UserFactory(email="maja@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        answers = [ask(client, "maja@example.org", peer=f"192.0.2.{n}") for n in range(1, 6)]
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, SENT)}
    assert len(mail.outbox) == 2
    assert {tuple(message.to) for message in mail.outbox} == {("maja@example.org",)}
