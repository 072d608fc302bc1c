"""Attendance at the door: the check-in list, one tap per person, walk-ins, no-shows.

Who keeps the door: staff who may see the event (aktivist/programmes/selectors.py). The
event's organisers (the secretariat and staff whose scope holds its unit) see every
registration on the list as the registrant typed it; others see only the registrations of
people they may see, and the rest are counted. Nobody is shown the person record behind a
registration unless they may see that person anyway. Marking "the rest" as no-show
touches every registration, so it is for the event's organisers.

Walk-ins: a name and an email and/or mobile. A registration of the event with that typed
email or mobile is that registrant arriving. Otherwise the walk-in is matched by the
normalised email, then the mobile — but a mobile whose owner has another name and email
is not that owner (aktivist/people/matching.py): the walk-in becomes a new person with the
typed email. A match the checker may see is checked in on that person. A match outside
their scope is never written onto that person: the attendance is recorded on a
registration that keeps only what was typed, and a review item asks the secretariat to
link it (aktivist/programmes/reviews.py). The checker is told the same in every case: the
name they typed is checked in. An existing person's data is never changed.

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
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.accounts.access import scope_for
from aktivist.core import audit
from aktivist.core.exceptions import ApplicationError
from aktivist.core.signals import facts_changed
from aktivist.lib.normalise import normalise_email, normalise_name, normalise_phone
from aktivist.people.holds import holds_recorded
from aktivist.people.matching import same_person_by_mobile
from aktivist.people.models import Person, ReviewItem
from aktivist.people.selectors import can_see_person
from aktivist.people.services import clean_person_data
from aktivist.programmes import progression
from aktivist.programmes.models import Event, Registration
from aktivist.programmes.reviews import hold_attendance
from aktivist.programmes.selectors import (
    access_event,
    access_registration,
    can_edit_event,
    is_organiser,
    registration_rows,
    registrations_visible_to,
)

Status = Registration.Status
ON_THE_LIST = [Status.REGISTERED, Status.WAITLISTED, Status.ATTENDED, Status.NO_SHOW]
NAME_MAX = 100
WALK_IN_VERB = "registration.walk_in"
_PHONE_CHARS = set("0123456789+-() ")


# --- Reads -------------------------------------------------------------------------------


def access_checkin_event(viewer: Any, pk: Any) -> Event:
    """The event whose check-in list the viewer may keep (any event they may see)."""
    return access_event(viewer, pk)


def _matches(registration: Registration, query: str) -> bool:
    """The check-in search on what the viewer is shown: the typed name, email or mobile
    (and the visible person's own, for registrations older than typed values)."""
    text = " ".join(query.split())
    person = getattr(registration, "visible_person", None)
    if "@" in text:
        wanted = normalise_email(text) or ""
        emails = [registration.typed_email, person.email if person else ""]
        return any(e and e.startswith(wanted) for e in emails)
    if set(text) <= _PHONE_CHARS and any(ch.isdigit() for ch in text):
        phone = normalise_phone(text)
        phones = [registration.typed_mobile, person.mobile if person else ""]
        return bool(phone) and phone in phones
    names = [getattr(registration, "shown_name", "")]
    if person is not None:
        names.append(person.full_name)
    tokens = normalise_name(text).split(" ")
    for name in names:
        words = normalise_name(name).split(" ")
        if all(any(word.startswith(token) for word in words) for token in tokens if token):
            return True
    return False


def checkin_rows(viewer: Any, event: Event, query: str = "") -> list[Registration]:
    """The registrations on the list the viewer may see, by the name shown, each with
    ``visible_person`` and ``shown_name``; the search (name, email, phone) looks only at
    what the viewer is shown. Two queries."""
    rows = [r for r in registration_rows(viewer, event) if r.status in ON_THE_LIST]
    query = query[:100].strip()
    if query:
        rows = [r for r in rows if _matches(r, query)]
    return rows


def hidden_count(viewer: Any, event: Event) -> int:
    """Registrations on the list the viewer may not see (counted, not shown): none for the
    event's organisers."""
    if is_organiser(viewer, event):
        return 0
    shown = registrations_visible_to(viewer, event).filter(status__in=ON_THE_LIST).count()
    on_the_list = Registration.objects.filter(event=event, status__in=ON_THE_LIST).exclude(
        person__isnull=True, typed_first_name="", typed_email="", typed_mobile=""
    )
    return max(on_the_list.count() - shown, 0)


def access_checkin_registration(viewer: Any, event: Event, pk: Any) -> Registration:
    """A registration on the event's list the viewer may see, else 404."""
    return access_registration(viewer, event, pk)


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
        # update() sends no model signals: the engagement ladder is told here.
        facts_changed.send(sender=Registration, person_ids=person_ids)
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
    # False for someone new, a registrant who came, and anyone outside the viewer's scope.
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


@dataclass(frozen=True)
class Match:
    """Whom typed contact details name: ``person`` (by email, or by a mobile whose owner
    may be them), or nobody; ``mobile_taken`` when the mobile belongs to someone else
    (another name and email): a new person then gets the email, not the mobile."""

    person: Person | None
    mobile_taken: bool = False


def match_person(
    *, first_name: str, last_name: str, email: str | None, mobile: str | None
) -> Match:
    """The person with this normalised email; else the owner of this mobile when they may
    be the same human (aktivist/people/matching.py)."""
    q = Q(pk__in=[])
    if email:
        q |= Q(email=email)
    if mobile:
        q |= Q(mobile=mobile)
    candidates = list(Person.objects.filter(q, is_active=True).order_by("pk")[:2])
    by_email = [p for p in candidates if email and p.email == email]
    if by_email:
        return Match(person=by_email[0])
    owner = next((p for p in candidates if mobile and p.mobile == mobile), None)
    if owner is None:
        return Match(person=None)
    if same_person_by_mobile(
        typed_first_name=first_name,
        typed_last_name=last_name,
        typed_email=email,
        stored_first_name=owner.first_name,
        stored_last_name=owner.last_name,
        stored_email=owner.email,
    ):
        return Match(person=owner)
    return Match(person=None, mobile_taken=True)


def _create_walk_in_person(actor: Any, event: Event, walk_in: WalkIn, *, mobile: bool) -> Person:
    person = Person(
        first_name=walk_in.first_name,
        last_name=walk_in.last_name,
        email=walk_in.email,
        mobile=walk_in.mobile if mobile else None,
        language=event.language,
        membership_status=Person.MembershipStatus.NON_MEMBER,
        source=f"walk_in:{event.slug}"[:200],
    )
    person.normalise()
    person.full_clean(validate_unique=False)  # the match just looked; the database decides
    person.save()
    audit.record(actor=actor, verb="person.create", obj=person, details={"event": event.pk})
    return person


def typed_registration(
    event: Event, *, email: str | None, mobile: str | None
) -> Registration | None:
    """A registration of the event whose typed email (or, failing that, mobile) is this
    one: the registrant has come. Call with the event locked."""
    q = Q(pk__in=[])
    if email:
        q |= Q(typed_email=email)
    if mobile:
        q |= Q(typed_mobile=mobile)
    found = list(Registration.objects.select_for_update().filter(q, event=event).order_by("pk"))
    by_email = [r for r in found if email and r.typed_email == email]
    chosen = by_email or found
    return chosen[0] if chosen else None


def walk_in(*, actor: Any, event: Event, data: dict[str, Any]) -> WalkInResult:
    """Record someone who came without signing up (or whose sign-up cannot be found):
    their registration is marked attended. Raises ValidationError per field or
    ApplicationError."""
    _require_open(event)
    cleaned = clean_walk_in(data)
    for attempt in range(2):
        try:
            result, held = _walk_in_once(actor, event, cleaned)
        except IntegrityError:
            # Someone else created the same person a moment ago: match again.
            if attempt == 1:
                raise
            continue
        if held:
            holds_recorded(actor=actor, count=1)
        return result
    raise AssertionError("unreachable")


def _sees(actor: Any, person: Person) -> bool:
    return actor is None or scope_for(actor).is_national or can_see_person(actor, person.pk)


def _walk_in_once(actor: Any, event: Event, walk_in: WalkIn) -> tuple[WalkInResult, bool]:
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        registration = typed_registration(locked, email=walk_in.email, mobile=walk_in.mobile)
        held = False
        how = "registrant"
        if registration is None:
            match = match_person(
                first_name=walk_in.first_name,
                last_name=walk_in.last_name,
                email=walk_in.email,
                mobile=walk_in.mobile,
            )
            person = match.person
            if person is not None and _sees(actor, person):
                how = "matched"
                registration = (
                    Registration.objects.select_for_update()
                    .filter(person=person, event=locked)
                    .first()
                )
            elif person is not None:
                how, held = "held", True
            else:
                how = "created"
                person = _create_walk_in_person(
                    actor, locked, walk_in, mobile=not match.mobile_taken
                )
            if registration is None:
                registration = Registration(
                    person=None if held else person,
                    event=locked,
                    source=Registration.Source.WALK_IN,
                )
            if not registration.typed_name:
                registration.set_typed(
                    first_name=walk_in.first_name,
                    last_name=walk_in.last_name,
                    email=walk_in.email,
                    mobile=walk_in.mobile,
                )
        now = timezone.now()
        registration.status = Status.ATTENDED
        registration.attended_at = registration.attended_at or now
        registration.waitlisted_at = None
        registration.cancelled_at = None
        registration.full_clean(validate_unique=False)
        registration.save()
        if held:
            assert person is not None  # noqa: S101 - a hold names whom it matched
            hold_attendance(
                actor=actor,
                kind=ReviewItem.Kind.WALK_IN,
                registrations=[(registration, person.pk)],
            )
        audit.record(
            actor=actor,
            verb=WALK_IN_VERB,
            obj=registration,
            person_id=registration.person_id,
            details={"event": locked.pk, "how": how},
        )
        if registration.person_id is not None:
            progression.sync_completions(
                actor=actor,
                person_ids=[registration.person_id],
                programme_ids=[locked.programme_id],
            )
        visible = how == "matched"
    return (
        WalkInResult(
            registration_id=registration.pk,
            name=walk_in.name,
            known=visible,
            person_id=registration.person_id if visible else None,
        ),
        held,
    )
