"""The sent-messages page: outside production, admins read every email and SMS that never
left this machine (an SMS code included); it is 404 in production, where nothing is kept;
what it keeps goes with erasure and after the retention rule's 7 days (issue 17)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.conftest import assert_accessible, login
from aktivist.core import sms
from aktivist.core.models import SentMessage
from aktivist.core.transports import OutgoingEmail, get_email_transport
from aktivist.people.tests.factories import PersonFactory
from aktivist.privacy import erasure
from aktivist.privacy.retention import run_enabled_rules
from aktivist.public.tests.helpers import post_signature

URL = "/sent-messages/"


@pytest.fixture
def keeping(settings: Any) -> Any:
    """Development's default (the suite switches it off elsewhere)."""
    settings.KEEP_SENT_MESSAGES = True
    settings.PRODUCTION = False
    return settings


def _send_email(to: str, subject: str, text: str) -> None:
    with get_email_transport() as transport:
        transport.send(OutgoingEmail(to=to, subject=subject, text=text, html=f"<p>{text}</p>"))


@pytest.mark.django_db
def test_an_sms_code_sent_outside_production_appears_on_the_page_for_an_admin(
    keeping, world, personas, sms_outbox
):
    action = ActionFactory()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = post_signature(
            Client(),
            action,
            query="lang=en",
            consents=["sms"],
            email="new@example.org",
            mobile="070-111 11 11",
        )
    assert response.status_code == 303
    code = re.search(r"\d{6}", sms_outbox[-1][1]).group(0)

    page = login(Client(), personas.admin).get(URL)

    assert page.status_code == 200
    html = page.content.decode()
    assert "+46701111111" in html
    assert f"Your Aktivist code: {code}" in html


@pytest.mark.django_db
def test_emails_and_sms_are_listed_newest_first_with_their_subject(keeping, personas):
    _send_email("first@example.org", "The first one", "Hello first")
    sms.send_sms(to="+46701234567", body="The second one")
    _send_email("Third Person <THIRD@example.org>", "The third one", "Hello third")

    html = login(Client(), personas.admin).get(URL).content.decode()

    assert html.index("The third one") < html.index("The second one") < html.index("The first one")
    assert "third@example.org" in html and "Hello third" in html
    assert "Each message is deleted after 7 days." in html


@pytest.mark.django_db
def test_the_page_and_its_menu_link_are_in_swedish_for_a_swedish_admin(keeping, personas):
    sms.send_sms(to="+46701234567", body="Hej")
    client = login(Client(), personas.admin)

    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    start = client.get("/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()

    assert "<h1>Skickade meddelanden</h1>" in html
    assert f'href="{URL}"' in start and "Skickade meddelanden" in start


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["staff", "district_a", "coordinator_a1", "board", "dpo"])
def test_no_one_but_a_secretariat_admin_may_open_the_page(keeping, personas, persona):
    sms.send_sms(to="+46701234567", body="Your Aktivist code: 123456")
    client = login(Client(), getattr(personas, persona))

    response = client.get(URL)
    start = client.get("/", follow=True).content.decode()

    assert response.status_code == 404
    assert "123456" not in response.content.decode()
    assert f'href="{URL}"' not in start


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_the_login(keeping):
    response = Client().get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_in_production_the_page_is_404_for_everyone_and_nothing_is_kept(keeping, personas):
    keeping.PRODUCTION = True
    keeping.KEEP_SENT_MESSAGES = True  # whatever the environment says

    sms.send_sms(to="+46701234567", body="Your Aktivist code: 123456")
    _send_email("someone@example.org", "Subject", "Text")
    admin = login(Client(), personas.admin)

    assert SentMessage.objects.count() == 0
    assert admin.get(URL).status_code == 404
    assert Client().get(URL).status_code == 404
    assert f'href="{URL}"' not in admin.get("/").content.decode()


@pytest.mark.django_db
def test_the_staff_menu_links_the_page_for_an_admin_outside_production(keeping, personas):
    start = login(Client(), personas.admin).get("/").content.decode()
    assert f'href="{URL}"' in start
    assert reverse("staff:sent_messages") == URL


@pytest.mark.django_db
def test_erasure_deletes_the_messages_to_a_persons_email_and_mobile(keeping, personas):
    erased = PersonFactory(email="erased@example.org", mobile="+46701000001")
    other = PersonFactory(email="other@example.org", mobile="+46701000002")
    _send_email("erased@example.org", "To her", "Text")
    sms.send_sms(to="+46701000001", body="Your Aktivist code: 111111")
    _send_email("other@example.org", "To him", "Text")
    sms.send_sms(to="+46701000002", body="Your Aktivist code: 222222")

    erasure.people_erase(actor=personas.admin, person_ids=[erased.pk], reason="request")

    left = set(SentMessage.objects.values_list("to", flat=True))
    assert left == {other.email, other.mobile}


@pytest.mark.django_db
def test_retention_deletes_messages_older_than_seven_days(keeping):
    for days in (8, 6):
        sms.send_sms(to="+46701234567", body=f"{days} days old")
        SentMessage.objects.filter(body=f"{days} days old").update(
            created_at=timezone.now() - dt.timedelta(days=days)
        )

    run_enabled_rules()  # the nightly job: the rule is on from the start

    assert list(SentMessage.objects.values_list("body", flat=True)) == ["6 days old"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_page_is_usable_on_a_360_px_phone(keeping, phone_page, live_server, personas):
    sms.send_sms(to="+46701234567", body="Din Aktivist-kod: 123456 " + "x" * 300)
    _send_email(
        "a.very.long.address.for.testing.wrapping@example.org",
        "Bekräfta din e-postadress till Människorättsorganisationen",
        "Klicka här: https://example.org/" + "långtordutanmellanslag" * 20,
    )
    client = login(Client(), personas.admin)
    page = phone_page
    page.set_viewport_size({"width": 360, "height": 740})
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(URL)
    page.get_by_role("heading", name="Skickade meddelanden", level=1).wait_for()
    assert page.get_by_text("Din Aktivist-kod: 123456").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)
