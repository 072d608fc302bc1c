"""The delivery outbox: the snapshot of recipients and the claiming of batches.

**Snapshot.** When a mobilization starts, its segment is evaluated in its author's scope
and every person in it gets one ``Delivery`` row, in one ``INSERT … SELECT`` statement:
pending, or skipped with the reason ``recipients.py`` gives (no address, no consent for the
channel and purpose, unsubscribed, bounced, complained, outside production not a reserved
test address).
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
from django.db.models import F, QuerySet
from django.utils import timezone

from aktivist.lib.db import analyze_if_stale, tables_in
from aktivist.mobilization.models import Delivery, Mobilization
from aktivist.mobilization.recipients import Audience, with_reasons
from aktivist.mobilization.texting import due_time
from aktivist.people.models import Person

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


# --- The snapshot -----------------------------------------------------------------------------


def snapshot_statement(mobilization: Mobilization, people: QuerySet[Person]) -> tuple[str, list]:
    """The snapshot's one ``INSERT … SELECT``: a delivery row per person of the queryset,
    pending or skipped with the reason. SMS that are not urgent are due after the quiet
    hours."""
    audience = Audience.of(mobilization)
    now = timezone.now()
    if audience.is_sms:
        now = due_time(urgent=audience.urgent, now=now)
    reasons = (
        with_reasons(people.order_by(), audience)
        .annotate(_pid=F("pk"))
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
