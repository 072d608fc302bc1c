"""SMS parts and cost per recipient after merge: a name outside the GSM alphabet makes that
person's SMS UCS-2, a recipient whose merged SMS is longer than six parts is skipped as
"too long after merge", and the send screen says how many that will be."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from aktivist.core.sms import segments
from aktivist.mobilization import services
from aktivist.mobilization.models import Channel, Delivery, Mobilization
from aktivist.mobilization.tests.factories import MessageFactory, SegmentFactory
from aktivist.people.models import Consent
from aktivist.people.tests.factories import ConsentFactory, PersonFactory, TagFactory

pytestmark = pytest.mark.django_db(transaction=True)

TAG = "SMS-namn"
# 3 GSM-7 parts with a four-letter name; as UCS-2 (one letter like ë) 7 parts.
LONG_BODY = "Hej {{ first_name }}! " + "Skriv under nu. " * 25
SHORT_BODY = "Hej {{ first_name }}! Fången behöver dig i dag: skriv under uppropet nu, tack."


def texter(mobile: str, first_name: str) -> object:
    person = PersonFactory(mobile=mobile, first_name=first_name, language="sv")
    person.tags.add(TagFactory(name=TAG))
    ConsentFactory(
        person=person,
        channel=Consent.Channel.SMS,
        status=Consent.Status.CONFIRMED,
        confirmed_at=timezone.now(),
        confirmed_by=Consent.ConfirmedBy.SMS_CODE,
    )
    return person


def draft(staff, body: str) -> Mobilization:
    message = MessageFactory(
        channel=Channel.SMS, subject_sv="", subject_en="", body_en="", body_sv=body
    )
    return services.mobilization_create(
        actor=staff,
        name="Namnupprop",
        message=message,
        segment=SegmentFactory(
            tree={"condition": "tag", "value": {"tags": [TagFactory(name=TAG).pk]}}
        ),
    )


def send(staff, body: str) -> Mobilization:
    mobilization = draft(staff, body)
    services.mobilization_request_send(actor=staff, mobilization=mobilization)
    mobilization.refresh_from_db()
    return mobilization


@pytest.fixture
def sms_now(settings):
    settings.SMS_QUIET_HOURS = ()
    settings.SMS_PRICE_PER_SEGMENT = "0.50"


def test_zoes_sms_is_ucs2_while_annas_is_gsm(personas, sms_outbox, sms_now):
    texter("+46701230001", "Anna")
    texter("+46701230002", "Zoë")

    mobilization = send(personas.staff, SHORT_BODY)

    assert mobilization.status == Mobilization.Status.DONE
    received = dict(sms_outbox)
    anna, zoe = received["+46701230001"], received["+46701230002"]
    assert anna.startswith("Hej Anna!") and zoe.startswith("Hej Zoë!")
    assert (segments(anna).encoding, segments(anna).count) == ("GSM-7", 1)
    assert (segments(zoe).encoding, segments(zoe).count) == ("UCS-2", 2)


def test_a_recipient_whose_merged_sms_has_seven_parts_is_skipped_as_too_long(
    personas, sms_outbox, sms_now
):
    anna = texter("+46701230001", "Anna")
    zoe = texter("+46701230002", "Zoë")

    mobilization = send(personas.staff, LONG_BODY)

    assert mobilization.status == Mobilization.Status.DONE
    assert [to for to, _body in sms_outbox] == ["+46701230001"]
    assert segments(sms_outbox[0][1]).count == 3
    sent = Delivery.objects.get(mobilization=mobilization, person=anna)
    assert sent.status == Delivery.Status.SENT
    skipped = Delivery.objects.get(mobilization=mobilization, person=zoe)
    assert (skipped.status, skipped.reason) == (Delivery.Status.SKIPPED, "too_long")
    assert skipped.get_reason_display() == "Too long after merge (more than six SMS parts)"


def test_the_send_screen_says_how_many_are_too_long_after_merge(client_for, personas, sms_now):
    texter("+46701230001", "Anna")
    texter("+46701230002", "Zoë")
    texter("+46701230003", "Łukasz")
    mobilization = draft(personas.staff, LONG_BODY)

    html = (
        client_for(personas.staff)
        .get(reverse("mobilization:reach", args=[mobilization.pk]))
        .content.decode()
    )

    assert "2 people will be skipped" in html
    assert "too long after merge" in html
    # Only Anna's SMS is paid for: 3 parts × 0.50.
    assert "Cost: about 1.50 SEK" in html
    assert "3 parts × 1 people × 0.50 SEK a part." in html


def test_the_cost_counts_each_recipients_parts_with_their_own_name(client_for, personas, sms_now):
    texter("+46701230001", "Anna")
    texter("+46701230002", "Çağla")
    mobilization = draft(personas.staff, SHORT_BODY)

    html = (
        client_for(personas.staff)
        .get(reverse("mobilization:reach", args=[mobilization.pk]))
        .content.decode()
    )

    # Anna 1 part (GSM-7), Çağla 2 parts (UCS-2).
    assert "Cost: about 1.50 SEK" in html
    assert "3 parts for 2 people (at most 2 each" in html
    assert "1 person has a name outside the SMS alphabet" in html
    assert "will be skipped" not in html


def test_the_message_preview_shows_the_worst_case_for_a_name_outside_the_alphabet(
    client_for, personas
):
    response = client_for(personas.staff).post(
        reverse("mobilization:message_preview"),
        {
            "channel": "sms",
            "name": "Namn",
            "purpose": "campaigns",
            "subject_sv": "",
            "body_sv": SHORT_BODY,
            "subject_en": "",
            "body_en": "",
        },
    )

    html = response.content.decode()
    assert "<strong>1</strong> (GSM-7)" in html
    assert "At worst 2 parts" in html
    assert "UCS-2" in html
