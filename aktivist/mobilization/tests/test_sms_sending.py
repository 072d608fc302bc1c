"""SMS mobilizations end to end: who may get one (a mobile proved by a code), what the
provider receives (the local fake of 46elks and Twilio), what a refusal, a server error or
no answer does, and the quiet hours."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from freezegun import freeze_time

from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.mobilization import sending, services, texting
from aktivist.mobilization.models import (
    Channel,
    Delivery,
    Mobilization,
    Suppression,
    address_hash,
)
from aktivist.mobilization.tests.factories import MessageFactory, SegmentFactory
from aktivist.people.models import Consent
from aktivist.people.tests.factories import ConsentFactory, PersonFactory, TagFactory

pytestmark = pytest.mark.django_db(transaction=True)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TAG = "SMS-upprop"


def audience() -> dict:
    return {"condition": "tag", "value": {"tags": [TagFactory(name=TAG).pk]}}


def texter(mobile: str, *, proved: bool = True, **fields) -> object:
    """A tagged person with a confirmed SMS consent (proved by a code, or not)."""
    person = PersonFactory(mobile=mobile, **fields)
    person.tags.add(TagFactory(name=TAG))
    ConsentFactory(
        person=person,
        channel=Consent.Channel.SMS,
        status=Consent.Status.CONFIRMED,
        confirmed_at=timezone.now(),
        confirmed_by=Consent.ConfirmedBy.SMS_CODE if proved else Consent.ConfirmedBy.IMPORT,
    )
    return person


def sms_message(**fields):
    values = {
        "channel": Channel.SMS,
        "subject_sv": "",
        "subject_en": "",
        "body_sv": "Hej {{ first_name | vän }}! Skriv under: {{ action_link }}",
        "body_en": "Hi {{ first_name | friend }}! Sign: {{ action_link }}",
    }
    values.update(fields)
    values.setdefault("action", ActionFactory())
    return MessageFactory(**values)


def send(staff, *, message=None, urgent=False) -> Mobilization:
    segment = SegmentFactory(tree=audience())
    mobilization = services.mobilization_create(
        actor=staff,
        name="SMS-upprop",
        message=message or sms_message(),
        segment=segment,
        urgent=urgent,
    )
    services.mobilization_request_send(actor=staff, mobilization=mobilization)
    mobilization.refresh_from_db()
    return mobilization


def row(mobilization: Mobilization, person) -> Delivery:
    return Delivery.objects.get(mobilization=mobilization, person=person)


def test_only_mobiles_proved_by_a_code_get_the_sms_and_the_provider_gets_it_filled(
    fake_sms, settings, personas
):
    fake_sms.use(settings, "46elks")
    settings.SMS_SENDER_ID = "+46766860001"
    settings.SMS_QUIET_HOURS = ()
    settings.SITE_URL = "https://aktivist.example.org"
    amir = texter("+46701234501", first_name="Amir", language="sv")
    jane = texter("+46701234502", first_name="Jane", language="en")
    typed_by_staff = texter("+46701234503", proved=False)
    no_mobile = texter("", first_name="Utan")
    stopped = texter("+46701234504")
    Suppression.objects.create(
        channel=Channel.SMS,
        address="+46701234504",
        address_hash=address_hash("+46701234504"),
        reason=Suppression.Reason.UNSUBSCRIBED,
    )

    mobilization = send(personas.staff)

    assert mobilization.status == Mobilization.Status.DONE
    assert row(mobilization, typed_by_staff).reason == Delivery.Reason.UNPROVED
    assert row(mobilization, no_mobile).reason == Delivery.Reason.NO_ADDRESS
    assert row(mobilization, stopped).reason == Suppression.Reason.UNSUBSCRIBED
    received = {m["to"]: m for m in fake_sms.messages()}
    assert set(received) == {"+46701234501", "+46701234502"}
    swedish, english = received["+46701234501"], received["+46701234502"]
    assert swedish["from"] == "+46766860001"
    assert swedish["body"].startswith("Hej Amir! Skriv under: https://aktivist.example.org/r/")
    assert swedish["body"].endswith("\nSvara STOPP för att avsluta.")
    assert english["body"].startswith("Hi Jane! Sign: ")
    assert english["body"].endswith("\nReply STOP to opt out.")
    assert "{{" not in swedish["body"] + english["body"]
    sent = row(mobilization, amir)
    assert sent.status == Delivery.Status.SENT
    assert sent.provider_id == swedish["id"]
    # The delivery report comes back to the secret address, naming the delivery.
    assert swedish["callback"] == (
        f"https://aktivist.example.org/webhooks/sms/46elks/{settings.SMS_WEBHOOK_SECRET}"
        f"/delivery/?d={sent.pk}"
    )
    assert row(mobilization, jane).status == Delivery.Status.SENT


def test_twilio_gets_the_same_and_a_refused_or_opted_out_number_is_suppressed(
    fake_sms, settings, personas
):
    fake_sms.use(settings, "twilio")
    settings.SMS_QUIET_HOURS = ()
    fine = texter("+46701234511")
    invalid = texter("+46701230000")
    opted_out = texter("+46701230610")

    mobilization = send(personas.staff)

    assert [m["to"] for m in fake_sms.messages()] == ["+46701234511"]
    assert row(mobilization, fine).provider_id.startswith("SM")
    refused = row(mobilization, invalid)
    assert (refused.status, refused.reason) == (Delivery.Status.FAILED, Delivery.Reason.REFUSED)
    assert refused.error == "Twilio 21211"
    assert Suppression.objects.get(channel=Channel.SMS, address="+46701230000").reason == (
        Suppression.Reason.BOUNCED
    )
    assert row(mobilization, opted_out).status == Delivery.Status.FAILED
    assert Suppression.objects.get(channel=Channel.SMS, address="+46701230610").reason == (
        Suppression.Reason.UNSUBSCRIBED
    )
    # Nobody is suppressed for email by an SMS refusal.
    assert not Suppression.objects.filter(channel=Channel.EMAIL).exists()


def test_a_server_error_is_retried_later_and_sent_once(fake_sms, settings, personas):
    fake_sms.use(settings, "46elks")
    settings.SMS_QUIET_HOURS = ()
    failing = texter("+46701230500")

    mobilization = send(personas.staff)

    delivery = row(mobilization, failing)
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 1)
    assert delivery.error.startswith("46elks 500")
    assert delivery.due_at > timezone.now()
    assert sending.dispatch(lane="default").sent == 0  # not due yet: nothing sent twice
    assert fake_sms.messages() == []


def test_no_answer_fails_the_sms_and_it_is_never_sent_again(fake_sms, settings, personas):
    fake_sms.use(settings, "46elks")
    settings.SMS_QUIET_HOURS = ()
    settings.SMS_TIMEOUT = 0.5
    slow = texter("+46701230999")

    mobilization = send(personas.staff)

    delivery = row(mobilization, slow)
    assert (delivery.status, delivery.reason) == (
        Delivery.Status.FAILED,
        Delivery.Reason.NO_ANSWER,
    )
    assert delivery.attempts == 1
    Delivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    assert sending.dispatch(lane="default").sent == 0
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_a_provider_that_cannot_be_reached_gets_the_batch_back_later(settings, personas):
    settings.SMS_BACKEND = "aktivist.core.sms.FortySixElksTransport"
    settings.SMS_46ELKS_API_URL = "http://127.0.0.1:9/a1"  # nothing listens on the discard port
    settings.SMS_QUIET_HOURS = ()
    people = [texter(f"+4670123452{i}") for i in range(3)]

    mobilization = send(personas.staff)

    rows = Delivery.objects.filter(mobilization=mobilization, person__in=people)
    assert {r.status for r in rows} == {Delivery.Status.PENDING}
    assert all(r.due_at > timezone.now() for r in rows)
    assert not rows.filter(status=Delivery.Status.FAILED).exists()


# --- Quiet hours ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "until"),
    [
        ("2026-12-07 20:59", None),
        ("2026-12-07 21:00", "2026-12-08 08:00"),
        ("2026-12-07 23:30", "2026-12-08 08:00"),
        ("2026-12-08 03:00", "2026-12-08 08:00"),
        ("2026-12-08 08:00", None),
        ("2027-03-27 22:00", "2027-03-28 08:00"),  # the night summer time starts
    ],
)
def test_quiet_hours_run_from_21_to_08_local_time(settings, local, until):
    settings.SMS_QUIET_HOURS = (21, 8)
    now = dt.datetime.fromisoformat(local).replace(tzinfo=STOCKHOLM)
    expected = dt.datetime.fromisoformat(until).replace(tzinfo=STOCKHOLM) if until else None
    assert texting.quiet_until(now) == expected


def test_an_sms_sent_in_the_evening_waits_until_eight_and_an_urgent_one_does_not(
    settings, personas, sms_outbox
):
    settings.SMS_QUIET_HOURS = (21, 8)
    texter("+46701234531")
    evening = dt.datetime(2026, 12, 7, 22, 10, tzinfo=STOCKHOLM)
    with freeze_time(evening):
        bulk = send(personas.staff)
        assert sms_outbox == []
        assert bulk.status == Mobilization.Status.SENDING
        (pending,) = Delivery.objects.filter(mobilization=bulk)
        assert timezone.localtime(pending.due_at, STOCKHOLM).isoformat() == (
            "2026-12-08T08:00:00+01:00"
        )
        urgent = send(personas.staff, message=sms_message(name="Blixt"), urgent=True)
        assert urgent.status == Mobilization.Status.DONE
        assert len(sms_outbox) == 1
    with freeze_time(dt.datetime(2026, 12, 8, 8, 0, 30, tzinfo=STOCKHOLM)):
        assert sending.dispatch(lane="default").sent == 1
    assert len(sms_outbox) == 2


def test_a_row_claimed_in_quiet_hours_goes_back_until_the_morning(settings, personas, sms_outbox):
    """A retry that comes due at night (the snapshot was in the afternoon) waits too."""
    settings.SMS_QUIET_HOURS = (21, 8)
    person = texter("+46701234541")
    with freeze_time(dt.datetime(2026, 12, 7, 15, 0, tzinfo=STOCKHOLM)):
        mobilization = send(personas.staff)
    assert len(sms_outbox) == 1
    # Make it look like a retry that is due at 23:00.
    Delivery.objects.filter(mobilization=mobilization).update(
        status=Delivery.Status.PENDING, due_at=dt.datetime(2026, 12, 7, 23, 0, tzinfo=STOCKHOLM)
    )
    Mobilization.objects.filter(pk=mobilization.pk).update(status=Mobilization.Status.SENDING)
    with freeze_time(dt.datetime(2026, 12, 7, 23, 5, tzinfo=STOCKHOLM)):
        assert sending.dispatch(lane="default").sent == 0
    delivery = row(mobilization, person)
    assert delivery.status == Delivery.Status.PENDING
    assert timezone.localtime(delivery.due_at, STOCKHOLM).hour == 8
    assert len(sms_outbox) == 1
