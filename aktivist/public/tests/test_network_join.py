"""Joining the rapid-response network by SMS from the preference centre: a code to the
mobile, then the code; only then may SMS go to it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from aktivist.mobilization.models import Channel, Suppression, address_hash
from aktivist.mobilization.preferences import network_sms_of
from aktivist.mobilization.tokens import preference_token
from aktivist.people.models import Consent, Person
from aktivist.people.tests.factories import ConsentFactory, PersonFactory
from aktivist.public.limits import SMS_CODES_PER_PERSON_PER_HOUR

pytestmark = pytest.mark.django_db


def page(person: Person) -> str:
    return reverse("public:preferences", args=[preference_token(person.pk)]) + "?lang=en"


def join(client, person, capture, mobile: str = ""):
    with capture(execute=True):
        return client.post(page(person), {"network": "join", "mobile": mobile})


def code_in(sms_outbox) -> str:
    return re.search(r"\d{6}", sms_outbox[-1][1]).group(0)


def test_a_person_without_a_mobile_joins_with_a_code_and_the_mobile_becomes_theirs(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    person = PersonFactory(email="ny@example.org", mobile=None)
    first = client.get(page(person)).content.decode()
    assert "Join the rapid-response network" in first or "Join and send me a code" in first

    response = join(client, person, django_capture_on_commit_callbacks, "070-123 45 67")
    html = response.content.decode()
    assert "We have sent you a code by SMS" in html
    assert 'name="code"' in html
    assert [to for to, _body in sms_outbox] == ["+46701234567"]
    consent = Consent.objects.get(person=person, channel="sms", purpose="rapid_response")
    assert consent.status == Consent.Status.PENDING
    person.refresh_from_db()
    assert person.mobile is None  # not theirs until the code proves it

    wrong = client.post(page(person), {"network": "confirm", "code": "000000"})
    assert "That code is wrong or has expired." in wrong.content.decode()
    right = client.post(page(person), {"network": "confirm", "code": code_in(sms_outbox)})
    assert "Welcome to the rapid-response network!" in right.content.decode()
    consent.refresh_from_db()
    assert consent.status == Consent.Status.CONFIRMED
    assert consent.confirmed_by == Consent.ConfirmedBy.SMS_CODE
    assert consent.wording_version == "2026-12-preferences-sms-rapid-1"
    person.refresh_from_db()
    assert person.mobile == "+46701234567"
    assert network_sms_of(person).joined


def test_the_code_goes_to_the_persons_own_mobile_whatever_is_typed(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    person = PersonFactory(email="har@example.org", mobile="+46709876543")
    html = client.get(page(person)).content.decode()
    assert "ending in 43" in html
    assert 'name="mobile"' not in html
    join(client, person, django_capture_on_commit_callbacks, "070-111 11 11")
    assert [to for to, _body in sms_outbox] == ["+46709876543"]


def test_a_number_that_is_not_a_mobile_is_refused_and_nothing_is_stored(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    person = PersonFactory(email="fel@example.org", mobile=None)
    response = join(client, person, django_capture_on_commit_callbacks, "12")
    assert "Enter a valid mobile number." in response.content.decode()
    assert not Consent.objects.filter(person=person).exists()
    assert sms_outbox == []


def test_codes_are_limited_per_person(client, sms_outbox, django_capture_on_commit_callbacks):
    person = PersonFactory(email="ofta@example.org", mobile="+46709876500")
    for _ in range(SMS_CODES_PER_PERSON_PER_HOUR):
        assert join(client, person, django_capture_on_commit_callbacks).status_code == 200
    assert join(client, person, django_capture_on_commit_callbacks).status_code == 429
    assert len(sms_outbox) == SMS_CODES_PER_PERSON_PER_HOUR


def test_a_member_already_in_the_network_is_told_so(client):
    person = PersonFactory(email="med@example.org", mobile="+46709876511")
    ConsentFactory(
        person=person,
        channel=Consent.Channel.SMS,
        purpose=Consent.Purpose.RAPID_RESPONSE,
        status=Consent.Status.CONFIRMED,
        confirmed_at=timezone.now(),
        confirmed_by=Consent.ConfirmedBy.SMS_CODE,
    )
    html = client.get(page(person)).content.decode()
    assert "You are in the rapid-response network by SMS." in html
    assert 'value="join"' not in html


def test_joining_again_after_stop_lifts_the_stop(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    person = PersonFactory(email="tillbaka@example.org", mobile="+46709876522")
    Suppression.objects.create(
        channel=Channel.SMS,
        address="+46709876522",
        address_hash=address_hash("+46709876522"),
        reason=Suppression.Reason.UNSUBSCRIBED,
    )
    join(client, person, django_capture_on_commit_callbacks)
    client.post(page(person), {"network": "confirm", "code": code_in(sms_outbox)})
    assert not Suppression.objects.filter(channel=Channel.SMS).exists()


def test_the_preference_link_is_the_inbox_step_so_the_code_alone_adopts_the_typed_mobile(
    client, sms_outbox, django_capture_on_commit_callbacks, mailoutbox
):
    person = PersonFactory(email="inkorg@example.org", mobile=None)
    join(client, person, django_capture_on_commit_callbacks, "070-123 45 68")
    consent = Consent.objects.get(person=person, channel="sms", purpose="rapid_response")
    assert consent.pending_mobile == "+46701234568"
    assert consent.pending_mobile_inbox_at is not None  # the link came to their inbox
    assert mailoutbox == []  # so no second question goes to it
    client.post(page(person), {"network": "confirm", "code": code_in(sms_outbox)})
    person.refresh_from_db()
    assert person.mobile == "+46701234568"
    assert network_sms_of(person).joined


def test_a_typed_mobile_someone_else_holds_is_never_adopted(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    holder = PersonFactory(email="innehavare@example.org", mobile="+46701234569")
    person = PersonFactory(email="annan@example.org", mobile=None)
    join(client, person, django_capture_on_commit_callbacks, "070-123 45 69")
    right = client.post(page(person), {"network": "confirm", "code": code_in(sms_outbox)})
    assert "Welcome to the rapid-response network!" not in right.content.decode()
    person.refresh_from_db()
    holder.refresh_from_db()
    assert person.mobile is None and holder.mobile == "+46701234569"
    consent = Consent.objects.get(person=person, channel="sms", purpose="rapid_response")
    assert consent.status == Consent.Status.PENDING and consent.pending_mobile == ""
    assert not network_sms_of(person).joined
