"""Progression along the red thread: completing programmes and the next steps they offer.

A person completes a programme when their attended events of it reach
``programme.events_to_complete``; the completion is recorded once, dated by the event that
completed it. The attendance services (aktivist/programmes/attendance.py and
attendance_upload.py) call ``sync_completions`` in the same transaction as the attendance
they record, so a completion never exists without the attendance behind it; an attendance
taken back (a mistaken tap undone) takes back the completion it made. Completions recorded
by staff by hand are never taken back automatically.

A new completion offers its programme's next steps: an email to the person, sent after
commit by aktivist/programmes/tasks_progression.py, and the person page's panel.

Which completions are automatic: those with an event and no ``recorded_by`` (the staff
account that tapped is in the audit trail instead); a completion recorded by hand has
``recorded_by``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.accounts.capabilities import Capability, can
from aktivist.core import audit
from aktivist.core.exceptions import ApplicationError
from aktivist.core.signals import facts_changed
from aktivist.organisation.models import Unit
from aktivist.people.models import Person
from aktivist.people.selectors import can_see_person
from aktivist.programmes.models import Event, Programme, ProgrammeCompletion, Registration

NEXT_STEP_EVENTS = 3  # upcoming events offered per next programme


@dataclass(frozen=True)
class SyncResult:
    created: list[int]  # ids of the new completions
    removed: int  # automatic completions taken back


def _is_automatic(completion: ProgrammeCompletion) -> bool:
    return completion.event_id is not None and completion.recorded_by_id is None


def sync_completions(
    *,
    actor: Any,
    person_ids: Iterable[int | None],
    programme_ids: Iterable[int | None],
    audit_each: bool = True,
) -> SyncResult:
    """Record the completions the people's attendance now earns, and take back automatic
    ones it no longer earns. Call inside the attendance's transaction; the next-steps
    emails go after commit. Two queries to decide, whatever the number of people."""
    people = sorted({pk for pk in person_ids if pk is not None})
    programmes = {
        p.pk: p for p in Programme.objects.filter(pk__in={pk for pk in programme_ids if pk})
    }
    if not people or not programmes:
        return SyncResult(created=[], removed=0)
    attended: dict[tuple[int, int], list[tuple[int, dt.datetime]]] = defaultdict(list)
    rows = (
        Registration.objects.filter(
            person_id__in=people,
            status=Registration.Status.ATTENDED,
            event__programme_id__in=list(programmes),
        )
        .order_by("event__starts_at", "event_id")
        .values_list("person_id", "event__programme_id", "event_id", "event__starts_at")
    )
    for person_id, programme_id, event_id, starts_at in rows:
        attended[(person_id, programme_id)].append((event_id, starts_at))
    existing = {
        (c.person_id, c.programme_id): c
        for c in ProgrammeCompletion.objects.filter(
            person_id__in=people, programme_id__in=list(programmes)
        )
    }
    new: list[ProgrammeCompletion] = []
    stale: list[ProgrammeCompletion] = []
    for person_id in people:
        for programme_id, programme in programmes.items():
            key = (person_id, programme_id)
            needed = max(programme.events_to_complete, 1)
            events = attended.get(key, [])
            completion = existing.get(key)
            if len(events) >= needed and completion is None:
                event_id, starts_at = events[needed - 1]
                new.append(
                    ProgrammeCompletion(
                        person_id=person_id,
                        programme_id=programme_id,
                        event_id=event_id,
                        completed_on=timezone.localdate(starts_at),
                    )
                )
            elif len(events) < needed and completion is not None and _is_automatic(completion):
                stale.append(completion)
    created = _insert(new)
    for completion in stale:
        if audit_each:
            audit.record(
                actor=actor,
                verb="completion.withdraw",
                obj=completion,
                person_id=completion.person_id,
                details={"programme": completion.programme_id},
            )
        completion.delete()
    if audit_each:
        for completion in created:
            audit.record(
                actor=actor,
                verb="completion.create",
                obj=completion,
                person_id=completion.person_id,
                details={"programme": completion.programme_id, "event": completion.event_id},
            )
    ids = [c.pk for c in created]
    # bulk_create sends no model signals: tell the engagement ladder itself.
    facts_changed.send(sender=ProgrammeCompletion, person_ids=[c.person_id for c in created])
    _offer_next_steps_after_commit(ids)
    return SyncResult(created=ids, removed=len(stale))


def _insert(completions: list[ProgrammeCompletion]) -> list[ProgrammeCompletion]:
    """Insert in one statement; when a parallel check-in recorded one of them first (the
    unique constraint), insert one by one and skip those."""
    if not completions:
        return []
    try:
        with transaction.atomic():
            return ProgrammeCompletion.objects.bulk_create(completions)
    except IntegrityError:
        pass
    created = []
    for completion in completions:
        completion.pk = None
        try:
            with transaction.atomic():
                completion.save()
        except IntegrityError:
            continue
        created.append(completion)
    return created


def _offer_next_steps_after_commit(completion_ids: list[int]) -> None:
    if not completion_ids:
        return
    # tasks_progression imports this module (task -> service -> enqueue): imported when called.
    from aktivist.programmes.tasks_progression import send_next_steps

    ids = list(completion_ids)

    def enqueue() -> None:
        for completion_id in ids:
            send_next_steps.enqueue(completion_id)

    transaction.on_commit(enqueue)


# --- By hand ---------------------------------------------------------------------------


def _require_recorder(actor: Any, person: Person) -> None:
    if actor is None:
        return
    if not can(actor, Capability.PROGRAMMES_COMPLETIONS) or not can_see_person(actor, person.pk):
        raise ApplicationError(_("You cannot record completed programmes for this person."))


def completion_record(
    *,
    actor: Any,
    person: Person,
    programme: Programme,
    completed_on: dt.date | None = None,
) -> ProgrammeCompletion:
    """Record by hand that the person completed the programme (e.g. a training held
    before Aktivist, or one whose attendance was not taken). Offers the next steps."""
    _require_recorder(actor, person)
    completed_on = completed_on or timezone.localdate()
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": [_("The date cannot be in the future.")]})
    if ProgrammeCompletion.objects.filter(person=person, programme=programme).exists():
        raise ApplicationError(
            _("%(person)s has completed %(programme)s already.")
            % {"person": person.full_name, "programme": programme.name}
        )
    with transaction.atomic():
        completion = ProgrammeCompletion(
            person=person,
            programme=programme,
            completed_on=completed_on,
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        completion.full_clean()
        try:
            with transaction.atomic():
                completion.save()
        except IntegrityError:
            raise ApplicationError(
                _("%(person)s has completed %(programme)s already.")
                % {"person": person.full_name, "programme": programme.name}
            ) from None
        audit.record(
            actor=actor,
            verb="completion.record",
            obj=completion,
            person_id=person.pk,
            details={"programme": programme.pk, "completed_on": completed_on.isoformat()},
        )
        _offer_next_steps_after_commit([completion.pk])
    return completion


def completion_undo(*, actor: Any, completion: ProgrammeCompletion) -> None:
    """Take back a completion (recorded by hand or by attendance). An automatic one comes
    back when attendance is recorded again for the programme."""
    _require_recorder(actor, completion.person)
    with transaction.atomic():
        audit.record(
            actor=actor,
            verb="completion.undo",
            obj=completion,
            person_id=completion.person_id,
            details={"programme": completion.programme_id},
        )
        completion.delete()


# --- Next steps --------------------------------------------------------------------------


@dataclass(frozen=True)
class NextStep:
    programme: Programme
    events: list[Event]


def upcoming_events() -> QuerySet[Event]:
    """Events anyone may sign up for now, soonest first."""
    now = timezone.now()
    return (
        Event.objects.filter(is_published=True, cancelled_at__isnull=True, starts_at__gt=now)
        .exclude(registration_deadline__lte=now)
        .select_related("unit", "programme")
        .order_by("starts_at", "id")
    )


def next_steps_for(
    person: Person,
    *,
    events: QuerySet[Event] | None = None,
    completed: Iterable[ProgrammeCompletion] | None = None,
) -> list[NextStep]:
    """The programmes the person's completions lead to and they have not completed yet,
    each with its next upcoming events (from ``events``: the viewer's, for a staff page;
    every public one for the person's own email). Events in the person's district come
    first. Four queries."""
    done = list(completed) if completed is not None else list(person.programme_completions.all())
    done_ids = {c.programme_id for c in done}
    if not done_ids:
        return []
    programmes = list(
        Programme.objects.filter(previous_steps__in=done_ids, is_active=True)
        .exclude(pk__in=done_ids)
        .distinct()
        .order_by("name")
    )
    if not programmes:
        return []
    pool = upcoming_events()
    if events is not None:
        pool = events.filter(pk__in=pool.values("pk"))
    pool = pool.filter(programme__in=programmes)
    district_prefix = district_path(person.home_unit.path) if person.home_unit_id else ""  # type: ignore[union-attr]
    by_programme: dict[int, list[Event]] = defaultdict(list)
    for event in pool.select_related("unit").order_by("starts_at", "id")[:200]:
        if event.programme_id is not None:
            by_programme[event.programme_id].append(event)
    steps = []
    for programme in programmes:
        candidates = by_programme.get(programme.pk, [])
        candidates.sort(
            key=lambda e: (
                not (district_prefix and e.unit.path.startswith(district_prefix)),
                e.starts_at,
            )
        )
        steps.append(NextStep(programme=programme, events=candidates[:NEXT_STEP_EVENTS]))
    return steps


def district_path(unit_path: str) -> str:
    """The path of the district a unit lies in (the unit itself when it is one), "" when
    it lies in none. One query on the unit's ancestors, read from its path."""
    ids = [int(part) for part in unit_path.split("/") if part]
    if not ids:
        return ""
    district = Unit.objects.filter(pk__in=ids, kind=Unit.Kind.DISTRICT).order_by("-depth").first()
    return district.path if district is not None else ""
