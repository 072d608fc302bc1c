"""The workers' side of the outbox: claim a batch, render each message for its recipient,
send it over one reused connection (SMTP, or the SMS provider's HTTP API) and record it as
sent the moment the server accepted it.

A dispatch runs until nothing is due (or for ``MOBILIZATION_TASK_SECONDS``, after which it
hands over to a fresh task so queues keep turning). Between messages it checks, about once
a second, whether a mobilization was paused or cancelled (its unsent rows go back to the
queue, or are cancelled) and renews its lease.

Temporary failures retry later with back-off (a due time on the row); a permanent refusal
of the address fails the row and suppresses the address (a hard bounce; for SMS a number
the provider refused or that opted out there). An SMS request the provider may have taken
without answering (a read timeout) fails as "no answer" and is never sent again: a second
copy would be worse than none. When the server cannot be reached at all, the batch goes
back to the queue for half a minute. SMS that are not urgent wait out the quiet hours; an
SMS longer than six parts once the person's own values are filled is skipped ("too long
after merge").
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone

from aktivist.core import sms as core_sms
from aktivist.core.transport_errors import TransportError
from aktivist.core.transports import (
    get_email_transport,
    unsendable_error,
)
from aktivist.mobilization import outbox, rates, texting
from aktivist.mobilization import recipients as who_may_receive
from aktivist.mobilization.models import (
    Channel,
    Delivery,
    Mobilization,
    Suppression,
)
from aktivist.mobilization.personalising import LOCAL_KINDS, Recipient, render_email, render_sms
from aktivist.mobilization.suppressions import suppress
from aktivist.organisation.models import UnitMembership

logger = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 1.0
SERVER_DOWN_DELAY = dt.timedelta(seconds=30)


# --- Loading a batch ----------------------------------------------------------------------------


def load_recipients(batch: outbox.Batch) -> list[Recipient]:
    rows = (
        outbox.batch_rows(batch)
        .order_by("pk")
        .values_list(
            "pk",
            "mobilization_id",
            "person_id",
            "attempts",
            "person__email",
            "person__mobile",
            "person__first_name",
            "person__last_name",
            "person__language",
            "person__is_active",
            "person__home_unit__name",
            "person__home_unit__kind",
        )
    )
    recipients = []
    home_groups: dict[int, str] = {}
    for pk, mob, person_id, attempts, email, mobile, first, last, lang, active, home, kind in rows:
        recipients.append(
            Recipient(
                delivery_id=pk,
                mobilization_id=mob,
                person_id=person_id,
                attempts=attempts,
                email=email or "",
                mobile=mobile or "",
                first_name=first or "",
                last_name=last or "",
                language=lang or "sv",
                is_active=bool(active),
            )
        )
        if person_id and home and kind in LOCAL_KINDS:
            home_groups[person_id] = home
    person_ids = [r.person_id for r in recipients if r.person_id]
    groups = dict(home_groups)
    memberships = (
        UnitMembership.objects.filter(
            person_id__in=person_ids, ended_on__isnull=True, unit__kind__in=LOCAL_KINDS
        )
        .order_by("started_on", "pk")
        .values_list("person_id", "unit__name")
    )
    seen: set[int] = set()
    for person_id, name in memberships:
        if person_id not in seen:  # a membership beats the home unit; the oldest wins
            groups[person_id] = name
            seen.add(person_id)
    for recipient in recipients:
        if recipient.person_id:
            recipient.local_group = groups.get(recipient.person_id, "")
    return recipients


def _still_allowed(
    recipients: list[Recipient], mobilizations: dict[int, Mobilization]
) -> dict[int, str]:
    """delivery id → skip reason for rows that may no longer be sent (``recipients.py``'s
    per-person check): the person was erased or lost their address, withdrew the consent or
    was suppressed since the snapshot."""
    reasons: dict[int, str] = {}
    by_mobilization: dict[int, list[Recipient]] = defaultdict(list)
    for recipient in recipients:
        if recipient.person_id is None:
            reasons[recipient.delivery_id] = Delivery.Reason.ERASED
        else:
            by_mobilization[recipient.mobilization_id].append(recipient)
    for mobilization_id, group in by_mobilization.items():
        audience = who_may_receive.Audience.of(mobilizations[mobilization_id])
        found = who_may_receive.reasons([r.person_id for r in group if r.person_id], audience)
        for recipient in group:
            reason = found[recipient.person_id] if recipient.person_id else ""
            if reason:
                reasons[recipient.delivery_id] = reason
    return reasons


# --- Recording results ---------------------------------------------------------------------------


class Recorder:
    """The per-message writes of the hot loop, as prepared SQL on one cursor. Each
    statement commits on its own (autocommit): a message is recorded as sent before the
    next one goes out."""

    def __init__(self, batch: outbox.Batch) -> None:
        self.batch = batch
        self.claim = batch.claim
        self.table = Delivery._meta.db_table
        self.cursor = connection.cursor()
        self.sent_sql = (
            f"UPDATE {self.table} SET status = 'sent', sent_at = %s, provider_id = %s, "  # noqa: S608
            "attempts = attempts + 1, claim = NULL, lease_until = NULL, error = '' "
            "WHERE id = %s AND claim = %s"
        )

    def _now(self) -> Any:
        return Delivery._meta.get_field("sent_at").get_db_prep_value(timezone.now(), connection)

    def sent(self, delivery_id: int, provider_id: str) -> bool:
        self.cursor.execute(
            self.sent_sql, [self._now(), provider_id[:200], delivery_id, self.claim]
        )
        return self.cursor.rowcount == 1

    def close(self) -> None:
        self.cursor.close()

    def finished(self, delivery_id: int, *, status: str, reason: str, error: str = "") -> None:
        Delivery.objects.filter(pk=delivery_id, claim=self.claim).update(
            status=status,
            reason=reason,
            error=error[:200],
            attempts=F("attempts") + 1,
            claim=None,
            lease_until=None,
        )

    def retry_later(self, delivery_id: int, *, attempts: int, error: str) -> None:
        Delivery.objects.filter(pk=delivery_id, claim=self.claim).update(
            status=Delivery.Status.PENDING,
            attempts=attempts,
            due_at=timezone.now() + outbox.backoff(attempts),
            error=error[:200],
            claim=None,
            lease_until=None,
        )

    def defer(self, delivery_id: int, until: dt.datetime) -> None:
        Delivery.objects.filter(pk=delivery_id, claim=self.claim).update(
            status=Delivery.Status.PENDING, due_at=until, claim=None, lease_until=None
        )

    def skip_many(self, reasons: dict[int, str]) -> None:
        by_reason: dict[str, list[int]] = defaultdict(list)
        for delivery_id, reason in reasons.items():
            by_reason[reason].append(delivery_id)
        for reason, ids in by_reason.items():
            Delivery.objects.filter(pk__in=ids, claim=self.claim).update(
                status=Delivery.Status.SKIPPED, reason=reason, claim=None, lease_until=None
            )

    def cancel_rest(self, mobilization_id: int) -> None:
        outbox.batch_rows(self.batch).filter(mobilization_id=mobilization_id).update(
            status=Delivery.Status.CANCELLED, claim=None, lease_until=None
        )

    def release_rest(
        self, mobilization_id: int | None = None, *, delay: dt.timedelta | None = None
    ) -> None:
        rows = outbox.batch_rows(self.batch)
        if mobilization_id is not None:
            rows = rows.filter(mobilization_id=mobilization_id)
        rows.update(
            status=Delivery.Status.PENDING,
            claim=None,
            lease_until=None,
            due_at=timezone.now() + (delay or dt.timedelta(0)),
        )


# --- Sending a batch -----------------------------------------------------------------------------


class ServerDown(Exception):
    """The server cannot be reached: stop this dispatch, try again later."""


class Transports:
    """The dispatch's connections: one SMTP (or provider) transport for email and one SMS
    transport, each opened when first needed and closed at the end."""

    def __init__(self, email: Any = None, sms: Any = None) -> None:
        self._email = email
        self._sms = sms

    @property
    def email(self) -> Any:
        if self._email is None:
            self._email = get_email_transport()
        return self._email

    @property
    def sms(self) -> Any:
        if self._sms is None:
            self._sms = core_sms.get_transport()
        return self._sms

    def close(self) -> None:
        for transport in (self._email, self._sms):
            if transport is not None:
                transport.close()


def _statuses(ids: set[int]) -> dict[int, str]:
    return dict(Mobilization.objects.filter(pk__in=ids).values_list("pk", "status"))


def send_batch(batch: outbox.Batch, transports: Transports | Any) -> int:
    """Send one claimed batch. Returns how many messages the server accepted."""
    if not isinstance(transports, Transports):
        transports = Transports(email=transports)  # an email transport alone
    recipients = load_recipients(batch)
    if not recipients:
        return 0
    mobilization_ids = {r.mobilization_id for r in recipients}
    mobilizations = {m.pk: m for m in Mobilization.objects.filter(pk__in=mobilization_ids)}
    recorder = Recorder(batch)
    try:
        skips = _still_allowed(recipients, mobilizations)
        if skips:
            recorder.skip_many(skips)
        return _send_all(
            [r for r in recipients if r.delivery_id not in skips],
            mobilizations,
            batch,
            transports,
            recorder,
        )
    except ServerDown:
        recorder.release_rest(delay=SERVER_DOWN_DELAY)
        raise
    finally:
        recorder.release_rest()  # anything left unsent (a stop, an error) goes back
        recorder.close()


def _send_email(
    mobilization: Mobilization, recipient: Recipient, transports: Transports, recorder: Recorder
) -> str | None:
    """Send one email: the server's id, or None when it did not go (recorded)."""
    wait_until = rates.take(rates.domain_of(recipient.email))
    if wait_until is not None:
        recorder.defer(recipient.delivery_id, wait_until)
        return None
    transport = transports.email
    try:
        return str(transport.send(render_email(mobilization, recipient)))
    except ValueError as exc:  # a message that cannot be written: it fails alone
        _failed(recipient, mobilization, unsendable_error(exc), recorder)
        return None
    except TransportError as exc:
        _failed(recipient, mobilization, exc, recorder)
        if not exc.permanent and getattr(transport, "connection", True) is None:
            try:
                transport.open()
            except TransportError:
                raise ServerDown from None
        return None


def _send_sms(
    mobilization: Mobilization,
    recipient: Recipient,
    transports: Transports,
    recorder: Recorder,
    quiet_until: dt.datetime | None,
) -> str | None:
    """Send one SMS: the provider's id, or None when it did not go (recorded)."""
    if quiet_until is not None and not mobilization.urgent:
        recorder.defer(recipient.delivery_id, quiet_until)
        return None
    text = render_sms(mobilization, recipient)
    if core_sms.segments(text).count > texting.MAX_PARTS:
        # A long name (or one outside the GSM alphabet) made this person's SMS too long.
        recorder.skip_many({recipient.delivery_id: Delivery.Reason.TOO_LONG})
        return None
    transport = transports.sms
    try:
        return str(
            transport.send(
                recipient.mobile,
                text,
                callback_url=texting.status_callback(transport, recipient.delivery_id),
            )
        )
    except TransportError as exc:
        _failed(recipient, mobilization, exc, recorder)
        if exc.unreachable:
            raise ServerDown from None
        return None


def _send_all(
    recipients: list[Recipient],
    mobilizations: dict[int, Mobilization],
    batch: outbox.Batch,
    transports: Transports,
    recorder: Recorder,
) -> int:
    sent = 0
    stopped: set[int] = set()
    first_sent: set[int] = {pk for pk, m in mobilizations.items() if m.first_sent_at is None}
    next_check = time.monotonic() + CHECK_EVERY_SECONDS
    renew_at = time.monotonic() + settings.MOBILIZATION_LEASE_SECONDS / 3
    quiet_until = texting.quiet_until()
    for recipient in recipients:
        now_mono = time.monotonic()
        if now_mono >= next_check:
            next_check = now_mono + CHECK_EVERY_SECONDS
            stopped |= _stop_changed(mobilizations, recorder)
            quiet_until = texting.quiet_until()
            if now_mono >= renew_at:
                outbox.renew_lease(batch)
                renew_at = now_mono + settings.MOBILIZATION_LEASE_SECONDS / 3
        if recipient.mobilization_id in stopped:
            continue
        mobilization = mobilizations[recipient.mobilization_id]
        if mobilization.channel == Channel.SMS:
            provider_id = _send_sms(mobilization, recipient, transports, recorder, quiet_until)
        else:
            provider_id = _send_email(mobilization, recipient, transports, recorder)
        if provider_id is None:
            continue
        if not recorder.sent(recipient.delivery_id, provider_id):
            # The lease ran out and someone else holds the row now: say so, carry on.
            logger.warning("mobilization.delivery lost lease delivery=%s", recipient.delivery_id)
        sent += 1
        if recipient.mobilization_id in first_sent:
            first_sent.discard(recipient.mobilization_id)
            Mobilization.objects.filter(
                pk=recipient.mobilization_id, first_sent_at__isnull=True
            ).update(first_sent_at=timezone.now())
    return sent


def _stop_changed(mobilizations: dict[int, Mobilization], recorder: Recorder) -> set[int]:
    """Mobilizations paused or cancelled meanwhile: their rows go back (or are cancelled)."""
    stopped = set()
    for pk, status in _statuses(set(mobilizations)).items():
        if status == Mobilization.Status.CANCELLED:
            recorder.cancel_rest(pk)
            stopped.add(pk)
        elif status != Mobilization.Status.SENDING:
            recorder.release_rest(pk)
            stopped.add(pk)
    return stopped


def _suppress_refused(
    recipient: Recipient, mobilization: Mobilization, exc: TransportError
) -> None:
    if mobilization.channel == Channel.SMS:
        opted_out = exc.opted_out
        suppress(
            address=recipient.mobile,
            channel=Channel.SMS,
            reason=Suppression.Reason.UNSUBSCRIBED if opted_out else Suppression.Reason.BOUNCED,
            mobilization=mobilization,
            source=exc.code[:100],
        )
    else:
        suppress(
            address=recipient.email,
            reason=Suppression.Reason.BOUNCED,
            mobilization=mobilization,
            source=f"smtp {exc.code[:3]}".strip(),
        )


def _failed(
    recipient: Recipient,
    mobilization: Mobilization,
    exc: TransportError,
    recorder: Recorder,
) -> None:
    attempts = recipient.attempts + 1
    if exc.unsendable:
        recorder.finished(
            recipient.delivery_id,
            status=Delivery.Status.FAILED,
            reason=Delivery.Reason.UNSENDABLE,
            error=exc.code or str(exc),
        )
    elif exc.ambiguous:
        recorder.finished(
            recipient.delivery_id,
            status=Delivery.Status.FAILED,
            reason=Delivery.Reason.NO_ANSWER,
            error=exc.code or str(exc),
        )
    elif exc.permanent:
        recorder.finished(
            recipient.delivery_id,
            status=Delivery.Status.FAILED,
            reason=Delivery.Reason.REFUSED,
            error=exc.code or str(exc),
        )
        if exc.recipient_refused:
            _suppress_refused(recipient, mobilization, exc)
    elif attempts >= settings.MOBILIZATION_MAX_ATTEMPTS:
        recorder.finished(
            recipient.delivery_id,
            status=Delivery.Status.FAILED,
            reason=Delivery.Reason.GAVE_UP,
            error=exc.code or str(exc),
        )
    else:
        recorder.retry_later(recipient.delivery_id, attempts=attempts, error=exc.code or str(exc))
    logger.info(
        "mobilization.delivery failed delivery=%s channel=%s permanent=%s code=%s",
        recipient.delivery_id,
        mobilization.channel,
        exc.permanent,
        exc.code[:12] if mobilization.channel == Channel.SMS else exc.code[:3],
    )


# --- Dispatch -----------------------------------------------------------------------------------


@dataclass
class DispatchResult:
    sent: int = 0
    batches: int = 0
    more: bool = False  # stopped for time with work left


def dispatch(
    *, lane: str = "default", max_seconds: float | None = None, mobilization_id: int | None = None
) -> DispatchResult:
    """Claim and send batches until nothing is due or time is up."""
    result = DispatchResult()
    limit = settings.MOBILIZATION_TASK_SECONDS if max_seconds is None else max_seconds
    deadline = time.monotonic() + limit
    outbox.requeue_expired()
    transports = Transports()
    try:
        while True:
            batch = outbox.claim_batch(lane=lane, mobilization_id=mobilization_id)
            if batch is None:
                break
            result.batches += 1
            try:
                result.sent += send_batch(batch, transports)
            except ServerDown:
                logger.warning("mobilization.dispatch server unreachable, retry later")
                break
            if time.monotonic() >= deadline:
                result.more = True
                break
    finally:
        transports.close()
    return result
