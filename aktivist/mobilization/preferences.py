"""The preference centre: a person chooses, from a link in any bulk email (a signed token,
no login), which topics they get by which channel, or leaves everything.

Email topics can be switched on and off here: the link came to the address, which proves
the person holds it, so a "yes" is confirmed at once and recorded with the exact words
shown. SMS topics are switched off here; the one SMS topic that can be switched on here is
the rapid-response network, and only by a code sent to the mobile (the person's own
mobile, or for a person without one the number they type, which becomes theirs once the
code proves it). Member news is for members, on the basis of their membership: a member
switches it off and on again. Transactional messages (confirmations, reminders of events
they signed up for) are not topics and keep coming.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.core import audit
from aktivist.core.exceptions import ApplicationError
from aktivist.lib.normalise import is_mobile, normalise_phone
from aktivist.mobilization.models import Purpose, Suppression, address_hash
from aktivist.mobilization.suppressions import (
    leave_everything,
    lift_unsubscribe,
    suppress,
)
from aktivist.people.consents import ConsentChoice, consents_confirm_sms, wording_for
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


# --- Joining the rapid-response network by SMS ------------------------------------------------

NETWORK_SMS = ConsentChoice(
    key="pref_sms_rapid_response",
    purpose=Consent.Purpose.RAPID_RESPONSE,
    channels=(Consent.Channel.SMS,),
    version="2026-12-preferences-sms-rapid-1",
    label=gettext_lazy(
        "Yes, send me an SMS when someone is at risk and quick action can help (the "
        "rapid-response network). I can reply STOPP at any time."
    ),
)


@dataclass(frozen=True)
class NetworkSms:
    joined: bool  # a confirmed SMS consent to the network, the mobile proved
    waiting_for_code: bool  # asked to join: a code is (or is being) sent
    mobile_ending: str  # the last digits of the person's own mobile ("" without one)


def _network_consent(person: Person) -> Consent | None:
    return Consent.objects.filter(
        person=person, channel=Consent.Channel.SMS, purpose=Consent.Purpose.RAPID_RESPONSE
    ).first()


def network_sms_of(person: Person) -> NetworkSms:
    consent = _network_consent(person)
    joined = (
        consent is not None
        and consent.status == Consent.Status.CONFIRMED
        and consent.confirmed_by in Consent.MOBILE_PROVED
    )
    waiting = consent is not None and consent.status == Consent.Status.PENDING
    return NetworkSms(
        joined=joined, waiting_for_code=waiting, mobile_ending=(person.mobile or "")[-2:]
    )


@transaction.atomic
def network_sms_request(*, person: Person, mobile: str, language: str) -> Consent:
    """Record the wish to join by SMS (pending, with the exact words shown) and send a code
    to the mobile once this commits. The person's own mobile is used when they have one."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if network_sms_of(person).joined:
        raise ApplicationError(_("You are already in the rapid-response network by SMS."))
    typed = ""
    if not person.mobile:
        typed = normalise_phone(mobile) or ""
        if not typed or not is_mobile(typed):
            raise ApplicationError(_("Enter a valid mobile number."))
    _text, digest = wording_for(NETWORK_SMS, language)
    consent, _created = Consent.objects.select_for_update().get_or_create(
        person=person,
        channel=Consent.Channel.SMS,
        purpose=Consent.Purpose.RAPID_RESPONSE,
        defaults={"status": Consent.Status.PENDING},
    )
    consent.status = Consent.Status.PENDING
    consent.withdrawn_at = None
    consent.wording_version = NETWORK_SMS.version
    consent.wording_hash = digest
    consent.source = SOURCE
    consent.pending_mobile = typed
    # The link came to the person's inbox: the inbox step of adopting the typed mobile is
    # done; the code sent to it completes the adoption (never when someone else holds it).
    consent.pending_mobile_inbox_at = timezone.now() if typed else None
    consent.pending_mobile_code_at = None
    consent.code_ticket = ""
    consent.save()
    audit.record(
        actor=None,
        verb="preferences.network_sms_request",
        obj=person,
        details={"source": SOURCE},
    )
    from aktivist.people.tasks import send_consent_confirmations

    consent_id = consent.pk
    transaction.on_commit(lambda: send_consent_confirmations.enqueue([consent_id], language))
    return consent


def network_sms_confirm(*, person: Person, code: str) -> bool:
    """True when the code confirms the person's pending SMS consent to the network (a
    typed mobile someone else holds is not adopted: the consent is not confirmed)."""
    consent = _network_consent(person)
    if consent is None or consent.status != Consent.Status.PENDING:
        return False
    confirmed = consents_confirm_sms(consent_ids=[consent.pk], code=code)
    confirmed = confirmed and network_sms_of(person).joined
    if confirmed:
        mobile = Person.objects.filter(pk=person.pk).values_list("mobile", flat=True).first()
        if mobile:
            Suppression.objects.filter(
                channel=Consent.Channel.SMS,
                address_hash=address_hash(mobile),
                reason=Suppression.Reason.UNSUBSCRIBED,
            ).delete()
    return confirmed
