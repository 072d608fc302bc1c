"""Secretariat staff, on a phone, erase a person from her page: the button, the confirmation
page that says what is kept and what goes, the reason, and back to the people list — in a
real Chromium, with axe-core on the confirmation page."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from aktivist.campaigns.tests.factories import ParticipationFactory
from aktivist.conftest import assert_accessible, login
from aktivist.people.models import Person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def _log_in(page, live_server, user) -> None:
    """The staff account's session (two-factor verified) handed to the browser."""
    client = login(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_staff_erase_a_person_from_her_page_on_a_phone(phone_page, live_server, personas, world):
    page = phone_page
    person = world.member_a1
    ParticipationFactory(person=person)
    _log_in(page, live_server, personas.staff)

    page.goto(f"/people/{person.pk}/")
    page.get_by_role("link", name=re.compile("Erase this person|Radera den här personen")).click()
    page.wait_for_url(f"**/privacy/people/{person.pk}/erase/")
    assert_accessible(page)
    page.get_by_label(re.compile("Why is the person erased|Varför raderas")).select_option(
        "not_needed"
    )
    page.get_by_role("button", name=re.compile("Erase Märta Malm|Radera Märta Malm")).click()
    page.wait_for_url("**/people/")
    page.locator(".message--success").wait_for()

    tombstone = Person.objects.get(pk=person.pk)
    assert not tombstone.is_active and tombstone.first_name == ""
    assert tombstone.participations.count() == 1
