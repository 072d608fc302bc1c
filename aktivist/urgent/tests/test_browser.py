"""Journey 5 in a real Chromium on a phone-sized screen: Leila, the duty officer, opens
"new urgent action", fills in the case, sees what the network will get, sends it by email
and SMS, and watches the case's progress page reach 100 %. axe-core checks every page."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from aktivist.conftest import assert_accessible
from aktivist.core import sms
from aktivist.mobilization.models import Mobilization
from aktivist.mobilization.tests.test_browser import htmx_idle, log_in
from aktivist.urgent.models import UrgentCase
from aktivist.urgent.tests.factories import UrgentTemplateFactory, network_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(chromium_browser, live_server):
    context = chromium_browser.new_context(
        viewport={"width": 375, "height": 740}, base_url=live_server.url, locale="en-GB"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_the_duty_officer_sends_an_urgent_action_and_watches_it_go_out(
    page, live_server, personas, settings
):
    settings.SMS_QUIET_HOURS = (21, 8)  # urgent: the quiet hours do not hold it back
    UrgentTemplateFactory(name="Detained", approved_by=personas.admin)
    network_member(email="karin@example.org", mobile="+46701000041")
    network_member(email="nils@example.org")
    network_member(mobile="+46701000042")
    log_in(page, live_server, personas.staff)

    page.goto("/urgent/")
    assert_accessible(page)
    page.get_by_role("link", name="New urgent action").click()
    page.wait_for_url(re.compile(r"/urgent/new/$"))
    expect(page.locator("main")).to_contain_text("2 by email, 2 by SMS")
    page.get_by_label("Title (Swedish)").fill("Frige Leyla")
    page.get_by_label("Case summary (Swedish)").fill(
        "Leyla greps i natt för en tweet och riskerar tortyr."
    )
    htmx_idle(page)
    preview = page.locator("#case-preview")
    expect(preview).to_contain_text("Blixtaktion: Frige Leyla. Agera:")
    expect(preview).to_contain_text("Leyla greps i natt")
    expect(page.locator("#sms-parts")).to_contain_text("1 part (GSM-7)")
    assert_accessible(page)
    page.get_by_role("button", name="Send to the network now").click()

    page.wait_for_url(re.compile(r"/urgent/\d+/$"))
    progress = page.locator("#case-progress")
    expect(progress).to_contain_text("100 % done · 2 sent")
    expect(progress.locator("progress").first).to_have_attribute("value", "100")
    expect(progress).to_contain_text("Goes at")  # the follow-up, four hours on
    expect(page.locator("#case-report")).to_contain_text("Reached")
    assert_accessible(page)

    case = UrgentCase.objects.get()
    assert case.email_mobilization.status == Mobilization.Status.DONE
    assert case.sms_mobilization.status == Mobilization.Status.DONE
    assert sorted(m.to[0] for m in mail.outbox) == ["karin@example.org", "nils@example.org"]
    assert sorted(to for to, _b in sms.get_transport().outbox) == ["+46701000041", "+46701000042"]

    # The action page the network is sent to is live, with the case's words.
    page.goto(f"/a/{case.action.slug}/?lang=en")
    expect(page.locator("main")).to_contain_text("Leyla greps i natt")
    assert_accessible(page)


def test_on_a_phone_the_preview_of_an_example_person_comes_before_the_send_button(
    chromium_browser, live_server, personas
):
    UrgentTemplateFactory(name="Detained", approved_by=personas.admin)
    network_member(email="karin.lindqvist@example.org", first_name="Karin", last_name="Lindqvist")
    context = chromium_browser.new_context(
        viewport={"width": 360, "height": 740}, base_url=live_server.url, locale="sv-SE"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, live_server, personas.staff)
        page.goto("/urgent/new/")
        page.locator("#id_title_sv").fill("Frige Leyla")
        page.locator("#id_summary_sv").fill(
            "Leyla greps i natt; människorättsförsvararorganisationernas "
            "samordningsansvariga larmar."
        )
        htmx_idle(page)
        preview = page.locator("#case-preview")
        expect(preview).to_contain_text("Amir Karimi")  # the example person
        expect(preview).not_to_contain_text("Karin")
        send = page.locator("button[form=case-form][type=submit]")
        preview_top = preview.bounding_box()["y"]
        send_top = send.bounding_box()["y"]
        assert preview_top < send_top
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        send.click()  # the button outside the form still sends it
        page.wait_for_url(re.compile(r"/urgent/\d+/$"))
        assert UrgentCase.objects.get().title == "Frige Leyla"
    finally:
        context.close()
