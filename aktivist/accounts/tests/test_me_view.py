from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from aktivist.accounts.models import User
from aktivist.accounts.tests.factories import UserFactory, redirect_target
from aktivist.conftest import Personas

pytestmark = pytest.mark.django_db

ME = "/accounts/me/"


def test_account_page_shows_name_email_role_scopes_two_factor_and_language(
    personas: Personas, client_for: Any
) -> None:
    page = client_for(personas.district_a).get(ME).content.decode()
    assert personas.district_a.email in page
    assert personas.district_a.name in page
    assert "District representative" in page
    assert "Distrikt Skåne" in page
    assert "Two-factor authentication" in page
    assert "Svenska" in page


def test_language_preference_is_saved(personas: Personas, client_for: Any) -> None:
    response = client_for(personas.board).post(ME, {"name": "Bo Ard", "language": "en"})
    assert response["Location"] == ME
    personas.board.refresh_from_db()
    assert (personas.board.name, personas.board.language) == ("Bo Ard", "en")


def test_staff_must_verify_before_opening_the_account_page(client: Client) -> None:
    user = UserFactory(access_role=User.AccessRole.STAFF)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(ME)
    assert redirect_target(response) == ("/accounts/two-factor/setup/", "/accounts/me/")


def test_anonymous_visitors_are_sent_to_login(client: Client) -> None:
    assert client.get(ME)["Location"].startswith("/accounts/login/")


def test_password_change_keeps_the_session(personas: Personas, client_for: Any) -> None:
    client = client_for(personas.staff)
    response = client.post(
        "/accounts/me/password/",
        {
            "old_password": "correct-horse-battery",
            "new_password1": "another-long-secret-3",
            "new_password2": "another-long-secret-3",
        },
    )
    assert response["Location"] == ME
    personas.staff.refresh_from_db()
    assert personas.staff.check_password("another-long-secret-3")
    assert client.get("/").status_code == 200  # still logged in and verified
