"""On a phone: a group coordinator finds her group's training among the events, signs a
member up from the event page (live search), cancels another's registration and sees who
got the seat from the waiting list — in a real Chromium, with axe-core on the events list,
the event page and the programmes."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from aktivist.conftest import assert_accessible, login
from aktivist.programmes.models import Registration
from aktivist.programmes.tests.factories import (
    EventFactory,
    ProgrammeFactory,
    RegistrationFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, user) -> None:
    client = login(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_coordinator_manages_sign_ups_on_her_phone(phone_page, live_server, personas, world):
    page = phone_page
    first = ProgrammeFactory(name="Rekryteringsmöte", kind="recruitment_meeting")
    training = ProgrammeFactory(name="Kampanjutbildning", kind="campaign_training")
    first.next_steps.set([training])
    event = EventFactory(
        unit=world.group_a1,
        programme=training,
        title="Kampanjutbildning i Malmö",
        capacity=1,
        for_young_people=True,
    )
    EventFactory(unit=world.group_b1, title="Umeåträffen")
    seat = RegistrationFactory(event=event, person=world.home_a)  # Hanna
    RegistrationFactory(event=event, person=world.role_a1, status="waitlisted")  # Rut
    _log_in(page, live_server, personas.coordinator_a1)

    page.goto("/programmes/events/")
    assert page.get_by_text("Kampanjutbildning i Malmö").is_visible()
    assert page.get_by_text("Umeåträffen").count() == 0
    assert_accessible(page)

    page.get_by_role("link", name="Kampanjutbildning i Malmö").click()
    page.wait_for_url(f"**/programmes/events/{event.pk}/")
    assert page.locator("#public-url").input_value().endswith(f"/e/{event.slug}/")
    assert_accessible(page)

    # Cancel Hanna's registration: Rut gets the seat, and the page says so.
    page.on("dialog", lambda dialog: dialog.accept())
    page.locator(f"form[action$='/registrations/{seat.pk}/cancel/'] button[type=submit]").click()
    page.locator("#registrations .message--success").wait_for()
    notice = page.locator("#registrations .message--success").inner_text()
    assert "Rut Roos" in notice
    assert Registration.objects.get(person=world.role_a1).status == "registered"
    assert_accessible(page)

    # Sign up Märta through the live search: the event is full, so she waits.
    page.fill("#id_q", "Malm")
    page.locator("#add-results li").first.wait_for()
    with page.expect_navigation():
        page.locator("#add-results button[type=submit]").first.click()
    assert Registration.objects.get(person=world.member_a1).status == "waitlisted"
    assert page.locator(".messages").inner_text().strip() != ""
    assert_accessible(page)

    page.goto("/programmes/")
    assert page.get_by_role("link", name="Rekryteringsmöte").is_visible()
    assert_accessible(page)
