"""The data-protection officer on a phone: the start page is the audit trail; she looks up
Märta and sees who opened her page. axe-core checks the trail and the person's trail."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect

from aktivist.conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, user) -> None:
    from django.conf import settings

    page.context.clear_cookies()
    client = login(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_the_officer_finds_who_opened_martas_page(phone_page, live_server, personas, world):
    page = phone_page
    _log_in(page, live_server, personas.staff)
    page.goto(f"/people/{world.member_a1.pk}/")
    expect(page.locator("h1")).to_contain_text("Märta Malm")

    _log_in(page, live_server, personas.dpo)
    page.goto("/")
    expect(page).to_have_url(f"{live_server.url}/privacy/audit/")
    # The menu holds the privacy pages and no people pages (Swedish or English alike).
    nav = page.locator("nav.main-nav")
    expect(nav.locator('a[href="/privacy/audit/"]')).to_have_attribute("aria-current", "page")
    expect(nav.locator('a[href="/people/"]')).to_have_count(0)
    assert_accessible(page)

    page.locator("#id_q").fill("Märta")
    page.locator("form[role=search] button[type=submit]").click()
    page.locator(f'#people-found a[href$="?person={world.member_a1.pk}"]').click()
    expect(page.locator("#subject-heading")).to_contain_text("Märta Malm")
    rows = page.locator("#audit-rows tbody tr")
    staff_read = rows.filter(has_text=personas.staff.email)
    expect(staff_read).to_have_count(1)
    expect(staff_read).to_contain_text("Märta Malm")
    assert_accessible(page)
