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
from aktivist.core.transports import (
    OutgoingEmail,
    TransportError,
    bulk_headers,
    get_email_transport,
    message_id_for,
    unsendable_error,
)
from aktivist.mobilization import outbox, rates, rendering, texting
from aktivist.mobilization.models import (
    Channel,
    Delivery,
    Mobilization,
    Suppression,
    message_language,
)
from aktivist.mobilization.suppressions import suppress, suppressed_addresses
from aktivist.mobilization.tokens import link_token, preference_token, unsubscribe_token
from aktivist.organisation.models import Unit, UnitMembership

logger = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 1.0
SERVER_DOWN_DELAY = dt.timedelta(seconds=30)
LOCAL_KINDS = (Unit.Kind.LOCAL_GROUP, Unit.Kind.SCHOOL_GROUP)


@dataclass
class Recipient:
    delivery_id: int
    mobilization_id: int
    person_id: int | None
    attempts: int
    email: str
    mobile: str
    first_name: str
    last_name: str
    language: str
    is_active: bool
    local_group: str = ""


# --- Compiled messages, kept per worker process -------------------------------------------------


_compiled: dict[tuple[int, str, object], rendering.Compiled] = {}


def compiled_for(mobilization: Mobilization, language: str) -> rendering.Compiled:
    # The start time tells two mobilizations apart even where ids are reused (tests).
    key = (mobilization.pk, language, mobilization.started_at)
    found = _compiled.get(key)
    if found is None:
        snapshot = mobilization.message_snapshot
        suffix = "en" if language == "en" else "sv"
        if mobilization.channel == Channel.SMS:
            found = texting.compile_sms(body=snapshot[f"body_{suffix}"], language=language)
        else:
            found = rendering.compile_message(
                subject=snapshot[f"subject_{suffix}"],
                body=snapshot[f"body_{suffix}"],
                language=language,
            )
        if len(_compiled) > 64:
            _compiled.clear()
        _compiled[key] = found
    return found


def personal_values(recipient: Recipient, snapshot: dict[str, Any]) -> dict[str, str]:
    site = settings.SITE_URL.rstrip("/")
    # One token per purpose (mobilization/tokens.py): the personal link's never unsubscribes.
    link = link_token(recipient.delivery_id)
    values = {
        "first_name": recipient.first_name,
        "last_name": recipient.last_name,
        "full_name": f"{recipient.first_name} {recipient.last_name}".strip(),
        "local_group": recipient.local_group,
        "unsubscribe_link": f"{site}/u/{unsubscribe_token(recipient.delivery_id)}/",
        "preferences_link": (
            f"{site}/p/{preference_token(recipient.person_id)}/" if recipient.person_id else ""
        ),
    }
    if snapshot.get("action_slug"):
        values["action_link"] = f"{site}/r/{link}/"
    if snapshot.get("event_slug"):
        values["event_link"] = f"{site}/r/{link}/event/"
    return values


def render_email(mobilization: Mobilization, recipient: Recipient) -> OutgoingEmail:
    snapshot = mobilization.message_snapshot
    language = message_language(snapshot, recipient.language)
    values = personal_values(recipient, snapshot)
    subject, text, html = compiled_for(mobilization, language).fill(values)
    return OutgoingEmail(
        to=recipient.email,
        subject=subject,
        text=text,
        html=html,
        from_email=settings.DEFAULT_FROM_EMAIL,
        envelope_from=settings.EMAIL_RETURN_PATH,
        headers={
            "List-Unsubscribe": f"<{values['unsubscribe_link']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            # One list per purpose: a provider can tell the rapid-response network apart.
            **bulk_headers(mobilization.purpose, f"m{mobilization.pk}", settings.ORGANISATION_NAME),
        },
        message_id=message_id_for(f"d{recipient.delivery_id}.m{mobilization.pk}"),
        metadata={"delivery": str(recipient.delivery_id)},
    )


def render_sms(mobilization: Mobilization, recipient: Recipient) -> str:
    snapshot = mobilization.message_snapshot
    language = message_language(snapshot, recipient.language)
    _subject, text, _html = compiled_for(mobilization, language).fill(
        personal_values(recipient, snapshot)
    )
    return text


def address_of(recipient: Recipient, mobilization: Mobilization) -> str:
    return recipient.mobile if mobilization.channel == Channel.SMS else recipient.email


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
    """delivery id → skip reason for rows that may no longer be sent: the person was
    erased or lost their address, withdrew the consent or was suppressed since the
    snapshot."""
    reasons: dict[int, str] = {}
    by_mobilization: dict[int, list[Recipient]] = defaultdict(list)
    for recipient in recipients:
        mobilization = mobilizations[recipient.mobilization_id]
        if recipient.person_id is None or not recipient.is_active:
            reasons[recipient.delivery_id] = Delivery.Reason.ERASED
        elif not address_of(recipient, mobilization):
            reasons[recipient.delivery_id] = Delivery.Reason.NO_ADDRESS
        else:
            by_mobilization[recipient.mobilization_id].append(recipient)
    for mobilization_id, group in by_mobilization.items():
        mobilization = mobilizations[mobilization_id]
        audience = outbox.Audience.of(mobilization)
        allowed = outbox.contactable([r.person_id for r in group if r.person_id], audience)
        addresses = {r.delivery_id: address_of(r, mobilization) for r in group}
        suppressed = suppressed_addresses(
            addresses.values(), audience.purpose, channel=audience.channel
        )
        for recipient in group:
            address = addresses[recipient.delivery_id]
            if address in suppressed:
                reasons[recipient.delivery_id] = suppressed[address]
            elif recipient.person_id not in allowed:
                reasons[recipient.delivery_id] = Delivery.Reason.NO_CONSENT
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
    except core_sms.TransportError as exc:
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
    recipient: Recipient, mobilization: Mobilization, exc: TransportError | core_sms.TransportError
) -> None:
    if mobilization.channel == Channel.SMS:
        opted_out = getattr(exc, "opted_out", False)
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
    exc: TransportError | core_sms.TransportError,
    recorder: Recorder,
) -> None:
    attempts = recipient.attempts + 1
    if getattr(exc, "unsendable", False):
        recorder.finished(
            recipient.delivery_id,
            status=Delivery.Status.FAILED,
            reason=Delivery.Reason.UNSENDABLE,
            error=exc.code or str(exc),
        )
    elif getattr(exc, "ambiguous", False):
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
