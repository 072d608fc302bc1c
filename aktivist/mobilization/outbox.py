"""The delivery outbox: the snapshot of recipients and the claiming of batches.

**Snapshot.** When a mobilization starts, its segment is evaluated in its author's scope
and every person in it gets one ``Delivery`` row, in one ``INSERT … SELECT`` statement:
pending, or skipped with the reason (no address, no consent for the channel and purpose,
unsubscribed, bounced, complained, outside production not a reserved test address).
The unique (person, mobilization) constraint makes a second snapshot impossible.

**Claims.** Workers claim a batch of due pending rows under a lease (``SELECT … FOR UPDATE
SKIP LOCKED`` on PostgreSQL, so any number of workers on any number of machines take
different rows; on SQLite the IMMEDIATE transaction serialises the claim, which is then a
conditional update). A worker renews its lease while it sends; when a worker dies, its
rows go back to pending once the lease has expired (``requeue_expired``), and the one
message it had in flight may be sent again — every other message was recorded as sent
the moment the server accepted it.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from aktivist.campaigns.models import Participation
from aktivist.core.emails import RESERVED_DOMAINS
from aktivist.lib.db import analyze_if_stale, tables_in
from aktivist.mobilization.models import Channel, Delivery, Mobilization, Purpose, Suppression
from aktivist.people.models import Consent, Person

# Back-off after a temporary failure, by the number of attempts made so far.
BACKOFF = [
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=15),
    dt.timedelta(hours=1),
    dt.timedelta(hours=3),
]


def backoff(attempts: int) -> dt.timedelta:
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


# --- Who may get a message ------------------------------------------------------------------


@dataclass(frozen=True)
class Audience:
    """What decides who may get a mobilization's messages: the purpose (which consent),
    the channel (which address) and, for case updates, the action taken."""

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


def consent_purpose_for(purpose: str) -> str:
    """The consent a message of this purpose needs (member news: the news consent, for
    those who are not members)."""
    return Consent.Purpose.CAMPAIGNS if purpose == Purpose.MEMBER_NEWS else purpose


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


def _took_the_action(action_id: int | None) -> Q:
    return Q(
        Exists(Participation.objects.filter(person_id=OuterRef("pk"), action_id=action_id or 0))
    )


def consent_q(audience: Audience) -> Q:
    """On ``with_consent`` people: who may get a message of this purpose — a confirmed
    consent (for SMS, confirmed by a code or an SMS from the mobile), for member news by
    email a current membership (the lawful basis, no consent), for a case update having
    taken the case's action."""
    if audience.purpose == Purpose.CASE_UPDATES:
        return _took_the_action(audience.action_id)
    if audience.is_sms:
        return Q(_consent__confirmed_by__in=Consent.MOBILE_PROVED)
    consented = Q(_consent__isnull=False)
    if audience.purpose == Purpose.MEMBER_NEWS:
        return Q(membership_status=Person.MembershipStatus.MEMBER) | consented
    return consented


def contactable(person_ids: list[int], audience: Audience) -> set[int]:
    """Of these people, those who may get a message of this purpose now (the send-time
    check of ``consent_q``, as plain index lookups for a batch)."""
    if not person_ids:
        return set()
    if audience.purpose == Purpose.CASE_UPDATES:
        return set(
            Participation.objects.filter(
                person_id__in=person_ids, action_id=audience.action_id or 0
            ).values_list("person_id", flat=True)
        )
    consents = Consent.objects.filter(
        person_id__in=person_ids,
        channel=audience.channel,
        purpose=consent_purpose_for(audience.purpose),
        status=Consent.Status.CONFIRMED,
    )
    if audience.is_sms:
        consents = consents.filter(confirmed_by__in=Consent.MOBILE_PROVED)
    allowed = set(consents.values_list("person_id", flat=True))
    if audience.purpose == Purpose.MEMBER_NEWS and not audience.is_sms:
        allowed |= set(
            Person.objects.filter(
                pk__in=person_ids, membership_status=Person.MembershipStatus.MEMBER
            ).values_list("pk", flat=True)
        )
    return allowed


def reserved_address_q() -> Q:
    q = Q(pk__in=[])
    for domain in RESERVED_DOMAINS:
        q |= Q(email__endswith=f"@{domain}") | Q(email__endswith=f".{domain}")
    return q


def skip_reason_expression(audience: Audience) -> Case:
    """SQL for why a person gets no message ("" when they get one), on ``with_consent``
    people. Each suppression reason is an ``IN (subquery)`` test, which PostgreSQL hashes
    once (the snapshot gives it the memory to)."""
    field = audience.address_field

    def suppressed(reason: str) -> Q:
        addresses = Suppression.objects.filter(
            channel=audience.channel, reason=reason, purpose__in=["", audience.purpose]
        ).values("address")
        return Q(**{f"{field}__in": addresses})

    no_address = Q(**{f"{field}__isnull": True}) | Q(**{field: ""})
    whens = [When(no_address, then=Value(Delivery.Reason.NO_ADDRESS))]
    if not settings.PRODUCTION and not audience.is_sms:
        whens.append(When(~reserved_address_q(), then=Value(Delivery.Reason.NOT_HERE)))
    for reason in (
        Suppression.Reason.BOUNCED,
        Suppression.Reason.COMPLAINED,
        Suppression.Reason.UNSUBSCRIBED,
    ):
        whens.append(When(suppressed(reason), then=Value(reason)))
    whens.append(When(consent_q(audience), then=Value("")))
    if audience.is_sms and audience.purpose != Purpose.CASE_UPDATES:
        # A yes to SMS whose mobile nobody proved (typed by staff, imported).
        whens.append(When(_consent__isnull=False, then=Value(Delivery.Reason.UNPROVED)))
    return Case(*whens, default=Value(Delivery.Reason.NO_CONSENT), output_field=CharField())


def snapshot_statement(mobilization: Mobilization, people: QuerySet[Person]) -> tuple[str, list]:
    """The snapshot's one ``INSERT … SELECT``: a delivery row per person of the queryset,
    pending or skipped with the reason. SMS that are not urgent are due after the quiet
    hours."""
    audience = Audience.of(mobilization)
    now = timezone.now()
    if audience.is_sms:
        from aktivist.mobilization.texting import due_time

        now = due_time(urgent=audience.urgent, now=now)
    reasons = (
        with_consent(people.order_by(), audience)
        .annotate(_pid=F("pk"), _reason=skip_reason_expression(audience))
        .values_list("_pid", "_reason")
    )
    select_sql, params = reasons.query.sql_with_params()
    table = Delivery._meta.db_table
    due = Delivery._meta.get_field("due_at").get_db_prep_value(now, connection)
    sql = (
        f"INSERT INTO {table} "  # noqa: S608 - table and columns are ours; values are params
        "(mobilization_id, person_id, status, reason, attempts, due_at, provider_id, error) "
        "SELECT %s, s._pid, CASE WHEN s._reason = '' THEN 'pending' ELSE 'skipped' END, "
        "s._reason, 0, %s, '', '' "
        f"FROM ({select_sql}) AS s WHERE 1 = 1 "  # SQLite parses ON CONFLICT after a WHERE
        # A late attempt whose lease ran out adds nothing to what its successor wrote (and
        # is rolled back at its end).
        "ON CONFLICT (person_id, mobilization_id) DO NOTHING"
    )
    return sql, [mobilization.pk, due, *params]


def snapshot_settings() -> list[tuple[str, str]]:
    """PostgreSQL settings for the snapshot's transaction (``SET LOCAL``).

    * No nested loops: the statement joins the segment's people with their consents and
      the suppressions, and a nested loop over two large sets runs for hours. The planner
      picks one when its statistics say the tables are nearly empty — as on a database that
      was never analysed (a new installation, or right after a bulk load: a network of
      100,000 ran for more than 24 minutes). Hash joins hold whatever the statistics say;
      for a small segment they cost a hash of the consents of one channel and purpose
      (well under a second at a million people).
    * A statement timeout: a snapshot that runs away anyway is cancelled and tried again.
    * A dead worker's statement stops within seconds (PostgreSQL checks that the client
      is still there), instead of holding the mobilization's row until it ends.
    * No compilation to machine code (it costs more than it saves in one big statement),
      and memory to hash the sets it tests (consents, suppressions), whatever their size:
      a set that does not fit in work_mem is searched once per person.
    """
    timeout = max(1, int(settings.MOBILIZATION_SNAPSHOT_TIMEOUT_SECONDS))
    found = [
        ("enable_nestloop", "off"),
        ("statement_timeout", f"{timeout}s"),
        ("jit", "off"),
        ("work_mem", "256MB"),
    ]
    if getattr(connection, "pg_version", 0) >= 140000:  # the setting is new in 14
        found.append(("client_connection_check_interval", "5s"))
    return found


def prepare_statistics(mobilization: Mobilization, people: QuerySet[Person]) -> list[str]:
    """ANALYZE the snapshot's tables that were never analysed or changed much since (run it
    outside the snapshot's transaction: ANALYZE holds its table's lock until commit)."""
    sql, _params = snapshot_statement(mobilization, people)
    return analyze_if_stale(tables_in(sql))


def insert_deliveries(mobilization: Mobilization, people: QuerySet[Person]) -> int:
    """One statement: a delivery row per person of the queryset. Returns rows inserted.
    Run it in a transaction: on PostgreSQL it changes settings for the rest of it."""
    sql, params = snapshot_statement(mobilization, people)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name, value in snapshot_settings():
                cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        cursor.execute(sql, params)
        return cursor.rowcount


# --- Claiming ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    claim: int
    ids: list[int]
    lease_until: dt.datetime


def _active_mobilizations(lane: str) -> list[int]:
    """The mobilizations to claim from, in order: every urgent one before any bulk one,
    and within each lane in a random order. So the workers share themselves between
    mobilizations of equal rank (an urgent action's SMS goes out alongside its email,
    not after it; one district's large send does not hold another's back)."""
    rows = list(
        Mobilization.objects.filter(status__in=Mobilization.ACTIVE).values_list("pk", "urgent")
    )
    shuffle = random.SystemRandom().sample
    urgent = [pk for pk, is_urgent in rows if is_urgent]
    bulk = [pk for pk, is_urgent in rows if not is_urgent] if lane != "urgent" else []
    return shuffle(urgent, len(urgent)) + shuffle(bulk, len(bulk))


def new_claim() -> int:
    return random.SystemRandom().randint(1, 2**62)


def lease_length() -> dt.timedelta:
    return dt.timedelta(seconds=settings.MOBILIZATION_LEASE_SECONDS)


def claim_batch(
    *, lane: str = "default", size: int | None = None, mobilization_id: int | None = None
) -> Batch | None:
    """Claim up to ``size`` due pending deliveries of one mobilization (urgent ones first)
    for this worker. None when nothing is due."""
    size = size or settings.MOBILIZATION_BATCH_SIZE
    candidates = [mobilization_id] if mobilization_id else _active_mobilizations(lane)
    for candidate in candidates:
        now = timezone.now()
        claim = new_claim()
        lease_until = now + lease_length()
        with transaction.atomic():
            ids = list(
                Delivery.objects.select_for_update(skip_locked=True)
                .filter(
                    mobilization_id=candidate,
                    status=Delivery.Status.PENDING,
                    due_at__lte=now,
                )
                .values_list("pk", flat=True)[:size]
            )
            if not ids:
                continue
            # The status condition makes the claim safe without row locks too (SQLite).
            claimed = Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING).update(
                status=Delivery.Status.SENDING, claim=claim, lease_until=lease_until
            )
        if claimed:
            return Batch(claim=claim, ids=ids, lease_until=lease_until)
    return None


def batch_rows(batch: Batch) -> QuerySet[Delivery]:
    """The batch's rows this claim still holds (found by id: the claim has no index)."""
    return Delivery.objects.filter(
        pk__in=batch.ids, claim=batch.claim, status=Delivery.Status.SENDING
    )


def renew_lease(batch: Batch) -> Batch:
    lease_until = timezone.now() + lease_length()
    batch_rows(batch).update(lease_until=lease_until)
    return Batch(claim=batch.claim, ids=batch.ids, lease_until=lease_until)


def release(batch: Batch, *, delay: dt.timedelta | None = None) -> int:
    """Give the batch's unsent rows back to the queue (pause, shutdown, server down)."""
    due = timezone.now() + (delay or dt.timedelta(0))
    return batch_rows(batch).update(
        status=Delivery.Status.PENDING, claim=None, lease_until=None, due_at=due
    )


def requeue_expired(now: dt.datetime | None = None) -> int:
    """Rows whose worker stopped renewing its lease (it died) go back to pending."""
    now = now or timezone.now()
    return Delivery.objects.filter(status=Delivery.Status.SENDING, lease_until__lt=now).update(
        status=Delivery.Status.PENDING, claim=None, lease_until=None
    )


def has_due_work(mobilization_id: int, now: dt.datetime | None = None) -> bool:
    return Delivery.objects.filter(
        mobilization_id=mobilization_id,
        status=Delivery.Status.PENDING,
        due_at__lte=now or timezone.now(),
    ).exists()


def has_open_work(mobilization_id: int) -> bool:
    return Delivery.objects.filter(
        mobilization_id=mobilization_id,
        status__in=(Delivery.Status.PENDING, Delivery.Status.SENDING),
    ).exists()
