from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from aktivist.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RESET = "/accounts/password-reset/"
LINK = re.compile(r"https?://[^/\s]+(/accounts/password-reset/[^/\s]+/[^/\s]+/)")


def _ask_for_reset(client: Client, capture: Callable[..., Any], email: str) -> Any:
    """Post the form and run what it queued, as the user waiting for the email would see it:
    the reset is enqueued when the request's transaction commits, and the tests' immediate
    task backend then sends it."""
    with capture(execute=True):
        response = client.post(RESET, {"email": email})
    return response


def _link(message: mail.EmailMessage) -> str:
    match = LINK.search(str(message.body))
    assert match, message.body
    return match.group(1)


def test_reset_sends_one_email_through_the_helper_with_a_working_link(
    client: Client, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    user = UserFactory(email="maja@example.org", name="Maja")
    response = _ask_for_reset(client, django_capture_on_commit_callbacks, "Maja@Example.org")
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maja@example.org"]
    assert message.subject == "Välj ett nytt lösenord för Aktivist"  # the account's language
    assert message.alternatives and message.alternatives[0][1] == "text/html"

    link = _link(message)
    response = client.get(link)
    assert response.status_code == 302  # to the same page without the token in the URL
    form_url = response["Location"]
    response = client.get(form_url)
    assert response.context["validlink"] is True
    response = client.post(
        form_url, {"new_password1": "a-new-long-secret-9", "new_password2": "a-new-long-secret-9"}
    )
    assert response["Location"] == "/accounts/password-reset/done/"
    user.refresh_from_db()
    assert user.check_password("a-new-long-secret-9")

    # The link is spent.
    response = client.get(link)
    assert response.status_code == 200
    assert response.context["validlink"] is False
    assert "This link does not work" in response.content.decode()


def test_unknown_email_gets_the_same_answer_and_no_email(
    client: Client, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    UserFactory(email="maja@example.org")
    known = _ask_for_reset(client, django_capture_on_commit_callbacks, "maja@example.org")
    assert len(mail.outbox) == 1  # the known address got its link
    mail.outbox.clear()
    unknown = _ask_for_reset(client, django_capture_on_commit_callbacks, "nobody@example.org")
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]
    assert mail.outbox == []
    page = client.get(unknown["Location"]).content.decode()
    assert "nobody@example.org" not in page
    assert "If the address you entered has an account" in page


def test_deactivated_or_invited_accounts_get_no_reset_email(
    client: Client, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    UserFactory(email="gone@example.org", is_active=False)
    invited = UserFactory(email="invited@example.org")
    invited.set_unusable_password()
    invited.save()
    _ask_for_reset(client, django_capture_on_commit_callbacks, "gone@example.org")
    _ask_for_reset(client, django_capture_on_commit_callbacks, "invited@example.org")
    assert mail.outbox == []


def test_a_forged_reset_link_shows_a_clear_page(client: Client) -> None:
    UserFactory(email="maja@example.org")
    response = client.get("/accounts/password-reset/MQ/forged-token/")
    assert response.status_code == 200
    assert response.context["validlink"] is False
    assert "Ask for a new link" in response.content.decode()


def test_reset_email_to_a_real_domain_outside_production_is_not_sent_and_not_revealed(
    client: Client, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    UserFactory(email="someone@gmail.com")
    response = _ask_for_reset(client, django_capture_on_commit_callbacks, "someone@gmail.com")
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert mail.outbox == []
