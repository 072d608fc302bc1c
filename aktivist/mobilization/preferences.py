"""The preference centre: a person chooses, from a link in any bulk email (a signed token,
no login), which topics they get by which channel, or leaves everything.

Email topics can be switched on and off here: the link came to the address, which proves
the person holds it, so a "yes" is confirmed at once and recorded with the exact words
shown. SMS topics can only be switched off here (a new SMS consent is confirmed by a code
sent to the mobile). Member news is for members, on the basis of their membership: a
member switches it off and on again. Transactional messages (confirmations, reminders of
events they signed up for) are not topics and keep coming.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from aktivist.core import audit
from aktivist.mobilization.models import Purpose, Suppression, address_hash
from aktivist.mobilization.suppressions import (
    leave_everything,
    lift_unsubscribe,
    suppress,
)
from aktivist.people.consents import ConsentChoice, wording_for
from aktivist.people.models import Consent, Person

SOURCE = "preference centre"


@dataclass(frozen=True)
class Topic:
    key: str  # "<channel>:<purpose>"
    channel: str
    purpose: str
    label: Any
    choice: ConsentChoice | None  # the wording recorded when switched on here


TOPICS = [
    Topic(
        "email:campaigns",
        Consent.Channel.EMAIL,
        Purpose.CAMPAIGNS,
        gettext_lazy("Campaigns, calls to action and news by email"),
        ConsentChoice(
            key="pref_email_campaigns",
            purpose=Consent.Purpose.CAMPAIGNS,
            channels=(Consent.Channel.EMAIL,),
            version="2026-12-preferences-email-campaigns-1",
            label=gettext_lazy(
                "Yes, send me campaigns, calls to action and news by email. I can "
                "unsubscribe at any time."
            ),
        ),
    ),
    Topic(
        "email:rapid_response",
        Consent.Channel.EMAIL,
        Purpose.RAPID_RESPONSE,
        gettext_lazy("Urgent actions by email when someone is at risk (rapid-response network)"),
        ConsentChoice(
            key="pref_email_rapid_response",
            purpose=Consent.Purpose.RAPID_RESPONSE,
            channels=(Consent.Channel.EMAIL,),
            version="2026-12-preferences-email-rapid-1",
            label=gettext_lazy(
                "Yes, email me urgent actions when someone is at risk and quick action can "
                "help. I can unsubscribe at any time."
            ),
        ),
    ),
    Topic(
        "email:member_news",
        Consent.Channel.EMAIL,
        Purpose.MEMBER_NEWS,
        gettext_lazy("Member news by email"),
        None,
    ),
    Topic(
        "sms:campaigns",
        Consent.Channel.SMS,
        Purpose.CAMPAIGNS,
        gettext_lazy("Calls to action by SMS"),
        None,
    ),
    Topic(
        "sms:rapid_response",
        Consent.Channel.SMS,
        Purpose.RAPID_RESPONSE,
        gettext_lazy("Urgent actions by SMS (rapid-response network)"),
        None,
    ),
]
TOPIC_BY_KEY = {t.key: t for t in TOPICS}


@dataclass(frozen=True)
class TopicState:
    topic: Topic
    on: bool
    can_switch_on: bool


@dataclass(frozen=True)
class Preferences:
    person: Person
    topics: list[TopicState]
    bounced: bool  # email cannot be delivered to the address
    left_everything: bool


def _suppressed_purposes(person: Person) -> dict[str, str]:
    if not person.email:
        return {}
    return dict(
        Suppression.objects.filter(
            channel=Consent.Channel.EMAIL, address_hash=address_hash(person.email)
        ).values_list("purpose", "reason")
    )


def preferences_of(person: Person) -> Preferences:
    confirmed = {
        f"{c}:{p}"
        for c, p in Consent.objects.filter(
            person=person, status=Consent.Status.CONFIRMED
        ).values_list("channel", "purpose")
    }
    suppressed = _suppressed_purposes(person)
    everything_off = suppressed.get("") is not None
    bounced = any(r in Suppression.BLOCKS_ALL for r in suppressed.values())
    is_member = person.membership_status == Person.MembershipStatus.MEMBER
    states = []
    for topic in TOPICS:
        if topic.purpose == Purpose.MEMBER_NEWS:
            if not is_member:
                continue
            on = not everything_off and topic.purpose not in suppressed
            states.append(TopicState(topic, on=on, can_switch_on=bool(person.email)))
            continue
        on = topic.key in confirmed and not (
            topic.channel == Consent.Channel.EMAIL and everything_off
        )
        if topic.channel == Consent.Channel.SMS and not on:
            continue  # an SMS consent is given with a code, not here
        states.append(
            TopicState(topic, on=on, can_switch_on=topic.choice is not None and bool(person.email))
        )
    return Preferences(
        person=person, topics=states, bounced=bounced, left_everything=everything_off
    )


@transaction.atomic
def preferences_save(*, person: Person, wanted: set[str], language: str) -> list[str]:
    """Switch topics on and off. Returns the keys that changed."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    current = preferences_of(person)
    now = timezone.now()
    changed: list[str] = []
    turned_on: list[str] = []
    for state in current.topics:
        key = state.topic.key
        want = key in wanted
        if want == state.on or (want and not state.can_switch_on):
            continue
        changed.append(key)
        topic = state.topic
        if topic.purpose == Purpose.MEMBER_NEWS:
            if want:
                turned_on.append(Purpose.MEMBER_NEWS)
            else:
                suppress(
                    address=person.email or "",
                    reason=Suppression.Reason.UNSUBSCRIBED,
                    purpose=Purpose.MEMBER_NEWS,
                    person=person,
                    source=SOURCE,
                )
            continue
        consent, _created = Consent.objects.select_for_update().get_or_create(
            person=person,
            channel=topic.channel,
            purpose=topic.purpose,
            defaults={"status": Consent.Status.PENDING, "source": SOURCE},
        )
        if want:
            assert topic.choice is not None  # noqa: S101 - can_switch_on said so
            _text, digest = wording_for(topic.choice, language)
            consent.status = Consent.Status.CONFIRMED
            consent.confirmed_at = now
            consent.confirmed_by = Consent.ConfirmedBy.PREFERENCE_CENTRE
            consent.withdrawn_at = None
            consent.wording_version = topic.choice.version
            consent.wording_hash = digest
            consent.source = SOURCE
            turned_on.append(topic.purpose)
        else:
            consent.status = Consent.Status.WITHDRAWN
            consent.withdrawn_at = now
        consent.save()
    if turned_on:
        lift_unsubscribe(person, turned_on)
    if changed:
        audit.record(
            actor=None,
            verb="preferences.save",
            obj=person,
            details={"changed": changed, "source": SOURCE},
        )
    return changed


def preferences_leave_everything(*, person: Person) -> None:
    leave_everything(person=person, source=SOURCE)
