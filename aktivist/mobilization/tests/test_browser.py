"""Journeys 1 and 6 in a real Chromium on a phone-sized screen: a staff member builds a
segment (the live count answers), writes an email with merge fields (the live preview
answers), sends it to the segment and watches the progress page finish. Then a recipient
opens the preference centre and the one-click unsubscribe page from the email. axe-core
checks every page on the way."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from aktivist.conftest import assert_accessible, login
from aktivist.mobilization.models import Delivery, Mobilization
from aktivist.people.models import Consent, Person
from aktivist.people.tests.factories import ConsentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(chromium_browser, live_server):
    """A phone-sized page (375×740) in English, so the test reads the English labels."""
    context = chromium_browser.new_context(
        viewport={"width": 375, "height": 740}, base_url=live_server.url, locale="en-GB"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def htmx_idle(page) -> None:
    """Wait until htmx has swapped and settled what it fetched (it then binds new content)."""
    expect(page.locator(".htmx-request, .htmx-settling, .htmx-swapping")).to_have_count(0)
    page.wait_for_timeout(50)


def log_in(page, live_server, user) -> None:
    client = login(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_build_a_segment_write_an_email_send_it_and_watch_it_finish(
    page, live_server, personas, world
):
    for person in (world.member_a1, world.role_a1, world.home_b):
        Person.objects.filter(pk=person.pk).update(language="en")
        ConsentFactory(person=person, status=Consent.Status.CONFIRMED, confirmed_at=timezone.now())
    log_in(page, live_server, personas.staff)

    # The segment: English speakers, with the live count.
    page.goto("/segments/new/")
    assert_accessible(page)
    page.get_by_label("Name", exact=True).fill("English speakers")
    page.get_by_label("Condition", exact=True).select_option(label="Language")
    htmx_idle(page)
    page.locator("select[name='r.0-v-language']").select_option("en")
    expect(page.locator("#segment-count")).to_contain_text("3 people")
    page.get_by_role("button", name="Add a condition").click()
    htmx_idle(page)
    page.locator("select[name='r.1-key']").select_option(label="Membership status")
    htmx_idle(page)
    page.get_by_label("Former member").check()
    page.locator("input[name='r.1-not']").check()  # not former members
    expect(page.locator("#segment-count")).to_contain_text("3 people")
    assert_accessible(page)
    page.get_by_role("button", name="Save the segment").click()
    page.wait_for_url(re.compile(r"/segments/\d+/$"))
    expect(page.locator("main")).to_contain_text("English speakers")

    # The message, with its live preview as one of the recipients.
    page.goto("/mobilizations/messages/new/")
    page.get_by_label("Name", exact=True).fill("Autumn call")
    page.get_by_label("Subject (Swedish)").fill("Hej {{ first_name | vän }}")
    page.get_by_label("Text (Swedish)").fill("Hej **{{ first_name | vän }}**, kom med!")
    page.get_by_label("Subject (English)").fill("Hello {{ first_name | friend }}")
    page.get_by_label("Text (English)").fill(
        "Hello **{{ first_name | friend }}**, join {{ local_group | your local group }}!"
    )
    page.get_by_label("Preview as (name or email of someone you can see)").fill("Märta")
    page.get_by_label("English", exact=True).check()
    expect(page.locator("#preview")).to_contain_text("Hello Märta, join Grupp Malmö!")
    assert_accessible(page)
    page.get_by_role("button", name="Save and send it").click()

    # The mobilization: the message is chosen already; choose the segment, then send.
    page.wait_for_url(re.compile(r"/mobilizations/new/\?message=\d+"))
    page.get_by_label("Name", exact=True).fill("Autumn call to English speakers")
    page.get_by_label("To (segment)").select_option(label="English speakers")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r"/mobilizations/\d+/$"))
    expect(page.locator("#reach")).to_contain_text("3 people would get it now")
    assert_accessible(page)
    page.get_by_role("button", name="Send", exact=True).click()

    # The progress page: finished, every message sent.
    expect(page.locator("#progress")).to_contain_text("Done")
    expect(page.locator("#progress")).to_contain_text("100 % done")
    assert_accessible(page)
    mobilization = Mobilization.objects.get(name="Autumn call to English speakers")
    assert mobilization.status == Mobilization.Status.DONE
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        p.email for p in (world.member_a1, world.role_a1, world.home_b)
    )
    assert all(m.subject.startswith("Hello ") for m in mail.outbox)

    # A recipient opens the links of their email.
    delivery = Delivery.objects.get(mobilization=mobilization, person=world.member_a1)
    html = mail.outbox[0].alternatives[0][0]
    preferences_url = re.search(r'href="(https?://[^"]+/p/[^"]+/)"', html)
    assert preferences_url is not None
    page.context.clear_cookies()
    message = next(m for m in mail.outbox if m.to == [world.member_a1.email])
    unsubscribe = re.search(
        r"<https?://[^/]+(/u/[^>]+)>", message.extra_headers["List-Unsubscribe"]
    )
    assert unsubscribe is not None
    page.goto(unsubscribe.group(1) + "?lang=en")
    assert_accessible(page)
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.locator("main")).to_contain_text("You are unsubscribed")
    assert_accessible(page)
    assert world.member_a1.consents.get().status == Consent.Status.WITHDRAWN
    page.get_by_role("link", name="Choose what we send you").click()
    expect(page.locator("h1")).to_contain_text("What we send you")
    assert_accessible(page)
    page.get_by_label("Campaigns, calls to action and news by email").check()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.locator("main")).to_contain_text("Your choices are saved.")
    assert world.member_a1.consents.get().status == Consent.Status.CONFIRMED
    assert delivery.pk
