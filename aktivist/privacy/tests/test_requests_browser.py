"""The data-protection officer on a phone: registers a request, checks the requester's
identity, extends the deadline, then looks at retention and the records of processing.
axe-core checks every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from aktivist.conftest import assert_accessible
from aktivist.mobilization.tests.test_browser import log_in
from aktivist.privacy.models import DataSubjectRequest

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


def test_the_officer_registers_and_follows_a_request_on_a_phone(page, live_server, personas):
    log_in(page, live_server, personas.dpo)
    page.goto("/privacy/requests/")
    assert_accessible(page)
    page.get_by_role("link", name="Register a request").click()
    page.wait_for_url(re.compile(r"/privacy/requests/new/$"))
    assert_accessible(page)
    page.get_by_label("Request:", exact=True).select_option("access")
    page.get_by_label("Received by").select_option("letter")
    page.get_by_label("Requester's name").fill("Folke Fors")
    page.get_by_label("Requester's email, phone or address").fill("folke@example.org")
    page.get_by_role("button", name="Register the request").click()

    page.wait_for_url(re.compile(r"/privacy/requests/\d+/$"))
    item = DataSubjectRequest.objects.get()
    expect(page.locator("main")).to_contain_text(item.due_on.isoformat())
    expect(page.locator("main")).to_contain_text("The secretariat finds the person")
    assert_accessible(page)
    page.get_by_label("How was the identity checked?").fill("Letter signed, address on file")
    page.get_by_role("button", name="Identity checked").click()
    expect(page.locator(".messages")).to_contain_text("The identity check is recorded.")
    page.get_by_label("Extend by").select_option("1")
    page.get_by_label("Reason (the requester is told)").fill("Data in several systems")
    page.get_by_role("button", name="Extend").click()
    expect(page.locator(".messages")).to_contain_text("The deadline is extended.")
    assert_accessible(page)
    item.refresh_from_db()
    assert item.status == DataSubjectRequest.Status.IDENTITY_CHECKED
    assert item.extended_to is not None

    page.goto("/privacy/requests/")
    expect(page.locator("main")).to_contain_text("Folke Fors")

    page.goto("/privacy/retention/")
    expect(page.locator("main")).to_contain_text("Non-members who do nothing")
    assert_accessible(page)
    page.goto("/privacy/records/")
    expect(page.locator("main")).to_contain_text("Records of processing activities")
    assert_accessible(page)
