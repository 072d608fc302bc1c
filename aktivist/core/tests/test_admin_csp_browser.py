"""The Django admin under our Content Security Policy, in a real Chromium: the browser
reports no violation and the admin's scripts work (they are files that read their settings
from data attributes)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from aktivist.campaigns.channels import channel_create
from aktivist.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_admin_works_under_the_csp(
    chromium_browser: Any, live_server: Any, personas: Any
) -> None:
    channels = [channel_create(actor=personas.admin, name=f"Webb {n}")[0] for n in range(3)]
    cookie = login(Client(), personas.admin).cookies[settings.SESSION_COOKIE_NAME].value
    context = chromium_browser.new_context(base_url=live_server.url, locale="en-GB")
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    try:
        response = page.goto("/admin/campaigns/channel/")
        assert response is not None and response.status == 200
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        # actions.js: "select all" ticks every row and shows the count.
        page.click("#action-toggle")
        assert page.locator("input.action-select:checked").count() == 3
        assert page.locator(".action-counter").inner_text().startswith("3 of 3")

        page.goto(f"/admin/campaigns/channel/{channels[0].pk}/change/")
        page.fill("input[name=name]", "Webb A")
        page.locator("input[name=_continue]").click()
        page.wait_for_load_state()
        assert page.locator("ul.messagelist li.success").count() == 1
        assert page.locator("input[name=name]").input_value() == "Webb A"
        assert refused == []
    finally:
        context.close()
