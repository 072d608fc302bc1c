"""The pages behind the links in bulk email: the personal link (click, then the action
page with the delivery's reference token), one-click unsubscribe (RFC 8058) and the
preference centre. Each link carries its own purpose's token (test_link_tokens.py proves
that one never passes for another)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from aktivist.campaigns.models import Participation
from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.core.models import AuditEvent
from aktivist.mobilization.models import Delivery, Purpose, Suppression, address_hash
from aktivist.mobilization.preferences import preferences_of
from aktivist.mobilization.suppressions import is_unsubscribed
from aktivist.mobilization.tests.factories import (
    DeliveryFactory,
    MessageFactory,
    MobilizationFactory,
)
from aktivist.mobilization.tokens import (
    link_token,
    preference_token,
    ref_token,
    unsubscribe_token,
)
from aktivist.people.models import Consent, Person
from aktivist.people.tests.factories import ConsentFactory, PersonFactory
from aktivist.public.tests.helpers import post_signature

pytestmark = pytest.mark.django_db


def delivered(person=None, *, purpose=Purpose.CAMPAIGNS, action=None, language="sv"):
    person = person or PersonFactory(language=language)
    message = MessageFactory(purpose=purpose, action=action)
    from aktivist.mobilization.composing import message_snapshot

    mobilization = MobilizationFactory(message=message, message_snapshot=message_snapshot(message))
    return DeliveryFactory(mobilization=mobilization, person=person)


def confirmed(person, purpose=Consent.Purpose.CAMPAIGNS, channel=Consent.Channel.EMAIL):
    return ConsentFactory(
        person=person,
        purpose=purpose,
        channel=channel,
        status=Consent.Status.CONFIRMED,
        confirmed_at=timezone.now(),
    )


# --- Personal links and response tracking ------------------------------------------------------


def test_a_personal_link_records_the_click_and_forwards_to_the_action_with_its_reference(client):
    action = ActionFactory(slug="frige-henne")
    delivery = delivered(action=action, language="en")
    token = link_token(delivery.pk)

    response = client.get(reverse("public:personal_link", args=[token]))

    assert response.status_code == 302
    assert response["Location"] == f"/a/frige-henne/?ref={ref_token(delivery.pk)}&lang=en"
    delivery.refresh_from_db()
    assert delivery.clicked_at is not None
    first_click = delivery.clicked_at
    client.get(reverse("public:personal_link", args=[token]))
    delivery.refresh_from_db()
    assert delivery.clicked_at == first_click  # the first click counts


def test_signing_through_a_personal_link_is_attributed_to_the_delivery(
    client, django_capture_on_commit_callbacks
):
    action = ActionFactory()
    delivery = delivered(action=action)
    token = ref_token(delivery.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_signature(client, action, query=f"ref={token}")
    assert response.status_code == 303
    assert Participation.objects.get(action=action).tracking_token == token
    delivery.refresh_from_db()
    assert delivery.acted_at is not None


def test_forged_or_unknown_links_are_a_page_that_does_not_exist(client):
    delivery = delivered(action=ActionFactory())
    token = link_token(delivery.pk)
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), "l1.x", "garbage", "p1.abc"):
        for name in ("public:personal_link", "public:unsubscribe", "public:preferences"):
            assert client.get(reverse(name, args=[bad])).status_code == 404
    delivery.refresh_from_db()
    assert delivery.clicked_at is None


# --- One-click unsubscribe ---------------------------------------------------------------------


def test_opening_the_unsubscribe_link_changes_nothing(client):
    person = PersonFactory()
    confirmed(person)
    delivery = delivered(person)
    response = client.get(reverse("public:unsubscribe", args=[unsubscribe_token(delivery.pk)]))
    assert response.status_code == 200
    assert "<form" in response.content.decode()
    assert person.consents.get().status == Consent.Status.CONFIRMED


def test_a_one_click_post_unsubscribes_from_the_messages_purpose(client):
    person = PersonFactory()
    confirmed(person)
    confirmed(person, purpose=Consent.Purpose.RAPID_RESPONSE)
    delivery = delivered(person)

    response = client.post(
        reverse("public:unsubscribe", args=[unsubscribe_token(delivery.pk)]),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    statuses = dict(person.consents.values_list("purpose", "status"))
    assert statuses == {"campaigns": "withdrawn", "rapid_response": "confirmed"}
    assert is_unsubscribed(person, Purpose.CAMPAIGNS)
    assert not is_unsubscribed(person, Purpose.RAPID_RESPONSE)
    event = AuditEvent.objects.get(verb="mobilization.unsubscribe")
    assert event.details["source"] == "one-click"
    assert event.person_id == person.pk


def test_unsubscribing_from_member_news_needs_no_consent_and_sticks(client):
    member = PersonFactory(membership_status=Person.MembershipStatus.MEMBER)
    delivery = delivered(member, purpose=Purpose.MEMBER_NEWS)
    client.post(reverse("public:unsubscribe", args=[unsubscribe_token(delivery.pk)]))
    assert is_unsubscribed(member, Purpose.MEMBER_NEWS)
    assert not is_unsubscribed(member, Purpose.CAMPAIGNS)


def test_unsubscribed_people_still_get_transactional_mail_but_bounced_ones_do_not(mailoutbox):
    from aktivist.core.emails import send_transactional

    person = PersonFactory(email="still@example.org")
    Suppression.objects.create(
        address=person.email,
        address_hash=address_hash(person.email),
        reason=Suppression.Reason.UNSUBSCRIBED,
    )
    assert send_transactional(
        "people/confirm_email",
        to=person.email,
        context={"first_name": "A", "purposes": [], "confirm_path": "/"},
    )
    Suppression.objects.filter(address=person.email).update(reason=Suppression.Reason.COMPLAINED)
    assert not send_transactional(
        "people/confirm_email",
        to=person.email,
        context={"first_name": "A", "purposes": [], "confirm_path": "/"},
    )
    assert len(mailoutbox) == 1


# --- The preference centre ---------------------------------------------------------------------


def prefs_url(person):
    return reverse("public:preferences", args=[preference_token(person.pk)])


def test_the_preference_centre_shows_the_persons_topics_and_saves_their_choices(client):
    person = PersonFactory(membership_status=Person.MembershipStatus.MEMBER)
    confirmed(person)
    confirmed(person, purpose=Consent.Purpose.RAPID_RESPONSE, channel=Consent.Channel.SMS)

    page = client.get(prefs_url(person)).content.decode()
    assert 'value="email:campaigns" checked' in page
    assert 'value="email:member_news" checked' in page
    assert 'value="sms:rapid_response" checked' in page
    assert 'value="sms:campaigns"' not in page  # an SMS consent is given with a code

    response = client.post(
        prefs_url(person), {"topic": ["email:rapid_response", "sms:rapid_response"]}
    )
    assert response.status_code == 200
    states = {s.topic.key: s.on for s in preferences_of(person).topics}
    assert states == {
        "email:campaigns": False,
        "email:rapid_response": True,
        "email:member_news": False,
        "sms:rapid_response": True,
    }
    rapid = person.consents.get(channel="email", purpose="rapid_response")
    assert rapid.status == Consent.Status.CONFIRMED
    assert rapid.wording_version.startswith("2026-12-preferences")


def test_leaving_everything_withdraws_every_consent_and_stops_all_bulk_email(client):
    person = PersonFactory()
    confirmed(person)
    confirmed(person, channel=Consent.Channel.SMS)
    response = client.post(prefs_url(person), {"leave": "everything"})
    assert response.status_code == 200
    assert set(person.consents.values_list("status", flat=True)) == {Consent.Status.WITHDRAWN}
    assert is_unsubscribed(person, Purpose.MEMBER_NEWS)
    assert preferences_of(person).left_everything


def test_an_erased_persons_links_lead_nowhere(client):
    person = PersonFactory()
    delivery = delivered(person)
    Person.objects.filter(pk=person.pk).update(is_active=False, email=None)
    assert client.get(prefs_url(person)).status_code == 404
    Delivery.objects.filter(pk=delivery.pk).update(person=None)
    page = client.get(reverse("public:unsubscribe", args=[unsubscribe_token(delivery.pk)]))
    assert page.status_code == 200
    assert "<form" not in page.content.decode()


def test_signing_up_for_an_event_through_a_personal_event_link_is_attributed(client):
    from aktivist.programmes.models import Registration
    from aktivist.programmes.tests.factories import EventFactory
    from aktivist.public.tests.event_helpers import post_sign_up

    event = EventFactory(slug="alumnkvall")
    person = PersonFactory()
    message = MessageFactory(event=event)
    from aktivist.mobilization.composing import message_snapshot

    mobilization = MobilizationFactory(message=message, message_snapshot=message_snapshot(message))
    delivery = DeliveryFactory(mobilization=mobilization, person=person)
    link, token = link_token(delivery.pk), ref_token(delivery.pk)

    response = client.get(reverse("public:personal_link_event", args=[link]))
    assert response["Location"].startswith(f"/e/alumnkvall/?ref={token}")
    event_url = reverse("public:event", args=[event.slug])
    with_ref = client.get(f"{event_url}?ref={token}&lang=en").content.decode()
    assert f'value="{token}"' in with_ref  # the form carries the reference
    post_sign_up(client, event, ref=token)
    assert Registration.objects.get(event=event).tracking_token == token
    delivery.refresh_from_db()
    assert delivery.clicked_at is not None and delivery.acted_at is not None
