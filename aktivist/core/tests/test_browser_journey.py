"""A district representative, on a phone, finds a person by a phone number typed in another
format, adds a note and ends a role — in a real Chromium, with axe-core on every page."""

from __future__ import annotations

import re

import pytest

from aktivist.conftest import assert_accessible, browser_log_in
from aktivist.organisation.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_district_representative_finds_a_person_adds_a_note_and_ends_a_role(
    phone_page, world, personas
):
    page = phone_page
    person = world.role_a1
    person.mobile = "+46701234567"
    person.save(update_fields=["mobile"])
    role = Role.objects.get(person=person)

    page.goto("/")
    assert "/accounts/login/" in page.url
    assert_accessible(page)
    # The email in capitals; then the code from the authenticator app.
    browser_log_in(page, personas.district_a, username=personas.district_a.email.upper())
    page.wait_for_url(re.compile(r"/$"))
    assert_accessible(page)

    page.goto("/people/")
    assert_accessible(page)
    page.fill("input[name=q]", "070-123 45 67")
    page.press("input[name=q]", "Enter")
    result = page.locator("#results a", has_text=person.last_name)
    result.first.wait_for()
    assert page.locator("#results").get_by_text(world.member_b1.last_name).count() == 0
    result.first.click()
    page.wait_for_url(f"**/people/{person.pk}/")
    assert_accessible(page)

    page.locator("#timeline details > summary").click()
    page.fill("textarea[name=interaction-text]", "Ringde inför höstens möte – kommer gärna.")
    page.locator("#timeline details form button[type=submit]").click()
    page.locator("#timeline").get_by_text("Ringde inför höstens möte").wait_for()
    assert person.interactions.get().text.startswith("Ringde inför höstens möte")

    page.locator(f"#roles form[action$='/roles/{role.pk}/end/'] button").click()
    page.locator("#former-roles-heading").wait_for()
    role.refresh_from_db()
    assert role.ended_on is not None
    assert_accessible(page)

    # Reloaded from the server, the page shows the same: the note and the former role.
    page.reload()
    assert page.locator("#timeline").get_by_text("Ringde inför höstens möte").count() == 1
    assert page.locator("#former-roles-heading").count() == 1
