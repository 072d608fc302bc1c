"""Demo programmes: the red thread from a recruitment meeting to the leadership programme,
an alumni programme, past and upcoming events across the districts, N registrations and
the completions they earn; school groups get a school and a contact person.

``load_programme_demo(registrations=N, seed=S)`` runs after the people and campaign demos
(``manage.py demo_data``). Everything is invented; guardians' addresses are at example.org
and nothing but counts is printed.

The programmes and the plan of each event are in ``programme_plans``; registrations and
completions in ``programme_registrations``. It is a bulk path like the other demos: events
are created with one ``bulk_create``, and registrations and completions are generated in
memory, event by event in time order, and written in chunks by
``aktivist.core.bulk.BulkWriter`` (COPY on PostgreSQL, one ``executemany`` per chunk
elsewhere; ``bulk_create`` would overwrite ``created_at``).

What makes it consistent (tests: aktivist/demo/tests/test_demo_programmes.py):
past events have people who attended, did not come, cancelled — and a waiting list only
where every seat was taken; upcoming events have people registered, cancelled or waiting
(again only when full). A completion exists exactly when a person attended as many of the
programme's events as it takes, dated by the event that completed it (the rule of
aktivist/programmes/progression.py). People move along the thread: most of those at an
introduction came from a recruitment meeting in their district before, and so on up to
the leadership programme, whose cohorts also draw on people who hold a role.
"""

from __future__ import annotations

import array
import datetime as dt
import math
import random
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from aktivist.demo import lists
from aktivist.demo.programme_plans import (
    PLACES,
    PROGRAMMES,
    SCHOOL_NAMES,
    SPECS,
    DistrictPool,
    EventPlan,
    ProgrammeSpec,
    ProgrammeSummary,
)
from aktivist.demo.programme_registrations import Registrations
from aktivist.organisation.models import Role, Unit
from aktivist.people.models import Person
from aktivist.programmes.models import Event, Programme

ZONE = ZoneInfo("Europe/Stockholm")
DEFAULT_PER_PERSON = 1  # default registrations: one per demo person …
DEFAULT_MAX = 200_000  # … up to this many
AVERAGE_SIZE = 18  # registrations per generated event
MIN_EVENTS, MAX_EVENTS = 30, 4_000
PAST_DAYS, AHEAD_DAYS = 365, 90
CHUNK = 50_000


def default_registrations(people: int) -> int:
    return min(people * DEFAULT_PER_PERSON, DEFAULT_MAX)


class ProgrammeDemoLoader:
    def __init__(self, *, registrations: int, seed: int, out: Callable[[str], None]) -> None:
        self.n = registrations
        self.seed = seed
        self.out = out
        self.now = timezone.now()
        self.rng = random.Random(f"aktivist-demo:{seed}:programmes")  # noqa: S311 - demo
        self.summary = ProgrammeSummary(requested=registrations)

    def run(self) -> ProgrammeSummary:
        started = time.monotonic()
        if Programme.objects.exists() or Event.objects.exists():
            self.out("Programmes already exist; demo programmes not loaded.")
            self.summary.skipped = True
            return self.summary
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            national = Unit.objects.filter(kind=Unit.Kind.NATIONAL, parent=None).first()
            if national is None:
                raise RuntimeError("The demo organisation has no national unit.")
            self.national: Unit = national
            self.programmes = self._programmes()
            self.districts = self._districts()
            self._people()
            self._schools()
            if self.n > 0 and any(d.people for d in self.districts):
                plans = self._plan_events()
                self._create_events(plans)
                Registrations(
                    rng=self.rng,
                    now=self.now,
                    programmes=self.programmes,
                    role_holders=self.role_holders,
                    alumni=self.alumni,
                    summary=self.summary,
                    out=self.out,
                ).write(plans)
        self.summary.seconds = time.monotonic() - started
        return self.summary

    # -- programmes and the organisation

    def _programmes(self) -> dict[str, Programme]:
        made = {}
        for spec in PROGRAMMES:
            made[spec.key] = Programme.objects.create(
                name=spec.name,
                kind=spec.kind,
                description=spec.description,
                counts_as_training=spec.kind in Programme.TRAINING_KINDS,
                events_to_complete=spec.events_to_complete,
            )
        for spec in PROGRAMMES:
            made[spec.key].next_steps.set([made[k] for k in spec.next_steps])
        self.summary.programmes = len(made)
        return made

    def _districts(self) -> list[DistrictPool]:
        weights = {spec.unit_name: float(spec.weight) for spec in lists.DISTRICTS}
        districts = []
        units = list(Unit.objects.filter(is_active=True).order_by("path"))
        for unit in units:
            if unit.kind != Unit.Kind.DISTRICT:
                continue
            inside = [u for u in units if u.path.startswith(unit.path) and u.pk != unit.pk]
            districts.append(
                DistrictPool(
                    unit_id=unit.pk,
                    path=unit.path,
                    region=unit.name.removeprefix("Distrikt "),
                    weight=weights.get(unit.name, 100.0),
                    groups=[
                        (u.pk, u.municipality or u.name.removeprefix("Grupp "))
                        for u in inside
                        if u.kind == Unit.Kind.LOCAL_GROUP
                    ],
                    schools=[
                        (u.pk, u.municipality or u.name)
                        for u in inside
                        if u.kind == Unit.Kind.SCHOOL_GROUP
                    ],
                )
            )
        self.unit_district = {
            u.pk: d for d in districts for u in units if u.path.startswith(d.path)
        }
        return districts

    def _people(self) -> None:
        """Everyone active, by district (home unit), with the young and the under-18s apart."""
        year = timezone.localdate().year
        young_from = year - settings.YOUTH_MAX_AGE
        minor_from = year - 17
        rows = Person.objects.filter(is_active=True).order_by("pk")
        r = self.rng.random
        districts = self.districts
        for pk, home_unit_id, birth_year in rows.values_list(
            "pk", "home_unit_id", "birth_year"
        ).iterator(chunk_size=20_000):
            district = self.unit_district.get(home_unit_id)
            if district is None:
                if not districts:
                    return
                district = districts[int(r() * len(districts))]
            district.people.append(pk)
            if birth_year and birth_year >= young_from:
                district.young.append(pk)
                if birth_year >= minor_from:
                    district.minors.append(pk)
        self.role_holders = array.array(
            "q",
            Role.objects.filter(ended_on__isnull=True, person__is_active=True)
            .values_list("person_id", flat=True)
            .distinct(),
        )
        self.alumni = array.array(
            "q",
            Role.objects.filter(ended_on__isnull=False, person__is_active=True)
            .values_list("person_id", flat=True)
            .distinct(),
        )

    def _schools(self) -> None:
        """Each school group gets a school and a contact: its school contact (a current
        role) if it has one, else an adult from the district (a teacher)."""
        r = self.rng.random
        year = timezone.localdate().year
        contacts = dict(
            Role.objects.filter(
                unit__kind=Unit.Kind.SCHOOL_GROUP,
                role_type__slug="school-contact",
                ended_on__isnull=True,
            ).values_list("unit_id", "person_id")
        )
        changed = []
        for unit in Unit.objects.filter(kind=Unit.Kind.SCHOOL_GROUP, school_name=""):
            town = unit.municipality or unit.name
            unit.school_name = f"{SCHOOL_NAMES[int(r() * len(SCHOOL_NAMES))]}, {town}"
            contact = contacts.get(unit.pk)
            district = self.unit_district.get(unit.pk)
            if contact is None and district is not None and district.people:
                adults = Person.objects.filter(
                    pk__in=[district.people[int(r() * len(district.people))] for _ in range(20)],
                    birth_year__lte=year - 28,
                ).values_list("pk", flat=True)
                contact = next(iter(adults), None)
            unit.contact_person_id = contact
            changed.append(unit)
        Unit.objects.bulk_update(changed, ["school_name", "contact_person"])
        self.summary.schools = len(changed)

    # -- events

    def _day(self, days: float, hour: int, minute: int = 0) -> dt.datetime:
        day = timezone.localdate(self.now) + dt.timedelta(days=math.floor(days))
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZONE)

    def _pick_district(self) -> DistrictPool:
        r = self.rng.random
        total = sum(d.weight for d in self.districts)
        x = r() * total
        for d in self.districts:
            x -= d.weight
            if x <= 0:
                return d
        return self.districts[-1]

    def _plan_events(self) -> list[EventPlan]:
        r = self.rng.random
        count = max(MIN_EVENTS, min(MAX_EVENTS, round(self.n / AVERAGE_SIZE)))
        generated = [s for s in PROGRAMMES if s.weight]
        total_weight = sum(s.weight for s in generated)
        plans: list[EventPlan] = []
        for _ in range(count):
            x, spec = r() * total_weight, generated[-1]
            for candidate in generated:
                x -= candidate.weight
                if x <= 0:
                    spec = candidate
                    break
            plans.append(self._plan(spec, self._pick_district()))
        plans += self._leadership_cohorts()
        plans += self._special_events()
        # Sizes: each event's share of N, in proportion to its kind's typical size.
        base = [p.size for p in plans]
        fixed = sum(b for p, b in zip(plans, base, strict=True) if p.cohort is not None)
        scale = max(self.n - fixed, 0) / max(sum(base) - fixed, 1)
        for plan in plans:
            if plan.cohort is None and not plan.guardian:
                plan.size = max(1, round(plan.size * scale))
            if plan.capacity is not None and plan.capacity > 3:
                # Some events fill up and keep a waiting list; most have seats to spare.
                plan.capacity = max(2, round(plan.size * (0.8 if r() < 0.4 else 1.3)))
        plans.sort(key=lambda p: p.starts_at)
        return plans

    def _plan(self, spec: ProgrammeSpec, district: DistrictPool) -> EventPlan:
        r = self.rng.random
        days = -PAST_DAYS + r() * (PAST_DAYS + AHEAD_DAYS)
        young = False
        if spec.level == "group" and district.schools and r() < 0.18:
            unit_id, town = district.schools[int(r() * len(district.schools))]
            place, young = f"{town}, aulan", True
            title = f"{spec.name} på skolan i {town}"
        elif spec.level == "group" and district.groups:
            unit_id, town = district.groups[int(r() * len(district.groups))]
            place = f"{PLACES[int(r() * len(PLACES))]}, {town}"
            title = f"{spec.name} i {town}"
        else:
            unit_id, town = district.unit_id, district.region
            venue_town = district.groups[0][1] if district.groups else town
            place = f"{PLACES[int(r() * len(PLACES))]}, {venue_town}"
            title = f"{spec.name} i {district.region}"
        weekend = spec.level != "group"
        start = self._day(days, 10 if weekend else 18, 0 if weekend else 30)
        if weekend:  # trainings and seminars on the Saturday of that week
            start += dt.timedelta(days=(5 - start.weekday()) % 7)
        online = spec.key in ("introduction", "seminar") and not young and r() < 0.15
        english = spec.key == "introduction" and not young and r() < 0.05
        if english:
            title = f"Introduction for new activists ({town}, in English)"
        low, high = spec.size
        return EventPlan(
            key=spec.key,
            district=district,
            unit_id=unit_id,
            title=title,
            starts_at=start,
            hours=6.0 if weekend else 2.0,
            size=low + int(r() * (high - low + 1)),
            place="" if online else place,
            online=online,
            capacity=(high if r() < 0.35 else None),
            deadline_days=2 if weekend else None,
            young=young or (spec.level == "group" and r() < 0.05),
            language="en" if english else "sv",
        )

    def _leadership_cohorts(self) -> list[EventPlan]:
        """Last year's cohort (three weekends, all past) and this year's (one weekend past,
        two to come): the same people at every session."""
        r = self.rng.random
        spec = SPECS["leadership"]
        plans = []
        for offsets in ((-320, -260, -200), (-30, 25, 80)):
            size = spec.size[0] + int(r() * (spec.size[1] - spec.size[0] + 1))
            cohort: list[int] = []  # filled when the first session's turn comes
            year = self._day(offsets[0], 10).year
            for session, offset in enumerate(offsets, start=1):
                start = self._day(offset, 10)
                start += dt.timedelta(days=(5 - start.weekday()) % 7)
                plans.append(
                    EventPlan(
                        key="leadership",
                        district=None,
                        unit_id=self.national.pk,
                        title=f"{spec.name} {year}, helg {session}",
                        starts_at=start,
                        hours=30.0,
                        size=size,
                        place="Kursgården, Sigtuna",
                        capacity=size,
                        deadline_days=14,
                        cohort=cohort,
                    )
                )
        return plans

    def _special_events(self) -> list[EventPlan]:
        """Events the demo must show whatever its size: alumni meetings, a full training with
        a waiting list, an online introduction, and a youth training that asks under-18s
        for a guardian's contact."""
        biggest = max(self.districts, key=lambda d: d.weight)
        with_schools = next((d for d in self.districts if d.schools and d.minors), biggest)
        school_id, school_town = (with_schools.schools or [(with_schools.unit_id, "")])[0]
        return [
            EventPlan(
                key="alumni",
                district=None,
                unit_id=self.national.pk,
                title="Alumnträff: erfarenheter från tio år av kampanjer",
                starts_at=self._day(-150, 17, 30),
                hours=3.0,
                size=30,
                place="Föreningarnas hus, Stockholm",
                pool="alumni",
            ),
            EventPlan(
                key="alumni",
                district=None,
                unit_id=self.national.pk,
                title="Alumnträff i Göteborg",
                starts_at=self._day(35, 17, 30),
                hours=3.0,
                size=20,
                place="Kulturhuset, Göteborg",
                capacity=40,
                pool="alumni",
            ),
            EventPlan(
                key="campaign_training",
                district=biggest,
                unit_id=biggest.unit_id,
                title=f"Kampanjutbildning i {biggest.region} (fullbokad)",
                starts_at=self._day(18, 10),
                hours=6.0,
                size=26,
                place=f"ABF-huset, {biggest.region}",
                capacity=20,
                deadline_days=2,
            ),
            EventPlan(
                key="introduction",
                district=biggest,
                unit_id=biggest.unit_id,
                title="Introduktion för nya aktivister (digitalt)",
                starts_at=self._day(9, 19),
                hours=1.5,
                size=25,
                online=True,
            ),
            EventPlan(
                key="campaign_training",
                district=with_schools,
                unit_id=school_id,
                title=f"Ungdomarnas kampanjutbildning, {school_town}",
                starts_at=self._day(24, 13),
                hours=4.0,
                size=min(12, max(len(with_schools.minors), 1)),
                place=f"{school_town}, aulan",
                capacity=30,
                young=True,
                guardian=True,
                pool="minors",
            ),
        ]

    def _create_events(self, plans: list[EventPlan]) -> None:
        events = []
        for n, plan in enumerate(plans, start=1):
            slug = _slug(plan.title)[:70].rstrip("-") + f"-{n}"
            deadline = (
                None
                if plan.deadline_days is None
                else plan.starts_at - dt.timedelta(days=plan.deadline_days)
            )
            events.append(
                Event(
                    programme=self.programmes[plan.key],
                    unit_id=plan.unit_id,
                    title=plan.title[:200],
                    description=SPECS[plan.key].description,
                    slug=slug,
                    starts_at=plan.starts_at,
                    ends_at=plan.starts_at + dt.timedelta(hours=plan.hours),
                    place=plan.place,
                    online_url=f"https://meet.example.org/{slug}" if plan.online else "",
                    capacity=plan.capacity,
                    registration_deadline=deadline,
                    language=plan.language,
                    for_young_people=plan.young,
                    guardian_required_under_18=plan.guardian,
                )
            )
        Event.objects.bulk_create(events, batch_size=1000)
        if any(e.pk is None for e in events):  # a backend that returns no ids
            ids = dict(Event.objects.values_list("slug", "pk"))
            for event in events:
                event.pk = ids[event.slug]
        for plan, event in zip(plans, events, strict=True):
            plan.event = event
            s = self.summary
            s.events += 1
            if event.starts_at < self.now:
                s.past_events += 1
            else:
                s.upcoming_events += 1
            s.young_events += event.for_young_people
            s.online_events += bool(event.online_url)
        self.out(
            f"Programmes: {self.summary.programmes} programmes, {self.summary.events:,} events "
            f"({self.summary.past_events:,} past, {self.summary.upcoming_events:,} upcoming)."
        )


def _slug(text: str) -> str:
    return slugify(text.translate(lists.ASCII_FOLD))


def load_programme_demo(
    *, registrations: int, seed: int = 1, out: Callable[[str], None] = print
) -> ProgrammeSummary:
    return ProgrammeDemoLoader(registrations=registrations, seed=seed, out=out).run()
