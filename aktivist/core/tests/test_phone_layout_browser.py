"""Pages on a phone 360 px wide (the narrowest common Android screen) in a real Chromium:
long Swedish words never make a page scroll sideways, and the staff menu folds away."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from aktivist.conftest import assert_accessible
from aktivist.mobilization.models import Mobilization
from aktivist.mobilization.tests.factories import MessageFactory, MobilizationFactory
from aktivist.mobilization.tests.test_browser import log_in
from aktivist.urgent import services as urgent_services
from aktivist.urgent.case_messages import CaseText
from aktivist.urgent.tests.factories import UrgentTemplateFactory, network_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
# Real compounds as people write them: one word wider than a 360 px screen.
LONG = "Människorättsorganisationens Kvinnofridsbrottsförebyggandeverksamhetsinformationen"


@pytest.fixture
def phone(chromium_browser, live_server):
    context = chromium_browser.new_context(viewport=PHONE, base_url=live_server.url, locale="sv-SE")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sideways_overflow(page) -> int:
    """How many pixels the page is wider than the screen (0: nothing to scroll sideways)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def assert_fits(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.clientWidth") <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (
        f"{url} scrolls sideways by {sideways_overflow(page)} px"
    )


def test_an_urgent_action_with_long_swedish_words_fits_a_phone(
    phone, live_server, personas, settings
):
    settings.SMS_QUIET_HOURS = ()
    settings.MOBILIZATION_APPROVAL_THRESHOLD = 1
    network_member(email="karin@example.org", mobile="+46701000041")
    case = urgent_services.case_open_and_send(
        actor=personas.staff,
        template=UrgentTemplateFactory(approved_by=personas.staff),
        case=CaseText(
            title_sv=f"Frige {LONG}",
            title_en="Free the journalist",
            summary_sv=f"{LONG} greps i natt för en tweet och riskerar tortyr.",
            summary_en="Arrested last night for a tweet.",
            deadline=timezone.now() + dt.timedelta(days=2),
        ),
    )

    # The public action page the network is sent to, and the case's page for the secretariat.
    assert_fits(phone, f"/a/{case.action.slug}/")
    expect(phone.locator("main")).to_contain_text("greps i natt")
    log_in(phone, live_server, personas.staff)
    assert_fits(phone, f"/urgent/{case.pk}/")
    expect(phone.locator("#case-progress")).to_be_visible()


def test_a_mobilization_progress_page_with_long_swedish_words_fits_a_phone(
    phone, live_server, personas
):
    mobilization = MobilizationFactory(
        name=f"Utskick {LONG}",
        message=MessageFactory(name=LONG, subject_sv=f"{LONG}, skriv under!"),
        status=Mobilization.Status.DONE,
        created_by=personas.staff,
    )
    log_in(phone, live_server, personas.staff)
    assert_fits(phone, f"/mobilizations/{mobilization.pk}/")
    expect(phone.locator("h1")).to_contain_text("Utskick")
    assert_fits(phone, "/mobilizations/")


def test_the_staff_menu_folds_away_on_a_phone_and_opens_on_a_tap(
    phone, live_server, personas, chromium_browser
):
    log_in(phone, live_server, personas.staff)
    assert_fits(phone, "/")
    menu = phone.locator("nav.main-nav")
    people = menu.get_by_role("link", name="Personer")
    expect(people).to_be_hidden()
    header = phone.locator("header.site-header").bounding_box()
    assert header is not None and header["height"] <= 0.2 * PHONE["height"], header

    assert_accessible(phone)
    phone.get_by_text("Meny", exact=True).click()
    expect(people).to_be_visible()
    assert sideways_overflow(phone) <= 0
    assert_accessible(phone)
    people.click()
    expect(phone).to_have_url(f"{live_server.url}/people/")

    # On a wide screen the menu is simply there: no "Menu" to open.
    wide = chromium_browser.new_context(
        viewport={"width": 1280, "height": 800}, base_url=live_server.url, locale="sv-SE"
    )
    try:
        page = wide.new_page()
        log_in(page, live_server, personas.staff)
        page.goto("/")
        expect(page.locator("nav.main-nav").get_by_role("link", name="Personer")).to_be_visible()
        expect(page.get_by_text("Meny", exact=True)).to_be_hidden()
    finally:
        wide.close()
