"""The hand-over page on a phone: readable, accessible, and its downloads work."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from aktivist.campaigns.models import Campaign
from aktivist.campaigns.tests.factories import ActionFactory, CampaignFactory, ParticipationFactory
from aktivist.conftest import assert_accessible, login
from aktivist.core.models import AuditEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_open_the_handover_on_a_phone_and_download_it(
    phone_page, live_server, personas, world
):
    action = ActionFactory(
        campaign=CampaignFactory(unit=world.national, scope=Campaign.Scope.NATIONAL),
        title_sv="Frige journalisterna",
        target_name="Ambassadören",
    )
    ParticipationFactory(action=action, person=world.home_a, named=True)
    ParticipationFactory(action=action, person=world.member_b1)
    client = login(Client(), personas.staff)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    phone_page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )

    phone_page.goto(f"/campaigns/actions/{action.pk}/handover/")
    phone_page.get_by_role("heading", level=1).wait_for()
    assert "Frige journalisterna" in phone_page.title()
    assert_accessible(phone_page)
    for link, suffix in ((".csv", ".csv"), (".pdf", ".pdf")):
        with phone_page.expect_download() as info:
            phone_page.locator(f"a[href$='handover{link}']").click()
        assert info.value.suggested_filename.endswith(suffix)
    assert AuditEvent.objects.filter(verb="campaigns.handover_export").count() == 2
