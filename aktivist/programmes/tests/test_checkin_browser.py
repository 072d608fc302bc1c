"""Journey 4 at the door, in a real Chromium on a phone-sized screen: Amir signs up for
the recruitment meeting on its public page; Johan, coordinator of the organising group,
finds him on the check-in list with the search, checks him in with one tap (and a
mistaken second tap is undone with another), and adds a walk-in. Then Per opens the
red-thread report. axe-core checks the check-in list and the report."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from aktivist.conftest import assert_accessible, login
from aktivist.programmes.models import Programme, Registration
from aktivist.programmes.tests.factories import (
    EventFactory,
    ProgrammeFactory,
    RegistrationFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def thumb_page(chromium_browser, live_server):
    """The conftest's phone (375×740, Swedish) with a touch screen, so the test taps."""
    context = chromium_browser.new_context(
        viewport={"width": 375, "height": 740},
        base_url=live_server.url,
        locale="sv-SE",
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _log_in(page, live_server, user) -> None:
    """The staff account's session (two-factor verified) handed to the browser."""
    page.context.clear_cookies()
    client = login(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_johan_checks_people_in_at_the_door_with_one_thumb(
    thumb_page, live_server, personas, world
):
    page = thumb_page
    meeting = ProgrammeFactory(name="Rekryteringsträff", kind=Programme.Kind.RECRUITMENT_MEETING)
    starts = timezone.now() + dt.timedelta(hours=1)
    event = EventFactory(
        unit=world.group_a1,
        programme=meeting,
        title="Rekryteringsträff i Malmö",
        slug="rekrytering-malmo",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
    )

    # Amir signs up on the public page.
    page.goto(f"/e/{event.slug}/?lang=en")
    page.get_by_label("First name", exact=True).fill("Amir")
    page.get_by_label("Last name", exact=True).fill("Haddad")
    page.get_by_label("Email", exact=True).fill("amir.haddad@example.org")
    page.get_by_label("Birth year", exact=True).fill("2008")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r"/thanks/"))
    registration = Registration.objects.get(event=event, person__email="amir.haddad@example.org")
    assert registration.status == Registration.Status.REGISTERED

    RegistrationFactory(event=event, person=world.member_a1)  # Märta signed up too

    # Johan opens the check-in list on his phone.
    _log_in(page, live_server, personas.coordinator_a1)
    page.goto(f"/programmes/events/{event.pk}/checkin/")
    row = page.locator(f"#checkin-{registration.pk}")
    assert row.locator(".checkin-button__name").inner_text() == "Amir Haddad"
    box = row.locator("button").bounding_box()
    assert box is not None and box["height"] >= 48 and box["width"] >= 300  # a thumb's target
    assert_accessible(page)

    # Search as you type, then one tap.
    assert page.locator("#checkin-list .checkin-row").count() == 2
    page.locator("#checkin-q").fill("ami")
    expect(page.locator("#checkin-list .checkin-row")).to_have_count(1)
    row.locator("button").tap()
    page.locator(f"#checkin-{registration.pk} button[aria-pressed='true']").wait_for()
    assert "1" in page.locator("#checkin-counts").inner_text()
    registration.refresh_from_db()
    assert registration.status == Registration.Status.ATTENDED

    # A mistaken second tap takes it back; a third checks him in again.
    page.locator(f"#checkin-{registration.pk} button").tap()
    page.locator(f"#checkin-{registration.pk} button[aria-pressed='false']").wait_for()
    page.locator(f"#checkin-{registration.pk} button").tap()
    page.locator(f"#checkin-{registration.pk} button[aria-pressed='true']").wait_for()

    # A walk-in.
    page.locator("#checkin-q").fill("")
    page.locator("#walk-in summary").tap()
    page.locator("#walk-in-first_name").fill("Sara")
    page.locator("#walk-in-last_name").fill("Lind")
    page.locator("#walk-in-mobile").fill("070-765 43 21")
    page.locator("#walk-in button[type=submit]").tap()
    page.locator("#walk-in .message--success").wait_for()
    assert "Sara Lind" in page.locator("#walk-in .message--success").inner_text()
    page.get_by_text("Sara Lind", exact=True).wait_for()
    walk_in = Registration.objects.get(event=event, person__mobile="+46707654321")
    assert walk_in.status == Registration.Status.ATTENDED
    assert walk_in.source == Registration.Source.WALK_IN
    assert_accessible(page)

    # Per, at the secretariat, opens the red-thread report.
    _log_in(page, live_server, personas.staff)
    today = timezone.localdate().isoformat()
    page.goto(f"/programmes/reports/red-thread/?start={today}&end={today}")
    assert page.locator("table.red-thread").is_visible()
    assert_accessible(page)
