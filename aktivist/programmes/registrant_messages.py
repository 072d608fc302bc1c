"""The event's organisers write to its registrants — tonight's sign-ups included, whom they
may not see as people (a registration is no reason to see someone).

The message goes to the address each registrant typed (for a registration older than
typed values, the person's own address), as a transactional email: the registrants asked
for this event, so no campaign consent is needed — but an erased person, a bounced or
complained address is never written to (aktivist/core/emails.py). The sender never sees
the addresses, only how many will get it. Audited (who, which event, audience, how many,
the subject); a few messages per event per day at most.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.core import audit
from aktivist.core.exceptions import ApplicationError
from aktivist.core.models import AuditEvent
from aktivist.programmes.models import Event, Registration
from aktivist.programmes.selectors import is_organiser
from aktivist.programmes.tasks_staff import send_registrants_message

S = Registration.Status
VERB = "event.message"
SUBJECT_MAX = 150
BODY_MAX = 5000

AUDIENCES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "signed_up": (
        gettext_lazy("Everyone signed up (seat or waiting list)"),
        (S.REGISTERED, S.WAITLISTED),
    ),
    "seated": (gettext_lazy("Those with a seat"), (S.REGISTERED,)),
    "waitlisted": (gettext_lazy("The waiting list"), (S.WAITLISTED,)),
    "attended": (gettext_lazy("Those who came"), (S.ATTENDED,)),
}


def _addressed(registrations: QuerySet[Registration]) -> QuerySet[Registration]:
    """Registrations with an address to write to: what was typed, else the person's own."""
    return (
        registrations.exclude(typed_email="", person__email__isnull=True)
        .exclude(typed_email="", person__email="")
        .filter(Q(person__isnull=True) | Q(person__is_active=True))
    )


def recipients(event: Event, audience: str) -> QuerySet[Registration]:
    _label, statuses = AUDIENCES[audience]
    return _addressed(Registration.objects.filter(event=event, status__in=statuses))


def audience_counts(event: Event) -> dict[str, int]:
    """How many each audience reaches (one query)."""
    statuses = [s for _label, group in AUDIENCES.values() for s in group]
    counted = dict(
        _addressed(Registration.objects.filter(event=event, status__in=statuses))
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {key: sum(counted.get(s, 0) for s in group) for key, (_l, group) in AUDIENCES.items()}


def sent_today(event: Event, now: dt.datetime | None = None) -> int:
    since = (now or timezone.now()) - dt.timedelta(days=1)
    return AuditEvent.objects.filter(
        verb=VERB, object_type="programmes.event", object_id=str(event.pk), created_at__gte=since
    ).count()


@dataclass(frozen=True)
class Sent:
    recipients: int


def registrants_message(
    *, actor: Any, event: Event, audience: str, subject: str, body: str
) -> Sent:
    """Write to the event's registrants. Raises ValidationError-like ApplicationError with a
    message safe to show; sends after commit, in the background."""
    if actor is not None and not is_organiser(actor, event):
        raise ApplicationError(_("Only the event's organisers can write to its registrants."))
    errors: dict[str, list[str]] = {}
    if audience not in AUDIENCES:
        errors["audience"] = [_("Choose who gets the message.")]
    subject = " ".join((subject or "").split())
    body = (body or "").replace("\r\n", "\n").strip()
    if not subject:
        errors["subject"] = [_("Write a subject.")]
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = [_("At most %(max)s characters.") % {"max": SUBJECT_MAX}]
    if not body:
        errors["body"] = [_("Write the message.")]
    elif len(body) > BODY_MAX:
        errors["body"] = [_("At most %(max)s characters.") % {"max": BODY_MAX}]
    if errors:
        raise ValidationError(errors)
    limit = settings.EVENT_MESSAGES_PER_DAY
    with transaction.atomic():
        Event.objects.select_for_update().get(pk=event.pk)
        if sent_today(event) >= limit:
            raise ApplicationError(
                _("This event's registrants have had %(count)s messages in the last 24 hours.")
                % {"count": limit}
            )
        ids = list(recipients(event, audience).values_list("pk", flat=True))
        if not ids:
            raise ApplicationError(_("No one in this group has an email address to write to."))
        audit.record(
            actor=actor,
            verb=VERB,
            obj=event,
            details={"audience": audience, "recipients": len(ids), "subject": subject},
        )
        sender = getattr(actor, "name", "") or getattr(actor, "email", "")
        transaction.on_commit(
            lambda: send_registrants_message.enqueue(event.pk, ids, subject, body, str(sender))
        )
    return Sent(recipients=len(ids))
