"""The account pages on a phone, in a real Chromium: the flows a person clicks through,
with axe-core's WCAG 2.1 A/AA checks on each page."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from aktivist.accounts.models import User
from aktivist.accounts.tests.factories import AccessScopeFactory, UserFactory, totp_token
from aktivist.conftest import Personas, World, assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _session_cookie(user: User, live_server: Any) -> dict[str, str]:
    client = login(Client(), user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": live_server.url}


def _fits_the_phone(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1


def test_login_and_two_factor_setup_on_a_phone(
    phone_page: Any, live_server: Any, world: World
) -> None:
    """A district representative without a device logs in on a phone, sets up the app, saves
    the recovery codes and later logs in with one of them instead of the app."""
    user = UserFactory.create(email="sara@example.org", access_role=User.AccessRole.DISTRICT)
    AccessScopeFactory.create(user=user, unit=world.district_a)
    page = phone_page
    page.goto("/accounts/login/")
    assert_accessible(page)
    _fits_the_phone(page)
    page.fill("#id_username", "Sara@Example.org")
    page.fill("#id_password", "correct-horse-battery")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url("**/accounts/two-factor/setup/**")
    assert page.locator("img[src^='data:image/svg+xml']").is_visible()
    assert_accessible(page)
    _fits_the_phone(page)
    device = TOTPDevice.objects.get(user__email="sara@example.org")
    page.fill("#id_token", totp_token(device))
    page.locator("form.stacked button[type=submit]").click()

    # The recovery codes, shown this once.
    codes = page.locator("ul.recovery-codes code")
    codes.first.wait_for()
    shown = [code.replace("-", "") for code in codes.all_inner_texts()]
    assert len(shown) == 10
    assert page.locator(".message--success").count() == 1
    assert_accessible(page)
    _fits_the_phone(page)
    page.locator("main .actions a.button").click()
    page.wait_for_url(live_server.url + "/")

    # A lost phone: the password and a recovery code still get in, once.
    page.context.clear_cookies()
    page.goto("/people/")
    page.fill("#id_username", "sara@example.org")
    page.fill("#id_password", "correct-horse-battery")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url("**/accounts/two-factor/verify/**")
    assert_accessible(page)
    _fits_the_phone(page)
    page.fill("#id_token", shown[0].upper())
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(live_server.url + "/people/")
    assert page.locator(".message--warning").count() == 1
    assert StaticToken.objects.filter(device__user=user).count() == 9


def test_lockout_and_reset_pages_are_accessible(phone_page: Any) -> None:
    UserFactory.create(email="sara@example.org")
    page = phone_page
    for _attempt in range(5):
        page.goto("/accounts/login/")
        page.fill("#id_username", "sara@example.org")
        page.fill("#id_password", "wrong-password")
        page.locator("form.stacked button[type=submit]").click()
        page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "För många misslyckade inloggningsförsök"
    assert_accessible(page)
    page.goto("/accounts/password-reset/")
    assert_accessible(page)
    page.goto("/accounts/invitation/MQ/forged/")
    assert_accessible(page)


def test_staff_pages_are_accessible_on_a_phone(
    phone_page: Any, live_server: Any, personas: Personas
) -> None:
    page = phone_page
    page.context.add_cookies([_session_cookie(personas.admin, live_server)])
    for url in (
        "/accounts/staff/",
        "/accounts/staff/invite/",
        f"/accounts/staff/{personas.district_a.pk}/",
        "/accounts/me/",
        "/accounts/two-factor/setup/",
    ):
        page.goto(url)
        assert page.url.endswith(url), page.url
        assert_accessible(page)
        _fits_the_phone(page)
    page.goto("/accounts/staff/invite/")
    page.fill("#id_email", "ny@example.org")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_load_state()
    # The name is missing: the error is tied to its field.
    assert page.locator("#id_name").get_attribute("aria-invalid") == "true"
    assert_accessible(page)
