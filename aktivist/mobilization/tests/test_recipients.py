"""The two forms of "who may receive a message" agree (``mobilization/recipients.py``): for
generated people — consents per channel and purpose confirmed, pending or withdrawn and
confirmed in every way, members and not, addresses suppressed per reason and purpose,
erased people, reserved and other domains, no address, case actions taken or not — the
set-based query (the snapshot's, the reports') gives each person the same reason as the
per-person check (a send's), for every audience (channel × purpose × urgent), with
PRODUCTION on and off."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from aktivist.campaigns.tests.factories import ActionFactory, ParticipationFactory
from aktivist.mobilization import recipients
from aktivist.mobilization.models import Channel, Delivery, Purpose, Suppression
from aktivist.mobilization.tests.factories import SuppressionFactory
from aktivist.people.models import Consent, Person
from aktivist.people.tests.factories import PersonFactory

DOMAINS = ["example.org", "lokal.example.com", "example.net", "gmail.com", "notexample.org"]
CONSENT_STATES = [
    None,
    (Consent.Status.PENDING, ""),
    (Consent.Status.WITHDRAWN, Consent.ConfirmedBy.DOUBLE_OPT_IN),
    *((Consent.Status.CONFIRMED, by) for by in Consent.ConfirmedBy.values),
]
SUPPRESSION_PURPOSES = ["", *Purpose.values]


@dataclass(frozen=True)
class Someone:
    active: bool
    email: str | None  # a domain, "" or None
    has_mobile: bool | None  # None: no mobile; False: ""
    member: str
    consents: dict[tuple[str, str], tuple[str, str] | None]
    suppressed: dict[tuple[str, str], str]  # (channel, purpose) → reason
    acted: bool


someone = st.builds(
    Someone,
    active=st.booleans(),
    email=st.sampled_from([None, "", *DOMAINS]),
    has_mobile=st.sampled_from([None, False, True]),
    member=st.sampled_from(Person.MembershipStatus.values),
    consents=st.fixed_dictionaries(
        {
            key: st.sampled_from(CONSENT_STATES)
            for key in itertools.product(Consent.Channel.values, Consent.Purpose.values)
        }
    ),
    suppressed=st.dictionaries(
        st.tuples(st.sampled_from(Channel.values), st.sampled_from(SUPPRESSION_PURPOSES)),
        st.sampled_from(Suppression.Reason.values),
        max_size=3,
    ),
    acted=st.booleans(),
)


def create(people: list[Someone]) -> tuple[list[int], int]:
    action = ActionFactory()
    other_action = ActionFactory()
    ids = []
    blank_email = blank_mobile = False
    now = timezone.now()
    for n, spec in enumerate(people):
        email = spec.email if spec.email in (None, "") else f"p{n}@{spec.email}"
        if email == "":
            email, blank_email = (None if blank_email else ""), True  # unique: one "" only
        mobile = None if spec.has_mobile is None else (f"+4670{n:07d}" if spec.has_mobile else "")
        if mobile == "":
            mobile, blank_mobile = (None if blank_mobile else ""), True
        person = PersonFactory(
            email=email, mobile=mobile, is_active=spec.active, membership_status=spec.member
        )
        ids.append(person.pk)
        for (channel, purpose), state in spec.consents.items():
            if state is not None:
                Consent.objects.create(
                    person=person,
                    channel=channel,
                    purpose=purpose,
                    status=state[0],
                    confirmed_by=state[1],
                    confirmed_at=now if state[0] != Consent.Status.PENDING else None,
                )
        for (channel, purpose), reason in spec.suppressed.items():
            address = email if channel == Channel.EMAIL else mobile
            if address:
                SuppressionFactory(
                    channel=channel, address=address, purpose=purpose, reason=reason, person=person
                )
        ParticipationFactory(person=person, action=action if spec.acted else other_action)
    return ids, action.pk


def audiences(action_id: int) -> list[recipients.Audience]:
    return [
        recipients.Audience(purpose=purpose, channel=channel, action_id=action_id, urgent=urgent)
        for purpose in Purpose.values
        for channel in Channel.values
        for urgent in (False, True)
    ]


def disagreements(ids: list[int], action_id: int) -> list[tuple]:
    found = []
    for audience in audiences(action_id):
        by_set = dict(
            recipients.with_reasons(Person.objects.filter(pk__in=ids), audience).values_list(
                "pk", "_reason"
            )
        )
        by_person = recipients.reasons(ids, audience)
        assert set(by_set) == set(ids)
        found += [
            (audience, pk, by_set[pk], by_person[pk]) for pk in ids if by_set[pk] != by_person[pk]
        ]
    return found


class SetAndPersonAgree(TestCase):
    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(people=st.lists(someone, min_size=1, max_size=12))
    def test_the_set_based_query_and_the_per_person_check_agree(self, people) -> None:
        ids, action_id = create(people)
        for production in (False, True):
            with override_settings(PRODUCTION=production):
                assert disagreements(ids, action_id) == []


class EveryReasonIsReached(TestCase):
    """The generated space is not empty: each reason is the answer for someone."""

    def test_each_reason_occurs(self) -> None:
        people = [
            Someone(
                active=active,
                email=email,
                has_mobile=True,
                member=member,
                consents={
                    (channel, purpose): state
                    for channel in Consent.Channel.values
                    for purpose in Consent.Purpose.values
                },
                suppressed={(Channel.EMAIL, ""): reason} if reason else {},
                acted=True,
            )
            for active, email, member, state, reason in itertools.product(
                (True, False),
                (None, "example.org", "gmail.com"),
                (Person.MembershipStatus.MEMBER, Person.MembershipStatus.NON_MEMBER),
                CONSENT_STATES,
                ("", *Suppression.Reason.values),
            )
        ]
        ids, action_id = create(people)
        seen = set()
        with override_settings(PRODUCTION=False):
            assert disagreements(ids, action_id) == []
            for audience in audiences(action_id):
                seen |= set(recipients.reasons(ids, audience).values())
        assert seen == {
            Delivery.Reason.NONE,
            Delivery.Reason.ERASED,
            Delivery.Reason.NO_ADDRESS,
            Delivery.Reason.NOT_HERE,
            Delivery.Reason.COMPLAINED,
            Delivery.Reason.BOUNCED,
            Delivery.Reason.UNSUBSCRIBED,
            Delivery.Reason.UNPROVED,
            Delivery.Reason.NO_CONSENT,
        }
