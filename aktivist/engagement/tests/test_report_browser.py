"""The engagement report and the person card on a phone, checked with axe-core."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from aktivist.conftest import assert_accessible, login
from aktivist.engagement import services
from aktivist.engagement.models import EngagementSnapshot, SnapshotMonth

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, user) -> None:
    client = login(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_staff_read_the_ladder_report_and_a_person_card_on_a_phone(
    phone_page, live_server, personas, world
):
    page = phone_page
    services.recompute_all()
    now = timezone.now()
    for month in (dt.date(2026, 2, 1), dt.date(2026, 3, 1)):
        SnapshotMonth.objects.create(month=month, taken_at=now)
        EngagementSnapshot.objects.create(person=world.role_a1, month=month, level=5)
    _log_in(page, live_server, personas.district_a)

    page.goto("/engagement/")
    assert page.locator("h1").inner_text()  # Swedish by default; the page renders
    assert page.locator("table.data").count() == 2
    assert_accessible(page)
    page.select_option("#id_earlier", "2026-02")
    page.select_option("#id_later", "2026-03")
    page.locator("#main form button[type=submit]").click()
    page.wait_for_url("**/engagement/?earlier=2026-02&later=2026-03")
    assert_accessible(page)

    page.goto(f"/people/{world.role_a1.pk}/")
    card = page.locator("#engagement")
    assert "5" in card.locator("strong").inner_text()
    assert_accessible(page)
