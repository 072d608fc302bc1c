"""On a phone: staff invite the alumni list to the alumni meeting — axe-core on the list
with the invitation open and on the page that says how many were invited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils.timezone import now

from aktivist.conftest import assert_accessible, login
from aktivist.organisation.tests.factories import RoleFactory, RoleTypeFactory
from aktivist.people.models import Consent
from aktivist.people.tests.factories import ConsentFactory, PersonFactory
from aktivist.programmes.models import Programme
from aktivist.programmes.tests.factories import EventFactory, ProgrammeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_invite_the_alumni_to_the_alumni_meeting(phone_page, live_server, personas, world):
    contact = RoleTypeFactory(slug="group-contact")
    for n in range(3):
        alumnus = PersonFactory(first_name=f"Alumn{n}")
        # The invitation is a mobilization: those who agreed to campaign email get it.
        ConsentFactory(person=alumnus, status=Consent.Status.CONFIRMED, confirmed_at=now())
        RoleFactory(
            person=alumnus,
            unit=world.group_a1,
            role_type=contact,
            started_on=dt.date(2015, 1, 1),
            ended_on=dt.date(2020, 1, 1),
        )
    alumni_programme = ProgrammeFactory(kind=Programme.Kind.ALUMNI_PROGRAMME)
    event = EventFactory(programme=alumni_programme, unit=world.national, title="Alumnträffen")
    page = phone_page
    client = login(Client(), personas.staff)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )

    page.goto("/units/alumni/")
    page.locator("#alumni-invite summary").click()
    page.select_option("#id_event", str(event.pk))
    assert_accessible(page)
    page.locator("#alumni-invite button[type=submit]").click()
    message = page.wait_for_selector(".message--success")
    assert "Alumnträffen" in message.inner_text() and "3" in message.inner_text()
    assert_accessible(page)
    assert len(mail.outbox) == 3
