"""Journey 9 in a real Chromium: Kerstin, a former member, asks what is stored about her and
then to be forgotten. Sara at the secretariat registers both requests from Kerstin's page,
checks her identity, downloads her data (the readable document and the JSON file), closes
the access request, then erases her through the erasure request. The campaign's and the
event's counts do not change, and the admin's audit viewer shows the reads of the walk.
axe-core checks every page on the way."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from aktivist.campaigns import selectors as campaign_selectors
from aktivist.campaigns.tests.factories import ActionFactory, ParticipationFactory
from aktivist.conftest import assert_accessible
from aktivist.core.models import AuditEvent
from aktivist.mobilization.tests.test_browser import log_in
from aktivist.organisation.tests.factories import UnitMembershipFactory
from aktivist.people.models import Person
from aktivist.people.tests.factories import ConsentFactory, InteractionFactory, PersonFactory
from aktivist.privacy.models import DataSubjectRequest
from aktivist.programmes.models import Registration
from aktivist.programmes.selectors import event_counts
from aktivist.programmes.tests.factories import EventFactory, RegistrationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(chromium_browser, live_server):
    context = chromium_browser.new_context(
        viewport={"width": 1024, "height": 900},
        base_url=live_server.url,
        locale="en-GB",
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture
def kerstin(world):
    person = PersonFactory(
        first_name="Kerstin",
        last_name="Kvarnström",
        email="kerstin.kvarnstrom@example.net",
        mobile="+46705550123",
        birth_year=1958,
        postcode="21145",
        home_unit=world.group_a1,
        membership_status=Person.MembershipStatus.FORMER,
        membership_ended_on=dt.date(2025, 12, 31),
    )
    UnitMembershipFactory(
        person=person,
        unit=world.group_a1,
        started_on=dt.date(2015, 1, 1),
        ended_on=dt.date(2025, 12, 31),
    )
    ConsentFactory(person=person, status="confirmed", confirmed_at=timezone.now())
    InteractionFactory(person=person, text="Ringde om höstens kampanj.")
    return person


def _register_request(page, person, kind: str) -> DataSubjectRequest:
    page.goto(f"/people/{person.pk}/")
    page.get_by_role("link", name="Register a request from this person").click()
    page.wait_for_url(re.compile(r"/privacy/requests/new/"))
    assert_accessible(page)
    page.get_by_label("Request:", exact=True).select_option(kind)
    page.get_by_label("Received by").select_option("email")
    page.get_by_label("Requester's name").fill("Kerstin Kvarnström")
    page.get_by_label("Requester's email, phone or address").fill(person.email)
    page.get_by_role("button", name="Register the request").click()
    page.wait_for_url(re.compile(r"/privacy/requests/\d+/$"))
    item = DataSubjectRequest.objects.filter(kind=kind).latest("pk")
    page.get_by_label("How was the identity checked?").fill("Answered from her own address")
    page.get_by_role("button", name="Identity checked").click()
    expect(page.locator(".messages")).to_contain_text("The identity check is recorded.")
    assert_accessible(page)
    return item


def test_a_former_member_gets_her_data_and_is_then_forgotten(
    page, live_server, personas, world, kerstin
):
    petition = ActionFactory(is_published=True)
    other = ActionFactory(is_published=True)
    ParticipationFactory(person=kerstin, action=petition)
    ParticipationFactory(person=kerstin, action=other)
    ParticipationFactory.create_batch(3, action=petition)
    started = timezone.now() - dt.timedelta(days=20)
    meeting = EventFactory(
        unit=world.group_a1, starts_at=started, ends_at=started + dt.timedelta(hours=2)
    )
    RegistrationFactory(person=kerstin, event=meeting, status=Registration.Status.ATTENDED)
    RegistrationFactory(event=meeting, status=Registration.Status.NO_SHOW)
    before = {
        "petition": campaign_selectors.participation_count(petition, fresh=True),
        "other": campaign_selectors.participation_count(other, fresh=True),
        "meeting": event_counts(meeting),
    }

    log_in(page, live_server, personas.staff)

    # 1. What is stored about her (Art. 15/20): both files, from her request.
    access = _register_request(page, kerstin, DataSubjectRequest.Kind.ACCESS)
    page.get_by_role("link", name="Export the person's data").click()
    page.wait_for_url(re.compile(r"/privacy/"))
    assert_accessible(page)
    with page.expect_download() as document:
        page.get_by_role("button", name="Readable document (HTML)").click()
    html = open(document.value.path(), encoding="utf-8").read()
    assert "Kvarnström" in html and "Ringde om höstens kampanj." in html
    with page.expect_download() as machine:
        page.get_by_role("button", name="Machine-readable file (JSON)").click()
    data = json.loads(open(machine.value.path(), encoding="utf-8").read())
    assert "kerstin.kvarnstrom@example.net" in json.dumps(data, ensure_ascii=False)
    page.goto(f"/privacy/requests/{access.pk}/")
    page.get_by_role("button", name="Mark as fulfilled").click()
    expect(page.locator(".messages")).to_contain_text("The request is closed as fulfilled.")
    access.refresh_from_db()
    assert access.status == DataSubjectRequest.Status.FULFILLED

    # 2. To be forgotten (Art. 17): the erasure request leads to the erase page.
    erasure = _register_request(page, kerstin, DataSubjectRequest.Kind.ERASURE)
    page.get_by_role("link", name="Erase the person").click()
    page.wait_for_url(re.compile(r"/privacy/people/\d+/erase/"))
    assert_accessible(page)
    expect(page.locator("main")).to_contain_text("Kept, without a name")
    page.get_by_role("button", name=re.compile(r"^Erase ")).click()
    page.wait_for_url(re.compile(r"/people/"))
    expect(page.locator(".messages")).to_contain_text("The person was erased.")
    assert_accessible(page)

    tombstone = Person.objects.get(pk=kerstin.pk)
    assert not tombstone.is_active
    assert (tombstone.first_name, tombstone.email, tombstone.birth_year) == ("", None, None)
    erasure.refresh_from_db()
    assert erasure.status == DataSubjectRequest.Status.FULFILLED
    # The named counts do not change.
    assert campaign_selectors.participation_count(petition, fresh=True) == before["petition"]
    assert campaign_selectors.participation_count(other, fresh=True) == before["other"]
    assert event_counts(meeting) == before["meeting"]
    assert page.goto(f"/people/{kerstin.pk}/").status == 404

    # 3. The admin's audit viewer shows the reads of the walk, by Sara's account.
    log_in(page, live_server, personas.admin)
    page.goto("/privacy/audit/")
    assert_accessible(page)
    page.get_by_label("Staff account").select_option(str(personas.staff.pk))
    page.get_by_role("button", name="Show").click()
    rows = page.locator("main table")
    expect(rows).to_contain_text("Opened the person's page")
    expect(rows).to_contain_text(f"erased person #{kerstin.pk}")
    assert_accessible(page)
    verbs = set(
        AuditEvent.objects.filter(actor=personas.staff, person_id=kerstin.pk).values_list(
            "verb", flat=True
        )
    )
    assert {"person.read", "person.access_export", "person.erase"} <= verbs
