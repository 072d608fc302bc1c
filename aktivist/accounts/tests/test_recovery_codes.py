"""Two-factor for every role that sees personal data, and recovery codes: shown once after
set-up, each working once, counted on the account page, replaced by new ones."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from aktivist.accounts import services
from aktivist.accounts.models import User
from aktivist.accounts.tests.factories import (
    TOTPDeviceFactory,
    UserFactory,
    redirect_target,
    totp_token,
)
from aktivist.conftest import Personas, World, login
from aktivist.core.models import AuditEvent

pytestmark = pytest.mark.django_db

SETUP = "/accounts/two-factor/setup/"
VERIFY = "/accounts/two-factor/verify/"
NEW_CODES = "/accounts/two-factor/recovery-codes/"
BACKEND = "django.contrib.auth.backends.ModelBackend"
SHOWN_CODE = re.compile(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>")


def _shown_codes(html: str) -> list[str]:
    return [code.replace("-", "") for code in SHOWN_CODE.findall(html)]


def _stored_codes(user: User) -> set[str]:
    return set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


def _wait_out_the_throttle(user: User) -> None:
    """As if the account had waited after its wrong guesses."""
    StaticDevice.objects.filter(user=user).update(
        throttling_failure_timestamp=timezone.now() - timedelta(hours=1)
    )


def _password_only(user: User) -> Client:
    """A session that has passed the password but no second factor."""
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


@pytest.mark.parametrize("persona", ["district_a", "coordinator_a1"])
def test_a_district_rep_or_coordinator_without_a_device_sees_no_personal_data_until_set_up(
    personas: Personas, world: World, persona: str
) -> None:
    user = getattr(personas, persona)
    client = _password_only(user)
    person = world.member_a1
    for url in ("/", "/people/", f"/people/{person.pk}/", "/people/export/", "/imports/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert redirect_target(response) == (SETUP, url), url
        assert person.last_name not in response.content.decode()
    # An htmx request for the list's partial is sent to set-up as well.
    response = client.get("/people/?q=Malm", headers={"HX-Request": "true"})
    assert response.status_code == 302
    assert person.last_name not in response.content.decode()

    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    client.post(SETUP, {"token": totp_token(device), "next": "/"})
    response = client.get(f"/people/{person.pk}/")
    assert response.status_code == 200
    assert person.last_name in response.content.decode()


def test_recovery_codes_are_shown_once_after_setup_and_counted_on_the_account_page(
    personas: Personas,
) -> None:
    user = personas.coordinator_a1
    client = _password_only(user)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(SETUP, {"token": totp_token(device), "next": "/people/"})
    assert response.status_code == 200
    page = response.content.decode()
    codes = _shown_codes(page)
    assert len(codes) == 10 == len(set(codes))
    assert set(codes) == _stored_codes(user)
    assert "no-store" in response["Cache-Control"]
    assert 'href="/people/"' in page
    assert AuditEvent.objects.filter(
        verb="account.recovery_codes_generated", actor=user, details__count=10
    ).exists()

    # Never shown again: not on the account page, not on the set-up page (a new phone).
    me = client.get("/accounts/me/").content.decode()
    assert "Recovery codes: 10 left." in me
    assert not any(code[:4] in me and code[4:] in me for code in codes)
    again = client.get(SETUP).content.decode()
    assert _shown_codes(again) == []


def test_each_recovery_code_logs_in_once(personas: Personas) -> None:
    user = personas.district_a
    TOTPDeviceFactory(user=user)
    codes = services.recovery_codes_generate(user=user)

    first = _password_only(user)
    typed = f" {codes[0][:4].upper()}-{codes[0][4:].upper()} "  # as read off a printout
    response = first.post(VERIFY, {"token": typed, "next": "/people/"})
    assert response["Location"] == "/people/"
    response = first.get("/people/")
    assert response.status_code == 200
    assert "You used a recovery code: 9 are left." in response.content.decode()
    assert AuditEvent.objects.filter(
        verb="account.recovery_code_used", actor=user, details__codes_left=9
    ).exists()
    assert "Recovery codes: 9 left." in first.get("/accounts/me/").content.decode()

    second = _password_only(user)
    response = second.post(VERIFY, {"token": codes[0]})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert redirect_target(second.get("/people/")) == (VERIFY, "/people/")
    # After a wrong code django-otp makes the next try wait (guessing is throttled) …
    assert second.post(VERIFY, {"token": codes[1]}).status_code == 200
    _wait_out_the_throttle(user)
    assert second.post(VERIFY, {"token": codes[1]})["Location"] == "/"
    assert len(_stored_codes(user)) == 8


def test_an_account_with_its_app_but_no_recovery_codes_is_asked_to_make_them(
    personas: Personas,
) -> None:
    user = personas.staff  # set up its app before recovery codes existed
    device = TOTPDeviceFactory(user=user)
    client = _password_only(user)
    response = client.post(VERIFY, {"token": totp_token(device), "next": "/people/"})
    assert response["Location"] == "/people/"
    assert "You have no recovery codes." in client.get("/people/").content.decode()

    services.recovery_codes_generate(user=user)
    client = _password_only(user)
    device.refresh_from_db()
    device.last_t = -1  # the same 30-second window may be used again in this test
    device.save()
    client.post(VERIFY, {"token": totp_token(device)})
    assert "You have no recovery codes." not in client.get("/people/").content.decode()


def test_a_made_up_recovery_code_does_not_log_in(personas: Personas) -> None:
    user = personas.coordinator_a1
    TOTPDeviceFactory(user=user)
    codes = services.recovery_codes_generate(user=user)
    client = _password_only(user)
    guess = next(c for c in ("abcdefgh", "aaaaaaaa") if c not in codes)
    response = client.post(VERIFY, {"token": guess})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert client.get("/").status_code == 302
    assert len(_stored_codes(user)) == 10


def test_new_recovery_codes_replace_the_old_ones(personas: Personas) -> None:
    user = personas.coordinator_a1
    client = login(Client(), user)
    old = services.recovery_codes_generate(user=user)
    response = client.post(NEW_CODES)
    assert response.status_code == 200
    new = _shown_codes(response.content.decode())
    assert len(new) == 10
    assert not set(new) & set(old)
    assert _stored_codes(user) == set(new)

    assert _password_only(user).post(VERIFY, {"token": old[0]}).status_code == 200  # refused
    _wait_out_the_throttle(user)
    assert _password_only(user).post(VERIFY, {"token": new[0]})["Location"] == "/"


def test_new_recovery_codes_need_a_verified_session(personas: Personas) -> None:
    user = personas.coordinator_a1
    TOTPDeviceFactory(user=user)
    old = services.recovery_codes_generate(user=user)
    response = _password_only(user).post(NEW_CODES)
    assert redirect_target(response)[0] == VERIFY
    assert _stored_codes(user) == set(old)


def test_turning_voluntary_two_factor_off_removes_the_recovery_codes(db: None) -> None:
    user = UserFactory(access_role=User.AccessRole.BOARD)
    client = login(Client(), user)
    device = TOTPDeviceFactory(user=user)
    services.recovery_codes_generate(user=user)
    client.post(VERIFY, {"token": totp_token(device)})
    client.post("/accounts/two-factor/disable/")
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert _stored_codes(user) == set()
