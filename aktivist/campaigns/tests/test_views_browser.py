"""Journey 1 on a phone: Sara at the secretariat creates the summer campaign under this
year's priority, adds a petition in Swedish and English with a goal of 20,000 and finds the
link to share — in a real Chromium, with axe-core on the campaign list and the action page.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from aktivist.campaigns.models import Action, Campaign
from aktivist.campaigns.tests.factories import ParticipationFactory, PriorityFactory
from aktivist.conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, user) -> None:
    """The staff account's session (two-factor verified) handed to the browser."""
    client = login(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_sara_opens_the_summer_campaign_on_her_phone(phone_page, live_server, personas, world):
    page = phone_page
    priority = PriorityFactory(name="Flyktingars rätt")
    _log_in(page, live_server, personas.staff)

    page.goto("/campaigns/")
    assert_accessible(page)
    page.locator("a[href='/campaigns/new/']").first.click()
    page.wait_for_url("**/campaigns/new/")
    page.fill("#id_name", "Sommar för flyktingars rätt")
    page.select_option("#id_priority", str(priority.pk))
    page.check("input[name=scope][value=national]")
    page.select_option("#id_kind", "summer")
    page.fill("#id_goal", "20000")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(re.compile(r"/campaigns/\d+/$"))
    campaign = Campaign.objects.get(name="Sommar för flyktingars rätt")
    assert campaign.unit == world.national

    page.locator(f"a[href='/campaigns/{campaign.pk}/actions/new/']").click()
    page.fill("#id_title_sv", "Rätten att söka skydd")
    page.fill("#id_title_en", "The right to seek protection")
    page.fill("#id_text_sv", "Skriv under för rätten att söka asyl.")
    page.fill("#id_text_en", "Sign for the right to seek asylum.")
    page.fill("#id_goal", "20000")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(re.compile(r"/campaigns/actions/\d+/$"))
    action = Action.objects.get(campaign=campaign)

    link = page.locator("#public-url").input_value()
    assert re.search(r"/a/ratten-att-soka-skydd/$", link)
    ParticipationFactory.create_batch(3, action=action)
    page.reload()
    assert page.locator(".live-count__value").inner_text() == "3"
    assert page.locator("svg.chart__svg").count() == 2
    assert_accessible(page)

    page.goto("/campaigns/")
    assert page.get_by_text("Sommar för flyktingars rätt").is_visible()
    assert_accessible(page)
