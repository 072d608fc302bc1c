"""Data-subject requests (GDPR Art. 12, 15–21): services and selectors.

A request is received (kind, channel, who asked and how to answer them), its requester's
identity is checked, and it is fulfilled or refused with a reason — within one month of
receipt (Art. 12(3)), extendable once by up to two further months with a recorded reason
(and only before the first month has run out, since the requester must be told within it).
Every step writes an ``AuditEvent`` whose details hold the request's kind and status, never
what the requester wrote.

Who: secretariat admins and staff, and the data-protection officer. The officer has no
people pages, so only the secretariat links a request to the person it concerns (a search
of people); the officer registers and follows requests.

The daily reminder (``requests_send_reminders``, scheduled in ``privacy/jobs.py``) emails
the officers and admins (or ``PRIVACY_REQUEST_EMAILS``) once when a deadline is within a
week and once when it has passed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, DateField, F, Q, QuerySet, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.accounts.capabilities import Capability, can
from aktivist.accounts.models import User
from aktivist.core import audit, emails
from aktivist.core.exceptions import ApplicationError
from aktivist.people.selectors import can_see_person
from aktivist.privacy.models import DataSubjectRequest

logger = logging.getLogger(__name__)

Status = DataSubjectRequest.Status
Kind = DataSubjectRequest.Kind

# Art. 12(3): one month, extendable by two further months.
DEADLINE_MONTHS = 1
MAX_EXTENSION_MONTHS = 2
# "Due this week": the deadline falls within this many days (today included).
DUE_SOON_DAYS = 7
REMINDER_EMAIL = "privacy/request_reminder"
# Kinds whose fulfilment needs a note of what was done (access and erasure leave their own
# record: the audited export, the erasure).
NOTE_REQUIRED = (Kind.RECTIFICATION, Kind.OBJECTION)


# --- Dates -----------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months later; the month's last day when it has no
    such day (31 January + 1 month = 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def legal_deadline(received_on: dt.date) -> dt.date:
    """One month after receipt (Art. 12(3)). Where the calendar has no such day, the last
    day of the month — the earlier reading of Regulation 1182/71, so never too late."""
    return add_months(received_on, DEADLINE_MONTHS)


# --- Who may use the requests ----------------------------------------------------------------


def requests_visible_to(viewer: Any) -> QuerySet[DataSubjectRequest]:
    if not can(viewer, Capability.PRIVACY_REQUESTS):
        return DataSubjectRequest.objects.none()
    return DataSubjectRequest.objects.select_related(
        "person", "received_by", "identity_checked_by", "closed_by"
    )


def access_request(viewer: Any, pk: Any) -> DataSubjectRequest:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    found = requests_visible_to(viewer).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _with_deadline(qs: QuerySet[DataSubjectRequest]) -> QuerySet[DataSubjectRequest]:
    return qs.annotate(
        effective_deadline=Coalesce(F("extended_to"), F("due_on"), output_field=DateField())
    )


def open_requests(viewer: Any) -> QuerySet[DataSubjectRequest]:
    """Open requests, the nearest deadline first."""
    return _with_deadline(requests_visible_to(viewer).filter(status__in=DataSubjectRequest.OPEN))


@dataclass
class RequestBoard:
    """The requests page: what is overdue, what is due this week, the rest, and the recently
    closed."""

    today: dt.date
    overdue: list[DataSubjectRequest] = field(default_factory=list)
    due_soon: list[DataSubjectRequest] = field(default_factory=list)
    later: list[DataSubjectRequest] = field(default_factory=list)
    closed: list[DataSubjectRequest] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return len(self.overdue) + len(self.due_soon) + len(self.later)


CLOSED_SHOWN = 20


def request_board(viewer: Any, *, today: dt.date | None = None) -> RequestBoard:
    today = today or timezone.localdate()
    board = RequestBoard(today=today)
    soon = today + dt.timedelta(days=DUE_SOON_DAYS - 1)
    for item in open_requests(viewer).order_by("effective_deadline", "received_on", "id"):
        deadline = item.deadline
        if deadline < today:
            board.overdue.append(item)
        elif deadline <= soon:
            board.due_soon.append(item)
        else:
            board.later.append(item)
    board.closed = list(
        requests_visible_to(viewer)
        .exclude(status__in=DataSubjectRequest.OPEN)
        .order_by("-closed_at", "-id")[:CLOSED_SHOWN]
    )
    return board


def deadline_between(first: dt.date, last: dt.date) -> Q:
    """The deadline (the extended date, else the first) falls within [first, last]."""
    return Q(extended_to__isnull=True, due_on__gte=first, due_on__lte=last) | Q(
        extended_to__gte=first, extended_to__lte=last
    )


def deadline_before(day: dt.date) -> Q:
    return Q(extended_to__isnull=True, due_on__lt=day) | Q(extended_to__lt=day)


def due_within(days: int, *, today: dt.date | None = None) -> QuerySet[DataSubjectRequest]:
    """Open requests whose deadline falls within ``days`` days from today (not overdue)."""
    today = today or timezone.localdate()
    last = today + dt.timedelta(days=days - 1)
    return _with_deadline(
        DataSubjectRequest.objects.filter(
            deadline_between(today, last), status__in=DataSubjectRequest.OPEN
        )
    )


def overdue(*, today: dt.date | None = None) -> QuerySet[DataSubjectRequest]:
    today = today or timezone.localdate()
    return _with_deadline(
        DataSubjectRequest.objects.filter(
            deadline_before(today), status__in=DataSubjectRequest.OPEN
        )
    )


def open_requests_about(person: Any) -> QuerySet[DataSubjectRequest]:
    """Open requests linked to a person (the person page's panel; retention spares them)."""
    return _with_deadline(
        DataSubjectRequest.objects.filter(person=person, status__in=DataSubjectRequest.OPEN)
    ).order_by("effective_deadline", "id")


# --- Services --------------------------------------------------------------------------------


def _require(viewer: Any) -> None:
    if not can(viewer, Capability.PRIVACY_REQUESTS):
        raise ApplicationError(_("Only the secretariat and the data-protection officer do this."))


def _record(actor: Any, verb: str, request: DataSubjectRequest, **details: Any) -> None:
    audit.record(
        actor=actor,
        verb=f"privacy.request_{verb}",
        obj=request,
        person_id=request.person_id,
        details={"kind": request.kind, "status": request.status, **details},
    )


def _require_open(request: DataSubjectRequest) -> None:
    if not request.is_open:
        raise ApplicationError(_("This request is closed."))


def request_register(
    *,
    actor: Any,
    kind: str,
    channel: str,
    received_on: dt.date,
    requester_name: str,
    requester_contact: str = "",
    details: str = "",
    person: Any = None,
) -> DataSubjectRequest:
    """Record a request as it arrived; its deadline is one month after receipt."""
    _require(actor)
    if person is not None and not can(actor, Capability.PRIVACY_ACT):
        raise ApplicationError(_("Only the secretariat links a request to a person."))
    if received_on > timezone.localdate():
        raise ApplicationError(_("A request cannot be received in the future."))
    request = DataSubjectRequest(
        kind=kind,
        channel=channel,
        received_on=received_on,
        received_by=actor if getattr(actor, "is_authenticated", False) else None,
        requester_name=requester_name.strip(),
        requester_contact=requester_contact.strip(),
        details=details.strip(),
        person=person,
        due_on=legal_deadline(received_on),
    )
    request.full_clean()
    with transaction.atomic():
        request.save()
        _record(actor, "received", request, channel=channel, due_on=str(request.due_on))
    return request


def request_link_person(*, actor: Any, request: DataSubjectRequest, person: Any) -> None:
    """The secretariat says whom the request is about (a person it may see)."""
    if not can(actor, Capability.PRIVACY_ACT):
        raise ApplicationError(_("Only the secretariat links a request to a person."))
    _require_open(request)
    if person is None or not can_see_person(actor, person.pk):
        raise ApplicationError(_("No such person."))
    with transaction.atomic():
        request.person = person
        request.save(update_fields=["person", "updated_at"])
        _record(actor, "person_linked", request)


def request_check_identity(*, actor: Any, request: DataSubjectRequest, method: str) -> None:
    """Record that (and how) the requester was shown to be the person the data is about."""
    _require(actor)
    _require_open(request)
    method = method.strip()
    if not method:
        raise ApplicationError(_("Say how the identity was checked."))
    if request.status == Status.IDENTITY_CHECKED:
        raise ApplicationError(_("The identity has been checked already."))
    with transaction.atomic():
        request.status = Status.IDENTITY_CHECKED
        request.identity_method = method[:200]
        request.identity_checked_at = timezone.now()
        request.identity_checked_by = actor
        request.save(
            update_fields=[
                "status",
                "identity_method",
                "identity_checked_at",
                "identity_checked_by",
                "updated_at",
            ]
        )
        _record(actor, "identity_checked", request)


def request_extend(
    *,
    actor: Any,
    request: DataSubjectRequest,
    months: int,
    reason: str,
    today: dt.date | None = None,
) -> None:
    """Extend the deadline once, by one or two months, with the reason the requester is told
    (Art. 12(3): complex or numerous requests; the requester is told within the first
    month, so an overdue request cannot be extended)."""
    _require(actor)
    _require_open(request)
    today = today or timezone.localdate()
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("Give the reason for the extension."))
    if request.extended_to is not None:
        raise ApplicationError(
            _("The deadline has been extended already: it can be extended only once.")
        )
    if months < 1 or months > MAX_EXTENSION_MONTHS:
        raise ApplicationError(_("The deadline can be extended by one or two months, no more."))
    if request.due_on < today:
        raise ApplicationError(
            _("The first month has run out: the deadline can no longer be extended.")
        )
    with transaction.atomic():
        request.extended_to = add_months(request.due_on, months)
        request.extension_reason = reason
        # The new deadline gets its own reminders.
        request.reminded_at = None
        request.overdue_reminded_at = None
        request.save(
            update_fields=[
                "extended_to",
                "extension_reason",
                "reminded_at",
                "overdue_reminded_at",
                "updated_at",
            ]
        )
        _record(actor, "extended", request, months=months, extended_to=str(request.extended_to))


def _close(actor: Any, request: DataSubjectRequest, status: str, outcome: str, verb: str) -> None:
    with transaction.atomic():
        request.status = status
        request.outcome = outcome
        request.closed_at = timezone.now()
        request.closed_by = actor if getattr(actor, "is_authenticated", False) else None
        request.save(update_fields=["status", "outcome", "closed_at", "closed_by", "updated_at"])
        _record(actor, verb, request, late=request.closed_at.date() > request.deadline)


def request_fulfil(*, actor: Any, request: DataSubjectRequest, outcome: str = "") -> None:
    """Close the request as done. The identity must have been checked; a rectification or an
    objection needs a note of what was done (access and erasure leave their own audited
    record), and so does a request about no one in the register."""
    _require(actor)
    _require_open(request)
    outcome = outcome.strip()
    if request.status != Status.IDENTITY_CHECKED:
        raise ApplicationError(_("Check the requester's identity first."))
    if not outcome and (request.kind in NOTE_REQUIRED or request.person_id is None):
        raise ApplicationError(_("Write what was done."))
    if request.kind == Kind.ERASURE and request.person is not None and request.person.is_active:
        # The erasure itself fulfils it (erasure.person_erase with this request).
        raise ApplicationError(
            _("Erase the person to fulfil an erasure request, or refuse it with a reason.")
        )
    _close(actor, request, Status.FULFILLED, outcome, "fulfilled")


def request_fulfil_by_erasure(*, actor: Any, request: DataSubjectRequest) -> None:
    """For the erasure service: its erasure fulfilled this request (an erasure request whose
    identity was checked). Idempotent: a closed request stays as it was."""
    if not request.is_open:
        return
    _close(actor, request, Status.FULFILLED, request.outcome, "fulfilled")


def request_refuse(*, actor: Any, request: DataSubjectRequest, reason: str) -> None:
    """Refuse with the reason the requester is told (Art. 12(4))."""
    _require(actor)
    _require_open(request)
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("Give the reason for refusing."))
    _close(actor, request, Status.REFUSED, reason, "refused")


# --- Reminders -------------------------------------------------------------------------------


def reminder_recipients() -> list[tuple[str, str]]:
    """(address, language): ``PRIVACY_REQUEST_EMAILS`` when set, else every active
    data-protection officer and secretariat admin."""
    configured = getattr(settings, "PRIVACY_REQUEST_EMAILS", None) or []
    if configured:
        return [(address, settings.LANGUAGE_CODE) for address in configured]
    return list(
        User.objects.filter(
            is_active=True, access_role__in=[User.AccessRole.DPO, User.AccessRole.ADMIN]
        )
        .exclude(email="")
        .order_by("pk")
        .values_list("email", "language")
    )


@dataclass
class ReminderResult:
    due_soon: int = 0
    overdue: int = 0
    sent: int = 0
    failed: int = 0


def _request_line(request: DataSubjectRequest, base: str) -> dict[str, Any]:
    # Kind, dates and a link: never who asked (the email leaves the system).
    return {
        "id": request.pk,
        "kind": request.get_kind_display(),
        "received_on": request.received_on,
        "deadline": request.deadline,
        "url": base + reverse("privacy:request_detail", args=[request.pk]),
    }


def requests_send_reminders(*, now: dt.datetime | None = None) -> ReminderResult:
    """Email the officers once about requests due within a week and once about those whose
    deadline has passed. The requests are marked in the same transaction that picks them, so
    two runs never remind twice; when no email could be sent at all, the marks are taken
    back and the next run tries again."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = ReminderResult()
    with transaction.atomic():
        soon = list(
            due_within(DUE_SOON_DAYS, today=today)
            .select_for_update()
            .filter(reminded_at__isnull=True)
            .order_by("effective_deadline", "id")
        )
        late = list(
            overdue(today=today)
            .select_for_update()
            .filter(overdue_reminded_at__isnull=True)
            .order_by("effective_deadline", "id")
        )
        if not soon and not late:
            return result
        DataSubjectRequest.objects.filter(pk__in=[r.pk for r in soon]).update(reminded_at=now)
        # An overdue request needs no "due soon" reminder any more either.
        DataSubjectRequest.objects.filter(pk__in=[r.pk for r in late]).update(
            overdue_reminded_at=now,
            reminded_at=Case(When(reminded_at__isnull=True, then=now), default=F("reminded_at")),
        )
    result.due_soon, result.overdue = len(soon), len(late)
    base = settings.SITE_URL.rstrip("/")
    context = {
        "due_soon": [_request_line(r, base) for r in soon],
        "overdue": [_request_line(r, base) for r in late],
        "list_url": base + reverse("privacy:request_list"),
        "today": today,
    }
    for address, language in reminder_recipients():
        try:
            emails.send_transactional(
                REMINDER_EMAIL, to=address, language=language, context=context
            )
        except Exception as exc:  # one address must not stop the rest
            result.failed += 1
            logger.warning("privacy request reminder failed error=%s", type(exc).__name__)
        else:
            result.sent += 1
    if result.failed and not result.sent:
        # Nobody got it (the mail server is down): tomorrow's run tries again.
        DataSubjectRequest.objects.filter(pk__in=[r.pk for r in soon], reminded_at=now).update(
            reminded_at=None
        )
        DataSubjectRequest.objects.filter(
            pk__in=[r.pk for r in late], overdue_reminded_at=now
        ).update(overdue_reminded_at=None)
    logger.info(
        "privacy request reminders due_soon=%d overdue=%d sent=%d failed=%d",
        result.due_soon,
        result.overdue,
        result.sent,
        result.failed,
    )
    return result


def open_request_counts(viewer: Any, *, today: dt.date | None = None) -> dict[str, int]:
    """For a start page or a menu: open, due within a week, overdue."""
    today = today or timezone.localdate()
    qs = open_requests(viewer)
    last = today + dt.timedelta(days=DUE_SOON_DAYS - 1)
    return {
        "open": qs.count(),
        "due_soon": qs.filter(deadline_between(today, last)).count(),
        "overdue": qs.filter(deadline_before(today)).count(),
    }
