"""The alumni programme: invite former role holders to an event.

Staff choose an upcoming event on the alumni list; the alumni the list shows (its current
filter, within the viewer's scope) get an invitation email with the event's public link.
Only active people with an email address are invited, never erased ones, and not those
already signed up. Emails go out from a task after commit, in chunks; the invitation is
audited once, with counts and ids only. The same invitation (same event and filter) sent
again within a few minutes — a double click, a resubmitted form — is refused.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.core import audit
from aktivist.core.emails import send_transactional
from aktivist.core.exceptions import ApplicationError
from aktivist.core.models import AuditEvent
from aktivist.organisation import selectors
from aktivist.organisation.models import Role, Unit
from aktivist.people.models import Person
from aktivist.programmes.models import Event, Programme, Registration
from aktivist.programmes.selectors import events_visible_to, public_event_path

CHUNK = 200  # invitations per task
REPEAT_WINDOW = dt.timedelta(minutes=10)
VERB = "alumni.invite"
UPCOMING_LIMIT = 100  # events offered in the form

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlumniFilter:
    role_type_id: int | None = None
    unit: Unit | None = None
    ended_from_year: int | None = None
    ended_to_year: int | None = None

    @property
    def key(self) -> str:
        """The filter as a short string: the same filter gives the same key."""
        unit_id = self.unit.pk if self.unit is not None else None
        return f"{self.role_type_id}:{unit_id}:{self.ended_from_year}:{self.ended_to_year}"

    def roles(self, viewer: Any) -> QuerySet[Role]:
        return selectors.alumni(
            viewer,
            role_type_id=self.role_type_id,
            unit=self.unit,
            ended_from_year=self.ended_from_year,
            ended_to_year=self.ended_to_year,
        )


@dataclass(frozen=True)
class AlumniInvitation:
    invited: int
    without_email: int
    already_registered: int


def invitable_events(viewer: Any) -> list[Event]:
    """Upcoming events the viewer can see that take sign-ups: alumni programme events
    first, then the others, each soonest first."""
    now = timezone.now()
    events = [
        event
        for event in events_visible_to(viewer)
        .filter(starts_at__gt=now, is_published=True, cancelled_at__isnull=True)
        .filter(Q(registration_deadline__isnull=True) | Q(registration_deadline__gt=now))
        .order_by("starts_at", "id")[:UPCOMING_LIMIT]
    ]
    events.sort(key=lambda e: not is_alumni_event(e))  # stable: keeps the date order
    return events


def is_alumni_event(event: Event) -> bool:
    return event.programme is not None and event.programme.kind == Programme.Kind.ALUMNI_PROGRAMME


@transaction.atomic
def alumni_invite(*, actor: Any, event: Event, filters: AlumniFilter) -> AlumniInvitation:
    """Invite the alumni the filter lists (as the actor sees them) to the event. Raises
    ApplicationError when the event takes no sign-ups or the same invitation was just sent."""
    if not events_visible_to(actor).filter(pk=event.pk).exists():
        raise ApplicationError(_("Unknown event."))
    # Lock the event: two clicks of one button are decided one after the other.
    event = Event.objects.select_for_update().get(pk=event.pk)
    if not event.accepts_sign_ups():
        raise ApplicationError(_("This event takes no sign-ups: choose an upcoming event."))
    if AuditEvent.objects.filter(
        object_type=Event._meta.label_lower,
        object_id=str(event.pk),
        verb=VERB,
        created_at__gte=timezone.now() - REPEAT_WINDOW,
        details__filter=filters.key,
    ).exists():
        raise ApplicationError(
            _(
                "These alumni were invited to this event a few minutes ago; "
                "the emails are on their way."
            )
        )
    alumni_ids = filters.roles(actor).values("person_id")
    already = set(
        Registration.objects.filter(
            event=event, person_id__in=alumni_ids, status__in=_active_statuses()
        ).values_list("person_id", flat=True)
    )
    people = list(
        Person.objects.filter(pk__in=alumni_ids, is_active=True)
        .order_by("pk")
        .values_list("pk", "email")
    )
    invite = [pk for pk, email in people if email and pk not in already]
    without_email = sum(1 for pk, email in people if not email and pk not in already)
    result = AlumniInvitation(
        invited=len(invite), without_email=without_email, already_registered=len(already)
    )
    audit.record(
        actor=actor,
        verb=VERB,
        obj=event,
        details={
            "filter": filters.key,
            "invited": result.invited,
            "without_email": result.without_email,
            "already_registered": result.already_registered,
        },
    )
    if invite:
        from aktivist.organisation.tasks import send_alumni_invitations

        chunks = [invite[i : i + CHUNK] for i in range(0, len(invite), CHUNK)]
        event_id = event.pk
        transaction.on_commit(
            lambda: [send_alumni_invitations.enqueue(event_id, chunk) for chunk in chunks]
        )
    return result


def _active_statuses() -> list[str]:
    return [s for s in Registration.Status.values if s != Registration.Status.CANCELLED]


def send_invitations(event_id: int, person_ids: list[int]) -> int:
    """Send the invitation to each of these people who is still active, has an email and
    is not signed up yet. Returns how many were sent; a failed address does not stop the
    others."""
    event = Event.objects.select_related("unit", "programme").filter(pk=event_id).first()
    if event is None or not event.accepts_sign_ups():
        return 0
    signed_up = Registration.objects.filter(
        event=event, person_id__in=person_ids, status__in=_active_statuses()
    ).values("person_id")
    people = (
        Person.objects.filter(pk__in=person_ids, is_active=True)
        .exclude(Q(email__isnull=True) | Q(email=""))
        .exclude(pk__in=signed_up)
        .only("pk", "first_name", "email", "language")
    )
    url = settings.SITE_URL.rstrip("/") + public_event_path(event)
    sent = failed = 0
    for person in people:
        try:
            send_transactional(
                "organisation/alumni_invitation",
                to=person.email or "",
                person=person,
                language=person.language,
                context={
                    "first_name": person.first_name,
                    "event_title": event.title,
                    "starts_at": event.starts_at,
                    "place": event.place,
                    "online": bool(event.online_url),
                    "unit_name": event.unit.name,
                    "event_url": url,
                    "organisation": settings.ORGANISATION_NAME,
                },
            )
            sent += 1
        except Exception as exc:  # one address must not stop the chunk
            failed += 1
            # The error's class only: its message may hold the address.
            logger.warning(
                "alumni invitation failed event=%s error=%s", event_id, type(exc).__name__
            )
    logger.info("alumni invitations event=%s sent=%d failed=%d", event_id, sent, failed)
    return sent
