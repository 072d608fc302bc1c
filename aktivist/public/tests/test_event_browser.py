"""On a phone: find an event in the calendar, sign up, see the thank-you page, cancel by
the email's link; the event page, its thank-you page, the cancel page and the calendar pass
axe-core (WCAG 2.1 AA)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from aktivist.conftest import assert_accessible
from aktivist.programmes.models import Programme, Registration
from aktivist.programmes.tests.factories import EventFactory, ProgrammeFactory, RegistrationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_signs_up_for_an_event_on_a_phone_and_cancels(phone_page, world):
    page = phone_page
    starts = timezone.now() + dt.timedelta(days=10)
    EventFactory(
        title="Introduktionskväll",
        slug="intro-malmo",
        description="Kom och träffa gruppen.\n\nVi bjuder på fika.",
        unit=world.group_a1,
        programme=ProgrammeFactory(kind=Programme.Kind.RECRUITMENT_MEETING),
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        capacity=12,
        for_young_people=True,
        guardian_required_under_18=True,
    )
    EventFactory(title="Annat möte", unit=world.group_b1, starts_at=starts)

    # The calendar, Swedish by default; filtered by district.
    page.goto("/events/")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert_accessible(page)
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"lang=en"))
    page.get_by_label("District").select_option(label="Distrikt Skåne")
    page.get_by_role("button", name="Show events").click()
    page.wait_for_url(re.compile(r"district="))
    assert page.get_by_role("link", name="Annat möte").count() == 0
    assert_accessible(page)
    page.get_by_role("link", name="Introduktionskväll").click()

    # The event page.
    page.wait_for_url(re.compile(r"/e/intro-malmo/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Introduktionskväll"
    assert page.locator("#event-seats").inner_text() == "Places available"
    assert_accessible(page)

    # An under-18 without a guardian first: the error stands by the field.
    page.get_by_label("First name", exact=True).fill("Amira")
    page.get_by_label("Email", exact=True).fill("amira@example.org")
    page.get_by_label("Age group", exact=True).select_option("13-17")
    page.get_by_role("button", name="Sign up").click()
    page.locator("#id_guardian_contact_error").wait_for()
    assert page.get_by_label("First name", exact=True).input_value() == "Amira"
    assert_accessible(page)
    page.get_by_label("Parent's or guardian's name").fill("Sara Haddad")
    page.get_by_label("Parent's or guardian's phone number or email").fill("070-123 45 67")
    page.get_by_role("button", name="Sign up").click()

    # The thank-you page.
    page.wait_for_url(re.compile(r"/thanks/\?t="))
    assert page.get_by_role("heading", level=1).inner_text() == "You are signed up!"
    assert page.get_by_role("link", name=re.compile("Add to my calendar")).count() == 1
    assert_accessible(page)
    registration = Registration.objects.get(person__email="amira@example.org")
    assert registration.status == Registration.Status.REGISTERED
    assert registration.guardian_name == "Sara Haddad"

    # The cancel link of the confirmation email: opening it cancels nothing.
    link = re.search(r"https?://\S+/cancel/\S+/\?lang=en", mail.outbox[0].body).group(0)
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    assert page.get_by_role("heading", level=1).inner_text() == "Cancel your place?"
    assert_accessible(page)
    page.get_by_role("button", name="Yes, cancel my place").click()
    page.get_by_text("Your registration is cancelled.").wait_for()
    assert_accessible(page)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED


def test_a_full_and_a_closed_event_are_accessible(phone_page, world):
    page = phone_page
    full = EventFactory(title="Full training", capacity=1, unit=world.group_a1)
    RegistrationFactory(event=full)
    page.goto(f"/e/{full.slug}/?lang=en")
    assert page.get_by_role("heading", name="Join the waiting list").count() == 1
    assert_accessible(page)
    page.get_by_label("First name", exact=True).fill("Bo")
    page.get_by_label("Email", exact=True).fill("bo@example.org")
    page.get_by_label("Birth year", exact=True).fill("1990")
    page.get_by_role("button", name="Join the waiting list").click()
    page.wait_for_url(re.compile(r"/thanks/\?t="))
    assert page.get_by_role("heading", level=1).inner_text() == "You are on the waiting list"
    assert_accessible(page)

    closed = EventFactory(title="Cancelled seminar", cancelled_at=timezone.now())
    page.goto(f"/e/{closed.slug}/?lang=en")
    page.get_by_text("This event has been cancelled.").wait_for()
    assert page.locator("form.sign-form").count() == 0
    assert_accessible(page)
