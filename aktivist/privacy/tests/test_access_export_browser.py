"""Secretariat staff, on a phone, export everything about a person from her page (journey
9's first half): the panel's two downloads — the readable document and the JSON file —
in a real Chromium, with axe-core on the person page."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.test import Client

from aktivist.campaigns.tests.factories import ParticipationFactory
from aktivist.conftest import assert_accessible, login
from aktivist.core.models import AuditEvent
from aktivist.privacy import access

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, user) -> None:
    client = login(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_staff_download_both_files_from_the_person_page_on_a_phone(
    phone_page, live_server, personas, world
):
    page = phone_page
    person = world.former_member_a1
    participation = ParticipationFactory(person=person)
    _log_in(page, live_server, personas.staff)

    page.goto(f"/people/{person.pk}/")
    panel = page.locator("#privacy-access")
    panel.wait_for()
    assert_accessible(page)

    with page.expect_download() as document:
        panel.get_by_role("button", name=re.compile("Readable document|Läsbart dokument")).click()
    html = open(document.value.path(), encoding="utf-8").read()
    assert document.value.suggested_filename.endswith(".html")
    assert person.last_name in html and participation.action.slug in html

    panel.get_by_label(re.compile("Language of the document|Dokumentets språk")).select_option("en")
    with page.expect_download() as machine:
        panel.get_by_role("button", name=re.compile("Machine-readable|Maskinläsbar")).click()
    data = json.loads(open(machine.value.path(), encoding="utf-8").read())
    assert data["person"]["last_name"] == person.last_name and data["language"] == "en"
    assert data["sections"]["campaigns.participation"]["rows"]

    formats = list(
        AuditEvent.objects.filter(verb=access.VERB, person_id=person.pk)
        .order_by("id")
        .values_list("details__format", flat=True)
    )
    assert formats == ["html", "json"]

    # The page the data-subject requests link to (an erased person's too).
    page.goto(f"/privacy/people/{person.pk}/access/")
    page.get_by_role("button", name=re.compile("Machine-readable|Maskinläsbar")).wait_for()
    assert_accessible(page)
