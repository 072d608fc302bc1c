"""The secretariat's start page with its pool of follow-ups, on a phone, through axe-core."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from aktivist.conftest import assert_accessible, login
from aktivist.people.tests.factories import InteractionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_start_page_with_the_pool_is_accessible_and_done_updates_it(
    phone_page, live_server, world, personas
):
    today = timezone.localdate()
    InteractionFactory(
        person=world.member_a1, follow_up_due=today + dt.timedelta(days=1), outcome="Ring"
    )
    InteractionFactory(
        person=world.home_b,
        follow_up_owner=personas.staff,
        follow_up_due=today - dt.timedelta(days=1),
    )
    client = login(Client(), personas.staff)
    page = phone_page
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto("/")
    pool = page.locator("#secretariat-follow-ups")
    pool.get_by_role("link", name=world.member_a1.full_name).wait_for()
    assert_accessible(page)

    pool.locator("button").click()
    page.locator("#follow-ups [role=status]").wait_for()
    assert page.locator("#secretariat-follow-ups li").count() == 0
    assert_accessible(page)
