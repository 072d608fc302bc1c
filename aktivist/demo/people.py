"""Demo data: a believable Swedish section, deterministic from a seed.

``load_demo_data(people=N, seed=S)`` builds the organisation tree (national unit, the 21
regions as districts with their postcode areas, local groups with their own 3-digit
prefixes, school groups, networks), role types, tags, the demo staff accounts, and N people
with memberships, roles (current and ended, so there are alumni), tags, consents and
interactions.

It is a bulk path (DESIGN.md "Bulk paths"): people and their rows are generated in memory
in chunks and written with COPY on PostgreSQL (``bulk_create`` elsewhere) — no per-row
queries, no ``full_clean`` per row. Search keys are computed here as ``Person.normalise``
would. One million people load in a few minutes on PostgreSQL.

Everything personal is invented: common Swedish names combined at random, email addresses
only at the reserved domains example.org/.com/.net, and nothing but counts is printed.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from aktivist.accounts.models import TWO_FACTOR_ROLES, AccessScope, User
from aktivist.demo import lists
from aktivist.lib.normalise import normalise_name
from aktivist.organisation.models import PostcodePrefix, Role, RoleType, Unit, UnitMembership
from aktivist.organisation.selectors import home_unit_id_from_map, prefix_map
from aktivist.people.models import Consent, Interaction, Person, Tag, Tagging

DEMO_PASSWORD = "aktivist-demo-2026"  # noqa: S105 - a published demo password, by design
DEMO_SOURCE = "demo"
WORDING_VERSION = "2026-01"
CHUNK = 25_000  # people generated and written per round
EMAIL_DOMAINS = ("example.org", "example.com", "example.net")
MOBILE_PREFIXES = ("70", "72", "73", "76", "79")
MOBILE_SPACE = 10_000_000 * len(MOBILE_PREFIXES)


@dataclass(frozen=True)
class DemoAccount:
    key: str
    email: str
    name: str
    access_role: str
    description: str
    # ("district", region) or ("group", town): the scope unit, whose role the account's
    # person holds (district representative / group contact).
    scope: tuple[str, str] | None = None

    @property
    def needs_two_factor(self) -> bool:
        return self.access_role in TWO_FACTOR_ROLES


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        "admin", "admin@example.org", "Demo admin", User.AccessRole.ADMIN, "Secretariat admin"
    ),
    DemoAccount(
        "staff", "staff@example.org", "Demo staff", User.AccessRole.STAFF, "Secretariat staff"
    ),
    DemoAccount(
        "district",
        "ombud.skane@example.org",
        "Demo district representative",
        User.AccessRole.DISTRICT,
        "District representative, Skåne",
        ("district", "Skåne"),
    ),
    DemoAccount(
        "coordinator",
        "samordnare.malmo@example.org",
        "Demo coordinator Malmö",
        User.AccessRole.COORDINATOR,
        "Group coordinator, Grupp Malmö (Skåne)",
        ("group", "Malmö"),
    ),
    DemoAccount(
        "coordinator_other",
        "samordnare.umea@example.org",
        "Demo coordinator Umeå",
        User.AccessRole.COORDINATOR,
        "Group coordinator, Grupp Umeå (Västerbotten)",
        ("group", "Umeå"),
    ),
    DemoAccount(
        "board", "styrelsen@example.org", "Demo board viewer", User.AccessRole.BOARD, "Board viewer"
    ),
)
DEMO_EMAILS = tuple(a.email for a in DEMO_ACCOUNTS)


def demo_account(key: str) -> DemoAccount:
    return next(a for a in DEMO_ACCOUNTS if a.key == key)


def totp_key(email: str) -> str:
    """A fixed 20-byte TOTP secret (hex) per demo account, so printed secrets keep working
    after the demo data is rebuilt. Demo only: anyone can compute it."""
    return hashlib.sha1(f"aktivist-demo-totp:{email}".encode(), usedforsecurity=False).hexdigest()


def group_name(town: str) -> str:
    return f"Grupp {town}"


def school_name(town: str) -> str:
    return f"{town} gymnasium"


def _slug(text: str) -> str:
    return "-".join(text.translate(lists.ASCII_FOLD).lower().split())


# --- Writing in bulk ----------------------------------------------------------------------


class BulkWriter:
    """Writes rows (tuples over the given attnames) with COPY on PostgreSQL and
    ``bulk_create`` elsewhere. Columns not given get their model default (created_at and
    updated_at: now), so a field added later with a default does not break the loader."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.postgres = connection.vendor == "postgresql"
        self._plans: dict[tuple[type[models.Model], tuple[str, ...]], tuple[str, tuple]] = {}

    def _plan(self, model: type[models.Model], columns: tuple[str, ...]) -> tuple[str, tuple]:
        key = (model, columns)
        if key not in self._plans:
            given = set(columns)
            fields = {f.attname: f for f in model._meta.concrete_fields}
            db_columns = [str(fields[c].column) for c in columns]
            extra: list[Any] = []
            for f in model._meta.concrete_fields:
                if f.attname in given or f.primary_key:
                    continue
                db_columns.append(str(f.column))
                if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                    extra.append(self.now)
                else:
                    extra.append(f.get_default())
            quote = connection.ops.quote_name
            sql = "COPY {} ({}) FROM STDIN".format(
                quote(model._meta.db_table), ", ".join(quote(c) for c in db_columns)
            )
            self._plans[key] = (sql, tuple(extra))
        return self._plans[key]

    def write(
        self, model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple]
    ) -> None:
        if not rows:
            return
        if self.postgres:
            sql, extra = self._plan(model, tuple(columns))
            with connection.cursor() as cursor:
                with cursor.cursor.copy(sql) as copy:  # the psycopg cursor under Django's
                    write_row = copy.write_row
                    for row in rows:
                        write_row(row + extra)
        else:
            names = tuple(columns)
            model.objects.bulk_create(  # type: ignore[attr-defined]
                [model(**dict(zip(names, row, strict=True))) for row in rows], batch_size=2000
            )


# --- The organisation ---------------------------------------------------------------------


@dataclass
class DistrictOrg:
    index: int
    spec: lists.DistrictSpec
    unit: Unit
    group_ids: list[int]
    group_cum: list[float]
    school_ids: list[int]
    default_town: str


@dataclass
class Org:
    national: Unit
    districts: list[DistrictOrg]
    district_cum: list[float]
    networks: list[int]
    youth_networks: list[int]
    refugee_network: int
    prefixes: dict[str, int]
    town_by_prefix3: dict[str, str]
    group_by_town: dict[str, int]
    units_by_id: dict[int, Unit]

    def district(self, region: str) -> DistrictOrg:
        return next(d for d in self.districts if d.spec.region == region)


def _cumulative(weights: Iterable[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _unit(name: str, kind: str, parent: Unit | None, municipality: str = "") -> Unit:
    unit = Unit.objects.filter(name=name, parent=parent).first()
    if unit is None:
        unit = Unit(name=name, kind=kind, parent=parent, municipality=municipality)
        unit.email = f"{_slug(name)}@example.org"
        unit.save()
    return unit


def build_organisation() -> Org:
    """The national unit, 21 districts, the local and school groups and the networks, with
    their postcode prefixes. Reuses units that already exist (by name and parent)."""
    national = Unit.objects.filter(kind=Unit.Kind.NATIONAL, parent=None).first()
    if national is None:
        national = _unit(lists.NATIONAL_NAME, Unit.Kind.NATIONAL, None)
    units_by_id: dict[int, Unit] = {national.pk: national}
    wanted_prefixes: dict[str, Unit] = {}
    districts: list[DistrictOrg] = []
    town_by_prefix3: dict[str, str] = {}
    group_by_town: dict[str, int] = {}
    for index, spec in enumerate(lists.DISTRICTS):
        district = _unit(spec.unit_name, Unit.Kind.DISTRICT, national)
        units_by_id[district.pk] = district
        for prefix in spec.prefixes:
            wanted_prefixes[prefix] = district
        group_ids = []
        for town, prefix3 in spec.groups:
            group = _unit(group_name(town), Unit.Kind.LOCAL_GROUP, district, town)
            units_by_id[group.pk] = group
            wanted_prefixes[prefix3] = group
            group_ids.append(group.pk)
            town_by_prefix3[prefix3] = town
            group_by_town[town] = group.pk
        school_ids = []
        for town in spec.schools:
            school = _unit(school_name(town), Unit.Kind.SCHOOL_GROUP, district, town)
            units_by_id[school.pk] = school
            school_ids.append(school.pk)
        # Other 3-digit areas take the name of a group town in the same 2-digit area.
        for prefix in spec.prefixes:
            near = [t for t, p3 in spec.groups if p3.startswith(prefix)]
            for digit in "0123456789":
                town_by_prefix3.setdefault(prefix + digit, near[0] if near else spec.groups[0][0])
        districts.append(
            DistrictOrg(
                index=index,
                spec=spec,
                unit=district,
                group_ids=group_ids,
                # The lists put the largest towns first: weights fall with the rank.
                group_cum=_cumulative(1.0 / (rank + 2) for rank in range(len(group_ids))),
                school_ids=school_ids,
                default_town=spec.groups[0][0],
            )
        )
    networks: list[int] = []
    youth_networks: list[int] = []
    refugee_network = 0
    for name, kind in lists.NETWORKS:
        unit = _unit(name, kind, national)
        units_by_id[unit.pk] = unit
        (youth_networks if kind == Unit.Kind.YOUTH_NETWORK else networks).append(unit.pk)
        if name == lists.REFUGEE_NETWORK:
            refugee_network = unit.pk
    existing = set(PostcodePrefix.objects.values_list("prefix", flat=True))
    PostcodePrefix.objects.bulk_create(
        [PostcodePrefix(prefix=p, unit=u) for p, u in wanted_prefixes.items() if p not in existing]
    )
    return Org(
        national=national,
        districts=districts,
        district_cum=_cumulative(d.spec.weight for d in districts),
        networks=networks,
        youth_networks=youth_networks,
        refugee_network=refugee_network,
        prefixes=prefix_map(),
        town_by_prefix3=town_by_prefix3,
        group_by_town=group_by_town,
        units_by_id=units_by_id,
    )


def ensure_role_types() -> dict[str, int]:
    """Role types by slug, created when missing."""
    out = {}
    for slug, name, name_en in lists.ROLE_TYPES:
        role_type = RoleType.objects.filter(slug=slug).first()
        if role_type is None:
            role_type = RoleType.objects.filter(name=name).first()
        if role_type is None:
            role_type = RoleType.objects.create(slug=slug, name=name, name_en=name_en)
        out[slug] = role_type.pk
    return out


def ensure_tags() -> list[int]:
    ids = []
    for name, description in lists.TAGS:
        tag, _ = Tag.objects.get_or_create(name=name, defaults={"description": description})
        ids.append(tag.pk)
    return ids


def ensure_demo_accounts() -> dict[str, User]:
    """The demo staff accounts with the one demo password; two-factor accounts get a
    confirmed TOTP device with a fixed secret."""
    users = {}
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(email=account.email).first() or User(email=account.email)
        user.name = account.name
        user.access_role = account.access_role
        user.is_active = True
        user.is_staff = account.access_role == User.AccessRole.ADMIN
        user.is_superuser = account.access_role == User.AccessRole.ADMIN
        user.set_password(DEMO_PASSWORD)
        user.save()
        if account.needs_two_factor:
            device = TOTPDevice.objects.filter(user=user, name="Demo").first()
            if device is None:
                device = TOTPDevice(user=user, name="Demo")
            device.key = totp_key(account.email)
            device.confirmed = True
            device.save()
        users[account.key] = user
    return users


def ensure_demo_two_factor() -> int:
    """Give each existing demo account that must use two-factor but has no confirmed device
    the fixed demo device (a demo database made before its role needed two-factor).
    Returns how many were given one."""
    given = 0
    for account in DEMO_ACCOUNTS:
        if not account.needs_two_factor:
            continue
        user = User.objects.filter(email=account.email, access_role=account.access_role).first()
        if user is None or TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            continue
        TOTPDevice.objects.create(
            user=user, name="Demo", key=totp_key(account.email), confirmed=True
        )
        given += 1
    return given


# --- People -------------------------------------------------------------------------------

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
ROLE_COLUMNS = ("person_id", "unit_id", "role_type_id", "started_on", "ended_on")
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


def _weighted(names: Sequence[str], offset: float = 4.0) -> tuple[tuple[str, ...], list[float]]:
    """Zipf-like weights by rank: the lists hold the most frequent names first."""
    return tuple(names), _cumulative(1.0 / (rank + offset) for rank in range(len(names)))


def _wording_hash(channel: str, purpose: str) -> str:
    text = f"Aktivist demo consent wording {WORDING_VERSION} {channel}/{purpose}"
    return hashlib.sha256(text.encode()).hexdigest()


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
        # Pools the role phase picks holders from (ids only).
        self.group_all: dict[int, list[int]] = {}
        self.group_current: dict[int, list[int]] = {}
        self.current_pairs: set[tuple[int, int]] = set()
        self.district_leaders: list[list[int]] = []
        self.district_youth: list[list[int]] = []
        self.follow_ups_by_owner: dict[int, int] = {}
        self.role_rows: list[tuple] = []
        self.extra_memberships: list[tuple] = []

    # -- helpers
    def _rand_date(self, rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
        lo_o, hi_o = lo.toordinal(), hi.toordinal()
        if hi_o <= lo_o:
            return lo
        return dt.date.fromordinal(lo_o + int(rng.random() * (hi_o - lo_o + 1)))

    def _rand_dt(self, rng: random.Random, lo: dt.datetime, hi: dt.datetime) -> dt.datetime:
        lo_s, hi_s = int(lo.timestamp()), int(hi.timestamp())
        return dt.datetime.fromtimestamp(lo_s + int(rng.random() * max(hi_s - lo_s, 1)), tz=dt.UTC)

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
            self._link_accounts()
            self._ensure_follow_ups()
            for sql in connection.ops.sequence_reset_sql(no_style(), [Person]):
                with connection.cursor() as cursor:
                    cursor.execute(sql)
        self.summary.seconds = time.monotonic() - started
        return self.summary

    # -- people and their rows, chunk by chunk
    def _people(self) -> None:
        org = self.org
        n = self.n
        rng = random.Random(f"aktivist-demo:{self.seed}:people")  # noqa: S311 - demo data
        r = rng.random
        base_id = (Person.objects.aggregate(m=models.Max("id"))["m"] or 0) + 1
        self.base_id = base_id
        self.district_leaders = [[] for _ in org.districts]
        self.district_youth = [[] for _ in org.districts]
        districts = org.districts
        district_cum = org.district_cum
        district_total = district_cum[-1]
        prefixes = org.prefixes
        town_by_prefix3 = org.town_by_prefix3
        female, female_cum = _weighted(lists.FEMALE_NAMES)
        male, male_cum = _weighted(lists.MALE_NAMES)
        young_f, young_f_cum = _weighted(lists.YOUNG_FEMALE_NAMES)
        young_m, young_m_cum = _weighted(lists.YOUNG_MALE_NAMES)
        last, last_cum = _weighted(lists.LAST_NAMES, offset=3.0)
        streets = lists.STREETS
        keys: dict[str, str] = {}
        folded: dict[str, str] = {}
        for name in (*female, *male, *young_f, *young_m, *last):
            keys[name] = normalise_name(name)
            folded[name] = name.translate(lists.ASCII_FOLD).lower()
        # Unique numbers from a bijection of the person's index (odd multiplier, not a
        # multiple of 5: coprime with the powers of ten).
        email_space = 10 ** max(4, len(str(n)) + 1)
        email_mult = 7_919
        email_add = (self.seed * 104_729) % email_space
        mobile_mult = 7_368_787
        mobile_add = (self.seed * 1_299_709) % MOBILE_SPACE
        member_space = 10_000_000
        year = self.year
        today = self.today
        today_o = today.toordinal()
        d1980 = dt.date(1980, 1, 1).toordinal()
        d2008 = dt.date(2008, 1, 1).toordinal()
        gdpr = dt.datetime(2018, 5, 25, 8, tzinfo=dt.UTC)
        now = self.now
        local_group_ids = {gid for d in districts for gid in d.group_ids}
        current_pairs = self.current_pairs
        tag_ids = self.tag_ids
        youth_tag_ids = [tag_ids[i] for i, (t, _) in enumerate(lists.TAGS) if t in lists.YOUTH_TAGS]
        hashes = {
            (c, p): _wording_hash(c, p)
            for c in Consent.Channel.values
            for p in Consent.Purpose.values
        }
        users = self.users
        national_authors = [users["admin"].pk, users["staff"].pk, users["staff"].pk]
        district_author = users["district"].pk
        skane_index = org.district("Skåne").index
        coordinator_groups = {
            org.group_by_town["Malmö"]: users["coordinator"].pk,
            org.group_by_town["Umeå"]: users["coordinator_other"].pk,
        }
        notes = lists.NOTES
        follow_up_notes = lists.FOLLOW_UP_NOTES
        follow_ups = self.follow_ups_by_owner
        rand_date = self._rand_date
        rand_dt = self._rand_dt
        s = self.summary
        started = time.monotonic()
        last_report = started

        for chunk_start in range(0, n, self.chunk):
            people_rows: list[tuple] = []
            memberships: list[tuple] = []
            taggings: list[tuple] = []
            consents: list[tuple] = []
            interactions: list[tuple] = []
            for i in range(chunk_start, min(n, chunk_start + self.chunk)):
                pid = base_id + i
                d = districts[bisect.bisect_right(district_cum, r() * district_total)]
                # Age: about 30 % of those with a birth year are 15–25.
                x = r()
                if x < 0.06:
                    age = None
                elif x < 0.06 + 0.94 * 0.30:
                    age = 15 + int(r() * 11)
                else:
                    y = r()
                    if y < 0.35:
                        age = 26 + int(r() * 15)
                    elif y < 0.72:
                        age = 41 + int(r() * 20)
                    else:
                        age = 61 + int(r() * 27)
                birth_year = None if age is None else year - age
                young = age is not None and age <= 27
                if r() < 0.53:
                    names, cum = (young_f, young_f_cum) if young else (female, female_cum)
                else:
                    names, cum = (young_m, young_m_cum) if young else (male, male_cum)
                first = names[bisect.bisect_right(cum, r() * cum[-1])]
                last_name = last[bisect.bisect_right(last_cum, r() * last_cum[-1])]
                # Address: most people live in a group's town (its own 3-digit area).
                if r() < 0.68:
                    gi = bisect.bisect_right(d.group_cum, r() * d.group_cum[-1])
                    prefix3 = d.spec.groups[gi][1]
                else:
                    p2 = d.spec.prefixes[int(r() * len(d.spec.prefixes))]
                    prefix3 = p2 + str(int(r() * 10))
                postcode = f"{prefix3}{int(r() * 100):02d}"
                home_unit_id = home_unit_id_from_map(postcode, prefixes)
                town = town_by_prefix3.get(prefix3, d.default_town)
                street = ""
                if r() < 0.55:
                    street = f"{streets[int(r() * len(streets))]} {1 + int(r() * 60)}"
                # Contact details: unique by construction.
                email = None
                if r() < 0.92:
                    number = (i * email_mult + email_add) % email_space
                    f, ln = folded[first], folded[last_name]
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
                    email = f"{local}@{domain}"
                mobile = None
                if r() < 0.88:
                    j = (i * mobile_mult + mobile_add) % MOBILE_SPACE
                    mobile = f"+46{MOBILE_PREFIXES[j // 10_000_000]}{j % 10_000_000:07d}"
                other_phone = ""
                if r() < 0.09:
                    area = d.spec.area_codes[int(r() * len(d.spec.area_codes))]
                    digits = 9 - len(area)
                    other_phone = f"+46{area}{int(r() * 10**digits):0{digits}d}"
                language = "en" if r() < 0.07 else "sv"
                # Membership: ~55 % members, ~10 % former members.
                x = r()
                lo_join = d1980
                if birth_year is not None:
                    lo_join = max(d1980, dt.date(birth_year + 12, 1, 1).toordinal())
                member_since = ended_on = member_number = None
                if x < 0.55:
                    status = "member"
                    member_since = dt.date.fromordinal(
                        lo_join + int(r() * max(today_o - lo_join, 1))
                    )
                    s.members += 1
                elif x < 0.65:
                    status = "former"
                    o = lo_join + int(r() * max(today_o - lo_join - 400, 1))
                    member_since = dt.date.fromordinal(o)
                    ended_on = dt.date.fromordinal(
                        min(today_o, o + 365 + int(r() * max(today_o - o - 365, 1)))
                    )
                    s.former_members += 1
                else:
                    status = "non_member"
                if member_since is not None:
                    member_number = str(1_000_000 + (i * 7_919 + self.seed) % member_space)
                if age is not None and 15 <= age <= 25:
                    s.young += 1
                people_rows.append(
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
                        status,
                        member_since,
                        ended_on,
                        member_number,
                        home_unit_id,
                        DEMO_SOURCE,
                        keys[first],
                        keys[last_name],
                        True,
                    )
                )
                adult = age is None or age >= 20
                if adult and status != "non_member":
                    self.district_leaders[d.index].append(pid)
                elif age is not None and age < 20:
                    self.district_youth[d.index].append(pid)

                # Memberships of local groups, school groups and networks.
                lo_m = max(d2008, lo_join)
                p_group = 0.14 if status == "member" else (0.10 if status == "former" else 0.03)
                if r() < p_group:
                    if home_unit_id in local_group_ids and r() < 0.8:
                        gid = home_unit_id
                    else:
                        gid = d.group_ids[bisect.bisect_right(d.group_cum, r() * d.group_cum[-1])]
                    start = dt.date.fromordinal(lo_m + int(r() * max(today_o - lo_m, 1)))
                    ended = r() < (0.6 if status == "former" else 0.22)
                    self._membership(memberships, rng, pid, gid, start, ended)
                if age is not None and d.school_ids:
                    if age <= 19 and r() < 0.10:
                        sid = d.school_ids[int(r() * len(d.school_ids))]
                        lo = min(dt.date(year - min(age - 15, 2), 8, 15), today)
                        start = rand_date(rng, lo, today)
                        self._membership(memberships, rng, pid, sid, start, False)
                    elif 20 <= age <= 27 and r() < 0.05:
                        sid = d.school_ids[int(r() * len(d.school_ids))]
                        start = dt.date(year - age + 16, 8, 20)
                        end = dt.date(year - age + 19, 6, 10)
                        self._membership(memberships, rng, pid, sid, start, end)
                if r() < 0.025:
                    nid = org.networks[int(r() * len(org.networks))]
                    start = dt.date.fromordinal(lo_m + int(r() * max(today_o - lo_m, 1)))
                    self._membership(memberships, rng, pid, nid, start, r() < 0.25)
                if age is not None and age <= 25 and r() < 0.04:
                    nid = org.youth_networks[int(r() * len(org.youth_networks))]
                    start = rand_date(rng, dt.date(year - 2, 1, 1), today)
                    self._membership(memberships, rng, pid, nid, start, r() < 0.2)

                # Tags
                if r() < 0.25:
                    chosen = {tag_ids[int(r() * len(tag_ids))]}
                    if r() < 0.3:
                        chosen.add(tag_ids[int(r() * len(tag_ids))])
                    if age is not None and age <= 25 and r() < 0.5:
                        chosen.add(youth_tag_ids[int(r() * len(youth_tag_ids))])
                    for tag_id in sorted(chosen):
                        taggings.append((pid, tag_id))

                # Consents (confirmed ones carry the time, wording version and source)
                if email is not None:
                    x = r()
                    ok = 0.70 if status == "member" else 0.50
                    if x < ok + 0.10:
                        confirmed_at = rand_dt(rng, gdpr, now)
                        row: tuple[str, dt.datetime | None, dt.datetime | None]
                        if x < ok:
                            row = ("confirmed", confirmed_at, None)
                        elif x < ok + 0.05:
                            row = ("withdrawn", confirmed_at, rand_dt(rng, confirmed_at, now))
                        else:
                            row = ("pending", None, None)
                        consents.append(
                            (
                                pid,
                                "email",
                                "campaigns",
                                *row,
                                WORDING_VERSION,
                                hashes["email", "campaigns"],
                                DEMO_SOURCE,
                                "double_opt_in" if row[0] != "pending" else "",
                            )
                        )
                    if r() < 0.06:
                        consents.append(
                            (
                                pid,
                                "email",
                                "rapid_response",
                                "confirmed",
                                rand_dt(rng, gdpr, now),
                                None,
                                WORDING_VERSION,
                                hashes["email", "rapid_response"],
                                DEMO_SOURCE,
                                "double_opt_in",
                            )
                        )
                if mobile is not None:
                    x = r()
                    if x < 0.17:
                        confirmed = x < 0.15
                        consents.append(
                            (
                                pid,
                                "sms",
                                "rapid_response",
                                "confirmed" if confirmed else "pending",
                                rand_dt(rng, gdpr, now) if confirmed else None,
                                None,
                                WORDING_VERSION,
                                hashes["sms", "rapid_response"],
                                DEMO_SOURCE,
                                "sms_code" if confirmed else "",
                            )
                        )

                # Interactions, some with follow-ups owned by the demo staff accounts.
                if r() < 0.08:
                    authors = list(national_authors)
                    if d.index == skane_index:
                        authors += [district_author] * 3
                    for gid, coordinator in coordinator_groups.items():
                        if (pid, gid) in current_pairs:
                            authors += [coordinator] * 4
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
                                follow_ups[author] = follow_ups.get(author, 0) + 1
                            text = f"{text} {follow_up_notes[int(r() * len(follow_up_notes))]}"
                        interactions.append(
                            (pid, kind, author, occurred, text, outcome, owner, due, done)
                        )

            write = self.writer.write
            write(Person, PERSON_COLUMNS, people_rows)
            write(UnitMembership, MEMBERSHIP_COLUMNS, memberships)
            write(Tagging, TAGGING_COLUMNS, taggings)
            write(Consent, CONSENT_COLUMNS, consents)
            write(Interaction, INTERACTION_COLUMNS, interactions)
            s.people += len(people_rows)
            s.memberships += len(memberships)
            s.taggings += len(taggings)
            s.consents += len(consents)
            s.interactions += len(interactions)
            s.follow_ups += sum(1 for row in interactions if row[6] is not None)
            clock = time.monotonic()
            if clock - last_report > 10 or s.people == n:
                last_report = clock
                self.out(f"  people {s.people:,}/{n:,} ({clock - started:.0f} s)")

    def _membership(
        self,
        rows: list[tuple],
        rng: random.Random,
        pid: int,
        unit_id: int,
        start: dt.date,
        ended: bool | dt.date,
    ) -> None:
        """One membership row; ``ended`` True picks an end date, a date is the end date.
        A second current membership of the same unit is skipped (one current per unit)."""
        end: dt.date | None = None
        if isinstance(ended, dt.date):
            end = ended
        elif ended:
            end = self._rand_date(rng, start, self.today)
        if end is None:
            if (pid, unit_id) in self.current_pairs:
                return
            self.current_pairs.add((pid, unit_id))
            self.group_current.setdefault(unit_id, []).append(pid)
        self.group_all.setdefault(unit_id, []).append(pid)
        rows.append((pid, unit_id, start, end))

    # -- roles with history: alumni across the years
    def _roles(self) -> None:
        org = self.org
        rng = random.Random(f"aktivist-demo:{self.seed}:roles")  # noqa: S311 - demo data
        r = rng.random
        rt = self.role_types
        everyone = range(self.base_id, self.base_id + self.n)
        leaders_all = [pid for pool in self.district_leaders for pid in pool] or list(everyone)
        scale = min(1.0, self.n / 20_000)
        max_holders = None if self.n >= 5_000 else 2
        self.reserved: set[int] = set()
        current_roles: set[tuple[int, int, int]] = set()
        self.account_roles: dict[str, tuple[int, int, int]] = {}  # key -> (person, unit, type)

        def pick(pool: Sequence[int], fallback: Sequence[int]) -> int:
            source = pool if pool and r() < 0.9 else (fallback or pool or leaders_all)
            return source[int(r() * len(source))]

        def chain(
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
            start = self._rand_date(rng, dt.date(2013, 6, 1), dt.date(2018, 6, 30))
            holders = 0
            while True:
                end = start + dt.timedelta(days=int((1 + r() * 3.5) * 365))
                holders += 1
                final = end >= self.today or (max_holders is not None and holders >= max_holders)
                if final and (force_current or r() < 0.85):
                    # One current role per person, unit and type; the demo accounts' people
                    # are distinct.
                    def taken(p: int) -> bool:
                        return (p, unit_id, rt[slug]) in current_roles or (
                            account is not None and p in self.reserved
                        )

                    pid = pick(pool_current, fallback)
                    tries = 0
                    while taken(pid) and tries < 100:
                        pid = pick(pool_current, fallback)
                        tries += 1
                    if taken(pid):
                        free = next((p for p in everyone if not taken(p)), None)
                        if free is None:  # a tiny demo: too few people for every seat
                            return
                        pid = free
                    current_roles.add((pid, unit_id, rt[slug]))
                    if account is not None:
                        self.reserved.add(pid)
                        self.account_roles[account] = (pid, unit_id, rt[slug])
                    self.role_rows.append((pid, unit_id, rt[slug], start, None))
                    if member_unit and (pid, unit_id) not in self.current_pairs:
                        self.current_pairs.add((pid, unit_id))
                        self.group_current.setdefault(unit_id, []).append(pid)
                        self.extra_memberships.append((pid, unit_id, start, None))
                    return
                end = min(end, self.today)
                pid = pick(pool_ended, fallback)
                self.role_rows.append((pid, unit_id, rt[slug], start, end))
                if final:
                    return
                start = min(end + dt.timedelta(days=int(r() * 60)), self.today)

        skane = org.district("Skåne")
        account_groups = {
            org.group_by_town["Malmö"]: "coordinator",
            org.group_by_town["Umeå"]: "coordinator_other",
        }
        for d in org.districts:
            leaders = self.district_leaders[d.index]
            youth = self.district_youth[d.index]
            is_skane = d is skane
            chain(
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
                if r() < 0.3 + 0.7 * scale:
                    chain(d.unit.pk, "trainer", leaders, leaders, leaders_all, member_unit=False)
            if r() < 0.7 * max(scale, 0.3):
                chain(
                    d.unit.pk, "youth-coordinator", leaders, leaders, leaders_all, member_unit=False
                )
            for gid in d.group_ids:
                members_all = self.group_all.get(gid, [])
                members_now = self.group_current.get(gid, [])
                account = account_groups.get(gid)
                if account is not None or r() < max(scale, 0.3):
                    chain(
                        gid,
                        "group-contact",
                        members_all,
                        members_now,
                        leaders or leaders_all,
                        member_unit=True,
                        force_current=account is not None,
                        account=account,
                    )
                for slug, p in (
                    ("group-secretary", 0.8),
                    ("treasurer", 0.8),
                    ("local-campaign-coordinator", 0.6),
                    ("refugee-migration-coordinator", 0.3),
                    ("youth-coordinator", 0.25),
                ):
                    if r() < p * scale:
                        chain(
                            gid,
                            slug,
                            members_all,
                            members_now,
                            leaders or leaders_all,
                            member_unit=True,
                        )
            for sid in d.school_ids:
                if r() < max(scale, 0.3):
                    chain(
                        sid,
                        "school-contact",
                        self.group_all.get(sid, []),
                        self.group_current.get(sid, []),
                        youth or leaders or leaders_all,
                        member_unit=True,
                    )
        national = org.national.pk
        for _ in range(7):
            chain(national, "board-member", leaders_all, leaders_all, [], member_unit=False)
        for _ in range(3):
            chain(national, "trainer", leaders_all, leaders_all, [], member_unit=False)
        for nid in (*org.networks, *org.youth_networks):
            pools = (self.group_all.get(nid, []), self.group_current.get(nid, []))
            chain(nid, "group-contact", *pools, leaders_all, member_unit=True)
            if nid == org.refugee_network:
                chain(nid, "refugee-migration-coordinator", *pools, leaders_all, member_unit=True)
            if nid in org.youth_networks:
                chain(nid, "youth-coordinator", *pools, leaders_all, member_unit=True)

        self.writer.write(UnitMembership, MEMBERSHIP_COLUMNS, self.extra_memberships)
        self.writer.write(Role, ROLE_COLUMNS, self.role_rows)
        self.summary.memberships += len(self.extra_memberships)
        self.summary.roles = len(self.role_rows)
        self.summary.ended_roles = sum(1 for row in self.role_rows if row[4] is not None)
        self.out(
            f"  roles {self.summary.roles:,} "
            f"({self.summary.roles - self.summary.ended_roles:,} current, "
            f"{self.summary.ended_roles:,} ended)"
        )

    def _link_accounts(self) -> None:
        """Accounts of the district representative and the coordinators are linked to the
        people who hold the matching role; their scope ends with that role."""
        for key, (pid, unit_id, role_type_id) in self.account_roles.items():
            user = self.users[key]
            person = Person.objects.get(pk=pid)
            role = Role.objects.get(
                person_id=pid, unit_id=unit_id, role_type_id=role_type_id, ended_on__isnull=True
            )
            User.objects.filter(person=person).exclude(pk=user.pk).update(person=None)
            user.person = person
            user.name = person.full_name
            user.save(update_fields=["person", "name"])
            AccessScope.objects.filter(user=user).exclude(unit_id=unit_id).delete()
            AccessScope.objects.update_or_create(
                user=user, unit_id=unit_id, defaults={"role": role, "ends_with_role": True}
            )
        for account in DEMO_ACCOUNTS:
            if account.scope is None:
                AccessScope.objects.filter(user=self.users[account.key]).delete()

    def _ensure_follow_ups(self) -> None:
        """Every demo staff account has a few follow-ups due soon, on people it may see."""
        rng = random.Random(f"aktivist-demo:{self.seed}:follow-ups")  # noqa: S311 - demo data
        org = self.org
        everyone = list(range(self.base_id, self.base_id + self.n))
        skane = org.district("Skåne").index
        pools = {
            "admin": everyone,
            "staff": everyone,
            "district": self.district_leaders[skane] + self.district_youth[skane],
            "coordinator": self.group_current.get(org.group_by_town["Malmö"], []),
            "coordinator_other": self.group_current.get(org.group_by_town["Umeå"], []),
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
                occurred = self._rand_dt(rng, self.now - dt.timedelta(days=10), self.now)
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
