"""Demo roles with history, so there are alumni across the years: each seat (a role type in
a unit) is a chain of holders since 2013–2018, one after the other, the last one usually
still holding it. Holders are picked from the unit's members (``Pools``, filled while the
people are generated); the demo accounts' seats always have a current holder, a distinct
person each."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aktivist.demo.draw import rand_date
from aktivist.demo.organisation import DistrictOrg, Org

ROLE_COLUMNS = ("person_id", "unit_id", "role_type_id", "started_on", "ended_on")

# Group roles besides the contact, with the share of groups that have one (at full scale).
GROUP_ROLES = (
    ("group-secretary", 0.8),
    ("treasurer", 0.8),
    ("local-campaign-coordinator", 0.6),
    ("refugee-migration-coordinator", 0.3),
    ("youth-coordinator", 0.25),
)


@dataclass
class Pools:
    """Who the role phase picks holders from (person ids), filled by the people phase."""

    group_all: dict[int, list[int]] = field(default_factory=dict)  # unit -> ever members
    group_current: dict[int, list[int]] = field(default_factory=dict)  # unit -> members now
    current_pairs: set[tuple[int, int]] = field(default_factory=set)  # (person, unit) now
    district_leaders: list[list[int]] = field(default_factory=list)
    district_youth: list[list[int]] = field(default_factory=list)


class RoleBuilder:
    """The role rows (and the memberships a current holder needs) of the whole section."""

    def __init__(
        self,
        *,
        org: Org,
        role_types: dict[str, int],
        pools: Pools,
        everyone: range,
        seed: int,
        today: dt.date,
    ) -> None:
        self.org = org
        self.rt = role_types
        self.pools = pools
        self.everyone = everyone
        self.today = today
        self.rng = random.Random(f"aktivist-demo:{seed}:roles")  # noqa: S311 - demo data
        self.r = self.rng.random
        n = len(everyone)
        self.leaders_all = [pid for pool in pools.district_leaders for pid in pool] or list(
            everyone
        )
        self.scale = min(1.0, n / 20_000)
        self.max_holders = None if n >= 5_000 else 2
        self.reserved: set[int] = set()
        self.current_roles: set[tuple[int, int, int]] = set()
        self.account_roles: dict[str, tuple[int, int, int]] = {}  # key -> (person, unit, type)
        self.role_rows: list[tuple] = []
        self.extra_memberships: list[tuple] = []

    def build(self) -> None:
        org = self.org
        skane = org.district("Skåne")
        account_groups = {
            org.group_by_town["Malmö"]: "coordinator",
            org.group_by_town["Umeå"]: "coordinator_other",
        }
        for d in org.districts:
            self._district(d, is_skane=d is skane)
            leaders = self.pools.district_leaders[d.index]
            youth = self.pools.district_youth[d.index]
            for gid in d.group_ids:
                self._group(gid, leaders or self.leaders_all, account_groups.get(gid))
            for sid in d.school_ids:
                if self.r() < max(self.scale, 0.3):
                    self._chain(
                        sid,
                        "school-contact",
                        self.pools.group_all.get(sid, []),
                        self.pools.group_current.get(sid, []),
                        youth or leaders or self.leaders_all,
                        member_unit=True,
                    )
        self._national_and_networks()

    def _district(self, d: DistrictOrg, *, is_skane: bool) -> None:
        r, leaders, leaders_all = self.r, self.pools.district_leaders[d.index], self.leaders_all
        self._chain(
            d.unit.pk,
            "district-representative",
            leaders,
            leaders,
            leaders_all,
            member_unit=False,
            force_current=is_skane,
            account="district" if is_skane else None,
        )
        for _ in range(2):
            if r() < 0.3 + 0.7 * self.scale:
                self._chain(d.unit.pk, "trainer", leaders, leaders, leaders_all, member_unit=False)
        if r() < 0.7 * max(self.scale, 0.3):
            self._chain(
                d.unit.pk, "youth-coordinator", leaders, leaders, leaders_all, member_unit=False
            )

    def _group(self, gid: int, fallback: Sequence[int], account: str | None) -> None:
        members_all = self.pools.group_all.get(gid, [])
        members_now = self.pools.group_current.get(gid, [])
        if account is not None or self.r() < max(self.scale, 0.3):
            self._chain(
                gid,
                "group-contact",
                members_all,
                members_now,
                fallback,
                member_unit=True,
                force_current=account is not None,
                account=account,
            )
        for slug, p in GROUP_ROLES:
            if self.r() < p * self.scale:
                self._chain(gid, slug, members_all, members_now, fallback, member_unit=True)

    def _national_and_networks(self) -> None:
        org, leaders_all = self.org, self.leaders_all
        national = org.national.pk
        for _ in range(7):
            self._chain(national, "board-member", leaders_all, leaders_all, [], member_unit=False)
        for _ in range(3):
            self._chain(national, "trainer", leaders_all, leaders_all, [], member_unit=False)
        for nid in (*org.networks, *org.youth_networks):
            pools = (self.pools.group_all.get(nid, []), self.pools.group_current.get(nid, []))
            self._chain(nid, "group-contact", *pools, leaders_all, member_unit=True)
            if nid == org.refugee_network:
                self._chain(
                    nid, "refugee-migration-coordinator", *pools, leaders_all, member_unit=True
                )
            if nid in org.youth_networks:
                self._chain(nid, "youth-coordinator", *pools, leaders_all, member_unit=True)

    def _pick(self, pool: Sequence[int], fallback: Sequence[int]) -> int:
        source = pool if pool and self.r() < 0.9 else (fallback or pool or self.leaders_all)
        return source[int(self.r() * len(source))]

    def _chain(
        self,
        unit_id: int,
        slug: str,
        pool_ended: Sequence[int],
        pool_current: Sequence[int],
        fallback: Sequence[int],
        *,
        member_unit: bool,
        force_current: bool = False,
        account: str | None = None,
    ) -> None:
        """One seat's holders, one after the other, from 2013–2018 until today."""
        r = self.r
        start = rand_date(self.rng, dt.date(2013, 6, 1), dt.date(2018, 6, 30))
        holders = 0
        while True:
            end = start + dt.timedelta(days=int((1 + r() * 3.5) * 365))
            holders += 1
            final = end >= self.today or (
                self.max_holders is not None and holders >= self.max_holders
            )
            if final and (force_current or r() < 0.85):
                self._current(unit_id, slug, start, pool_current, fallback, member_unit, account)
                return
            end = min(end, self.today)
            pid = self._pick(pool_ended, fallback)
            self.role_rows.append((pid, unit_id, self.rt[slug], start, end))
            if final:
                return
            start = min(end + dt.timedelta(days=int(r() * 60)), self.today)

    def _current(
        self,
        unit_id: int,
        slug: str,
        start: dt.date,
        pool: Sequence[int],
        fallback: Sequence[int],
        member_unit: bool,
        account: str | None,
    ) -> None:
        """The seat's current holder: one current role per person, unit and type; the demo
        accounts' people are distinct."""
        role_type = self.rt[slug]

        def taken(p: int) -> bool:
            return (p, unit_id, role_type) in self.current_roles or (
                account is not None and p in self.reserved
            )

        pid = self._holder(pool, fallback, taken)
        if pid is None:  # a tiny demo: too few people for every seat
            return
        self.current_roles.add((pid, unit_id, role_type))
        if account is not None:
            self.reserved.add(pid)
            self.account_roles[account] = (pid, unit_id, role_type)
        self.role_rows.append((pid, unit_id, role_type, start, None))
        pools = self.pools
        if member_unit and (pid, unit_id) not in pools.current_pairs:
            pools.current_pairs.add((pid, unit_id))
            pools.group_current.setdefault(unit_id, []).append(pid)
            self.extra_memberships.append((pid, unit_id, start, None))

    def _holder(
        self, pool: Sequence[int], fallback: Sequence[int], taken: Callable[[int], bool]
    ) -> int | None:
        pid = self._pick(pool, fallback)
        tries = 0
        while taken(pid) and tries < 100:
            pid = self._pick(pool, fallback)
            tries += 1
        if taken(pid):
            return next((p for p in self.everyone if not taken(p)), None)
        return pid
