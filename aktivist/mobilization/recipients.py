"""Who may receive a message: the one place that decides it, for every sender.

A message is held back for the first of these reasons that holds (``Delivery.Reason``):

1. ``erased``: the person was erased;
2. ``no_address``: no email (no mobile for SMS);
3. ``not_here``: outside production, an email address not in a reserved test domain;
4. ``complained``, ``bounced``, ``unsubscribed``: the address is suppressed for the channel,
   for every purpose or for this one (strongest first);
5. otherwise the person may receive it when the purpose's basis holds: a confirmed consent
   for the channel and purpose (for SMS, confirmed by a code or an SMS from the mobile), for
   member news by email a current membership, for a case update having taken the case's
   action; an SMS consent nobody proved is ``unproved``, anything else ``no_consent``.

``RULES`` lists them once, and each rule has two forms built side by side:

* **set-based** — ``with_reasons(people, audience)``: a ``CASE`` over the people of a
  queryset, one SQL statement (the outbox's snapshot ``INSERT … SELECT``, the reach and cost
  reports, the alumni invitation's counts). Each suppression reason is an ``IN (subquery)``
  test that PostgreSQL hashes once;
* **per person** — ``reasons(person_ids, audience)``: the same rules for a batch of people
  in a few index lookups (a worker's check at send time, whatever changed since the
  snapshot). It matches suppressions by the address's hash, so a suppression whose address
  erasure blanked still holds the address back here.

Transactional email (confirmations, reminders) asks ``blocking_reason`` through core's
``recipient_checks`` hook (registered in ``apps.py``): only a bounce or a complaint holds it
back; core itself refuses erased people and, outside production, unreserved addresses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Exists,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from aktivist.campaigns.models import Participation
from aktivist.core.emails import RESERVED_DOMAINS, is_reserved_address
from aktivist.lib.normalise import normalise_email
from aktivist.mobilization.models import (
    Channel,
    Delivery,
    Mobilization,
    Purpose,
    Suppression,
    address_hash,
)
from aktivist.people.models import Consent, Person

# The suppression reasons, strongest first (the order in which they decide).
SUPPRESSED = (Delivery.Reason.COMPLAINED, Delivery.Reason.BOUNCED, Delivery.Reason.UNSUBSCRIBED)


@dataclass(frozen=True)
class Audience:
    """What decides who may get a message: the purpose (which consent), the channel (which
    address) and, for case updates, the action taken."""

    purpose: str
    channel: str = Channel.EMAIL
    action_id: int | None = None
    urgent: bool = False

    @classmethod
    def of(cls, mobilization: Mobilization) -> Audience:
        snapshot = mobilization.message_snapshot or {}
        action_id = snapshot.get("action_id") if snapshot else mobilization.message.action_id
        return cls(
            purpose=mobilization.purpose,
            channel=mobilization.channel,
            action_id=action_id,
            urgent=mobilization.urgent,
        )

    @property
    def is_sms(self) -> bool:
        return self.channel == Channel.SMS

    @property
    def address_field(self) -> str:
        return "mobile" if self.is_sms else "email"

    @property
    def needs_proof(self) -> bool:
        """An SMS consent counts only when the mobile was proved (not for case updates,
        whose basis is the action taken)."""
        return self.is_sms and self.purpose != Purpose.CASE_UPDATES


def consent_purpose_for(purpose: str) -> str:
    """The consent a message of this purpose needs (member news: the news consent, for
    those who are not members)."""
    return Consent.Purpose.CAMPAIGNS if purpose == Purpose.MEMBER_NEWS else purpose


# --- What the per-person check knows of someone ---------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the rules ask of one person, loaded for a batch (``facts``)."""

    is_active: bool
    address: str
    member: bool
    consent: str | None  # how the confirmed consent was confirmed; None: no such consent
    took_action: bool
    suppressed: frozenset[str]  # the suppression reasons on the address for this purpose


# --- The rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One reason, in its two forms: ``q`` on ``with_consent`` people (SQL), ``holds`` on a
    person's ``Facts``. ``applies``: whether the rule is asked at all for an audience."""

    reason: str
    q: Callable[[Audience], Q]
    holds: Callable[[Facts, Audience], bool]
    applies: Callable[[Audience], bool] = lambda audience: True


def reserved_address_q() -> Q:
    q = Q(pk__in=[])
    for domain in RESERVED_DOMAINS:
        q |= Q(email__endswith=f"@{domain}") | Q(email__endswith=f".{domain}")
    return q


def _no_address_q(audience: Audience) -> Q:
    field = audience.address_field
    return Q(**{f"{field}__isnull": True}) | Q(**{field: ""})


def _suppressed_q(reason: str) -> Callable[[Audience], Q]:
    def q(audience: Audience) -> Q:
        addresses = Suppression.objects.filter(
            channel=audience.channel, reason=reason, purpose__in=["", audience.purpose]
        ).values("address")
        return Q(**{f"{audience.address_field}__in": addresses})

    return q


def _is_suppressed(reason: str) -> Callable[[Facts, Audience], bool]:
    def holds(facts: Facts, audience: Audience) -> bool:
        return reason in facts.suppressed

    return holds


def _took_the_action(action_id: int | None) -> Q:
    return Q(
        Exists(Participation.objects.filter(person_id=OuterRef("pk"), action_id=action_id or 0))
    )


def consent_q(audience: Audience) -> Q:
    """On ``with_consent`` people: whether the purpose's basis holds (see the module)."""
    if audience.purpose == Purpose.CASE_UPDATES:
        return _took_the_action(audience.action_id)
    if audience.is_sms:
        return Q(_consent__confirmed_by__in=Consent.MOBILE_PROVED)
    consented = Q(_consent__isnull=False)
    if audience.purpose == Purpose.MEMBER_NEWS:
        return Q(membership_status=Person.MembershipStatus.MEMBER) | consented
    return consented


def basis_holds(facts: Facts, audience: Audience) -> bool:
    """``consent_q`` for one person."""
    if audience.purpose == Purpose.CASE_UPDATES:
        return facts.took_action
    if audience.is_sms:
        return facts.consent in Consent.MOBILE_PROVED
    if audience.purpose == Purpose.MEMBER_NEWS and facts.member:
        return True
    return facts.consent is not None


MAY_RECEIVE = Delivery.Reason.NONE  # ""

RULES: tuple[Rule, ...] = (
    Rule(Delivery.Reason.ERASED, lambda a: Q(is_active=False), lambda f, a: not f.is_active),
    Rule(Delivery.Reason.NO_ADDRESS, _no_address_q, lambda f, a: not f.address),
    Rule(
        Delivery.Reason.NOT_HERE,
        lambda a: ~reserved_address_q(),
        lambda f, a: not is_reserved_address(f.address),
        applies=lambda a: not settings.PRODUCTION and not a.is_sms,
    ),
    *(Rule(reason, _suppressed_q(reason), _is_suppressed(reason)) for reason in SUPPRESSED),
    Rule(MAY_RECEIVE, consent_q, basis_holds),
    # A yes to SMS whose mobile nobody proved (typed by staff, imported).
    Rule(
        Delivery.Reason.UNPROVED,
        lambda a: Q(_consent__isnull=False),
        lambda f, a: f.consent is not None,
        applies=lambda a: a.needs_proof,
    ),
)
OTHERWISE = Delivery.Reason.NO_CONSENT


# --- Set-based ------------------------------------------------------------------------------


def with_consent(people: QuerySet[Person], audience: Audience) -> QuerySet[Person]:
    """The people with their confirmed consent for the channel and purpose LEFT JOINed as
    ``_consent`` (at most one row: one consent per person, channel and purpose). A join lets
    PostgreSQL pick an index lookup per person for a small segment and a hash join for a
    large one."""
    return people.annotate(
        _consent=FilteredRelation(
            "consents",
            condition=Q(
                consents__channel=audience.channel,
                consents__purpose=consent_purpose_for(audience.purpose),
                consents__status=Consent.Status.CONFIRMED,
            ),
        )
    )


def skip_reason_expression(audience: Audience) -> Case:
    """SQL for why a person gets no message ("" when they get one), on ``with_consent``
    people: ``RULES`` as one ``CASE``."""
    whens = [
        When(rule.q(audience), then=Value(rule.reason)) for rule in RULES if rule.applies(audience)
    ]
    return Case(*whens, default=Value(OTHERWISE), output_field=CharField())


def with_reasons(people: QuerySet[Person], audience: Audience) -> QuerySet[Any]:
    """The people, each annotated as ``_reason`` with why they get no message ("" when
    they get one)."""
    return with_consent(people, audience).annotate(_reason=skip_reason_expression(audience))


# --- Per person -----------------------------------------------------------------------------


def suppression_reasons(
    addresses: Iterable[str], purpose: str, channel: str = Channel.EMAIL
) -> dict[str, set[str]]:
    """address → the suppression reasons holding it back from a message of this purpose
    (one query, by hash: rows whose address was erased still count)."""
    by_hash: dict[str, list[str]] = defaultdict(list)
    for address in set(addresses):
        if address:
            by_hash[address_hash(address)].append(address)
    if not by_hash:
        return {}
    found: dict[str, set[str]] = defaultdict(set)
    rows = Suppression.objects.filter(
        channel=channel, address_hash__in=list(by_hash), purpose__in=["", purpose]
    ).values_list("address_hash", "reason")
    for digest, reason in rows:
        for address in by_hash[digest]:
            found[address].add(reason)
    return dict(found)


def suppressed_addresses(
    addresses: Iterable[str], purpose: str, channel: str = Channel.EMAIL
) -> dict[str, str]:
    """address → the strongest suppression reason, for the suppressed ones."""
    return {
        address: next(r for r in SUPPRESSED if r in reasons)
        for address, reasons in suppression_reasons(addresses, purpose, channel).items()
    }


def facts(person_ids: Iterable[int], audience: Audience) -> dict[int, Facts]:
    """What the rules ask of each of these people (a few queries for the batch; people who
    no longer exist are left out)."""
    ids = list(set(person_ids))
    if not ids:
        return {}
    rows = Person.objects.filter(pk__in=ids).values_list(
        "pk", "is_active", audience.address_field, "membership_status"
    )
    consents = dict(
        Consent.objects.filter(
            person_id__in=ids,
            channel=audience.channel,
            purpose=consent_purpose_for(audience.purpose),
            status=Consent.Status.CONFIRMED,
        ).values_list("person_id", "confirmed_by")
    )
    acted: set[int] = set()
    if audience.purpose == Purpose.CASE_UPDATES:
        acted = set(
            Participation.objects.filter(
                person_id__in=ids, action_id=audience.action_id or 0
            ).values_list("person_id", flat=True)
        )
    people = list(rows)
    suppressed = suppression_reasons(
        (address or "" for _pk, _active, address, _status in people),
        audience.purpose,
        channel=audience.channel,
    )
    return {
        pk: Facts(
            is_active=bool(active),
            address=address or "",
            member=status == Person.MembershipStatus.MEMBER,
            consent=consents.get(pk),
            took_action=pk in acted,
            suppressed=frozenset(suppressed.get(address or "", ())),
        )
        for pk, active, address, status in people
    }


def reason_of(person: Facts, audience: Audience) -> str:
    """Why this person gets no message ("" when they get one): the first rule that holds."""
    for rule in RULES:
        if rule.applies(audience) and rule.holds(person, audience):
            return rule.reason
    return OTHERWISE


def reasons(person_ids: Iterable[int], audience: Audience) -> dict[int, str]:
    """person id → why they get no message now ("" when they get one); a person who no
    longer exists counts as erased."""
    ids = list(person_ids)
    found = facts(ids, audience)
    return {
        pk: reason_of(found[pk], audience) if pk in found else Delivery.Reason.ERASED for pk in ids
    }


# --- Transactional email --------------------------------------------------------------------


def blocking_reason(address: str) -> str:
    """Why no email at all may go to this address ("" when it may): it bounced or its
    owner complained, for any purpose. Transactional mail asks this before every message
    (core's ``recipient_checks``)."""
    address = normalise_email(address) or ""
    if not address:
        return ""
    found = Suppression.objects.filter(
        channel=Channel.EMAIL,
        address_hash=address_hash(address),
        reason__in=Suppression.BLOCKS_ALL,
    ).values_list("reason", flat=True)
    held = set(found)
    return next((r for r in SUPPRESSED if r in held), "")
