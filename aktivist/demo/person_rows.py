"""The demo people and their own rows, generated in memory one person at a time: the person
(names, address, contact details, membership), memberships of groups, school groups and
networks, tags, consents and interactions (some with follow-ups for the demo staff).

Every draw comes from one seeded ``random.Random`` in a fixed order, so a seed always gives
the same section. Contact details are unique by construction (a bijection of the person's
index), and search keys are computed here as ``Person.normalise`` would.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field

from aktivist.accounts.models import User
from aktivist.demo import lists
from aktivist.demo.draw import rand_date, rand_dt, weighted
from aktivist.demo.organisation import DistrictOrg, Org
from aktivist.demo.roles import Pools
from aktivist.lib.normalise import normalise_name
from aktivist.organisation.selectors import home_unit_id_from_map
from aktivist.people.models import Consent

DEMO_SOURCE = "demo"
WORDING_VERSION = "2026-01"
EMAIL_DOMAINS = ("example.org", "example.com", "example.net")
MOBILE_PREFIXES = ("70", "72", "73", "76", "79")
MOBILE_SPACE = 10_000_000 * len(MOBILE_PREFIXES)
GDPR = dt.datetime(2018, 5, 25, 8, tzinfo=dt.UTC)  # the earliest consent

PERSON_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "mobile",
    "other_phone",
    "street_address",
    "postcode",
    "city",
    "municipality",
    "birth_year",
    "language",
    "membership_status",
    "member_since",
    "membership_ended_on",
    "member_number",
    "home_unit_id",
    "source",
    "first_name_key",
    "last_name_key",
    "is_active",
)
MEMBERSHIP_COLUMNS = ("person_id", "unit_id", "started_on", "ended_on")
TAGGING_COLUMNS = ("person_id", "tag_id")
CONSENT_COLUMNS = (
    "person_id",
    "channel",
    "purpose",
    "status",
    "confirmed_at",
    "withdrawn_at",
    "wording_version",
    "wording_hash",
    "source",
    "confirmed_by",
)
INTERACTION_COLUMNS = (
    "person_id",
    "kind",
    "author_id",
    "occurred_at",
    "text",
    "outcome",
    "follow_up_owner_id",
    "follow_up_due",
    "follow_up_done_at",
)


def wording_hash(channel: str, purpose: str) -> str:
    text = f"Aktivist demo consent wording {WORDING_VERSION} {channel}/{purpose}"
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Counts:
    members: int = 0
    former_members: int = 0
    young: int = 0


@dataclass
class Chunk:
    """The rows of one chunk of people, over the *_COLUMNS above."""

    people: list[tuple] = field(default_factory=list)
    memberships: list[tuple] = field(default_factory=list)
    taggings: list[tuple] = field(default_factory=list)
    consents: list[tuple] = field(default_factory=list)
    interactions: list[tuple] = field(default_factory=list)


@dataclass
class _Member:
    status: str
    since: dt.date | None
    ended_on: dt.date | None
    number: str | None
    lo_join: int  # the earliest day (ordinal) this person could have joined


class PersonRows:
    """``add(i, chunk)`` generates person number ``i`` (id ``base_id + i``) and their rows."""

    def __init__(
        self,
        *,
        org: Org,
        n: int,
        seed: int,
        base_id: int,
        tag_ids: list[int],
        users: dict[str, User],
        pools: Pools,
        follow_ups: dict[int, int],
        now: dt.datetime,
        today: dt.date,
    ) -> None:
        self.org, self.seed, self.base_id = org, seed, base_id
        self.pools, self.follow_ups = pools, follow_ups
        self.now, self.today, self.year = now, today, today.year
        self.rng = random.Random(f"aktivist-demo:{seed}:people")  # noqa: S311 - demo data
        self.r = self.rng.random
        self.counts = Counts()
        pools.district_leaders = [[] for _ in org.districts]
        pools.district_youth = [[] for _ in org.districts]
        self.female = weighted(lists.FEMALE_NAMES)
        self.male = weighted(lists.MALE_NAMES)
        self.young_f = weighted(lists.YOUNG_FEMALE_NAMES)
        self.young_m = weighted(lists.YOUNG_MALE_NAMES)
        self.last = weighted(lists.LAST_NAMES, offset=3.0)
        self.keys: dict[str, str] = {}
        self.folded: dict[str, str] = {}
        for names, _cum in (self.female, self.male, self.young_f, self.young_m, self.last):
            for name in names:
                self.keys[name] = normalise_name(name)
                self.folded[name] = name.translate(lists.ASCII_FOLD).lower()
        # Unique numbers from a bijection of the person's index (odd multiplier, not a
        # multiple of 5: coprime with the powers of ten).
        self.email_space = 10 ** max(4, len(str(n)) + 1)
        self.email_add = (seed * 104_729) % self.email_space
        self.mobile_add = (seed * 1_299_709) % MOBILE_SPACE
        self.today_o = today.toordinal()
        self.d1980 = dt.date(1980, 1, 1).toordinal()
        self.d2008 = dt.date(2008, 1, 1).toordinal()
        self.local_group_ids = {gid for d in org.districts for gid in d.group_ids}
        tag_ids = self.tag_ids = tag_ids
        self.youth_tag_ids = [
            tag_ids[i] for i, (t, _) in enumerate(lists.TAGS) if t in lists.YOUTH_TAGS
        ]
        self.hashes = {
            (c, p): wording_hash(c, p)
            for c in Consent.Channel.values
            for p in Consent.Purpose.values
        }
        self.national_authors = [users["admin"].pk, users["staff"].pk, users["staff"].pk]
        self.district_author = users["district"].pk
        self.skane_index = org.district("Skåne").index
        self.coordinator_groups = {
            org.group_by_town["Malmö"]: users["coordinator"].pk,
            org.group_by_town["Umeå"]: users["coordinator_other"].pk,
        }

    # -- one person
    def add(self, i: int, chunk: Chunk) -> None:
        r = self.r
        pid = self.base_id + i
        org = self.org
        d = org.districts[bisect.bisect_right(org.district_cum, r() * org.district_cum[-1])]
        age = self._age()
        birth_year = None if age is None else self.year - age
        first, last_name = self._names(young=age is not None and age <= 27)
        postcode, town, street = self._address(d)
        home_unit_id = home_unit_id_from_map(postcode, org.prefixes)
        email = self._email(i, first, last_name)
        mobile = self._mobile(i)
        other_phone = self._other_phone(d)
        language = "en" if r() < 0.07 else "sv"
        member = self._member(i, birth_year)
        if age is not None and 15 <= age <= 25:
            self.counts.young += 1
        chunk.people.append(
            (
                pid,
                first,
                last_name,
                email,
                mobile,
                other_phone,
                street,
                postcode,
                town if street else "",
                town,
                birth_year,
                language,
                member.status,
                member.since,
                member.ended_on,
                member.number,
                home_unit_id,
                DEMO_SOURCE,
                self.keys[first],
                self.keys[last_name],
                True,
            )
        )
        adult = age is None or age >= 20
        if adult and member.status != "non_member":
            self.pools.district_leaders[d.index].append(pid)
        elif age is not None and age < 20:
            self.pools.district_youth[d.index].append(pid)
        self._memberships(chunk.memberships, pid, d, age, member, home_unit_id)
        self._tags(chunk.taggings, pid, age)
        if email is not None:
            self._email_consents(chunk.consents, pid, member.status)
        if mobile is not None:
            self._sms_consent(chunk.consents, pid)
        if r() < 0.08:
            self._interactions(chunk.interactions, pid, d)

    def _age(self) -> int | None:
        """About 30 % of those with a birth year are 15–25."""
        r = self.r
        x = r()
        if x < 0.06:
            return None
        if x < 0.06 + 0.94 * 0.30:
            return 15 + int(r() * 11)
        y = r()
        if y < 0.35:
            return 26 + int(r() * 15)
        if y < 0.72:
            return 41 + int(r() * 20)
        return 61 + int(r() * 27)

    def _names(self, *, young: bool) -> tuple[str, str]:
        r = self.r
        if r() < 0.53:
            names, cum = self.young_f if young else self.female
        else:
            names, cum = self.young_m if young else self.male
        first = names[bisect.bisect_right(cum, r() * cum[-1])]
        last, last_cum = self.last
        return first, last[bisect.bisect_right(last_cum, r() * last_cum[-1])]

    def _address(self, d: DistrictOrg) -> tuple[str, str, str]:
        """Postcode, town and street: most people live in a group's town (its own 3-digit
        area)."""
        r = self.r
        if r() < 0.68:
            gi = bisect.bisect_right(d.group_cum, r() * d.group_cum[-1])
            prefix3 = d.spec.groups[gi][1]
        else:
            p2 = d.spec.prefixes[int(r() * len(d.spec.prefixes))]
            prefix3 = p2 + str(int(r() * 10))
        postcode = f"{prefix3}{int(r() * 100):02d}"
        town = self.org.town_by_prefix3.get(prefix3, d.default_town)
        street = ""
        if r() < 0.55:
            streets = lists.STREETS
            street = f"{streets[int(r() * len(streets))]} {1 + int(r() * 60)}"
        return postcode, town, street

    def _email(self, i: int, first: str, last_name: str) -> str | None:
        r = self.r
        if r() >= 0.92:
            return None
        number = (i * 7_919 + self.email_add) % self.email_space
        f, ln = self.folded[first], self.folded[last_name]
        fmt = r()
        if fmt < 0.5:
            local = f"{f}.{ln}{number}"
        elif fmt < 0.75:
            local = f"{f}{ln}.{number}"
        elif fmt < 0.9:
            local = f"{f[0]}{ln}{number}"
        else:
            local = f"{f}{number}"
        y = r()
        domain = EMAIL_DOMAINS[0 if y < 0.5 else (1 if y < 0.85 else 2)]
        return f"{local}@{domain}"

    def _mobile(self, i: int) -> str | None:
        if self.r() >= 0.88:
            return None
        j = (i * 7_368_787 + self.mobile_add) % MOBILE_SPACE
        return f"+46{MOBILE_PREFIXES[j // 10_000_000]}{j % 10_000_000:07d}"

    def _other_phone(self, d: DistrictOrg) -> str:
        r = self.r
        if r() >= 0.09:
            return ""
        area = d.spec.area_codes[int(r() * len(d.spec.area_codes))]
        digits = 9 - len(area)
        return f"+46{area}{int(r() * 10**digits):0{digits}d}"

    def _member(self, i: int, birth_year: int | None) -> _Member:
        """~55 % members, ~10 % former members."""
        r, today_o = self.r, self.today_o
        x = r()
        lo_join = self.d1980
        if birth_year is not None:
            lo_join = max(self.d1980, dt.date(birth_year + 12, 1, 1).toordinal())
        since = ended_on = None
        if x < 0.55:
            status = "member"
            since = dt.date.fromordinal(lo_join + int(r() * max(today_o - lo_join, 1)))
            self.counts.members += 1
        elif x < 0.65:
            status = "former"
            o = lo_join + int(r() * max(today_o - lo_join - 400, 1))
            since = dt.date.fromordinal(o)
            ended_on = dt.date.fromordinal(
                min(today_o, o + 365 + int(r() * max(today_o - o - 365, 1)))
            )
            self.counts.former_members += 1
        else:
            status = "non_member"
        number = None
        if since is not None:
            number = str(1_000_000 + (i * 7_919 + self.seed) % 10_000_000)
        return _Member(status, since, ended_on, number, lo_join)

    # -- their rows
    def _memberships(
        self,
        rows: list[tuple],
        pid: int,
        d: DistrictOrg,
        age: int | None,
        member: _Member,
        home_unit_id: int | None,
    ) -> None:
        """Memberships of local groups, school groups and networks."""
        r, rng, today, year = self.r, self.rng, self.today, self.year
        today_o = self.today_o
        lo_m = max(self.d2008, member.lo_join)
        status = member.status
        p_group = 0.14 if status == "member" else (0.10 if status == "former" else 0.03)
        if r() < p_group:
            if home_unit_id in self.local_group_ids and r() < 0.8:
                gid = home_unit_id
            else:
                gid = d.group_ids[bisect.bisect_right(d.group_cum, r() * d.group_cum[-1])]
            start = dt.date.fromordinal(lo_m + int(r() * max(today_o - lo_m, 1)))
            ended = r() < (0.6 if status == "former" else 0.22)
            self._membership(rows, pid, gid, start, ended)
        if age is not None and d.school_ids:
            if age <= 19 and r() < 0.10:
                sid = d.school_ids[int(r() * len(d.school_ids))]
                lo = min(dt.date(year - min(age - 15, 2), 8, 15), today)
                self._membership(rows, pid, sid, rand_date(rng, lo, today), False)
            elif 20 <= age <= 27 and r() < 0.05:
                sid = d.school_ids[int(r() * len(d.school_ids))]
                start = dt.date(year - age + 16, 8, 20)
                self._membership(rows, pid, sid, start, dt.date(year - age + 19, 6, 10))
        networks = self.org.networks
        if r() < 0.025:
            nid = networks[int(r() * len(networks))]
            start = dt.date.fromordinal(lo_m + int(r() * max(today_o - lo_m, 1)))
            self._membership(rows, pid, nid, start, r() < 0.25)
        youth_networks = self.org.youth_networks
        if age is not None and age <= 25 and r() < 0.04:
            nid = youth_networks[int(r() * len(youth_networks))]
            start = rand_date(rng, dt.date(year - 2, 1, 1), today)
            self._membership(rows, pid, nid, start, r() < 0.2)

    def _membership(
        self, rows: list[tuple], pid: int, unit_id: int, start: dt.date, ended: bool | dt.date
    ) -> None:
        """One membership row; ``ended`` True picks an end date, a date is the end date.
        A second current membership of the same unit is skipped (one current per unit)."""
        end: dt.date | None = None
        if isinstance(ended, dt.date):
            end = ended
        elif ended:
            end = rand_date(self.rng, start, self.today)
        pools = self.pools
        if end is None:
            if (pid, unit_id) in pools.current_pairs:
                return
            pools.current_pairs.add((pid, unit_id))
            pools.group_current.setdefault(unit_id, []).append(pid)
        pools.group_all.setdefault(unit_id, []).append(pid)
        rows.append((pid, unit_id, start, end))

    def _tags(self, rows: list[tuple], pid: int, age: int | None) -> None:
        r, tag_ids = self.r, self.tag_ids
        if r() < 0.25:
            chosen = {tag_ids[int(r() * len(tag_ids))]}
            if r() < 0.3:
                chosen.add(tag_ids[int(r() * len(tag_ids))])
            if age is not None and age <= 25 and r() < 0.5:
                chosen.add(self.youth_tag_ids[int(r() * len(self.youth_tag_ids))])
            for tag_id in sorted(chosen):
                rows.append((pid, tag_id))

    def _consent(self, pid: int, channel: str, purpose: str, *state: object) -> tuple:
        """A consent row; ``state``: status, confirmed at, withdrawn at — and, after the
        wording, how the yes was confirmed."""
        *status, confirmed_by = state
        return (
            pid,
            channel,
            purpose,
            *status,
            WORDING_VERSION,
            self.hashes[channel, purpose],
            DEMO_SOURCE,
            confirmed_by,
        )

    def _email_consents(self, rows: list[tuple], pid: int, status: str) -> None:
        """Confirmed ones carry the time, wording version and source."""
        r, rng, now = self.r, self.rng, self.now
        x = r()
        ok = 0.70 if status == "member" else 0.50
        if x < ok + 0.10:
            confirmed_at = rand_dt(rng, GDPR, now)
            state: tuple[str, dt.datetime | None, dt.datetime | None]
            if x < ok:
                state = ("confirmed", confirmed_at, None)
            elif x < ok + 0.05:
                state = ("withdrawn", confirmed_at, rand_dt(rng, confirmed_at, now))
            else:
                state = ("pending", None, None)
            how = "double_opt_in" if state[0] != "pending" else ""
            rows.append(self._consent(pid, "email", "campaigns", *state, how))
        if r() < 0.06:
            confirmed_at = rand_dt(rng, GDPR, now)
            rows.append(
                self._consent(
                    pid, "email", "rapid_response", "confirmed", confirmed_at, None, "double_opt_in"
                )
            )

    def _sms_consent(self, rows: list[tuple], pid: int) -> None:
        x = self.r()
        if x < 0.17:
            confirmed = x < 0.15
            rows.append(
                self._consent(
                    pid,
                    "sms",
                    "rapid_response",
                    "confirmed" if confirmed else "pending",
                    rand_dt(self.rng, GDPR, self.now) if confirmed else None,
                    None,
                    "sms_code" if confirmed else "",
                )
            )

    def _interactions(self, rows: list[tuple], pid: int, d: DistrictOrg) -> None:
        """Interactions, some with follow-ups owned by the demo staff accounts."""
        r, rng, now, today = self.r, self.rng, self.now, self.today
        authors = list(self.national_authors)
        if d.index == self.skane_index:
            authors += [self.district_author] * 3
        for gid, coordinator in self.coordinator_groups.items():
            if (pid, gid) in self.pools.current_pairs:
                authors += [coordinator] * 4
        notes, follow_up_notes = lists.NOTES, lists.FOLLOW_UP_NOTES
        for _ in range(1 + int(r() * r() * 3)):
            author = authors[int(r() * len(authors))]
            kind, text, outcome = notes[int(r() * len(notes))]
            occurred = rand_dt(rng, now - dt.timedelta(days=3 * 365), now)
            owner = due = done = None
            if r() < 0.2:
                owner = author
                occurred = rand_dt(rng, now - dt.timedelta(days=30), now)
                due = today + dt.timedelta(days=int(r() * 28) - 6)
                if due < today and r() < 0.5:
                    done = rand_dt(rng, occurred, now)
                else:
                    self.follow_ups[author] = self.follow_ups.get(author, 0) + 1
                text = f"{text} {follow_up_notes[int(r() * len(follow_up_notes))]}"
            rows.append((pid, kind, author, occurred, text, outcome, owner, due, done))
