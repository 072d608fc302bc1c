"""What the demo programmes are and how their events are planned: the red thread's
programmes (what each feeds from, how many events complete it), the places, and the plan
of each event before it is created (``EventPlan``, per district ``DistrictPool``), and
what a load reports (``ProgrammeSummary``)."""

from __future__ import annotations

import array
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from aktivist.programmes.models import Event, Programme

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
