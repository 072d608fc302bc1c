from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from aktivist.accounts.models import User
from aktivist.accounts.tests.factories import (
    TOTPDeviceFactory,
    UserFactory,
    redirect_target,
    totp_token,
)
from aktivist.core.models import AuditEvent

pytestmark = pytest.mark.django_db

SETUP = "/accounts/two-factor/setup/"
VERIFY = "/accounts/two-factor/verify/"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _logged_in(client: Client, role: str = User.AccessRole.STAFF) -> User:
    user: User = UserFactory.create(access_role=role)
    client.force_login(user, backend=BACKEND)
    return user


# Every role that sees personal data: all but the board viewer.
TWO_FACTOR_ROLES = [
    User.AccessRole.ADMIN,
    User.AccessRole.STAFF,
    User.AccessRole.DISTRICT,
    User.AccessRole.COORDINATOR,
    User.AccessRole.DPO,
]


@pytest.mark.parametrize("role", TWO_FACTOR_ROLES)
def test_every_role_that_sees_personal_data_is_sent_from_start_to_setup_without_a_device(
    client: Client, role: str
) -> None:
    _logged_in(client, role)
    response = client.get("/")
    assert response.status_code == 302
    assert redirect_target(response) == (SETUP, "/")


@pytest.mark.parametrize("role", TWO_FACTOR_ROLES)
def test_every_role_that_sees_personal_data_with_an_unverified_device_is_sent_to_verify(
    client: Client, role: str
) -> None:
    user = _logged_in(client, role)
    TOTPDeviceFactory(user=user)
    response = client.get("/")
    assert response.status_code == 302
    assert redirect_target(response) == (VERIFY, "/")


def test_the_board_viewer_is_not_forced_to_use_two_factor(client: Client) -> None:
    _logged_in(client, User.AccessRole.BOARD)
    assert client.get("/").status_code == 200


def test_setup_page_shows_a_qr_code_and_the_secret_without_inline_script(client: Client) -> None:
    user = _logged_in(client)
    response = client.get(SETUP)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'src="data:image/svg+xml' in page
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed is False
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    assert secret[:4] + " " + secret[4:8] in page
    assert "<script>" not in page and "<style" not in page
    assert "no-store" in response["Cache-Control"]
    # Reloading keeps the same secret.
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_a_valid_first_code_confirms_the_device_and_verifies_the_session(client: Client) -> None:
    user = _logged_in(client)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user)
    response = client.post(SETUP, {"token": totp_token(device), "next": "/people/"})
    # The recovery codes are shown once, then the page goes on to ``next``.
    assert response.status_code == 200
    assert "accounts/recovery_codes.html" in [t.name for t in response.templates]
    assert 'href="/people/"' in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is True
    assert AuditEvent.objects.filter(verb="account.two_factor_enabled", actor=user).exists()
    assert client.get("/").status_code == 200


def test_a_wrong_first_code_is_a_field_error_and_the_device_stays_unconfirmed(
    client: Client,
) -> None:
    user = _logged_in(client)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user)
    wrong = f"{(int(totp_token(device)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"token": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert 'aria-describedby="id_token_helptext id_token_error"' in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert client.get("/").status_code == 302


def test_setup_with_a_device_but_no_code_in_this_session_goes_to_verify(client: Client) -> None:
    user = _logged_in(client)
    device = TOTPDeviceFactory(user=user)
    response = client.get(SETUP + "?next=/people/")
    assert redirect_target(response) == (VERIFY, "/people/")
    # A password alone cannot swap the device for a new one.
    assert list(TOTPDevice.objects.filter(user=user)) == [device]


def test_a_valid_code_verifies_and_follows_next(client: Client) -> None:
    user = _logged_in(client, User.AccessRole.ADMIN)
    device = TOTPDeviceFactory(user=user)
    response = client.get(VERIFY + "?next=" + quote("/people/?q=a&page=2"))
    assert response.status_code == 200
    response = client.post(VERIFY, {"token": totp_token(device), "next": "/people/?q=a&page=2"})
    assert response["Location"] == "/people/?q=a&page=2"
    assert client.get("/").status_code == 200


def test_verify_ignores_a_next_to_another_site(client: Client) -> None:
    user = _logged_in(client)
    device = TOTPDeviceFactory(user=user)
    response = client.post(VERIFY, {"token": totp_token(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_wrong_code_does_not_verify(client: Client) -> None:
    user = _logged_in(client)
    device = TOTPDeviceFactory(user=user)
    wrong = f"{(int(totp_token(device)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"token": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert client.get("/").status_code == 302


def test_letters_are_not_a_code(client: Client) -> None:
    user = _logged_in(client)
    TOTPDeviceFactory(user=user)
    response = client.post(VERIFY, {"token": "abcdef"})
    assert response.context["form"].errors["token"]


def test_anonymous_visitors_are_sent_to_login(client: Client) -> None:
    for url in (SETUP, VERIFY):
        response = client.get(url)
        assert response["Location"].startswith("/accounts/login/")


def test_a_board_viewer_can_turn_two_factor_on_from_their_account_page(client: Client) -> None:
    user = _logged_in(client, User.AccessRole.BOARD)
    page = client.get("/accounts/me/").content.decode()
    assert "Turn on two-factor authentication" in page
    client.get(SETUP + "?next=/accounts/me/")
    device = TOTPDevice.objects.get(user=user)
    response = client.post(SETUP, {"token": totp_token(device), "next": "/accounts/me/"})
    assert response.status_code == 200  # the recovery codes, once
    assert 'href="/accounts/me/"' in response.content.decode()
    page = client.get("/accounts/me/").content.decode()
    assert "Move to a new phone" in page


def test_a_voluntary_device_is_asked_for_at_the_next_login(client: Client) -> None:
    user = UserFactory(email="vol@example.org", access_role=User.AccessRole.BOARD)
    TOTPDeviceFactory(user=user)
    response = client.post(
        "/accounts/login/", {"username": "vol@example.org", "password": "correct-horse-battery"}
    )
    assert response["Location"].startswith(VERIFY)
    assert client.get("/accounts/me/")["Location"].startswith(VERIFY)
    assert redirect_target(client.get("/")) == (VERIFY, "/")


def test_the_whole_next_survives_the_detour_through_verify(client: Client) -> None:
    user = _logged_in(client, User.AccessRole.ADMIN)
    device = TOTPDeviceFactory(user=user)
    response = client.get("/people/?q=a&page=2")
    path, next_url = redirect_target(response)
    assert (path, next_url) == (VERIFY, "/people/?q=a&page=2")
    response = client.post(VERIFY, {"token": totp_token(device), "next": next_url})
    assert response["Location"] == "/people/?q=a&page=2"


def test_a_voluntary_user_can_turn_two_factor_off_but_staff_cannot(client: Client) -> None:
    from aktivist.conftest import login

    user = UserFactory(access_role=User.AccessRole.BOARD)
    device = TOTPDeviceFactory(user=user)
    client.force_login(user, backend=BACKEND)
    client.post(VERIFY, {"token": totp_token(device)})
    response = client.post("/accounts/two-factor/disable/")
    assert response["Location"] == "/accounts/me/"
    assert not TOTPDevice.objects.filter(user=user).exists()

    for role in (User.AccessRole.STAFF, User.AccessRole.DISTRICT, User.AccessRole.COORDINATOR):
        staff = UserFactory(access_role=role)
        staff_client = login(Client(), staff)
        staff_client.post("/accounts/two-factor/disable/")
        assert TOTPDevice.objects.filter(user=staff).exists()
