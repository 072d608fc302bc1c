"""Demo programmes: the red thread from a recruitment meeting to the leadership programme,
an alumni programme, past and upcoming events across the districts, N registrations and
the completions they earn; school groups get a school and a contact person.

``load_programme_demo(registrations=N, seed=S)`` runs after the people and campaign demos
(``manage.py demo_data``). Everything is invented; guardians' addresses are at example.org
and nothing but counts is printed.

It is a bulk path like the other demos: events are created with one ``bulk_create``, and
registrations and completions are generated in memory, event by event in time order, and
written in chunks with COPY on PostgreSQL (``aktivist.demo.people.BulkWriter``) and one
``executemany`` per chunk elsewhere (``bulk_create`` would overwrite ``created_at``).

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
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify

from aktivist.demo import lists
from aktivist.demo.people import BulkWriter
from aktivist.organisation.models import Role, Unit
from aktivist.people.models import Person
from aktivist.programmes.models import Event, Programme, ProgrammeCompletion, Registration

ZONE = ZoneInfo("Europe/Stockholm")
DEFAULT_PER_PERSON = 1  # default registrations: one per demo person …
DEFAULT_MAX = 200_000  # … up to this many
AVERAGE_SIZE = 18  # registrations per generated event
MIN_EVENTS, MAX_EVENTS = 30, 4_000
PAST_DAYS, AHEAD_DAYS = 365, 90
CHUNK = 50_000
S = Registration.Status
K = Programme.Kind


@dataclass(frozen=True)
class ProgrammeSpec:
    key: str
    name: str
    kind: str
    description: str
    next_steps: tuple[str, ...] = ()
    events_to_complete: int = 1
    level: str = "group"  # where its events are held: group, district or national
    weight: float = 0.0  # share of the generated events (0: scheduled separately)
    size: tuple[int, int] = (8, 20)
    feeds_from: tuple[str, ...] = ()  # earlier steps whose attendees come on to this one
    from_thread: float = 0.0  # share of registrants who come from those steps


PROGRAMMES: tuple[ProgrammeSpec, ...] = (
    ProgrammeSpec(
        "recruitment",
        "Rekryteringsmöte",
        K.RECRUITMENT_MEETING,
        "En första kväll: vad vi gör, hur du kan vara med och vilka som finns i din grupp.",
        ("introduction",),
        weight=0.36,
        size=(6, 24),
    ),
    ProgrammeSpec(
        "introduction",
        "Introduktion för nya aktivister",
        K.INTRODUCTION,
        "Mänskliga rättigheter, organisationen och hur en kampanj går till.",
        ("campaign_training", "seminar"),
        weight=0.22,
        size=(6, 20),
        feeds_from=("recruitment",),
        from_thread=0.6,
    ),
    ProgrammeSpec(
        "campaign_training",
        "Kampanjutbildning",
        K.CAMPAIGN_TRAINING,
        "Planera en kampanj: mål, budskap, aktioner, media och uppföljning.",
        ("project_leader",),
        level="district",
        weight=0.18,
        size=(8, 24),
        feeds_from=("introduction",),
        from_thread=0.6,
    ),
    ProgrammeSpec(
        "seminar",
        "Aktivistseminarium",
        K.ACTIVIST_SEMINAR,
        "En dag med föreläsningar och workshoppar om årets prioriterade områden.",
        ("project_leader",),
        level="district",
        weight=0.14,
        size=(12, 40),
        feeds_from=("introduction",),
        from_thread=0.5,
    ),
    ProgrammeSpec(
        "project_leader",
        "Projektledarutbildning",
        K.PROJECT_LEADER_TRAINING,
        "Leda ett projekt i gruppen: planering, budget, att leda andra och att utvärdera.",
        ("leadership",),
        level="district",
        weight=0.10,
        size=(8, 18),
        feeds_from=("campaign_training", "seminar"),
        from_thread=0.7,
    ),
    ProgrammeSpec(
        "leadership",
        "Ledarskapsprogrammet",
        K.LEADERSHIP_PROGRAMME,
        "Tre helger under ett halvår för dig som vill ta ett uppdrag: distriktsombud, "
        "gruppsekreterare, samordnare.",
        events_to_complete=3,
        level="national",
        size=(12, 20),
        feeds_from=("project_leader",),
        from_thread=0.6,
    ),
    ProgrammeSpec(
        "alumni",
        "Alumnprogrammet",
        K.ALUMNI_PROGRAMME,
        "Träffar för dig som har haft ett förtroendeuppdrag: din erfarenhet behövs.",
        level="national",
        size=(10, 40),
    ),
)
SPECS = {spec.key: spec for spec in PROGRAMMES}
PLACES = ("Föreningarnas hus", "Stadsbiblioteket", "ABF-huset", "Medborgarhuset", "Kulturhuset")
SCHOOL_NAMES = ("Norra gymnasiet", "Södra gymnasiet", "Västra gymnasiet", "Kunskapsgymnasiet")


@dataclass
class DistrictPool:
    unit_id: int
    path: str
    region: str
    weight: float
    groups: list[tuple[int, str]]  # (unit id, town)
    schools: list[tuple[int, str]]
    people: array.array = field(default_factory=lambda: array.array("q"))
    young: array.array = field(default_factory=lambda: array.array("q"))
    minors: array.array = field(default_factory=lambda: array.array("q"))
    # Attendees of each programme so far (the red thread), in the order they came.
    thread: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class EventPlan:
    key: str
    district: DistrictPool | None  # None: national
    unit_id: int
    title: str
    starts_at: dt.datetime
    hours: float
    size: int
    place: str = ""
    online: bool = False
    capacity: int | None = None
    deadline_days: int | None = None
    young: bool = False
    guardian: bool = False
    language: str = "sv"
    cohort: list[int] | None = None  # a leadership cohort: the same people every session
    pool: str = ""  # "alumni" or "minors": who signs up
    event: Event | None = None


@dataclass
class ProgrammeSummary:
    programmes: int = 0
    events: int = 0
    past_events: int = 0
    upcoming_events: int = 0
    young_events: int = 0
    online_events: int = 0
    full_events: int = 0
    registrations: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    completions: int = 0
    schools: int = 0
    requested: int = 0
    skipped: bool = False
    seconds: float = 0.0


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
                self._registrations(plans)
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

    # -- registrations and completions

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

    def _registrations(self, plans: list[EventPlan]) -> None:
        self.completed: dict[str, set[int]] = defaultdict(set)
        self.thread: dict[str, list[int]] = defaultdict(list)  # attendees in all districts
        attended_count: dict[tuple[int, str], int] = defaultdict(int)
        writer = _RowWriter()
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


class _RowWriter:
    """COPY on PostgreSQL (the people demo's writer); one executemany elsewhere, with each
    value prepared by its field (bulk_create would overwrite created_at)."""

    def __init__(self) -> None:
        self.bulk = BulkWriter(timezone.now())

    def write(self, model: type[models.Model], columns: Sequence[str], rows: list[tuple]) -> None:
        if not rows:
            return
        if self.bulk.postgres:
            self.bulk.write(model, columns, rows)
            return
        fields = {f.attname: f for f in model._meta.concrete_fields}
        chosen = [fields[c] for c in columns]
        quote = connection.ops.quote_name
        # Table and column names come from the model and are quoted; values are parameters.
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
            quote(model._meta.db_table),
            ", ".join(quote(str(f.column)) for f in chosen),
            ", ".join(["%s"] * len(chosen)),
        )
        prepared = [
            tuple(
                f.get_db_prep_value(v, connection) if v is not None else None
                for f, v in zip(chosen, row, strict=True)
            )
            for row in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, prepared)


def _slug(text: str) -> str:
    return slugify(text.translate(lists.ASCII_FOLD))


def load_programme_demo(
    *, registrations: int, seed: int = 1, out: Callable[[str], None] = print
) -> ProgrammeSummary:
    return ProgrammeDemoLoader(registrations=registrations, seed=seed, out=out).run()
