from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from aktivist.accounts.models import User
from aktivist.accounts.tests.factories import TOTPDeviceFactory, UserFactory, redirect_target

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "correct-horse-battery"


def test_login_accepts_email_in_any_case(client: Client) -> None:
    UserFactory(email="maja@example.org", access_role=User.AccessRole.BOARD)
    response = client.post(LOGIN, {"username": "  Maja@Example.ORG ", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:start")
    assert client.session["_auth_user_id"]


def test_wrong_password_shows_a_form_error_without_saying_which_part_was_wrong(
    client: Client,
) -> None:
    UserFactory(email="maja@example.org")
    response = client.post(LOGIN, {"username": "maja@example.org", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_five_wrong_passwords_lock_the_account_with_the_lockout_page(client: Client) -> None:
    UserFactory(email="maja@example.org")
    for _attempt in range(4):
        response = client.post(LOGIN, {"username": "MAJA@example.org", "password": "wrong"})
        assert response.status_code == 200
    response = client.post(LOGIN, {"username": "maja@example.org", "password": "wrong"})
    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    assert "Too many failed login attempts" in response.content.decode()
    assert "15 minutes" in response.content.decode()

    # Locked out: even the right password, in any case, does not get in now.
    response = client.post(LOGIN, {"username": "Maja@example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_login_honours_a_safe_next_and_ignores_another_site(client: Client) -> None:
    UserFactory(email="maja@example.org", access_role=User.AccessRole.BOARD)
    response = client.post(
        LOGIN, {"username": "maja@example.org", "password": PASSWORD, "next": "/accounts/me/"}
    )
    assert response["Location"] == "/accounts/me/"
    client.logout()
    response = client.post(
        LOGIN,
        {"username": "maja@example.org", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("staff:start")


@pytest.mark.parametrize(
    "role",
    [
        User.AccessRole.ADMIN,
        User.AccessRole.STAFF,
        User.AccessRole.DISTRICT,
        User.AccessRole.COORDINATOR,
        User.AccessRole.DPO,
    ],
)
def test_login_of_a_role_that_sees_personal_data_goes_to_two_factor_setup_then_to_next(
    client: Client, role: str
) -> None:
    UserFactory(email="staff1@example.org", access_role=role)
    response = client.post(
        LOGIN, {"username": "staff1@example.org", "password": PASSWORD, "next": "/people/"}
    )
    assert redirect_target(response) == ("/accounts/two-factor/setup/", "/people/")


def test_login_with_a_device_goes_to_the_code_page(client: Client) -> None:
    user = UserFactory(email="admin1@example.org", access_role=User.AccessRole.ADMIN)
    TOTPDeviceFactory(user=user)
    response = client.post(LOGIN, {"username": "admin1@example.org", "password": PASSWORD})
    assert response["Location"].startswith("/accounts/two-factor/verify/")


def test_inactive_account_cannot_log_in(client: Client) -> None:
    UserFactory(email="gone@example.org", is_active=False)
    response = client.post(LOGIN, {"username": "gone@example.org", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_that_ends_the_session(client: Client) -> None:
    user = UserFactory(access_role=User.AccessRole.DISTRICT)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_anonymous_start_page_redirects_to_login(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
