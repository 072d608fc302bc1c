"""Attendance at the door: the check-in list, one tap per person, walk-ins, no-shows.

Who keeps the door: staff who may see the event (aktivist/programmes/selectors.py). The
list shows the registrations whose person they may see; others are only counted. Marking
"the rest" as no-show touches every registration, so it is for those who may change the
event (its organising unit's staff and the secretariat).

Walk-ins: a name and an email and/or mobile, matched on the spot by the normalised
address (email first, then mobile) or created as a non-member. An existing person's data
is never changed. When the match is someone outside the viewer's scope, the attendance
is still recorded against that person, the audit trail says so, and the viewer is shown
only what they typed — the answer is the same as for someone new.

A person matched that way becomes someone the viewer may see as a registrant of their
event (aktivist/programmes/scoping.py), so the check-in list itself keeps the promise: a
registration whose person was matched outside the scope of whoever recorded it (the
audit trail says which) is shown to scoped viewers without a name, is left out of the
search, and a second walk-in for it is answered as the first.

Attendance beats capacity: someone who came is recorded as attended whether or not a
seat was free (a walk-in, or someone from the waiting list who turned up). Seats matter
before an event, not after people are in the room.

Attendance changes completed programmes in the same transaction
(aktivist/programmes/progression.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.accounts.access import scope_for
from aktivist.core import audit
from aktivist.core.exceptions import ApplicationError
from aktivist.core.models import AuditEvent
from aktivist.engagement.signals import schedule_recompute
from aktivist.people.models import Person
from aktivist.people.selectors import can_see_person, people_visible_to, search_q
from aktivist.people.services import clean_person_data
from aktivist.programmes import progression
from aktivist.programmes.models import Event, Registration
from aktivist.programmes.selectors import (
    access_event,
    can_edit_event,
    registrations_visible_to,
)

Status = Registration.Status
ON_THE_LIST = [Status.REGISTERED, Status.WAITLISTED, Status.ATTENDED, Status.NO_SHOW]
NAME_MAX = 100


# --- Reads -------------------------------------------------------------------------------


def access_checkin_event(viewer: Any, pk: Any) -> Event:
    """The event whose check-in list the viewer may keep (any event they may see)."""
    return access_event(viewer, pk)


WALK_IN_VERB = "registration.walk_in"
UPLOAD_VERB = "event.attendance_upload"


def concealed_ids(viewer: Any, event: Event) -> set[int]:
    """Registrations of the event whose person was matched outside the scope of the staff
    member who recorded them (a walk-in or an upload row): their names are not shown to
    scoped viewers. One query on the event's audit trail."""
    if viewer is not None and scope_for(viewer).is_national:
        return set()
    ids: set[int] = set()
    rows = AuditEvent.objects.filter(
        Q(verb=WALK_IN_VERB, details__event=event.pk, details__outside_scope=True)
        | Q(verb=UPLOAD_VERB, object_type="programmes.event", object_id=str(event.pk))
    ).values_list("verb", "object_id", "details")
    for verb, object_id, details in rows:
        if verb == WALK_IN_VERB:
            ids.add(int(object_id))
        else:
            ids.update(int(pk) for pk in details.get("outside_scope", []))
    return ids


def checkin_rows(viewer: Any, event: Event, query: str = "") -> list[Registration]:
    """The registrations on the list whose person the viewer may see, by first name, each
    with ``concealed`` (show no name); the search (name, email, phone) looks only among
    the named ones. Two queries."""
    qs = registrations_visible_to(viewer, event).filter(status__in=ON_THE_LIST)
    concealed = concealed_ids(viewer, event)
    q = search_q(query[:100]) if query else None
    if q is not None:
        qs = qs.filter(person__in=Person.objects.filter(q)).exclude(pk__in=concealed)
    rows = list(qs.order_by("person__first_name_key", "person__last_name_key", "id"))
    for row in rows:
        row.concealed = row.pk in concealed  # type: ignore[attr-defined]
    return rows


def hidden_count(viewer: Any, event: Event) -> int:
    """Registrations on the list whose person the viewer may not see (counted, not
    shown)."""
    if scope_for(viewer).is_national:
        return 0
    return (
        Registration.objects.filter(event=event, status__in=ON_THE_LIST, person__isnull=False)
        .exclude(person__in=people_visible_to(viewer))
        .count()
    )


def access_checkin_registration(viewer: Any, event: Event, pk: Any) -> Registration:
    """A registration on the event's list whose person the viewer may see, else 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    registration = registrations_visible_to(viewer, event).filter(pk=pk).first()
    if registration is None:
        raise Http404
    registration.concealed = pk in concealed_ids(viewer, event)  # type: ignore[attr-defined]
    return registration


def can_mark_no_shows(viewer: Any, event: Event, now: Any = None) -> bool:
    """After the event has started, for those who may change it."""
    now = now or timezone.now()
    return not event.is_cancelled and event.starts_at <= now and can_edit_event(viewer, event)


# --- One tap -----------------------------------------------------------------------------


def _require_open(event: Event) -> None:
    if event.is_cancelled:
        raise ApplicationError(_("The event is cancelled: attendance cannot be recorded."))


def _seat_free(locked_event: Event, *, besides: int) -> bool:
    if locked_event.capacity is None:
        return True
    taken = (
        Registration.objects.filter(event=locked_event, status__in=Registration.SEATED)
        .exclude(pk=besides)
        .count()
    )
    return taken < locked_event.capacity


def attendance_set(*, actor: Any, registration: Registration, attended: bool) -> Registration:
    """Mark a registration attended, or take that back. Saying the same twice changes
    nothing (a double tap). Taken back, a walk-in's registration is cancelled (they never
    signed up); anyone else's is a seat again when one is free, else the waiting list."""
    _require_open(registration.event)
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=registration.event_id)
        current = Registration.objects.select_for_update().get(pk=registration.pk)
        if attended == (current.status == Status.ATTENDED):
            return current
        now = timezone.now()
        if attended:
            if current.status == Status.CANCELLED:
                raise ApplicationError(
                    _("This registration is cancelled: add the person as a walk-in.")
                )
            current.status = Status.ATTENDED
            current.attended_at = now
            current.waitlisted_at = None
        elif current.source == Registration.Source.WALK_IN:
            current.status = Status.CANCELLED
            current.attended_at = None
            current.cancelled_at = now
        else:
            current.attended_at = None
            if _seat_free(event, besides=current.pk):
                current.status = Status.REGISTERED
            else:
                current.status = Status.WAITLISTED
                current.waitlisted_at = now
        current.save(
            update_fields=["status", "attended_at", "waitlisted_at", "cancelled_at", "updated_at"]
        )
        audit.record(
            actor=actor,
            verb="registration.attend" if attended else "registration.attend_undo",
            obj=current,
            person_id=current.person_id,
            details={"event": event.pk, "status": current.status},
        )
        if current.person_id is not None:
            progression.sync_completions(
                actor=actor, person_ids=[current.person_id], programme_ids=[event.programme_id]
            )
    registration.status = current.status
    registration.attended_at = current.attended_at
    return current


def mark_rest_no_show(*, actor: Any, event: Event) -> int:
    """After the event: everyone still registered (a seat, not checked in) did not come.
    The waiting list is left as it is (they were never promised a seat). Returns how many;
    audited once."""
    _require_open(event)
    if actor is not None and not can_edit_event(actor, event):
        raise ApplicationError(_("Only the event's organisers can mark no-shows."))
    if event.starts_at > timezone.now():
        raise ApplicationError(_("The event has not started yet."))
    with transaction.atomic():
        Event.objects.select_for_update().get(pk=event.pk)
        rest = Registration.objects.filter(event=event, status=Status.REGISTERED)
        person_ids = list(rest.values_list("person_id", flat=True))
        count = rest.update(status=Status.NO_SHOW, updated_at=timezone.now())
        # update() sends no signals: the engagement ladder is told here.
        schedule_recompute(person_ids)
        audit.record(actor=actor, verb="event.no_shows", obj=event, details={"count": count})
    return count


# --- Walk-ins ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WalkIn:
    first_name: str
    last_name: str
    email: str | None
    mobile: str | None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class WalkInResult:
    registration_id: int
    name: str  # what the viewer typed: all they are told about the person
    # The person is one the viewer could see before (a link to them tells nothing new);
    # False both for someone new and for someone outside the viewer's scope.
    known: bool
    person_id: int | None  # only when known


def _clean_name(value: Any, *, label: str, required: bool) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise ValidationError(_("Enter the %(field)s.") % {"field": label})
    if len(text) > NAME_MAX:
        raise ValidationError(
            _("At most %(max)s characters.") % {"max": NAME_MAX},
        )
    if any(not ch.isprintable() for ch in text):
        raise ValidationError(_("This contains characters we cannot store."))
    return text


def clean_walk_in(data: dict[str, Any]) -> WalkIn:
    """Validate a walk-in with the people services' normalisers. Raises ValidationError
    keyed by field."""
    errors: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for field, label, required in (
        ("first_name", _("first name"), True),
        ("last_name", _("last name"), False),
    ):
        try:
            names[field] = _clean_name(data.get(field), label=label, required=required)
        except ValidationError as exc:
            errors[field] = exc.messages
    contact: dict[str, Any] = {}
    try:
        contact = clean_person_data(
            {"email": data.get("email") or None, "mobile": data.get("mobile") or None}
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not errors and not contact.get("email") and not contact.get("mobile"):
        errors["email"] = [_("Enter an email address or a mobile number.")]
    if errors:
        raise ValidationError(errors)
    return WalkIn(
        first_name=names["first_name"],
        last_name=names["last_name"],
        email=contact.get("email"),
        mobile=contact.get("mobile"),
    )


def match_person(email: str | None, mobile: str | None) -> Person | None:
    """The person with this normalised email, else this mobile."""
    q = Q(pk__in=[])
    if email:
        q |= Q(email=email)
    if mobile:
        q |= Q(mobile=mobile)
    candidates = list(Person.objects.filter(q).order_by("-is_active", "pk")[:2])
    by_email = [p for p in candidates if email and p.email == email]
    if by_email:
        return by_email[0]
    return candidates[0] if candidates else None


def _create_walk_in_person(actor: Any, event: Event, walk_in: WalkIn) -> Person:
    person = Person(
        first_name=walk_in.first_name,
        last_name=walk_in.last_name,
        email=walk_in.email,
        mobile=walk_in.mobile,
        language=event.language,
        membership_status=Person.MembershipStatus.NON_MEMBER,
        source=f"walk_in:{event.slug}"[:200],
    )
    person.normalise()
    person.full_clean(validate_unique=False)  # the match just looked; the database decides
    person.save()
    audit.record(actor=actor, verb="person.create", obj=person, details={"event": event.pk})
    return person


def walk_in(*, actor: Any, event: Event, data: dict[str, Any]) -> WalkInResult:
    """Record someone who came without signing up (or whose sign-up cannot be found):
    matched or created, registered as attended. Raises ValidationError per field or
    ApplicationError."""
    _require_open(event)
    cleaned = clean_walk_in(data)
    for attempt in range(2):
        try:
            return _walk_in_once(actor, event, cleaned)
        except IntegrityError:
            # Someone else created the same person a moment ago: match again.
            if attempt == 1:
                raise
    raise AssertionError("unreachable")


def _walk_in_once(actor: Any, event: Event, walk_in: WalkIn) -> WalkInResult:
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        person = match_person(walk_in.email, walk_in.mobile)
        matched = person is not None
        if person is None:
            person = _create_walk_in_person(actor, locked, walk_in)
        registration = (
            Registration.objects.select_for_update().filter(person=person, event=locked).first()
        )
        visible = matched and (
            actor is None
            or (
                can_see_person(actor, person.pk)
                # Seen only because an earlier walk-in matched them outside the scope.
                and not (registration and registration.pk in concealed_ids(actor, locked))
            )
        )
        now = timezone.now()
        if registration is None:
            registration = Registration(
                person=person, event=locked, source=Registration.Source.WALK_IN
            )
        registration.status = Status.ATTENDED
        registration.attended_at = registration.attended_at or now
        registration.waitlisted_at = None
        registration.cancelled_at = None
        registration.full_clean(validate_unique=False)
        registration.save()
        audit.record(
            actor=actor,
            verb=WALK_IN_VERB,
            obj=registration,
            person_id=person.pk,
            details={
                "event": locked.pk,
                "matched": matched,
                "outside_scope": matched and not visible,
            },
        )
        progression.sync_completions(
            actor=actor, person_ids=[person.pk], programme_ids=[locked.programme_id]
        )
    return WalkInResult(
        registration_id=registration.pk,
        name=walk_in.name,
        known=visible,
        person_id=person.pk if visible else None,
    )
