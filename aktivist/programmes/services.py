"""Writes on programmes, events and (by staff) registrations: validated, scoped, audited.

Who may do what (DESIGN.md, "Who may see what"):

* Programmes are the secretariat's: national staff and admins create and change them.
  Whether a programme counts as training on the engagement ladder follows its kind
  (``Programme.TRAINING_KINDS``) unless staff say otherwise.
* Events belong to an organising unit. The secretariat organises events for any unit;
  district representatives and group coordinators for the units in their scope. National
  events (the national unit's) are the secretariat's to change.
* Staff sign up people they may see for events they may see, cancel their registrations
  (the first on the waiting list then gets the seat: aktivist/programmes/registering.py)
  and give a free seat to someone on the waiting list. Marking attendance is the check-in
  list's work.

Every function takes ``actor`` (the staff account; None for commands and tasks, which act
as the system), validates with ``full_clean()`` and records an audit event in the same
transaction. A ``ValidationError`` carries messages per field for the forms; an
``ApplicationError`` is a refusal whose message is safe to show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from aktivist.accounts.access import scope_for
from aktivist.accounts.capabilities import Capability, can
from aktivist.core import audit
from aktivist.core.exceptions import ApplicationError
from aktivist.lib.slugs import free_slug
from aktivist.people.models import Person
from aktivist.people.selectors import can_see_person
from aktivist.programmes import registering
from aktivist.programmes.models import Event, Programme, Registration
from aktivist.programmes.selectors import (
    can_edit_event,
    events_visible_to,
    registrations_visible_to,
)
from aktivist.programmes.tasks import send_registration_confirmation, send_waitlist_promotion
from aktivist.programmes.tasks_staff import TOLD, send_event_cancelled, send_event_changed

PROGRAMME_FIELDS = (
    "name",
    "kind",
    "description",
    "counts_as_training",
    "events_to_complete",
    "is_active",
)
EVENT_FIELDS = (
    "programme",
    "unit",
    "title",
    "description",
    "slug",
    "starts_at",
    "ends_at",
    "place",
    "online_url",
    "capacity",
    "registration_deadline",
    "language",
    "for_young_people",
    "guardian_required_under_18",
    "reminder_hours_before",
    "is_published",
)
TEXT_FIELDS = {"name", "description", "title", "slug", "place", "online_url"}
# A change of these is news to everyone signed up: they are told with an updated calendar
# entry (aktivist/programmes/tasks_staff.py, send_event_changed).
CALENDAR_FIELDS = ("starts_at", "ends_at", "place", "online_url")


def _is_national(actor: Any) -> bool:
    """The secretariat, or the system itself (commands and tasks pass actor=None)."""
    return actor is None or scope_for(actor).is_national


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _clean(data: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """The known fields only; texts stripped (None becomes "")."""
    cleaned: dict[str, Any] = {}
    for name in fields:
        if name in data:
            value = data[name]
            cleaned[name] = (value or "").strip() if name in TEXT_FIELDS else value
    return cleaned


# --- Programmes ----------------------------------------------------------------------------


def _require_secretariat(actor: Any) -> None:
    if actor is not None and not can(actor, Capability.NATIONAL_PLANNING):
        raise ApplicationError(_("Only the secretariat changes the programmes."))


def _check_next_steps(programme: Programme, next_steps: list[Programme]) -> None:
    if programme.pk is not None and any(step.pk == programme.pk for step in next_steps):
        raise ValidationError({"next_steps": _("A programme cannot be its own next step.")})


def _programme_values(data: Mapping[str, Any]) -> dict[str, Any]:
    values = _clean(data, PROGRAMME_FIELDS)
    if values.get("events_to_complete") is None:
        values.pop("events_to_complete", None)
    if values.get("is_active") is None:
        values.pop("is_active", None)
    return values


def _check_programme(programme: Programme) -> None:
    if programme.events_to_complete < 1:
        raise ValidationError(
            {"events_to_complete": _("At least one event: attending it completes the programme.")}
        )


@transaction.atomic
def programme_create(*, actor: Any, data: Mapping[str, Any]) -> Programme:
    """A programme from ``data`` (the fields of PROGRAMME_FIELDS and ``next_steps``, other
    programmes). ``counts_as_training`` None or missing: as its kind says."""
    _require_secretariat(actor)
    values = _programme_values(data)
    if values.get("counts_as_training") is None:
        values["counts_as_training"] = values.get("kind") in Programme.TRAINING_KINDS
    programme = Programme(**values)
    next_steps = list(data.get("next_steps") or [])
    _check_programme(programme)
    programme.full_clean()
    programme.save()
    programme.next_steps.set(next_steps)
    audit.record(
        actor=actor,
        verb="programme.create",
        obj=programme,
        details={"kind": programme.kind, "next_steps": [p.pk for p in next_steps]},
    )
    return programme


@transaction.atomic
def programme_update(*, actor: Any, programme: Programme, data: Mapping[str, Any]) -> Programme:
    """Change a programme; ``next_steps`` (when given) replaces its next steps.
    ``counts_as_training`` None keeps what it was."""
    _require_secretariat(actor)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    values = _programme_values(data)
    if values.get("counts_as_training") is None:
        values.pop("counts_as_training", None)
    changed = [f for f, v in values.items() if getattr(programme, f) != v]
    for field in changed:
        setattr(programme, field, values[field])
    steps_changed = False
    next_steps: list[Programme] = []
    if "next_steps" in data:
        next_steps = list(data["next_steps"] or [])
        _check_next_steps(programme, next_steps)
        before = set(programme.next_steps.values_list("pk", flat=True))
        steps_changed = before != {p.pk for p in next_steps}
    if not changed and not steps_changed:
        return programme
    _check_programme(programme)
    programme.full_clean()
    if changed:
        programme.save(update_fields=[*changed, "updated_at"])
    if steps_changed:
        programme.next_steps.set(next_steps)
    audit.record(
        actor=actor,
        verb="programme.update",
        obj=programme,
        details={"fields": changed + (["next_steps"] if steps_changed else [])},
    )
    return programme


# --- Events --------------------------------------------------------------------------------


def suggest_event_slug(text: str, *, exclude_pk: int | None = None) -> str:
    """A free public address /e/<slug>/ for an event, from its title."""
    return free_slug(text, Event.objects.all(), fallback="evenemang", exclude_pk=exclude_pk)


def _check_event(actor: Any, event: Event, *, slug_given: bool, unit_changed: bool) -> None:
    """Unit within the actor's scope, address, times, place: field errors for the form."""
    errors: dict[str, str] = {}
    unit = event.unit if event.unit_id else None
    if unit is None:
        errors["unit"] = _("Choose the unit that organises the event.")
    elif unit_changed and not unit.is_active:
        errors["unit"] = _("This unit is no longer active.")
    elif not _is_national(actor) and not scope_for(actor).covers_path(unit.path):
        errors["unit"] = _("Choose one of your own units.")
    if slug_given:
        if event.slug != slugify(event.slug):
            errors["slug"] = _(
                "Use lower-case letters a–z, digits and hyphens only, e.g. %(example)s."
            ) % {"example": slugify(event.slug) or "kampanjutbildning-malmo"}
        elif Event.objects.filter(slug=event.slug).exclude(pk=event.pk).exists():
            errors["slug"] = _("This address is taken. Choose another.")
    if not event.title:
        errors["title"] = _("Give the event a title.")
    if event.starts_at and event.ends_at and event.ends_at < event.starts_at:
        errors["ends_at"] = _("The event cannot end before it starts.")
    deadline = event.registration_deadline
    if deadline and event.starts_at and deadline > event.starts_at:
        errors["registration_deadline"] = _("Sign-up must close by the time the event starts.")
    if not event.place and not event.online_url:
        errors["place"] = _("Give a place, an online link, or both.")
    if event.capacity is not None and event.capacity < 1:
        errors["capacity"] = _("At least one seat; leave it empty for no limit.")
    if errors:
        raise ValidationError(errors)


def _event_values(data: Mapping[str, Any]) -> dict[str, Any]:
    values = _clean(data, EVENT_FIELDS)
    for name in ("language", "reminder_hours_before", "is_published"):
        if values.get(name) in (None, ""):
            values.pop(name, None)
    return values


@transaction.atomic
def event_create(*, actor: Any, data: Mapping[str, Any]) -> Event:
    """An event from ``data`` (the fields of EVENT_FIELDS). Without a slug the address is
    suggested from the title."""
    values = _event_values(data)
    slug_given = bool(values.get("slug"))
    if not slug_given:
        values["slug"] = suggest_event_slug(values.get("title", ""))
    event = Event(**values)
    event.created_by = _user(actor)
    programme = event.programme if event.programme_id else None
    if programme is not None and not programme.is_active:
        raise ValidationError({"programme": _("This programme is no longer offered.")})
    _check_event(actor, event, slug_given=slug_given, unit_changed=True)
    event.full_clean()
    event.save()
    audit.record(
        actor=actor,
        verb="event.create",
        obj=event,
        details={"unit": event.unit_id, "programme": event.programme_id, "slug": event.slug},
    )
    return event


def _require_editable(actor: Any, event: Event) -> None:
    if actor is not None and not can_edit_event(actor, event):
        raise ApplicationError(_("You cannot change this event."))


@transaction.atomic
def event_update(*, actor: Any, event: Event, data: Mapping[str, Any]) -> Event:
    """Change an event. Its address stays once people have signed up (shared links would
    break); its seats never drop below those taken. More seats go to the waiting list
    first, and those who get one are told. A new time or place raises the calendar
    entry's SEQUENCE and, for an event that has not ended, tells everyone registered or
    waiting after commit (in the background)."""
    _require_editable(actor, event)
    values = _event_values(data)
    # The row locked: seats are decided by one writer at a time (registering.py).
    event = (
        Event.objects.select_for_update(of=("self",))
        .select_related("unit", "programme")
        .get(pk=event.pk)
    )
    if event.is_cancelled:
        raise ApplicationError(_("A cancelled event cannot be changed."))
    if "slug" in values and not values["slug"]:
        del values["slug"]
    changed = [f for f, v in values.items() if getattr(event, f) != v]
    if not changed:
        return event
    registrations = Registration.objects.filter(event=event)
    if "slug" in changed and registrations.exists():
        raise ValidationError({"slug": _("The address cannot change once people have signed up.")})
    if "programme" in changed and values["programme"] is not None:
        if not values["programme"].is_active:
            raise ValidationError({"programme": _("This programme is no longer offered.")})
    for field in changed:
        setattr(event, field, values[field])
    _check_event(actor, event, slug_given="slug" in changed, unit_changed="unit" in changed)
    if "capacity" in changed and event.capacity is not None:
        taken = registrations.filter(status__in=Registration.SEATED).count()
        if event.capacity < taken:
            raise ValidationError(
                {
                    "capacity": _("%(count)s people already hold a seat: keep at least that many.")
                    % {"count": taken}
                }
            )
    event.full_clean()
    moved = [f for f in changed if f in CALENDAR_FIELDS]
    if moved:
        event.calendar_sequence += 1
    event.save(update_fields=[*changed, *(["calendar_sequence"] if moved else []), "updated_at"])
    promoted: list[int] = []
    if "capacity" in changed and event.starts_at > timezone.now():
        promoted = _fill_free_seats(event)
    details: dict[str, Any] = {"fields": changed, "promoted": len(promoted)}
    if moved and event.ends_at > timezone.now():
        details["told"] = _tell_of_change(event)
    audit.record(actor=actor, verb="event.update", obj=event, details=details)
    return event


def _tell_of_change(locked_event: Event) -> int:
    """After commit, email everyone registered or waiting the event's new time or place.
    The task carries the SEQUENCE it is for: when another change follows before it runs,
    only the latest one's task writes. Returns how many registrations will be told."""
    told = Registration.objects.filter(event=locked_event, status__in=TOLD).count()
    if told:
        event_id, sequence = locked_event.pk, locked_event.calendar_sequence
        transaction.on_commit(lambda: send_event_changed.enqueue(event_id, sequence))
    return told


def _fill_free_seats(locked_event: Event) -> list[int]:
    """Give every free seat to the waiting list in its order; those promoted are told after
    commit. Call with the event locked."""
    promoted: list[int] = []
    while (registration := registering.promote_from_waitlist(locked_event)) is not None:
        promoted.append(registration.pk)

    def tell() -> None:
        for registration_id in promoted:
            send_waitlist_promotion.enqueue(registration_id)

    if promoted:
        transaction.on_commit(tell)
    return promoted


@transaction.atomic
def event_cancel(*, actor: Any, event: Event, now: dt.datetime | None = None) -> Event:
    """Cancel an event that has not ended. The public page then says so and takes no
    sign-ups; everyone registered or on the waiting list is told by email after commit.
    Their registrations stay as they were, so the list still shows whom to call."""
    _require_editable(actor, event)
    now = now or timezone.now()
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.is_cancelled:
        raise ApplicationError(_("The event is already cancelled."))
    if event.ends_at < now:
        raise ApplicationError(_("The event has already taken place."))
    event.cancelled_at = now
    event.calendar_sequence += 1  # the calendar entry sent with the news says CANCELLED
    event.save(update_fields=["cancelled_at", "calendar_sequence", "updated_at"])
    told = Registration.objects.filter(
        event=event,
        status__in=[Registration.Status.REGISTERED, Registration.Status.WAITLISTED],
    ).count()
    audit.record(actor=actor, verb="event.cancel", obj=event, details={"registrants": told})
    event_id = event.pk
    transaction.on_commit(lambda: send_event_cancelled.enqueue(event_id))
    return event


# --- Registrations by staff -------------------------------------------------------------


@dataclass(frozen=True)
class AddResult:
    registration: Registration
    already: bool  # was registered (or waitlisted) already: nothing changed

    @property
    def waitlisted(self) -> bool:
        return self.registration.status == Registration.Status.WAITLISTED


def _require_visible(actor: Any, event: Event, person_id: int | None) -> None:
    """The actor sees the event and the person; anything else is answered as not found."""
    if actor is None:
        return
    if person_id is None or not can_see_person(actor, person_id):
        raise ApplicationError(_("No such person."))
    if not events_visible_to(actor).filter(pk=event.pk).exists():
        raise ApplicationError(_("No such event."))


def registration_add(
    *, actor: Any, event: Event, person: Person, send_confirmation: bool = True
) -> AddResult:
    """Sign up a person the actor may see, by staff: a seat when one is free, else the
    waiting list. Deadlines do not apply to staff; a cancelled or ended event takes no one.
    A cancelled registration is renewed. The person gets the usual confirmation email
    (with the calendar file) unless ``send_confirmation`` is False."""
    _require_visible(actor, event, person.pk)
    if event.is_cancelled:
        raise ApplicationError(_("The event is cancelled."))
    if event.ends_at < timezone.now():
        raise ApplicationError(
            _("The event has taken place: record attendance on the check-in list instead.")
        )
    existing = (
        Registration.objects.filter(event=event, person=person)
        .exclude(status=Registration.Status.CANCELLED)
        .first()
    )
    if existing is not None:
        return AddResult(registration=existing, already=True)
    with transaction.atomic():
        registration = registering.register_person(actor=actor, event=event, person=person)
        if send_confirmation and person.email:
            registration_id, language = registration.pk, person.language or event.language
            transaction.on_commit(
                lambda: send_registration_confirmation.enqueue(registration_id, language)
            )
    return AddResult(registration=registration, already=False)


def _require_registration_in_reach(actor: Any, registration: Registration) -> None:
    """The actor may see this registration: they organise its event, or may see its
    person (aktivist/programmes/selectors.py); anything else is answered as not found."""
    if actor is None:
        return
    event = registration.event
    if not events_visible_to(actor).filter(pk=event.pk).exists():
        raise ApplicationError(_("No such event."))
    if not registrations_visible_to(actor, event).filter(pk=registration.pk).exists():
        raise ApplicationError(_("No such registration."))


def registration_cancel(*, actor: Any, registration: Registration) -> Registration | None:
    """Cancel a registration; returns whoever got the seat from the waiting list (they are
    told by email), if anyone."""
    _require_registration_in_reach(actor, registration)
    if registration.status in (Registration.Status.ATTENDED, Registration.Status.NO_SHOW):
        raise ApplicationError(
            _("Attendance is recorded for this person: change it on the check-in list.")
        )
    if registration.status == Registration.Status.CANCELLED:
        raise ApplicationError(_("The registration is already cancelled."))
    return registering.registration_cancel(actor=actor, registration=registration)


@transaction.atomic
def registration_give_seat(*, actor: Any, registration: Registration) -> Registration:
    """Move someone from the waiting list to a free seat (out of turn: staff decide, e.g.
    at the door after the event started, when cancellations no longer promote anyone).
    They are told by email."""
    _require_registration_in_reach(actor, registration)
    event = Event.objects.select_for_update().get(pk=registration.event_id)
    current = Registration.objects.select_for_update().get(pk=registration.pk)
    if current.status != Registration.Status.WAITLISTED:
        raise ApplicationError(_("Only someone on the waiting list can be given a seat."))
    if event.is_cancelled:
        raise ApplicationError(_("The event is cancelled."))
    if event.capacity is not None:
        taken = Registration.objects.filter(event=event, status__in=Registration.SEATED).count()
        if taken >= event.capacity:
            raise ApplicationError(
                _("Every seat is taken. Add seats to the event first, or cancel a registration.")
            )
    current.status = Registration.Status.REGISTERED
    current.waitlisted_at = None
    current.full_clean()
    current.save(update_fields=["status", "waitlisted_at", "updated_at"])
    audit.record(
        actor=actor,
        verb="registration.give_seat",
        obj=current,
        person_id=current.person_id,
        details={"event": event.pk},
    )
    registration_id = current.pk
    transaction.on_commit(lambda: send_waitlist_promotion.enqueue(registration_id))
    return current
