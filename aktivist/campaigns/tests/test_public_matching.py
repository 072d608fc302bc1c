"""Public forms match a person by email only: a typed mobile never selects anyone, and a
mobile typed for a known person without one becomes theirs only when both the code sent
to it and a link to their own inbox confirm it (issue 13)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from aktivist.campaigns.models import Participation
from aktivist.campaigns.signing import clean_signature, sign
from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.core.models import AuditEvent
from aktivist.people import consents
from aktivist.people.models import Consent, Person
from aktivist.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

NEW_MOBILE = "+46701234567"


def _data(**overrides: Any) -> dict[str, Any]:
    data = {
        "first_name": "Amir",
        "last_name": "Haddad",
        "email": "amir.haddad@example.org",
        "mobile": "070-123 45 67",
        "postcode": "211 45",
        "birth_year": str(timezone.localdate().year - 30),
        "consents": ["sms"],
    }
    data.update(overrides)
    return data


def _sign(action: Any, **overrides: Any) -> Any:
    """Sign, and run what the signature does after commit (its confirmations)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        signature = clean_signature(_data(**overrides), language="en")
        return sign(action=action, signature=signature, source="web")


def _snapshot(person: Person) -> dict[str, Any]:
    values = dict(Person.objects.filter(pk=person.pk).values().get())
    values.pop("updated_at")
    return values


def _code(sms_outbox: list[tuple[str, str]], to: str) -> str:
    bodies = [body for number, body in sms_outbox if number == to]
    assert bodies, f"no SMS to {to}"
    return re.search(r"\d{6}", bodies[-1]).group(0)


def _inbox_token(to: str) -> str:
    [message] = [m for m in mail.outbox if m.to == [to] and "mobile" in m.subject.lower()]
    return re.search(r"/confirm/([^/\s]+)/", message.body).group(1)


# --- Matching --------------------------------------------------------------------------------


def test_an_unknown_email_with_someones_mobile_becomes_a_new_person_and_the_holder_is_untouched(
    sms_outbox,
):
    holder = PersonFactory(first_name="Petra", email="petra@example.org", mobile=NEW_MOBILE)
    before = _snapshot(holder)
    action = ActionFactory()
    result = _sign(action, email="stranger@example.org")
    new = Person.objects.get(email="stranger@example.org")
    assert new.pk != holder.pk and new.mobile is None  # the typed email is never dropped
    assert result.person_id == new.pk
    assert Participation.objects.filter(action=action, person=new).exists()
    assert not Participation.objects.filter(person=holder).exists()
    assert _snapshot(holder) == before
    # The mobile is not this person's: no SMS consent waits for it, no code goes to it.
    assert not Consent.objects.filter(channel=Consent.Channel.SMS).exists()
    assert sms_outbox == []
    assert result.ticket  # the visitor still gets the code form


def test_a_known_email_with_someone_elses_mobile_is_the_email_and_nothing_waits_for_the_number(
    sms_outbox,
):
    holder = PersonFactory(first_name="Petra", email="petra@example.org", mobile=NEW_MOBILE)
    known = PersonFactory(first_name="Karin", email="karin@example.org", mobile=None)
    before_holder, before_known = _snapshot(holder), _snapshot(known)
    action = ActionFactory()
    result = _sign(action, email="karin@example.org", consents=["sms", "rapid_response"])
    assert result.person_id == known.pk
    assert Participation.objects.filter(action=action, person=known).exists()
    assert not Participation.objects.filter(person=holder).exists()
    assert (_snapshot(holder), _snapshot(known)) == (before_holder, before_known)
    assert not Consent.objects.filter(channel=Consent.Channel.SMS).exists()
    assert not Consent.objects.filter(pending_mobile=NEW_MOBILE).exists()
    assert sms_outbox == []
    assert Person.objects.count() == 2


def test_a_known_email_with_its_own_mobile_is_confirmed_by_the_code_alone(sms_outbox):
    known = PersonFactory(email="karin@example.org", mobile=NEW_MOBILE)
    result = _sign(ActionFactory(), email="karin@example.org")
    consent = Consent.objects.get(person=known, channel=Consent.Channel.SMS)
    assert consent.pending_mobile == ""
    assert consents.consents_confirm_sms(ticket=result.ticket, code=_code(sms_outbox, NEW_MOBILE))
    consent.refresh_from_db()
    assert consent.status == Consent.Status.CONFIRMED
    assert not [m for m in mail.outbox if "mobile" in m.subject.lower()]


def test_a_known_email_with_another_stored_mobile_records_no_sms_consent(sms_outbox):
    known = PersonFactory(email="karin@example.org", mobile="+46709999999")
    _sign(ActionFactory(), email="karin@example.org")
    assert not Consent.objects.filter(person=known, channel=Consent.Channel.SMS).exists()
    assert sms_outbox == []


# --- Adopting a mobile: the code and the inbox, in either order ----------------------------


@pytest.fixture
def karin() -> Any:
    return PersonFactory(first_name="Karin", email="karin@example.org", mobile=None)


def _ask(karin: Person) -> tuple[Any, Consent]:
    result = _sign(ActionFactory(), email="karin@example.org", mobile="070-123 45 67")
    consent = Consent.objects.get(person=karin, channel=Consent.Channel.SMS)
    return result, consent


def test_asking_sends_the_code_to_the_mobile_and_a_question_to_the_persons_inbox(karin, sms_outbox):
    _result, consent = _ask(karin)
    assert consent.status == Consent.Status.PENDING
    assert consent.pending_mobile == NEW_MOBILE
    assert [to for to, _body in sms_outbox] == [NEW_MOBILE]
    [message] = [m for m in mail.outbox if m.to == ["karin@example.org"]]
    assert message.subject == "Add this mobile number to your details?"
    assert "ending in 67" in message.body and "0701234567" not in message.body
    assert "/confirm/" in message.alternatives[0][0]
    assert NEW_MOBILE not in message.body and NEW_MOBILE not in message.alternatives[0][0]


def test_the_code_alone_adopts_nothing(karin, sms_outbox):
    result, consent = _ask(karin)
    assert consents.consents_confirm_sms(ticket=result.ticket, code=_code(sms_outbox, NEW_MOBILE))
    consent.refresh_from_db()
    karin.refresh_from_db()
    assert karin.mobile is None
    assert consent.status == Consent.Status.PENDING
    assert consent.pending_mobile_code_at is not None and consent.pending_mobile_inbox_at is None


def test_the_inbox_link_alone_adopts_nothing(client, karin, sms_outbox):
    _result, consent = _ask(karin)
    token = _inbox_token("karin@example.org")
    page = client.get(f"/confirm/{token}/?lang=en")
    assert '<form method="post"' in page.content.decode()  # a GET confirms nothing
    consent.refresh_from_db()
    assert consent.pending_mobile_inbox_at is None
    client.post(f"/confirm/{token}/?lang=en")
    consent.refresh_from_db()
    karin.refresh_from_db()
    assert karin.mobile is None
    assert consent.status == Consent.Status.PENDING
    assert consent.pending_mobile_inbox_at is not None and consent.pending_mobile_code_at is None


@pytest.mark.parametrize("order", ["code_then_inbox", "inbox_then_code"])
def test_the_code_and_the_inbox_together_adopt_the_mobile_in_either_order(
    client, karin, sms_outbox, order
):
    result, consent = _ask(karin)
    code, token = _code(sms_outbox, NEW_MOBILE), _inbox_token("karin@example.org")
    steps = [
        lambda: consents.consents_confirm_sms(ticket=result.ticket, code=code),
        lambda: client.post(f"/confirm/{token}/?lang=en"),
    ]
    for step in steps if order == "code_then_inbox" else reversed(steps):
        step()
    karin.refresh_from_db()
    consent.refresh_from_db()
    assert karin.mobile == NEW_MOBILE
    assert consent.status == Consent.Status.CONFIRMED
    assert consent.confirmed_by == Consent.ConfirmedBy.SMS_CODE
    assert consent.pending_mobile == "" and consent.code_ticket == ""
    assert AuditEvent.objects.filter(verb="consent.confirm_sms", person_id=karin.pk).exists()


def test_a_mobile_someone_took_meanwhile_is_never_adopted(client, karin, sms_outbox):
    result, consent = _ask(karin)
    code, token = _code(sms_outbox, NEW_MOBILE), _inbox_token("karin@example.org")
    assert consents.consents_confirm_sms(ticket=result.ticket, code=code)
    taker = PersonFactory(email="taker@example.org", mobile=NEW_MOBILE)
    client.post(f"/confirm/{token}/?lang=en")
    karin.refresh_from_db()
    consent.refresh_from_db()
    assert karin.mobile is None
    assert consent.status == Consent.Status.PENDING  # nothing may go to another's mobile
    assert consent.pending_mobile == ""
    assert Person.objects.get(pk=taker.pk).mobile == NEW_MOBILE


def test_an_old_inbox_link_does_not_confirm_a_later_request_for_another_mobile(
    client, karin, sms_outbox
):
    _ask(karin)
    old_token = _inbox_token("karin@example.org")
    mail.outbox.clear()
    later = _sign(ActionFactory(), email="karin@example.org", mobile="070-765 43 21")
    assert consents.consents_confirm_sms(
        ticket=later.ticket, code=_code(sms_outbox, "+46707654321")
    )
    client.post(f"/confirm/{old_token}/?lang=en")
    karin.refresh_from_db()
    assert karin.mobile is None
    consent = Consent.objects.get(person=karin, channel=Consent.Channel.SMS)
    assert consent.pending_mobile == "+46707654321" and consent.pending_mobile_inbox_at is None
