"""On a phone: open an action, sign, see the thank-you page and the public figure; confirm
the email by the link; every public page passes axe-core (WCAG 2.1 AA)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from aktivist.campaigns.models import Participation
from aktivist.campaigns.tests.factories import ActionFactory, ParticipationFactory
from aktivist.conftest import assert_accessible
from aktivist.people.models import Consent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_signs_on_a_phone_and_confirms_their_email(
    phone_page, world, mailoutbox, settings
):
    page = phone_page
    world.group_a1.email = "malmo@example.org"
    world.group_a1.save(update_fields=["email"])
    action = ActionFactory(
        slug="frige-journalisten",
        title_en="Free the journalist",
        text_en="She has been held without trial for three years.\n\nDemand her release.",
        goal=100,
    )
    ActionFactory(campaign=action.campaign, title_en="Write to the minister")
    ParticipationFactory.create_batch(12, action=action)
    Participation.objects.filter(action=action).update(
        created_at=timezone.now() - dt.timedelta(hours=1)
    )

    # Swedish by default (the phone's language), and accessible.
    page.goto(f"/a/{action.slug}/")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.locator("#action-count strong").inner_text() == "10"  # 12, rounded down
    assert_accessible(page)

    # Switch to English: the same page.
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.locator("h1").inner_text() == "Free the journalist"

    # A mistake first: the error stands by the field and the typed values stay.
    page.get_by_label("First name", exact=True).fill("Amira")
    page.get_by_label("Email", exact=True).fill("amira@")
    page.get_by_role("button", name="Sign").click()
    page.locator("#id_email_error").wait_for()
    assert page.get_by_label("First name", exact=True).input_value() == "Amira"
    assert_accessible(page)

    page.get_by_label("Email", exact=True).fill("amira@example.org")
    page.get_by_label("Postcode (optional)", exact=True).fill("211 45")
    page.get_by_label("Age group", exact=True).select_option("18-25")
    page.get_by_label("Yes, send me news and calls to action by email", exact=False).check()
    page.get_by_role("button", name="Sign").click()

    page.wait_for_url(re.compile(r"/thanks/\?t="))
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you for taking action!"
    # The figure does not move right after a signature (it is recounted every few minutes).
    assert page.locator("#action-count strong").inner_text() == "10"
    assert page.get_by_text("Grupp Malmö").count() == 1
    assert page.get_by_role("link", name="Write to the minister").count() == 1
    assert page.get_by_role("link", name=re.compile("Share on WhatsApp")).count() == 1
    assert_accessible(page)
    assert Participation.objects.filter(action=action).count() == 13

    # The double opt-in link: opening it confirms nothing; the button does.
    link = re.search(r"https?://\S+/confirm/\S+/", mailoutbox[0].body).group(0)
    page.goto(re.sub(r"^https?://[^/]+", "", link) + "?lang=en")
    assert_accessible(page)
    consent = Consent.objects.get(person__email="amira@example.org")
    assert consent.status == Consent.Status.PENDING
    page.get_by_role("button", name="Confirm").click()
    page.get_by_text("your email address is confirmed").wait_for()
    assert_accessible(page)
    consent.refresh_from_db()
    assert consent.status == Consent.Status.CONFIRMED

    page.goto("/privacy/?lang=en")
    assert_accessible(page)


def test_the_embed_the_429_page_and_the_under_13_page_are_accessible(phone_page, settings):
    page = phone_page
    action = ActionFactory(goal=50)

    page.goto(f"/a/{action.slug}/embed/?lang=en")
    assert_accessible(page)

    page.get_by_label("First name", exact=True).fill("Liv")
    page.get_by_label("Email", exact=True).fill("liv@example.org")
    page.get_by_label("Age group", exact=True).select_option("under-13")
    page.get_by_role("button", name="Sign").click()
    page.get_by_text("Nothing you typed in the form has been saved.").wait_for()
    assert_accessible(page)
    assert Participation.objects.count() == 0

    settings.PUBLIC_SIGNATURES_PER_IP_PER_MINUTE = 0
    page.goto(f"/a/{action.slug}/?lang=en")
    page.get_by_label("First name", exact=True).fill("Liv")
    page.get_by_label("Email", exact=True).fill("liv@example.org")
    page.get_by_label("Birth year", exact=True).fill("1990")
    response_status = []
    page.on("response", lambda r: response_status.append(r.status))
    page.get_by_role("button", name="Sign").click()
    page.get_by_role("heading", name="Please wait a moment").wait_for()
    assert 429 in response_status
    assert_accessible(page)
