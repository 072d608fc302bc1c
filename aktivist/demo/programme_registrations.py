"""Demo registrations and completions: who signs up for each planned event (people move
along the red thread: most at a step came from the step before in their district), what
became of each sign-up, and a completion exactly when a person attended as many of the
programme's events as it takes (the rule of aktivist/programmes/progression.py). Written
in chunks by ``aktivist.core.bulk.BulkWriter``."""

from __future__ import annotations

import array
import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace

from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from aktivist.core.bulk import BulkWriter
from aktivist.demo import lists
from aktivist.demo.programme_plans import SPECS, EventPlan, ProgrammeSummary
from aktivist.people.models import Person
from aktivist.programmes.models import Event, Programme, ProgrammeCompletion, Registration

CHUNK = 50_000
S = Registration.Status


class Registrations:
    """``write(plans)``: the registrations of the created events, in time order, and the
    completions they earn. Draws from the loader's own ``rng``, after the events."""

    def __init__(
        self,
        *,
        rng: random.Random,
        now: dt.datetime,
        programmes: dict[str, Programme],
        role_holders: array.array,
        alumni: array.array,
        summary: ProgrammeSummary,
        out: Callable[[str], None],
    ) -> None:
        self.rng, self.now, self.programmes = rng, now, programmes
        self.role_holders, self.alumni = role_holders, alumni
        self.summary, self.out = summary, out
        self.completed: dict[str, set[int]] = defaultdict(set)
        self.thread: dict[str, list[int]] = defaultdict(list)  # attendees in all districts

    def _candidates(self, plan: EventPlan) -> list[int]:
        """Who signs up for the event, in the order they signed up."""
        r = self.rng.random
        district = plan.district
        if plan.cohort is not None:
            if not plan.cohort:
                trained = self._sample(self.thread["project_leader"], plan.size // 2)
                holders = self._sample(self.role_holders, plan.size)
                plan.cohort.extend(list(dict.fromkeys(trained + holders))[: plan.size])
            return list(plan.cohort)
        if plan.pool == "alumni":
            return self._sample(self.alumni, plan.size)
        if district is None:
            return []
        if plan.pool == "minors":
            return self._sample(district.minors, plan.size)
        spec = SPECS[plan.key]
        people = district.young if plan.young and district.young else district.people
        # The earlier steps' attendees (never copied: the lists grow long on a big demo).
        threads = [district.thread[k] for k in spec.feeds_from if district.thread[k]]
        if not threads:  # nobody yet in this district: people come from the neighbours
            threads = [self.thread[k] for k in spec.feeds_from if self.thread[k]]
        total = sum(len(t) for t in threads)
        chosen: list[int] = []
        seen: set[int] = set()
        done = self.completed[plan.key]
        tries = 0
        while len(chosen) < plan.size and tries < plan.size * 6:
            tries += 1
            if threads and r() < spec.from_thread:
                x = int(r() * total)
                for thread in threads:
                    if x < len(thread):
                        pk = thread[x]
                        break
                    x -= len(thread)
            elif people:
                pk = people[int(r() * len(people))]
            else:
                break
            if pk in seen or pk in done:
                continue
            seen.add(pk)
            chosen.append(pk)
        return chosen

    def _sample(self, pool: Sequence[int], k: int) -> list[int]:
        unique = list(dict.fromkeys(pool))
        return self.rng.sample(unique, min(k, len(unique)))

    def write(self, plans: list[EventPlan]) -> None:
        attended_count: dict[tuple[int, str], int] = defaultdict(int)
        writer = BulkWriter()
        rows: list[tuple] = []
        completions: list[tuple] = []
        s = self.summary
        by_status: dict[str, int] = defaultdict(int)
        for plan in plans:
            event = plan.event
            assert event is not None  # noqa: S101 - created above
            past = event.starts_at < self.now
            people = self._candidates(plan)
            if not people:
                continue
            statuses, full = self._statuses(len(people), event.capacity, past)
            s.full_events += full
            if past and plan.cohort is None and plan.pool == "":
                # Walk-ins: a few came without signing up and were added at the door.
                signed_up = set(people)
                extra = self._candidates(replace(plan, size=max(0, round(len(people) * 0.05))))
                walk_ins = [pk for pk in extra if pk not in signed_up]
                if event.capacity is not None:
                    # A full room takes no walk-ins: the door never seats more than capacity.
                    seated = sum(1 for status, _ in statuses if status in Registration.SEATED)
                    walk_ins = walk_ins[: max(0, event.capacity - seated)]
                people += walk_ins
                statuses += [(S.ATTENDED, "walk_in")] * len(walk_ins)
            for index, (pk, (status, source)) in enumerate(zip(people, statuses, strict=True)):
                rows.append(self._row(plan, event, pk, index, len(people), status, source, past))
                by_status[status] += 1
                if status != S.ATTENDED:
                    continue
                key = (pk, plan.key)
                attended_count[key] += 1
                if plan.district is not None:
                    plan.district.thread[plan.key].append(pk)
                self.thread[plan.key].append(pk)
                needed = SPECS[plan.key].events_to_complete
                if attended_count[key] == needed and pk not in self.completed[plan.key]:
                    # Dated by the event that completed it (aktivist/programmes/progression.py).
                    self.completed[plan.key].add(pk)
                    completions.append(
                        (
                            pk,
                            self.programmes[plan.key].pk,
                            timezone.localdate(event.starts_at),
                            event.pk,
                            None,
                            event.ends_at,
                            event.ends_at,
                        )
                    )
            if len(rows) >= CHUNK:
                writer.write(Registration, REGISTRATION_COLUMNS, rows)
                s.registrations += len(rows)
                rows = []
                self.out(f"  registrations {s.registrations:,}")
        writer.write(Registration, REGISTRATION_COLUMNS, rows)
        s.registrations += len(rows)
        _typed_from_people()
        writer.write(ProgrammeCompletion, COMPLETION_COLUMNS, completions)
        s.completions = len(completions)
        s.by_status = dict(by_status)

    def _statuses(
        self, count: int, capacity: int | None, past: bool
    ) -> tuple[list[tuple[str, str]], bool]:
        """Each sign-up's final status and source, in sign-up order, and whether a waiting
        list remains. Seats go first come, first served; a cancellation gives its seat to
        the first on the waiting list, so a waiting list remains only when every seat is
        taken."""
        r = self.rng.random
        seated = count if capacity is None else min(count, capacity)
        status = [S.REGISTERED.value] * seated + [S.WAITLISTED.value] * (count - seated)
        waiting = list(range(seated, count))
        for i in range(count):
            if status[i] == S.REGISTERED and r() < 0.08:
                status[i] = S.CANCELLED.value
                if waiting:
                    status[waiting.pop(0)] = S.REGISTERED.value
        out = []
        for value in status:
            if past and value == S.REGISTERED:
                value = S.ATTENDED if r() < 0.84 else S.NO_SHOW
            x = r()
            source = "web" if x < 0.72 else ("staff" if x < 0.9 else ("import" if past else "api"))
            out.append((value, source))
        return out, bool(waiting)

    def _row(
        self,
        plan: EventPlan,
        event: Event,
        pk: int,
        index: int,
        count: int,
        status: str,
        source: str,
        past: bool,
    ) -> tuple:
        """One registration: signed up in the month before the event, in sign-up order."""
        r = self.rng.random
        start = event.starts_at
        closes = min(start - dt.timedelta(hours=2), self.now - dt.timedelta(minutes=5))
        opens = min(start - dt.timedelta(days=30), closes - dt.timedelta(days=20))
        signed = opens + (closes - opens) * ((index + r()) / (count + 1))
        if source == "walk_in":
            signed = start + dt.timedelta(minutes=5 + int(r() * 20))
        waitlisted_at = signed if status == S.WAITLISTED else None
        attended_at = start + dt.timedelta(minutes=int(r() * 25)) if status == S.ATTENDED else None
        if source == "walk_in":
            attended_at = signed
        cancelled_at = None
        if status == S.CANCELLED:
            latest = min(start, self.now)
            cancelled_at = signed + (latest - signed) * r() if latest > signed else signed
        reminder = (
            start - dt.timedelta(hours=event.reminder_hours_before)
            if past and status in (S.ATTENDED, S.NO_SHOW) and source != "walk_in"
            else None
        )
        guardian_name = guardian_contact = ""
        if plan.guardian:
            last = lists.LAST_NAMES[int(r() * len(lists.LAST_NAMES))]
            first = lists.FEMALE_NAMES[int(r() * len(lists.FEMALE_NAMES))]
            guardian_name = f"{first} {last}"
            guardian_contact = f"vardnadshavare{pk}@example.org"
        updated = max(t for t in (signed, attended_at, cancelled_at) if t is not None)
        return (
            pk,
            event.pk,
            status,
            source,
            "",
            waitlisted_at,
            attended_at,
            cancelled_at,
            reminder,
            guardian_name,
            guardian_contact,
            signed,
            min(updated, self.now),
        )


def _typed_from_people() -> None:
    """The demo's registrants typed their own details when they signed up (at the door, staff
    typed them): what the event's lists show. One UPDATE per column."""
    person = Person.objects.filter(pk=OuterRef("person_id"))
    Registration.objects.filter(person__isnull=False, typed_first_name="").update(
        typed_first_name=Subquery(person.values("first_name")[:1]),
        typed_last_name=Subquery(person.values("last_name")[:1]),
        typed_email=Coalesce(Subquery(person.values("email")[:1]), Value("")),
        typed_mobile=Coalesce(Subquery(person.values("mobile")[:1]), Value("")),
    )


REGISTRATION_COLUMNS = (
    "person_id",
    "event_id",
    "status",
    "source",
    "tracking_token",
    "waitlisted_at",
    "attended_at",
    "cancelled_at",
    "reminder_sent_at",
    "guardian_name",
    "guardian_contact",
    "created_at",
    "updated_at",
)
COMPLETION_COLUMNS = (
    "person_id",
    "programme_id",
    "completed_on",
    "event_id",
    "recorded_by_id",
    "created_at",
    "updated_at",
)
