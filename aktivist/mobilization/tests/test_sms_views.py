"""Writing an SMS: no subject, a live count of its parts while typing, its cost before
sending, a test to one's own mobile."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from aktivist.mobilization.models import Channel, Message, Mobilization
from aktivist.mobilization.tests.factories import MessageFactory, SegmentFactory
from aktivist.people.models import Consent
from aktivist.people.tests.factories import ConsentFactory, PersonFactory

pytestmark = pytest.mark.django_db

EVERYONE = {"condition": "created_within", "value": {"days": 365}}


def sms_post(**overrides):
    data = {
        "name": "Sms-upprop",
        "channel": "sms",
        "purpose": "campaigns",
        "subject_sv": "",
        "body_sv": "Hej {{ first_name | vän }}! Fånge i fara.",
        "subject_en": "",
        "body_en": "",
    }
    data.update(overrides)
    return data


def test_an_sms_is_saved_without_a_subject_and_an_email_needs_one(client_for, personas):
    staff = client_for(personas.staff)
    response = staff.post(reverse("mobilization:message_create"), sms_post())
    assert response.status_code == 302
    message = Message.objects.get()
    assert (message.channel, message.subject_sv) == (Channel.SMS, "")
    email = staff.post(
        reverse("mobilization:message_create"), sms_post(channel="email", name="Mejl")
    )
    assert email.status_code == 400
    assert "An email needs a subject." in email.content.decode()


def test_a_subject_typed_for_an_sms_is_dropped(client_for, personas):
    client_for(personas.staff).post(
        reverse("mobilization:message_create"), sms_post(subject_sv="Rubrik")
    )
    assert Message.objects.get().subject_sv == ""


def test_the_preview_counts_parts_and_cost_as_one_types(client_for, personas, settings):
    settings.SMS_PRICE_PER_SEGMENT = "0.40"
    staff = client_for(personas.staff)
    url = reverse("mobilization:message_preview")
    short = staff.post(url, sms_post(body_sv="Hej {{ first_name | vän }}!")).content.decode()
    assert "Hej Amir!<br>Svara STOPP för att avsluta." in short
    assert "<strong>1</strong> (GSM-7)" in short
    assert "0.40 SEK" in short or "0,40 SEK" in short
    long = staff.post(url, sms_post(body_sv="Skriv under nu. " * 12)).content.decode()
    assert "<strong>2</strong> (GSM-7)" in long
    emoji = staff.post(url, sms_post(body_sv="Fånge i fara ✊")).content.decode()
    assert "(UCS-2)" in emoji
    assert "makes each part hold 70 characters" in emoji


def test_an_sms_longer_than_six_parts_is_refused_with_its_length(client_for, personas):
    staff = client_for(personas.staff)
    response = staff.post(reverse("mobilization:message_create"), sms_post(body_sv="x" * 1000))
    assert response.status_code == 400
    assert "at most 6 parts long; this one is 7" in response.content.decode()
    assert not Message.objects.exists()


def test_the_reach_of_an_sms_shows_its_cost(client_for, personas, world, settings):
    settings.SMS_PRICE_PER_SEGMENT = "0.50"
    settings.SMS_QUIET_HOURS = ()
    for person in (world.member_a1, world.member_b1):
        person.mobile = f"+4670111222{person.pk % 10}"
        person.save()
        ConsentFactory(
            person=person,
            channel=Consent.Channel.SMS,
            status=Consent.Status.CONFIRMED,
            confirmed_at=timezone.now(),
            confirmed_by=Consent.ConfirmedBy.SMS_CODE,
        )
    message = MessageFactory(
        channel=Channel.SMS, subject_sv="", subject_en="", body_en="", body_sv="Skriv under!"
    )
    mobilization = Mobilization.objects.create(
        name="Sms",
        message=message,
        channel=Channel.SMS,
        segment=SegmentFactory(tree=EVERYONE),
        created_by=personas.staff,
    )
    reach = client_for(personas.staff).get(reverse("mobilization:reach", args=[mobilization.pk]))
    html = reach.content.decode()
    assert "<strong>2</strong>" in html
    assert "Cost: about 1.00 SEK" in html
    assert "1 part × 2 people × 0.50 SEK a part." in html


def test_a_test_sms_goes_to_the_staff_members_own_mobile(client_for, personas, sms_outbox):
    message = MessageFactory(channel=Channel.SMS, subject_sv="", subject_en="", body_en="")
    staff = client_for(personas.staff)
    response = staff.post(reverse("mobilization:message_test", args=[message.pk]), follow=True)
    assert "has no mobile number" in response.content.decode()
    assert sms_outbox == []
    personas.staff.person = PersonFactory(mobile="+46701112233")
    personas.staff.save()
    staff.post(reverse("mobilization:message_test", args=[message.pk]))
    assert [to for to, _body in sms_outbox] == ["+46701112233"]
    assert sms_outbox[0][1].startswith("[Test] Hej ")
