"""Secretariat staff, on a phone, open the duplicate queue, compare a pair, pick the other
person's first name and merge — in a real Chromium, with axe-core on each page."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from aktivist.conftest import assert_accessible, login
from aktivist.imports.models import DuplicateCandidate
from aktivist.people.models import Person
from aktivist.people.tests.factories import PersonFactory

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


def test_staff_compare_a_pair_on_a_phone_and_merge_it(phone_page, live_server, personas):
    page = phone_page
    a = PersonFactory(
        first_name="Sara", last_name="Nilsson", email="sara.nilsson@hotmail.com", mobile=None
    )
    b = PersonFactory(
        first_name="Sarah", last_name="Nilsson", email="sara.nilsson@hotmial.com", city="Lund"
    )
    candidate = DuplicateCandidate.objects.create(
        person_a=a, person_b=b, reason="email_variant", score=90
    )
    _log_in(page, live_server, personas.staff)

    page.goto("/imports/duplicates/")
    assert_accessible(page)
    page.locator(f"a[href$='/imports/duplicates/{candidate.pk}/']").click()
    page.wait_for_url(f"**/imports/duplicates/{candidate.pk}/")
    assert_accessible(page)
    # On a phone the table stacks: each choice is still one tap target with its label.
    page.locator("label[for=choice_first_name_b]").click()
    assert page.locator("#choice_first_name_b").is_checked()
    page.get_by_role("button", name=re.compile("Slå ihop till A|Merge into A")).click()
    page.wait_for_url("**/imports/duplicates/")
    page.locator(".message--success").wait_for()
    assert_accessible(page)

    kept = Person.objects.get(pk=a.pk)
    assert kept.first_name == "Sarah" and kept.city == "Lund"
    assert not Person.objects.filter(pk=b.pk).exists()
