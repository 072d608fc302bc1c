"""The board viewer's pages in a real Chromium on a phone: the engagement ladder, the red
thread and the rapid-response network, with counts under five hidden ("<5", "×" with words
for screen readers) — checked with axe-core."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from aktivist.conftest import assert_accessible, login
from aktivist.engagement import services
from aktivist.urgent.tests.factories import network_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, user) -> None:
    client = login(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_the_board_reads_its_pages_with_small_counts_hidden(
    phone_page, live_server, personas, world
):
    page = phone_page
    services.recompute_all()  # seven people: every level under five
    for n in range(6):
        network_member(email=f"n{n}@example.org", home_unit=world.group_a1)
    _log_in(page, live_server, personas.board)

    for url in ("/engagement/", "/programmes/reports/red-thread/", "/urgent/network/"):
        page.goto(url)
        main = page.locator("#main")
        assert "<5" in main.inner_text(), url
        assert_accessible(page)
    # The network: Skåne's six are shown; Norr and "no district" (none) read "<5".
    assert "6" in page.locator("table.data").first.inner_text()
