"""Johan before tonight's meeting, on his phone: the event's list shows what each
registrant typed (Amir, who is no member of his group, included — but no link to a record
Johan may not see), and he writes to everyone signed up that the room has changed. axe-core
checks the event page and the message page."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from playwright.sync_api import expect

from aktivist.conftest import assert_accessible, login
from aktivist.programmes.tests.factories import EventFactory, RegistrationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, user) -> None:
    from django.conf import settings

    page.context.clear_cookies()
    client = login(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_johan_sees_tonights_sign_ups_as_typed_and_writes_to_them(
    phone_page, live_server, personas, world
):
    page = phone_page
    event = EventFactory(unit=world.group_a1, title="Gruppmöte i Malmö")
    RegistrationFactory(
        event=event,
        person=world.member_b1,  # a member elsewhere: Johan may not see his record
        typed_first_name="Amir",
        typed_last_name="Haddad",
        typed_email="amir.haddad@example.org",
    )
    RegistrationFactory(
        event=event,
        person=world.member_a1,
        typed_first_name="Märta",
        typed_last_name="Malm",
        typed_email=world.member_a1.email,
    )
    _log_in(page, live_server, personas.coordinator_a1)

    page.goto(f"/programmes/events/{event.pk}/")
    registrations = page.locator("#registrations")
    expect(registrations).to_contain_text("Amir Haddad")
    expect(registrations).to_contain_text("amir.haddad@example.org")
    expect(registrations).not_to_contain_text("Björn")
    expect(registrations.get_by_role("link", name="Amir Haddad")).to_have_count(0)
    expect(registrations.get_by_role("link", name="Märta Malm")).to_have_count(1)
    assert_accessible(page)

    page.get_by_role("link", name="Skriv till de anmälda").click()
    page.wait_for_url(re.compile(r"/message/$"))
    assert_accessible(page)
    page.get_by_label("Ämne").fill("Ny lokal ikväll")
    page.get_by_label("Meddelande").fill("Vi ses i stora salen på Möllan.")
    page.get_by_role("button", name="Skicka").click()
    page.wait_for_url(re.compile(rf"/programmes/events/{event.pk}/$"))
    expect(page.get_by_role("status").first).to_contain_text("2")
    assert {m.to[0] for m in mail.outbox} == {"amir.haddad@example.org", world.member_a1.email}
