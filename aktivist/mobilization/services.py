"""Writes on messages and mobilizations: validated, scoped and audited.

The life of a mobilization::

    draft ──request──▶ awaiting approval ──approve──▶ scheduled ──(time)──▶ starting
      ▲                   │ decline                        │                   │ snapshot
      └───────────────────┘                                └──(now)────────────▶ sending ⇄ paused
                                                                                   │
                                                          done ◀──(outbox empty)───┘
    (cancel from any state before done)

* Requesting a send freezes the segment's tree and the message's texts on the
  mobilization: what is approved is what is sent, whatever is edited later.
* The segment is evaluated in its author's scope. Sending to more people than
  ``MOBILIZATION_APPROVAL_THRESHOLD`` needs a second staff member's approval, and the
  approver's scope must hold the author's. The snapshot checks the size again.
* Only the secretariat marks a mobilization urgent (the urgent lane goes ahead of every
  bulk send).

Every function takes ``actor`` (a staff account; None for tasks) and records one audit
event. ``ValidationError`` carries messages per field; ``ApplicationError`` is a refusal
whose message is safe to show.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.accounts.access import scope_for
from aktivist.campaigns.models import Action
from aktivist.campaigns.selectors import actions_visible_to
from aktivist.core import audit
from aktivist.core import sms as core_sms
from aktivist.core.conditions import SegmentError, validate_tree
from aktivist.core.exceptions import ApplicationError
from aktivist.core.transports import OutgoingEmail, TransportError, get_email_transport
from aktivist.lib.db import analyze_if_stale, is_statement_timeout
from aktivist.mobilization import outbox, rendering, texting
from aktivist.mobilization.models import Delivery, Message, Mobilization, Purpose
from aktivist.mobilization.selectors import (
    access_message,
    mobilizations_visible_to,
    scope_covers,
)
from aktivist.organisation.services import owner_unit
from aktivist.people.models import Person
from aktivist.people.selectors import filter_people
from aktivist.programmes.models import Event
from aktivist.programmes.selectors import events_visible_to
from aktivist.segments.models import Segment
from aktivist.segments.selectors import segments_visible_to

logger = logging.getLogger(__name__)

MESSAGE_FIELDS = (
    "name",
    "channel",
    "purpose",
    "subject_sv",
    "body_sv",
    "subject_en",
    "body_en",
    "action",
    "event",
)
TEXT_FIELDS = ("subject_sv", "body_sv", "subject_en", "body_en")
Status = Mobilization.Status


# --- Messages ---------------------------------------------------------------------------------


SMS_MAX_SEGMENTS = texting.MAX_PARTS


def message_problems(
    message: Message, *, extra_fields: tuple[str, ...] = ()
) -> dict[str, list[str]]:
    """Merge-field problems per text field, and an English version that is half there.
    An email needs a subject; an SMS has none and may be at most six parts long."""
    problems: dict[str, list[str]] = {}
    names = ("body_sv", "body_en") if message.is_sms else TEXT_FIELDS
    for name in names:
        found = rendering.check_text(
            getattr(message, name) or "",
            has_action=message.action_id is not None,
            has_event=message.event_id is not None,
            extra_fields=extra_fields,
        )
        if found:
            problems[name] = found
    if message.is_sms:
        for name, language in (("body_sv", "sv"), ("body_en", "en")):
            text = (getattr(message, name) or "").strip()
            if text and name not in problems:
                parts = texting.preview(text, language=language).segments.count
                if parts > SMS_MAX_SEGMENTS:
                    problems.setdefault(name, []).append(
                        _("An SMS may be at most %(max)s parts long; this one is %(count)s.")
                        % {"max": SMS_MAX_SEGMENTS, "count": parts}
                    )
        return problems
    if not message.subject_sv.strip():
        problems.setdefault("subject_sv", []).append(_("An email needs a subject."))
    if bool(message.subject_en.strip()) != bool(message.body_en.strip()):
        missing = "body_en" if message.subject_en.strip() else "subject_en"
        problems.setdefault(missing, []).append(
            _("The English version needs both a subject and a text (or neither).")
        )
    return problems


def _check_links(actor: Any, message: Message) -> None:
    if message.action_id and not actions_visible_to(actor).filter(pk=message.action_id).exists():
        raise ValidationError({"action": _("Unknown action.")})
    if message.event_id and not events_visible_to(actor).filter(pk=message.event_id).exists():
        raise ValidationError({"event": _("Unknown event.")})


def _validate_message(actor: Any, message: Message, *, case_update: bool = False) -> None:
    for name in ("name", *TEXT_FIELDS):
        setattr(message, name, (getattr(message, name) or "").strip())
    if message.is_sms:
        message.subject_sv = message.subject_en = ""
    if (message.purpose == Purpose.CASE_UPDATES) != case_update:
        raise ValidationError({"purpose": _("Case updates are written on the case's page.")})
    message.full_clean()
    problems = message_problems(message)
    if problems:
        raise ValidationError(problems)
    _check_links(actor, message)


@transaction.atomic
def message_create(*, actor: Any, case_update: bool = False, **fields: Any) -> Message:
    """A message from the fields of MESSAGE_FIELDS. ``case_update``: the urgent-case page
    writes an update to those who acted (purpose CASE_UPDATES, which nothing else may use)."""
    message = Message(
        **{k: v for k, v in fields.items() if k in MESSAGE_FIELDS},
        unit=owner_unit(actor),
        created_by=actor,
        updated_by=actor,
    )
    _validate_message(actor, message, case_update=case_update)
    message.save()
    audit.record(actor=actor, verb="message.create", obj=message, details={"name": message.name})
    return message


@transaction.atomic
def message_update(*, actor: Any, message: Message, **fields: Any) -> Message:
    for name, value in fields.items():
        if name in MESSAGE_FIELDS:
            setattr(message, name, value)
    message.updated_by = actor
    _validate_message(actor, message)
    message.save()
    audit.record(
        actor=actor,
        verb="message.update",
        obj=message,
        details={"fields": sorted(k for k in fields if k in MESSAGE_FIELDS)},
    )
    return message


@transaction.atomic
def message_archive(*, actor: Any, message: Message) -> Message:
    message.is_archived = True
    message.updated_by = actor
    message.save(update_fields=["is_archived", "updated_by", "updated_at"])
    audit.record(actor=actor, verb="message.archive", obj=message)
    return message


def message_snapshot(message: Message) -> dict[str, Any]:
    """What a mobilization sends, frozen when sending is requested."""
    action: Action | None = message.action
    event: Event | None = message.event
    return {
        "message_id": message.pk,
        "name": message.name,
        "channel": message.channel,
        "purpose": message.purpose,
        "subject_sv": message.subject_sv,
        "body_sv": message.body_sv,
        "subject_en": message.subject_en,
        "body_en": message.body_en,
        "has_english": message.has_english,
        "action_id": action.pk if action else None,
        "action_slug": action.slug if action else "",
        "event_id": event.pk if event else None,
        "event_slug": event.slug if event else "",
    }


# --- Previews and test sends ------------------------------------------------------------------


def sample_values(person: Person | None, *, name: str = "") -> dict[str, str]:
    """Merge values for a preview: a real person's own, or made-up ones."""
    site = settings.SITE_URL.rstrip("/")
    values = {
        "action_link": f"{site}/r/preview/",
        "event_link": f"{site}/r/preview/event/",
        "unsubscribe_link": f"{site}/u/preview/",
        "preferences_link": f"{site}/p/preview/",
        "local_group": "",
    }
    if person is None:
        first, _sep, last = (name or "").partition(" ")
        values.update(first_name=first, last_name=last, full_name=name)
        return values
    from aktivist.mobilization.sending import LOCAL_KINDS

    group = (
        person.unit_memberships.filter(ended_on__isnull=True, unit__kind__in=LOCAL_KINDS)
        .order_by("started_on")
        .values_list("unit__name", flat=True)
        .first()
    )
    if group is None and person.home_unit is not None and person.home_unit.kind in LOCAL_KINDS:
        group = person.home_unit.name
    values.update(
        first_name=person.first_name,
        last_name=person.last_name,
        full_name=person.full_name,
        local_group=group or "",
    )
    return values


def render_preview(
    message: Message, *, language: str, values: dict[str, str], layout: bool = True
) -> tuple[str, str, str]:
    """(subject, text, html) of one language version for these merge values (an SMS: no
    subject, no HTML)."""
    if language == "en" and message.has_english:
        subject, body = message.subject_en, message.body_en
    else:
        subject, body = message.subject_sv, message.body_sv
        language = "sv" if message.is_sms else language
    if message.is_sms:
        return "", texting.preview(body, language=language, values=values).text, ""
    compiled = rendering.compile_message(
        subject=subject, body=body, language=language, layout=layout
    )
    return compiled.fill(values)


def message_test_send(*, actor: Any, message: Message, language: str = "sv") -> None:
    """Send the message to the actor's own address (an SMS: their own mobile), filled with
    their own values, with "[Test]" before the subject. Goes through the same transport as
    the real send."""
    if message.is_sms:
        _sms_test_send(actor, message, language)
        return
    if not getattr(actor, "email", ""):
        raise ApplicationError(_("Your account has no email address."))
    problems = message_problems(message)
    if problems:
        raise ApplicationError(_("Correct the message before sending a test."))
    person = getattr(actor, "person", None)
    values = sample_values(person, name=actor.name or actor.email.split("@")[0])
    subject, text, html = render_preview(message, language=language, values=values)
    from aktivist.core.emails import _check_recipient

    _check_recipient(actor.email)
    email = OutgoingEmail(
        to=actor.email,
        subject=f"[{_('Test')}] {subject}",
        text=text,
        html=html,
        envelope_from=settings.EMAIL_RETURN_PATH,
        headers={
            "List-Unsubscribe": f"<{values['unsubscribe_link']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    try:
        with get_email_transport() as transport:
            transport.send(email)
    except TransportError as exc:
        raise ApplicationError(
            _("The test could not be sent (%(error)s). Try again later.")
            % {"error": exc.code or exc}
        ) from None
    audit.record(actor=actor, verb="message.test_send", obj=message, details={"language": language})


def _sms_test_send(actor: Any, message: Message, language: str) -> None:
    person = getattr(actor, "person", None)
    mobile = getattr(person, "mobile", "") if person is not None else ""
    if not mobile:
        raise ApplicationError(
            _("Your account's person has no mobile number: add one to get a test SMS.")
        )
    if message_problems(message):
        raise ApplicationError(_("Correct the message before sending a test."))
    values = texting.example_values() | sample_values(person)
    _subject, text, _html = render_preview(message, language=language, values=values)
    try:
        core_sms.send_sms(to=mobile, body=f"[{_('Test')}] {text}")
    except core_sms.TransportError as exc:
        raise ApplicationError(
            _("The test could not be sent (%(error)s). Try again later.") % {"error": exc.code}
        ) from None
    audit.record(
        actor=actor,
        verb="message.test_send",
        obj=message,
        details={"language": language, "channel": "sms"},
    )


# --- Mobilizations: drafts ----------------------------------------------------------------------


def _check_draft_parts(
    actor: Any, *, message: Message, segment: Segment | None, urgent: bool
) -> None:
    access_message(actor, message.pk)  # 404 outside scope
    if segment is not None and not segments_visible_to(actor).filter(pk=segment.pk).exists():
        raise ValidationError({"segment": _("Unknown segment.")})
    if urgent and not scope_for(actor).is_national:
        raise ValidationError({"urgent": _("Only the secretariat sends in the urgent lane.")})


@transaction.atomic
def mobilization_create(
    *,
    actor: Any,
    name: str,
    message: Message,
    segment: Segment | None,
    urgent: bool = False,
    send_at: dt.datetime | None = None,
    follows: Mobilization | None = None,
) -> Mobilization:
    _check_draft_parts(actor, message=message, segment=segment, urgent=urgent)
    mobilization = Mobilization(
        name=name.strip(),
        message=message,
        segment=segment,
        channel=message.channel,
        urgent=urgent,
        send_at=send_at,
        follows=follows,
        unit=owner_unit(actor),
        created_by=actor,
    )
    mobilization.full_clean()
    mobilization.save()
    audit.record(
        actor=actor,
        verb="mobilization.create",
        obj=mobilization,
        details={"message": message.pk, "segment": segment.pk if segment else None},
    )
    return mobilization


@transaction.atomic
def mobilization_update(
    *,
    actor: Any,
    mobilization: Mobilization,
    name: str,
    message: Message,
    segment: Segment | None,
    urgent: bool = False,
    send_at: dt.datetime | None = None,
) -> Mobilization:
    mobilization = _locked(actor, mobilization)
    if mobilization.status not in Mobilization.EDITABLE:
        raise ApplicationError(_("Only a draft can be changed."))
    _check_draft_parts(actor, message=message, segment=segment, urgent=urgent)
    mobilization.name = name.strip()
    mobilization.message = message
    mobilization.segment = segment
    mobilization.channel = message.channel
    mobilization.urgent = urgent
    mobilization.send_at = send_at
    mobilization.full_clean()
    mobilization.save()
    audit.record(actor=actor, verb="mobilization.update", obj=mobilization)
    return mobilization


def _locked(actor: Any, mobilization: Mobilization) -> Mobilization:
    """The row, locked, if the actor may see it (404 otherwise)."""
    qs = Mobilization.objects.select_for_update()
    if actor is not None:
        qs = qs.filter(pk__in=mobilizations_visible_to(actor).values("pk"))
    found = qs.filter(pk=mobilization.pk).first()
    if found is None:
        from django.http import Http404

        raise Http404
    return found


def recipients_of(mobilization: Mobilization, tree: Any | None = None) -> Any:
    """The people the mobilization's segment names, in its author's scope."""
    return filter_people(mobilization.created_by, tree or mobilization.segment_tree)


def estimate(mobilization: Mobilization) -> int:
    """How many people the segment names now (before skipping anyone)."""
    if mobilization.segment is None:
        return 0
    return recipients_of(mobilization, mobilization.segment.tree).count()


def needs_approval(count: int) -> bool:
    return count > settings.MOBILIZATION_APPROVAL_THRESHOLD


# --- Mobilizations: sending ---------------------------------------------------------------------


@transaction.atomic
def mobilization_request_send(
    *, actor: Any, mobilization: Mobilization, send_at: dt.datetime | None = None
) -> Mobilization:
    """Freeze the segment and the message and send now, at ``send_at``, or once a second
    staff member has approved (large sends)."""
    mobilization = _locked(actor, mobilization)
    if mobilization.status != Status.DRAFT:
        raise ApplicationError(_("This mobilization has already been sent or requested."))
    if mobilization.segment is None or mobilization.segment.is_archived:
        raise ApplicationError(_("Choose a segment first."))
    message = mobilization.message
    if message.is_archived:
        raise ApplicationError(_("The message has been archived: choose another."))
    if message_problems(message):
        raise ApplicationError(_("Correct the message before sending it."))
    if send_at is not None and send_at < timezone.now() - dt.timedelta(minutes=5):
        raise ApplicationError(_("The time to send is in the past."))
    try:
        count = recipients_of(mobilization, mobilization.segment.tree).count()
    except SegmentError as exc:
        raise ApplicationError(exc.message) from None
    now = timezone.now()
    mobilization.segment_tree = mobilization.segment.tree
    mobilization.message_snapshot = message_snapshot(message)
    mobilization.channel = message.channel
    mobilization.estimated_count = count
    mobilization.requested_by = actor
    mobilization.requested_at = now
    mobilization.send_at = send_at
    if needs_approval(count):
        mobilization.status = Status.AWAITING_APPROVAL
    else:
        mobilization.status = Status.SCHEDULED
    mobilization.save()
    audit.record(
        actor=actor,
        verb="mobilization.request",
        obj=mobilization,
        details={"estimated": count, "send_at": send_at.isoformat() if send_at else None},
    )
    if mobilization.status == Status.SCHEDULED:
        _start_if_due(mobilization)
    return mobilization


@transaction.atomic
def mobilization_send_preapproved(
    *,
    actor: Any,
    name: str,
    message: Message,
    tree: Any,
    audience: str,
    basis: str,
    urgent: bool = False,
    approved_by: Any = None,
    send_at: dt.datetime | None = None,
    follows: Mobilization | None = None,
) -> Mobilization:
    """Send without asking for a second approval, because it was given before: a message
    from an urgent template a second staff member approved when it was written, or a case
    update (it goes only to those who acted). ``basis`` says which, for the audit trail.
    The tree is frozen as given (no saved segment); ``audience`` says in words who it is."""
    _check_draft_parts(actor, message=message, segment=None, urgent=urgent)
    try:
        tree = validate_tree(tree)
    except SegmentError as exc:
        raise ApplicationError(exc.message) from None
    now = timezone.now()
    mobilization = Mobilization(
        name=name.strip()[:200],
        message=message,
        segment=None,
        segment_tree=tree,
        message_snapshot=message_snapshot(message),
        channel=message.channel,
        urgent=urgent,
        follows=follows,
        audience=audience[:200],
        send_at=send_at,
        unit=owner_unit(actor),
        created_by=actor,
        requested_by=actor,
        requested_at=now,
        approved_by=approved_by,
        approved_at=now,
        status=Status.SCHEDULED,
    )
    mobilization.full_clean()
    mobilization.save()
    audit.record(
        actor=actor,
        verb="mobilization.send_preapproved",
        obj=mobilization,
        details={
            "basis": basis,
            "approved_by": approved_by.pk if approved_by else None,
            "send_at": send_at.isoformat() if send_at else None,
        },
    )
    _start_if_due(mobilization)
    return mobilization


def can_approve(actor: Any, mobilization: Mobilization) -> bool:
    if actor is None or mobilization.status != Status.AWAITING_APPROVAL:
        return False
    if actor.pk in (mobilization.created_by_id, mobilization.requested_by_id):
        return False
    author = mobilization.created_by
    if author is None:
        return False
    return scope_covers(scope_for(actor), scope_for(author))


@transaction.atomic
def mobilization_approve(*, actor: Any, mobilization: Mobilization) -> Mobilization:
    mobilization = _locked(actor, mobilization)
    if mobilization.status != Status.AWAITING_APPROVAL:
        raise ApplicationError(_("This mobilization is not waiting for approval."))
    if actor.pk in (mobilization.created_by_id, mobilization.requested_by_id):
        raise ApplicationError(_("A second staff member must approve: not the one who asked."))
    if not can_approve(actor, mobilization):
        raise ApplicationError(
            _(
                "Your scope does not hold everyone this mobilization reaches: "
                "ask someone whose does."
            )
        )
    mobilization.approved_by = actor
    mobilization.approved_at = timezone.now()
    mobilization.status = Status.SCHEDULED
    mobilization.save(update_fields=["approved_by", "approved_at", "status", "updated_at"])
    audit.record(
        actor=actor,
        verb="mobilization.approve",
        obj=mobilization,
        details={"estimated": mobilization.estimated_count},
    )
    _start_if_due(mobilization)
    return mobilization


@transaction.atomic
def mobilization_decline(*, actor: Any, mobilization: Mobilization, note: str = "") -> Mobilization:
    """Back to draft: the approver declines, or the author withdraws the request."""
    mobilization = _locked(actor, mobilization)
    if mobilization.status not in (Status.AWAITING_APPROVAL, Status.SCHEDULED):
        raise ApplicationError(_("Only a mobilization that has not started can go back to draft."))
    mobilization.status = Status.DRAFT
    mobilization.approved_by = None
    mobilization.approved_at = None
    mobilization.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    audit.record(
        actor=actor, verb="mobilization.decline", obj=mobilization, details={"note": note[:500]}
    )
    return mobilization


def _start_if_due(mobilization: Mobilization, now: dt.datetime | None = None) -> None:
    """Scheduled and due: move to starting and let a worker take the snapshot."""
    if mobilization.send_at is not None and mobilization.send_at > (now or timezone.now()):
        return
    at = now or timezone.now()
    updated = Mobilization.objects.filter(pk=mobilization.pk, status=Status.SCHEDULED).update(
        status=Status.STARTING,
        starting_at=at,
        start_attempts=0,
        start_lease_until=None,
        start_error="",
        start_alerted_at=None,
        updated_at=at,
    )
    if updated:
        mobilization.status = Status.STARTING
        from aktivist.mobilization.tasks import enqueue_start

        pk, lane = mobilization.pk, mobilization.lane
        transaction.on_commit(lambda: enqueue_start(pk, lane))


@transaction.atomic
def mobilization_pause(*, actor: Any, mobilization: Mobilization) -> Mobilization:
    mobilization = _locked(actor, mobilization)
    if mobilization.status != Status.SENDING:
        raise ApplicationError(_("Only a mobilization that is sending can be paused."))
    mobilization.status = Status.PAUSED
    mobilization.paused_at = timezone.now()
    mobilization.save(update_fields=["status", "paused_at", "updated_at"])
    audit.record(actor=actor, verb="mobilization.pause", obj=mobilization)
    return mobilization


@transaction.atomic
def mobilization_resume(*, actor: Any, mobilization: Mobilization) -> Mobilization:
    mobilization = _locked(actor, mobilization)
    if mobilization.status != Status.PAUSED:
        raise ApplicationError(_("Only a paused mobilization can be resumed."))
    mobilization.status = Status.SENDING
    mobilization.paused_at = None
    mobilization.save(update_fields=["status", "paused_at", "updated_at"])
    audit.record(actor=actor, verb="mobilization.resume", obj=mobilization)
    from aktivist.mobilization.tasks import enqueue_dispatch

    lane = mobilization.lane
    transaction.on_commit(
        lambda: enqueue_dispatch(lane, count=settings.MOBILIZATION_PARALLEL_TASKS)
    )
    return mobilization


CANCELLABLE = (
    Status.DRAFT,
    Status.AWAITING_APPROVAL,
    Status.SCHEDULED,
    Status.STARTING,
    Status.SENDING,
    Status.PAUSED,
)


@transaction.atomic
def mobilization_cancel(*, actor: Any, mobilization: Mobilization) -> Mobilization:
    """Nothing more is sent: pending rows are cancelled now, rows a worker holds as soon
    as it notices (within about a second)."""
    mobilization = _locked(actor, mobilization)
    if mobilization.status not in CANCELLABLE:
        raise ApplicationError(_("This mobilization has finished and cannot be cancelled."))
    mobilization.status = Status.CANCELLED
    mobilization.cancelled_at = timezone.now()
    mobilization.save(update_fields=["status", "cancelled_at", "updated_at"])
    cancelled = Delivery.objects.filter(
        mobilization=mobilization, status=Delivery.Status.PENDING
    ).update(status=Delivery.Status.CANCELLED)
    audit.record(
        actor=actor, verb="mobilization.cancel", obj=mobilization, details={"cancelled": cancelled}
    )
    return mobilization


# --- The snapshot, and the end -----------------------------------------------------------------


def max_start_attempts() -> int:
    return max(1, int(settings.MOBILIZATION_START_ATTEMPTS))


def start_lease_length() -> dt.timedelta:
    """Longer than the snapshot may run: a live worker never loses its start."""
    return dt.timedelta(seconds=max(1, settings.MOBILIZATION_SNAPSHOT_TIMEOUT_SECONDS) + 120)


# A start task that nobody took (lost in a queue, or a failed attempt) is queued again
# after this long.
START_REQUEUE_AFTER = dt.timedelta(minutes=2)


def mobilization_start(mobilization_id: int) -> bool:
    """Snapshot the recipients into the outbox and open it to the workers. True when this
    call started the sending (a second call, a start another worker holds, or a cancelled
    mobilization does nothing).

    The start runs under a lease, like a batch of deliveries: each attempt takes it (and
    counts itself in ``start_attempts``), so a start whose worker died is taken up again by
    the sweeper once the lease has run out. The snapshot is one transaction that checks,
    at its end, that its attempt still holds the start: whatever happens, the outbox is
    written once. The mobilization's row is not locked while the snapshot runs, so a
    cancel, the sweeper and the pages never wait for it. A failed attempt is recorded,
    shown and alerted, and tried again by the sweeper."""
    attempt = _take_start_lease(mobilization_id)
    if attempt is None:
        return False
    try:
        return _snapshot(mobilization_id, attempt)
    except Exception as exc:  # recorded, shown, alerted and retried; never left "starting"
        _start_failed(mobilization_id, attempt, exc)
        return False


def _take_start_lease(mobilization_id: int) -> int | None:
    """This attempt's number, or None when the start is not free to take."""
    now = timezone.now()
    with transaction.atomic():
        taken = (
            Mobilization.objects.filter(
                pk=mobilization_id,
                status=Status.STARTING,
                start_attempts__lt=max_start_attempts(),
            )
            .filter(Q(start_lease_until__isnull=True) | Q(start_lease_until__lt=now))
            .update(
                start_attempts=F("start_attempts") + 1,
                start_lease_until=now + start_lease_length(),
                updated_at=now,
            )
        )
        if not taken:
            return None
        return int(
            Mobilization.objects.filter(pk=mobilization_id)
            .values_list("start_attempts", flat=True)
            .get()
        )


def _snapshot(mobilization_id: int, attempt: int) -> bool:
    started = time.monotonic()
    mobilization = Mobilization.objects.get(pk=mobilization_id)
    try:
        people = recipients_of(mobilization)
        # Statistics first (a fresh database, a bulk load): outside the transaction.
        analysed = outbox.prepare_statistics(mobilization, people)
        with transaction.atomic():
            with transaction.atomic():  # a savepoint: an unapproved oversized one rolls back
                inserted = outbox.insert_deliveries(mobilization, people)
                held = needs_approval(inserted) and mobilization.approved_at is None
                if held:
                    transaction.set_rollback(True)
            current = Mobilization.objects.select_for_update().filter(pk=mobilization_id).first()
            if (
                current is None
                or current.status != Status.STARTING
                or current.start_attempts != attempt
            ):
                # Cancelled meanwhile, or the sweeper gave the start to another attempt.
                transaction.set_rollback(True)
                return False
            if held:
                _hold_for_approval(current, inserted)
                return False
            counts = _open(current, inserted, round(time.monotonic() - started, 3))
    except SegmentError as exc:
        _refuse(mobilization_id, attempt, exc)
        return False
    logger.info(
        "mobilization.start mobilization=%s recipients=%s seconds=%s attempt=%s analysed=%s",
        mobilization_id,
        inserted,
        current.snapshot_seconds,
        attempt,
        len(analysed),
    )
    # The outbox just took a bulk load: its statistics follow (the workers' queries).
    analyze_if_stale([Delivery._meta.db_table])
    if not counts.get(Delivery.Status.PENDING):
        finish_if_done(mobilization_id)
    return True


def _open(mobilization: Mobilization, inserted: int, seconds: float) -> dict[str, int]:
    counts = dict(
        Delivery.objects.filter(mobilization=mobilization)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    mobilization.status = Status.SENDING
    mobilization.started_at = timezone.now()
    mobilization.recipients = inserted
    mobilization.snapshot_seconds = seconds
    mobilization.start_lease_until = None
    mobilization.start_error = ""
    mobilization.save(
        update_fields=[
            "status",
            "started_at",
            "recipients",
            "snapshot_seconds",
            "start_lease_until",
            "start_error",
            "updated_at",
        ]
    )
    audit.record(
        actor=None,
        verb="mobilization.start",
        obj=mobilization,
        details={
            "recipients": inserted,
            "pending": counts.get(Delivery.Status.PENDING, 0),
            "skipped": counts.get(Delivery.Status.SKIPPED, 0),
            "seconds": seconds,
            "attempt": mobilization.start_attempts,
        },
    )
    return counts


def _hold_for_approval(mobilization: Mobilization, inserted: int) -> None:
    mobilization.status = Status.AWAITING_APPROVAL
    mobilization.estimated_count = inserted
    mobilization.start_lease_until = None
    mobilization.save(
        update_fields=["status", "estimated_count", "start_lease_until", "updated_at"]
    )
    audit.record(
        actor=None,
        verb="mobilization.held_for_approval",
        obj=mobilization,
        details={"recipients": inserted},
    )


def _refuse(mobilization_id: int, attempt: int, exc: SegmentError) -> None:
    """The frozen segment no longer compiles: back to draft, with the reason audited."""
    logger.warning("mobilization.start refused mobilization=%s", mobilization_id)
    with transaction.atomic():
        updated = Mobilization.objects.filter(
            pk=mobilization_id, status=Status.STARTING, start_attempts=attempt
        ).update(status=Status.DRAFT, start_lease_until=None, updated_at=timezone.now())
        if updated:
            audit.record(
                actor=None,
                verb="mobilization.start_refused",
                object_type=Mobilization._meta.label_lower,
                object_id=mobilization_id,
                details={"error": exc.message},
            )


def _start_failed(mobilization_id: int, attempt: int, exc: BaseException) -> None:
    """Record a failed attempt (the sweeper tries again after START_REQUEUE_AFTER, up to
    MOBILIZATION_START_ATTEMPTS) and alert the secretariat."""
    from aktivist.mobilization.start_alerts import FAILED, alert_start

    # The error's kind only: a database error's text may quote the data.
    error = "statement timeout" if is_statement_timeout(exc) else type(exc).__name__
    logger.warning(
        "mobilization.start failed mobilization=%s attempt=%s error=%s",
        mobilization_id,
        attempt,
        error,
    )
    if connection.errors_occurred and not connection.in_atomic_block and not connection.is_usable():
        connection.close()  # the server went away: the next query connects again
    _record_start_error(mobilization_id, attempt, error)
    alert_start(mobilization_id, FAILED)


def _record_start_error(mobilization_id: int, attempt: int, error: str) -> bool:
    """The attempt failed (or its worker stopped): the lease is given up, the error kept."""
    with transaction.atomic():
        updated = Mobilization.objects.filter(
            pk=mobilization_id, status=Status.STARTING, start_attempts=attempt
        ).update(start_error=error[:200], start_lease_until=None, updated_at=timezone.now())
        if updated:
            audit.record(
                actor=None,
                verb="mobilization.start_failed",
                object_type=Mobilization._meta.label_lower,
                object_id=mobilization_id,
                details={"attempt": attempt, "error": error[:200]},
            )
    return bool(updated)


def finish_if_done(mobilization_id: int) -> bool:
    """Mark a sending mobilization done once its outbox holds nothing more to send."""
    if outbox.has_open_work(mobilization_id):
        return False
    with transaction.atomic():
        updated = Mobilization.objects.filter(pk=mobilization_id, status=Status.SENDING).update(
            status=Status.DONE, finished_at=timezone.now(), updated_at=timezone.now()
        )
        if not updated:
            return False
        counts = dict(
            Delivery.objects.filter(mobilization_id=mobilization_id)
            .values_list("status")
            .annotate(n=Count("id"))
            .order_by()
        )
        audit.record(
            actor=None,
            verb="mobilization.finish",
            object_type=Mobilization._meta.label_lower,
            object_id=mobilization_id,
            details={status: counts.get(status, 0) for status in Delivery.Status.values},
        )
    return True


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """The minutely check: start what is due, put the rows of dead workers back, wake the
    workers for retries that have come due, finish what is done."""
    from aktivist.mobilization.tasks import enqueue_dispatch

    now = now or timezone.now()
    from aktivist.mobilization.start_alerts import alert_slow_starts

    summary = {"started": 0, "requeued": 0, "woken": 0, "finished": 0, "alerted": 0}
    summary["requeued"] = outbox.requeue_expired(now)
    due = Mobilization.objects.filter(status=Status.SCHEDULED).filter(
        Q(send_at__isnull=True) | Q(send_at__lte=now)
    )
    for mobilization in due:
        with transaction.atomic():
            _start_if_due(mobilization, now)
        summary["started"] += 1
    summary["started"] += retry_starts(now)
    summary["alerted"] = alert_slow_starts(now)
    lanes: set[str] = set()
    for mobilization in Mobilization.objects.filter(status=Status.SENDING):
        if outbox.has_due_work(mobilization.pk, now):
            lanes.add(mobilization.lane)
        elif finish_if_done(mobilization.pk):
            summary["finished"] += 1
    for lane in sorted(lanes):
        enqueue_dispatch(lane, count=1)
        summary["woken"] += 1
    return summary


def retry_starts(now: dt.datetime) -> int:
    """Queue again the starts nobody holds: a worker that died during the snapshot (its
    lease ran out: recorded as a failed attempt and alerted), a failed attempt, or a task
    lost in a queue. At most MOBILIZATION_START_ATTEMPTS attempts. Returns how many."""
    from aktivist.mobilization.start_alerts import FAILED, alert_start
    from aktivist.mobilization.tasks import enqueue_start

    starting = Mobilization.objects.filter(status=Status.STARTING)
    queued = 0
    expired = starting.filter(start_lease_until__lt=now).values_list(
        "pk", "start_attempts", "urgent"
    )
    for pk, attempt, urgent in expired:
        if _record_start_error(pk, attempt, "the worker stopped (its lease ran out)"):
            logger.warning("mobilization.start lease expired mobilization=%s", pk)
            alert_start(pk, FAILED)
            if attempt < max_start_attempts():
                enqueue_start(pk, "urgent" if urgent else "default")
                queued += 1
    free = starting.filter(
        start_lease_until__isnull=True,
        updated_at__lt=now - START_REQUEUE_AFTER,
        start_attempts__lt=max_start_attempts(),
    )
    for mobilization in free:
        # Conditional: a worker may take it meanwhile. No row lock is held for long.
        if (
            Mobilization.objects.filter(
                pk=mobilization.pk, status=Status.STARTING, start_lease_until__isnull=True
            )
            .filter(updated_at__lt=now - START_REQUEUE_AFTER)
            .update(updated_at=now)
        ):
            enqueue_start(mobilization.pk, mobilization.lane)
            queued += 1
    return queued
