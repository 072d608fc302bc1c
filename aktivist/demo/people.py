"""Demo data: a believable Swedish section, deterministic from a seed.

``load_demo_data(people=N, seed=S)`` builds the organisation tree (national unit, the 21
regions as districts with their postcode areas, local groups with their own 3-digit
prefixes, school groups, networks), role types, tags, the demo staff accounts, and N people
with memberships, roles (current and ended, so there are alumni), tags, consents and
interactions. The parts: ``organisation`` (units, role types, tags), ``accounts`` (the demo
staff accounts), ``person_rows`` (each person and their own rows), ``roles`` (roles with
history); this module runs them in order and writes what they make.

It is a bulk path (DESIGN.md "Bulk paths"): people and their rows are generated in memory
in chunks and written by ``aktivist.core.bulk.BulkWriter`` (COPY on PostgreSQL) — no per-row
queries, no ``full_clean`` per row. Search keys are computed as ``Person.normalise``
would. One million people load in a few minutes on PostgreSQL.

Everything personal is invented: common Swedish names combined at random, email addresses
only at the reserved domains example.org/.com/.net, and nothing but counts is printed.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from aktivist.core.bulk import BulkWriter
from aktivist.demo import lists
from aktivist.demo.accounts import ensure_demo_accounts, link_accounts
from aktivist.demo.draw import rand_dt
from aktivist.demo.organisation import build_organisation, ensure_role_types, ensure_tags
from aktivist.demo.person_rows import (
    CONSENT_COLUMNS,
    INTERACTION_COLUMNS,
    MEMBERSHIP_COLUMNS,
    PERSON_COLUMNS,
    TAGGING_COLUMNS,
    Chunk,
    PersonRows,
)
from aktivist.demo.roles import ROLE_COLUMNS, Pools, RoleBuilder
from aktivist.organisation.models import Role, UnitMembership
from aktivist.people.models import Consent, Interaction, Person, Tagging

CHUNK = 25_000  # people generated and written per round


@dataclass
class Summary:
    people: int = 0
    members: int = 0
    former_members: int = 0
    young: int = 0
    memberships: int = 0
    roles: int = 0
    ended_roles: int = 0
    taggings: int = 0
    consents: int = 0
    interactions: int = 0
    follow_ups: int = 0
    units: int = 0
    seconds: float = 0.0
    skipped: bool = False
    lines: list[str] = field(default_factory=list)


class DemoLoader:
    def __init__(
        self, *, people: int, seed: int, out: Callable[[str], None], chunk: int = CHUNK
    ) -> None:
        self.n = people
        self.seed = seed
        self.out = out
        self.chunk = chunk
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.year = self.today.year
        self.writer = BulkWriter(self.now)
        self.summary = Summary()
        self.pools = Pools()  # who the role phase picks holders from (ids only)
        self.follow_ups_by_owner: dict[int, int] = {}
        self.account_roles: dict[str, tuple[int, int, int]] = {}

    # -- the whole load
    def run(self) -> Summary:
        started = time.monotonic()
        with transaction.atomic():
            if self.writer.postgres:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            self.org = build_organisation()
            self.role_types = ensure_role_types()
            self.tag_ids = ensure_tags()
            self.users = ensure_demo_accounts()
            self.summary.units = len(self.org.units_by_id)
            self.out(
                f"Organisation: {len(self.org.districts)} districts, "
                f"{sum(len(d.group_ids) for d in self.org.districts)} local groups, "
                f"{sum(len(d.school_ids) for d in self.org.districts)} school groups, "
                f"{len(self.org.networks) + len(self.org.youth_networks)} networks."
            )
            self._people()
            self._roles()
            link_accounts(self.users, self.account_roles)
            self._ensure_follow_ups()
            for sql in connection.ops.sequence_reset_sql(no_style(), [Person]):
                with connection.cursor() as cursor:
                    cursor.execute(sql)
        self.summary.seconds = time.monotonic() - started
        return self.summary

    # -- people and their rows, chunk by chunk
    def _people(self) -> None:
        n = self.n
        self.base_id = (Person.objects.aggregate(m=models.Max("id"))["m"] or 0) + 1
        rows = PersonRows(
            org=self.org,
            n=n,
            seed=self.seed,
            base_id=self.base_id,
            tag_ids=self.tag_ids,
            users=self.users,
            pools=self.pools,
            follow_ups=self.follow_ups_by_owner,
            now=self.now,
            today=self.today,
        )
        s = self.summary
        started = last_report = time.monotonic()
        for chunk_start in range(0, n, self.chunk):
            chunk = Chunk()
            for i in range(chunk_start, min(n, chunk_start + self.chunk)):
                rows.add(i, chunk)
            self._write(chunk)
            clock = time.monotonic()
            if clock - last_report > 10 or s.people == n:
                last_report = clock
                self.out(f"  people {s.people:,}/{n:,} ({clock - started:.0f} s)")
        s.members = rows.counts.members
        s.former_members = rows.counts.former_members
        s.young = rows.counts.young

    def _write(self, chunk: Chunk) -> None:
        write = self.writer.write
        write(Person, PERSON_COLUMNS, chunk.people)
        write(UnitMembership, MEMBERSHIP_COLUMNS, chunk.memberships)
        write(Tagging, TAGGING_COLUMNS, chunk.taggings)
        write(Consent, CONSENT_COLUMNS, chunk.consents)
        write(Interaction, INTERACTION_COLUMNS, chunk.interactions)
        s = self.summary
        s.people += len(chunk.people)
        s.memberships += len(chunk.memberships)
        s.taggings += len(chunk.taggings)
        s.consents += len(chunk.consents)
        s.interactions += len(chunk.interactions)
        s.follow_ups += sum(1 for row in chunk.interactions if row[6] is not None)

    # -- roles with history: alumni across the years
    def _roles(self) -> None:
        roles = RoleBuilder(
            org=self.org,
            role_types=self.role_types,
            pools=self.pools,
            everyone=range(self.base_id, self.base_id + self.n),
            seed=self.seed,
            today=self.today,
        )
        roles.build()
        self.account_roles = roles.account_roles
        self.writer.write(UnitMembership, MEMBERSHIP_COLUMNS, roles.extra_memberships)
        self.writer.write(Role, ROLE_COLUMNS, roles.role_rows)
        s = self.summary
        s.memberships += len(roles.extra_memberships)
        s.roles = len(roles.role_rows)
        s.ended_roles = sum(1 for row in roles.role_rows if row[4] is not None)
        self.out(
            f"  roles {s.roles:,} ({s.roles - s.ended_roles:,} current, {s.ended_roles:,} ended)"
        )

    def _ensure_follow_ups(self) -> None:
        """Every demo staff account has a few follow-ups due soon, on people it may see."""
        rng = random.Random(f"aktivist-demo:{self.seed}:follow-ups")  # noqa: S311 - demo data
        org = self.org
        everyone = list(range(self.base_id, self.base_id + self.n))
        skane = org.district("Skåne").index
        pools = {
            "admin": everyone,
            "staff": everyone,
            "district": self.pools.district_leaders[skane] + self.pools.district_youth[skane],
            "coordinator": self.pools.group_current.get(org.group_by_town["Malmö"], []),
            "coordinator_other": self.pools.group_current.get(org.group_by_town["Umeå"], []),
        }
        rows = []
        for key, pool in pools.items():
            user = self.users[key]
            own = user.person_id
            candidates = [p for p in pool if p != own] or pool
            for _ in range(max(0, 3 - self.follow_ups_by_owner.get(user.pk, 0))):
                if not candidates:
                    break
                pid = candidates[int(rng.random() * len(candidates))]
                occurred = rand_dt(rng, self.now - dt.timedelta(days=10), self.now)
                due = self.today + dt.timedelta(days=1 + int(rng.random() * 7))
                kind, text, outcome = lists.NOTES[int(rng.random() * len(lists.NOTES))]
                note = lists.FOLLOW_UP_NOTES[int(rng.random() * len(lists.FOLLOW_UP_NOTES))]
                rows.append(
                    (pid, kind, user.pk, occurred, f"{text} {note}", outcome, user.pk, due, None)
                )
        self.writer.write(Interaction, INTERACTION_COLUMNS, rows)
        self.summary.interactions += len(rows)
        self.summary.follow_ups += len(rows)


def load_demo_data(
    *, people: int, seed: int = 1, out: Callable[[str], None] = print, chunk: int = CHUNK
) -> Summary:
    """Build the demo section into an empty people table (the caller checks)."""
    return DemoLoader(people=people, seed=seed, out=out, chunk=chunk).run()
