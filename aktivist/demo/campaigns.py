"""Demo campaigns: this year's priorities, national, district and local campaigns with
actions of every kind in Swedish and English, and N participations of the demo people.

``load_campaign_demo(participations=N, seed=S)`` runs after the people demo
(``manage.py demo_data``). The campaigns, actions and texts themselves are in
``aktivist.demo.campaign_specs``. Everything is invented: no real person is named, letters
go to addresses at example.org only, and nothing but counts is printed.

Participations are a bulk path like the people demo: generated in memory chunk by chunk
and written by ``aktivist.core.bulk.BulkWriter`` (COPY on PostgreSQL, one ``executemany``
per chunk elsewhere; ``bulk_create`` would overwrite ``created_at``). Each
action gets its share of N as distinct people (one participation per person and action),
spread over the last 60 days of the action's life — the launch brings a burst, evenings
and weekends more than office hours — and written in time order, so ids follow signing
order as they do for real signatures. Five million load in a few minutes on PostgreSQL.
"""

from __future__ import annotations

import array
import bisect
import datetime as dt
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from aktivist.accounts.models import User
from aktivist.campaigns.channels import channel_create
from aktivist.campaigns.models import Action, Campaign, Channel, Participation, Priority
from aktivist.core.bulk import BulkWriter
from aktivist.demo.campaign_specs import (
    CAMPAIGNS,
    OWN_LETTERS,
    PRIORITIES,
    ActionSpec,
    CampaignSpec,
)
from aktivist.organisation.models import Unit
from aktivist.people.models import Person

ZONE = ZoneInfo("Europe/Stockholm")
WINDOW_DAYS = 60
CHUNK = 50_000
DEFAULT_PER_PERSON = 4  # default participations: 4 per demo person …
DEFAULT_MAX = 200_000  # … up to this many (pass --participations for more)
LETTERS_SENT_HOUR = 7  # the daily letters job's hour

# Share of each source, and of the signers who agree to be named at hand-over.
SOURCES = (("web", 0.62), ("embed", 0.18), ("api", 0.16), ("staff", 0.04))
NAMED_SHARE = 0.38
OWN_LETTER_SHARE = 0.12
# Activity by local hour (evenings highest) and weekday (Mon..Sun; weekends higher).
HOUR_WEIGHTS = (
    0.15, 0.08, 0.05, 0.04, 0.04, 0.08, 0.25, 0.55, 0.75, 0.8, 0.8, 0.85,
    1.1, 1.05, 0.8, 0.8, 0.9, 1.1, 1.5, 1.9, 2.1, 2.0, 1.5, 0.7,
)  # fmt: skip
WEEKDAY_WEIGHTS = (1.0, 0.95, 0.95, 1.0, 0.9, 1.3, 1.45)


@dataclass
class CampaignSummary:
    priorities: int = 0
    campaigns: int = 0
    actions: int = 0
    channels: int = 0
    participations: int = 0
    named: int = 0
    young: int = 0  # participations by signers aged 13–25
    requested: int = 0
    capped: bool = False
    skipped: bool = False
    seconds: float = 0.0
    by_action: dict[str, int] = field(default_factory=dict)


def default_participations(people: int) -> int:
    return min(people * DEFAULT_PER_PERSON, DEFAULT_MAX)


class CampaignDemoLoader:
    def __init__(self, *, participations: int, seed: int, out: Callable[[str], None]) -> None:
        self.n = participations
        self.seed = seed
        self.out = out
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.summary = CampaignSummary(requested=participations)

    def run(self) -> CampaignSummary:
        started = time.monotonic()
        if Campaign.objects.exists():
            self.out("Campaigns already exist; demo campaigns not loaded.")
            self.summary.skipped = True
            return self.summary
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            self.staff = User.objects.filter(email="staff@example.org").first()
            actions = self._campaigns()
            self.channels = self._channels()
            self._participations(actions)
        self.summary.seconds = time.monotonic() - started
        return self.summary

    # -- priorities, campaigns, actions

    def _days(self, days: int) -> dt.date:
        return self.today + dt.timedelta(days=days)

    def _at(self, days: int, hour: int) -> dt.datetime:
        day = self._days(days)
        return dt.datetime.combine(day, dt.time(hour), tzinfo=ZONE)

    def _unit(self, name: str) -> Unit:
        national = Unit.objects.filter(kind=Unit.Kind.NATIONAL, parent=None).order_by("pk").first()
        if national is None:
            raise RuntimeError("The demo organisation has no national unit.")
        if name == "national":
            return national
        return Unit.objects.filter(name=name).order_by("depth", "pk").first() or national

    def _summer(self, spec: CampaignSpec) -> CampaignSpec:
        """The summer campaign runs 1 June – 31 August: this summer's once it has begun,
        else last summer's (then closed, with its signatures from back then)."""
        year = self.today.year if self.today >= dt.date(self.today.year, 6, 1) else None
        year = year or self.today.year - 1
        start = (dt.date(year, 6, 1) - self.today).days
        end = (dt.date(year, 8, 31) - self.today).days
        actions = tuple(
            replace(a, opened_days_ago=-start - 2 - 3 * n, closes_in_days=end)
            for n, a in enumerate(spec.actions)
        )
        return replace(spec, started_days_ago=-start, ends_in_days=end, actions=actions)

    def _last_year(self, spec: CampaignSpec) -> CampaignSpec:
        """Last year's campaign ran in the autumn (1 September – 10 December)."""
        year = self.today.year - 1
        start = (dt.date(year, 9, 1) - self.today).days
        end = (dt.date(year, 12, 10) - self.today).days
        actions = tuple(
            replace(a, opened_days_ago=-start - 2, closes_in_days=end) for a in spec.actions
        )
        return replace(spec, started_days_ago=-start, ends_in_days=end, actions=actions)

    def _campaigns(self) -> list[tuple[Action, ActionSpec]]:
        year = self.today.year
        priorities: dict[tuple[str, bool], Priority] = {}
        for name, description, last_year in PRIORITIES:
            priority, _ = Priority.objects.get_or_create(
                name=name,
                year=year - 1 if last_year else year,
                defaults={"description": description},
            )
            priorities[name, last_year] = priority
        self.summary.priorities = len(priorities)
        by_key: dict[str, Campaign] = {}
        actions: list[tuple[Action, ActionSpec]] = []
        for spec in CAMPAIGNS:
            if spec.kind == Campaign.Kind.SUMMER:
                spec = self._summer(spec)
            elif spec.last_year:
                spec = self._last_year(spec)
            unit = self._unit(spec.unit)
            scope = spec.scope if unit.name == spec.unit or spec.unit == "national" else "national"
            campaign = Campaign(
                name=spec.name,
                description=spec.description,
                priority=priorities.get((spec.priority or "", spec.last_year)),
                scope=scope,
                unit=unit,
                origin=spec.origin,
                kind=spec.kind,
                starts_on=self._days(-spec.started_days_ago),
                ends_on=None if spec.ends_in_days is None else self._days(spec.ends_in_days),
                goal=spec.goal,
                elevation=spec.elevation,
                elevation_note=spec.elevation_note,
                created_by=self.staff if spec.origin == Campaign.Origin.SECRETARIAT else None,
            )
            if spec.elevation:
                campaign.elevation_proposed_at = self._at(-21, 10)
            if spec.elevation == Campaign.Elevation.ELEVATED:
                campaign.elevation_decided_at = self._at(-19, 9)
                campaign.elevation_decided_by = self.staff
            if spec.elevated_from:
                campaign.elevated_from = by_key[spec.elevated_from]
            campaign.full_clean()
            campaign.save()
            by_key[spec.key] = campaign
            for a in spec.actions:
                action = Action(
                    campaign=campaign,
                    kind=a.kind,
                    slug=a.slug,
                    title_sv=a.title_sv,
                    title_en=a.title_en,
                    text_sv=a.text_sv,
                    text_en=a.text_en,
                    opens_at=self._at(-a.opened_days_ago, 8),
                    closes_at=None
                    if a.closes_in_days is None
                    else self._at(a.closes_in_days, 23 if a.closes_in_days >= 0 else 18),
                    goal=a.goal,
                    target_name=a.target_name,
                    target_email=a.target_email,
                    target_address=a.target_address,
                    letter_subject=a.letter_subject,
                    letter_text_sv=a.letter_sv,
                    letter_text_en=a.letter_en,
                    letter_delivery=a.letter_delivery or Action.LetterDelivery.EMAIL,
                    created_by=campaign.created_by,
                )
                action.full_clean()
                action.save()
                actions.append((action, a))
        self.summary.campaigns = len(by_key)
        self.summary.actions = len(actions)
        self.out(
            f"Campaigns: {self.summary.priorities} priorities, {self.summary.campaigns} "
            f"campaigns, {self.summary.actions} actions."
        )
        return actions

    def _channels(self) -> list[int]:
        ids = []
        for name, origins in (
            ("Organisationens webbplats", "https://www.example.org"),
            ("Partnerkampanj (API)", ""),
        ):
            channel = Channel.objects.filter(name=name).first()
            if channel is None:
                # The key is never shown: the demo channels only label demo signatures.
                channel, _key = channel_create(actor=None, name=name, allowed_origins=origins)
            ids.append(channel.pk)
        self.summary.channels = len(ids)
        return ids

    # -- participations

    def _people(self) -> tuple[array.array, array.array]:
        """Person ids and birth years (0 when unknown) of the active people, in id order."""
        ids, years = array.array("q"), array.array("H")
        rows = Person.objects.filter(is_active=True).order_by("pk").values_list("pk", "birth_year")
        for pk, year in rows.iterator(chunk_size=20_000):
            ids.append(pk)
            years.append(year or 0)
        return ids, years

    def _shares(self, actions: Sequence[tuple[Action, ActionSpec]], people: int) -> list[int]:
        """N split over the actions by weight; no action gets more than everyone once."""
        capacity = people * len(actions)
        total = min(self.n, capacity)
        self.summary.capped = total < self.n
        counts = [0] * len(actions)
        open_ = list(range(len(actions)))
        left = total
        while left > 0 and open_:
            weight = sum(actions[i][1].weight for i in open_)
            given = 0
            for i in list(open_):
                want = max(1, math.floor(left * actions[i][1].weight / weight))
                take = min(want, people - counts[i], left - given)
                counts[i] += take
                given += take
                if counts[i] >= people:
                    open_.remove(i)
                if given >= left:
                    break
            left -= given
        return counts

    def _buckets(self, action: Action, spec: ActionSpec) -> tuple[list[float], list[float], float]:
        """Hourly buckets over the last WINDOW_DAYS of the action's life: (start timestamps,
        cumulative weights, end timestamp)."""
        # In UTC: arithmetic on Stockholm times would follow the wall clock across DST.
        end = min(action.closes_at or self.now, self.now).astimezone(dt.UTC)
        start = max(action.opens_at, end - dt.timedelta(days=WINDOW_DAYS)).astimezone(dt.UTC)
        opened = action.opens_at.timestamp()
        starts: list[float] = []
        cumulative: list[float] = []
        total = 0.0
        moment = start.replace(minute=0, second=0, microsecond=0)
        while moment < end:
            local = moment.astimezone(ZONE)
            age_days = max(0.0, (moment.timestamp() - opened) / 86_400)
            weight = (
                HOUR_WEIGHTS[local.hour]
                * WEEKDAY_WEIGHTS[local.weekday()]
                * (0.3 + math.exp(-age_days / spec.burst_days))
            )
            total += weight
            starts.append(max(moment, start).timestamp())
            cumulative.append(total)
            moment += dt.timedelta(hours=1)
        return starts, cumulative, end.timestamp()

    def _participations(self, actions: Sequence[tuple[Action, ActionSpec]]) -> None:
        if self.n <= 0:
            return
        rng = random.Random(f"aktivist-demo:{self.seed}:participations")  # noqa: S311 - demo
        r = rng.random
        ids, years = self._people()
        if not ids:
            return
        counts = self._shares(actions, len(ids))
        if self.summary.capped:
            self.out(
                f"  {self.n:,} participations asked for, but {len(ids):,} people × "
                f"{len(actions)} actions allow only {sum(counts):,} (one per person and action)."
            )
        writer = BulkWriter(self.now)
        year = self.today.year
        today_sent = dt.datetime.combine(self.today, dt.time(LETTERS_SENT_HOUR), tzinfo=ZONE)
        channels = self.channels
        source_names = [s for s, _ in SOURCES]
        source_cum: list[float] = []
        acc = 0.0
        for _, share in SOURCES:
            acc += share
            source_cum.append(acc)
        brackets = Participation.AgeBracket.values
        started = time.monotonic()
        last_report = started
        s = self.summary
        for (action, spec), count in zip(actions, counts, strict=True):
            if count <= 0:
                continue
            starts, cumulative, end = self._buckets(action, spec)
            if not starts:
                continue
            whole = cumulative[-1]
            times = sorted(
                min(starts[j] + r() * 3600, end - 1)
                for j in (bisect.bisect_right(cumulative, r() * whole) for _ in range(count))
            )
            signers = rng.sample(range(len(ids)), count)
            emailed = (
                action.kind == Action.Kind.LETTER
                and action.letter_delivery == Action.LetterDelivery.EMAIL
            )
            is_letter = action.kind == Action.Kind.LETTER
            rows: list[tuple] = []
            for stamp, index in zip(times, signers, strict=True):
                created = dt.datetime.fromtimestamp(stamp, tz=dt.UTC)
                source = source_names[bisect.bisect_right(source_cum, r() * acc)]
                channel = channels[int(r() * len(channels))] if source == "api" else None
                bracket = self._age_bracket(r, years[index], year, brackets)
                named = r() < NAMED_SHARE
                s.named += named
                letter = ""
                if is_letter and r() < OWN_LETTER_SHARE:
                    letter = OWN_LETTERS[int(r() * len(OWN_LETTERS))]
                sent = self._letter_sent(r, created, today_sent) if emailed else None
                rows.append(
                    (ids[index], action.pk, source, channel, bracket, named, letter, sent, created)
                )
                if len(rows) >= CHUNK:
                    _write_participations(writer, rows)
                    s.participations += len(rows)
                    rows = []
                    clock = time.monotonic()
                    if clock - last_report > 10:
                        last_report = clock
                        self.out(
                            f"  participations {s.participations:,}/{sum(counts):,} "
                            f"({clock - started:.0f} s)"
                        )
            _write_participations(writer, rows)
            s.participations += len(rows)
            s.by_action[action.slug] = count
        self.out(f"  participations {s.participations:,} ({time.monotonic() - started:.0f} s)")

    def _age_bracket(
        self, r: Callable[[], float], birth_year: int, year: int, brackets: Sequence[str]
    ) -> str:
        """The signer's age bracket: from the birth year, else given by half of them."""
        if birth_year:
            age = year - birth_year
            if age <= 25:
                self.summary.young += 1
            return _bracket(age, brackets)
        bracket = brackets[int(r() * len(brackets))] if r() < 0.5 else ""
        if bracket in ("13-17", "18-25"):
            self.summary.young += 1
        return bracket

    def _letter_sent(
        self, r: Callable[[], float], created: dt.datetime, today_sent: dt.datetime
    ) -> dt.datetime | None:
        """When the daily letters job sent an emailed letter (the morning after), if it has."""
        local = created.astimezone(ZONE)
        due = dt.datetime.combine(
            local.date() + dt.timedelta(days=1), dt.time(LETTERS_SENT_HOUR), tzinfo=ZONE
        )
        if due <= today_sent and due <= self.now:
            return due + dt.timedelta(seconds=int(r() * 900))
        return None


def _bracket(age: int, brackets: Sequence[str]) -> str:
    if age < 13:
        return ""
    if age <= 17:
        return brackets[0]
    if age <= 25:
        return brackets[1]
    if age <= 39:
        return brackets[2]
    if age <= 64:
        return brackets[3]
    return brackets[4]


PARTICIPATION_COLUMNS = (
    "person_id",
    "action_id",
    "source",
    "channel_id",
    "age_bracket",
    "named",
    "letter_text",
    "letter_sent_at",
    "created_at",
    "updated_at",
    "tracking_token",
)


def _write_participations(writer: BulkWriter, rows: list[tuple]) -> None:
    # updated_at = created_at; no tracking token
    writer.write(Participation, PARTICIPATION_COLUMNS, [(*row, row[8], "") for row in rows])


def load_campaign_demo(
    *, participations: int, seed: int = 1, out: Callable[[str], None] = print
) -> CampaignSummary:
    return CampaignDemoLoader(participations=participations, seed=seed, out=out).run()
