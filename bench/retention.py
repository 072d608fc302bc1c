"""Benchmark: the retention rule "non-members who do nothing" anonymises 100,000 people on
PostgreSQL, through the same code as the nightly job.

The bench builds its own section in its own database: 100,000 non-members created three
years ago who did nothing since — each with a realistic few rows that erasure must handle
set-based (two participations, one consent, one tagging; every second one a registration,
every third a note) — and 10,000 people the rule must NOT touch (members; non-members who
acted yesterday, consented last month, registered last week, or belong to a group), with
rows of their own. An admin switches the rule on (730 days) as on the retention page; the
preview must count exactly the 100,000; then ``retention.run_enabled_rules()`` — what the
nightly task ``privacy.tasks.retention_nightly`` calls — runs it in batches of ids through
``erasure.people_erase``.

Baseline in the same run: one bare set-based UPDATE blanking the same columns of the same
100,000 rows in a copy of the people table (with its indexes).

It counts what it did, and fails when anything is off: exactly the 100,000 are tombstones
(inactive, every personal value blank, the district kept), none of the 10,000 others
changed (a checksum of their rows and of their participations, registrations, consents,
taggings and notes), the rows erasure keeps stay on the tombstones (participations,
registrations — typed values blanked) and the rows it removes are gone (consents, taggings,
notes); one keyed hash per erased email and mobile, one audit event per person.

    .venv/bin/python bench/retention.py [--quick] [--people N] [--batch-size N] [--profile]
        [--explain] [--keep]

Uses DATABASE_URL when it names PostgreSQL (its people table must be empty), else its own
database aktivist_bench_retention on postgres://postgres@127.0.0.1:5432, created afresh and
dropped afterwards (``--keep`` keeps it). Target: ≤ 600 s on two cores. Last line: one JSON
object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from _common import (
    DEFAULT_URL,
    analyze_loaded,
    bench_database_url,
    database_name,
    drop_database,
    emit,
    recreate_database,
    setup_django,
)

FULL_PEOPLE = 100_000
QUICK_PEOPLE = 10_000
OTHERS_SHARE = 0.1  # 10,000 people who must not be touched (1,000 with --quick)
TARGET_S = 600.0
BENCH_DB = "aktivist_bench_retention"
DAYS = 730
ACTIONS = 20
EVENTS = 10
TAGS = 10
CHUNK = 10_000
OTHER_KINDS = ("member", "acted_yesterday", "consented_lately", "registered_lately", "in_group")
# The columns erasure blanks on the person row (the baseline blanks the same).
BLANKED = (
    "first_name = '', last_name = '', first_name_key = '', last_name_key = '', email = NULL, "
    "mobile = NULL, other_phone = '', street_address = '', postcode = '', city = '', "
    "municipality = '', birth_year = NULL, membership_status = '', member_since = NULL, "
    "membership_ended_on = NULL, member_number = NULL, source = '', import_batch_id = NULL, "
    "is_active = false, erased_at = now(), updated_at = now()"
)
FIRST = ("Anna", "Erik", "Maria", "Lars", "Karin", "Amir", "Sara", "Johan", "Leila", "Per")
LAST = ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson")


def say(text: str) -> None:
    print(text, flush=True)


class Timer:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    def lap(self) -> float:
        now = time.perf_counter()
        seconds, self.started = now - self.started, now
        return seconds


# --- The section -------------------------------------------------------------------------------


def _execute(sql: str, params: Any = None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def _scalar(sql: str, params: Any = None) -> Any:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        return row[0] if row else None


def _save_ids(table: str, ids: list[int]) -> None:
    _execute(f"CREATE TABLE {table} (id bigint PRIMARY KEY)")
    for start in range(0, len(ids), 50_000):
        _execute(
            f"INSERT INTO {table} (id) SELECT unnest(%s::bigint[])",  # our table
            [ids[start : start + 50_000]],
        )


def build(people: int, others: int) -> None:
    """The organisation, the 100,000 who fall under the rule with their rows, and the 10,000
    others; their ids in the tables ``bench_targets`` and ``bench_others``."""
    from django.utils import timezone

    from aktivist.accounts.models import User
    from aktivist.campaigns.models import Action, Campaign, Participation, Priority
    from aktivist.organisation.models import PostcodePrefix, Unit, UnitMembership
    from aktivist.people.models import Consent, Interaction, Person, Tag, Tagging
    from aktivist.programmes.models import Event, Registration

    now = timezone.now()
    long_ago = now - dt.timedelta(days=3 * 365)
    national = Unit.objects.create(name="Sverige", kind=Unit.Kind.NATIONAL)
    districts = []
    for n, (name, prefix) in enumerate((("Skåne", "2"), ("Mitt", "1"), ("Norr", "9"))):
        district = Unit.objects.create(name=name, kind=Unit.Kind.DISTRICT, parent=national)
        PostcodePrefix.objects.create(unit=district, prefix=prefix)
        group = Unit.objects.create(name=f"Grupp {n}", kind=Unit.Kind.LOCAL_GROUP, parent=district)
        districts.append((district, group))
    priority = Priority.objects.create(name="Flyktingars rättigheter", year=now.year - 3)
    campaign = Campaign.objects.create(
        name="Sommarkampanjen",
        priority=priority,
        scope=Campaign.Scope.NATIONAL,
        unit=national,
        origin=Campaign.Origin.SECRETARIAT,
        kind=Campaign.Kind.STANDARD,
    )
    actions = [
        Action.objects.create(
            campaign=campaign,
            kind=Action.Kind.PETITION,
            slug=f"bench-aktion-{n}",
            title_sv=f"Upprop {n}",
            title_en=f"Petition {n}",
            text_sv="Frige journalisten.",
            text_en="Free the journalist.",
            opens_at=long_ago,
            goal=100_000,
        )
        for n in range(ACTIONS)
    ]
    events = [
        Event.objects.create(
            unit=districts[n % 3][1],
            title=f"Träff {n}",
            slug=f"bench-traff-{n}",
            starts_at=long_ago + dt.timedelta(days=n),
            ends_at=long_ago + dt.timedelta(days=n, hours=2),
            place="Föreningarnas hus",
        )
        for n in range(EVENTS)
    ]
    tags = [Tag.objects.create(name=f"bench-tagg-{n}") for n in range(TAGS)]
    User.objects.create_user(
        "bench-retention@example.org", access_role=User.AccessRole.ADMIN, name="Bench"
    )

    def person(i: int, status: str) -> Person:
        district = districts[i % 3][0]
        first, last = FIRST[i % len(FIRST)], LAST[i % len(LAST)]
        return Person(
            first_name=first,
            last_name=f"{last}{i}",
            first_name_key=first.lower(),
            last_name_key=f"{last.lower()}{i}",
            email=f"bench.{i}@example.org",
            mobile=f"+4670{i:07d}",
            postcode=("21", "11", "90")[i % 3] + f"{i % 1000:03d}",
            city="Malmö",
            birth_year=1950 + i % 60,
            home_unit=district,
            membership_status=status,
            source="bench",
        )

    def insert(model: Any, rows: list[Any]) -> list[int]:
        ids: list[int] = []
        for start in range(0, len(rows), CHUNK):
            made = model.objects.bulk_create(rows[start : start + CHUNK])
            ids.extend(obj.pk for obj in made)
        return ids

    non_member = Person.MembershipStatus.NON_MEMBER
    targets = insert(Person, [person(i, non_member) for i in range(people)])
    kinds = {
        kind: insert(
            Person,
            [
                person(
                    people + k * (others // len(OTHER_KINDS)) + j,
                    Person.MembershipStatus.MEMBER if kind == "member" else non_member,
                )
                for j in range(others // len(OTHER_KINDS))
            ],
        )
        for k, kind in enumerate(OTHER_KINDS)
    }
    others_ids = [pk for ids in kinds.values() for pk in ids]
    everyone = targets + others_ids
    _save_ids("bench_targets", targets)
    _save_ids("bench_others", others_ids)
    _execute(
        "UPDATE people_person SET created_at = %s, updated_at = %s "
        "WHERE id IN (SELECT id FROM bench_targets UNION ALL SELECT id FROM bench_others)",
        [long_ago, long_ago],
    )

    # Rows of everyone, three years old: two actions, one consent, one tag; every second a
    # registration, every third a note.
    participations = []
    for n, pk in enumerate(everyone):
        for action in (actions[n % ACTIONS], actions[(n + 7) % ACTIONS]):
            participations.append(
                Participation(
                    person_id=pk,
                    action=action,
                    source=Participation.Source.WEB,
                    tracking_token=f"t{n}",
                    letter_text="Släpp henne fri." if n % 5 == 0 else "",
                )
            )
    insert(Participation, participations)
    registrations = [
        Registration(
            person_id=pk,
            event=events[n % EVENTS],
            status=Registration.Status.ATTENDED if n % 4 else Registration.Status.REGISTERED,
            source=Registration.Source.WEB,
            typed_first_name=FIRST[n % len(FIRST)],
            typed_last_name=f"{LAST[n % len(LAST)]}{n}",
            typed_email=f"bench.{n}@example.org",
            attended_at=long_ago if n % 4 else None,
        )
        for n, pk in enumerate(everyone)
        if n % 2 == 0
    ]
    insert(Registration, registrations)
    insert(
        Consent,
        [
            Consent(
                person_id=pk,
                channel=Consent.Channel.EMAIL,
                purpose=Consent.Purpose.CAMPAIGNS,
                status=Consent.Status.WITHDRAWN if n % 4 == 0 else Consent.Status.CONFIRMED,
                confirmed_at=long_ago,
                withdrawn_at=long_ago if n % 4 == 0 else None,
                wording_version="2023-email-news-1",
                source="bench",
            )
            for n, pk in enumerate(everyone)
        ],
    )
    insert(Tagging, [Tagging(person_id=pk, tag=tags[n % TAGS]) for n, pk in enumerate(everyone)])
    insert(
        Interaction,
        [
            Interaction(person_id=pk, text="Ringde om hösten.", occurred_at=long_ago)
            for n, pk in enumerate(everyone)
            if n % 3 == 0
        ],
    )
    for table, column in (
        ("campaigns_participation", "created_at"),
        ("programmes_registration", "created_at"),
        ("people_consent", "created_at"),
        ("people_tagging", "created_at"),
        ("people_interaction", "created_at"),
    ):
        _execute(f"UPDATE {table} SET {column} = %s", [long_ago])  # our names

    # What keeps the others: a sign of life since the cutoff, a membership.
    Participation.objects.filter(person_id__in=kinds["acted_yesterday"]).update(
        created_at=now - dt.timedelta(days=1)
    )
    Consent.objects.filter(person_id__in=kinds["consented_lately"]).update(
        status=Consent.Status.CONFIRMED,
        confirmed_at=now - dt.timedelta(days=30),
        withdrawn_at=None,
    )
    upcoming = Event.objects.create(
        unit=districts[0][1],
        title="Träff nästa vecka",
        slug="bench-traff-snart",
        starts_at=now + dt.timedelta(days=7),
        ends_at=now + dt.timedelta(days=7, hours=2),
        place="Föreningarnas hus",
    )
    Registration.objects.bulk_create(
        [
            Registration(
                person_id=pk,
                event=upcoming,
                status=Registration.Status.REGISTERED,
                source=Registration.Source.WEB,
            )
            for pk in kinds["registered_lately"]
        ]
    )
    UnitMembership.objects.bulk_create(
        [
            UnitMembership(person_id=pk, unit=districts[n % 3][1], started_on=long_ago.date())
            for n, pk in enumerate(kinds["in_group"])
        ]
    )
    _execute("VACUUM (ANALYZE)")


# --- What is checked ---------------------------------------------------------------------------


RELATED = (
    ("participations", "campaigns_participation"),
    ("registrations", "programmes_registration"),
    ("consents", "people_consent"),
    ("taggings", "people_tagging"),
    ("notes", "people_interaction"),
)


def related_counts(ids_table: str) -> dict[str, int]:
    return {
        name: int(
            _scalar(f"SELECT count(*) FROM {table} WHERE person_id IN (SELECT id FROM {ids_table})")
        )
        for name, table in RELATED
    }


def others_checksum() -> str:
    """One hash over the others' person rows and every row of theirs (the ids say whose)."""
    parts = [
        "SELECT md5(string_agg(p::text, '|' ORDER BY p.id)) FROM people_person p "
        "WHERE p.id IN (SELECT id FROM bench_others)"
    ] + [
        f"SELECT md5(string_agg(r::text, '|' ORDER BY r.id)) FROM {table} r "
        "WHERE r.person_id IN (SELECT id FROM bench_others)"
        for _name, table in RELATED
    ]
    return "/".join(str(_scalar(sql)) for sql in parts)


def check(expected: int, before: dict[str, Any]) -> dict[str, Any]:
    from aktivist.core.models import AuditEvent
    from aktivist.privacy.models import ErasedIdentity

    found: dict[str, Any] = {}
    found["tombstones"] = int(
        _scalar(
            "SELECT count(*) FROM people_person WHERE id IN (SELECT id FROM bench_targets) "
            "AND NOT is_active AND erased_at IS NOT NULL"
        )
    )
    found["missed"] = expected - found["tombstones"]
    found["tombstones_elsewhere"] = int(
        _scalar(
            "SELECT count(*) FROM people_person WHERE NOT is_active "
            "AND id NOT IN (SELECT id FROM bench_targets)"
        )
    )
    found["values_left"] = int(
        _scalar(
            "SELECT count(*) FROM people_person WHERE id IN (SELECT id FROM bench_targets) AND "
            "(first_name <> '' OR last_name <> '' OR email IS NOT NULL OR mobile IS NOT NULL "
            "OR postcode <> '' OR city <> '' OR birth_year IS NOT NULL OR source <> '')"
        )
    )
    found["district_lost"] = int(
        _scalar(
            "SELECT count(*) FROM people_person WHERE id IN (SELECT id FROM bench_targets) "
            "AND home_unit_id IS NULL"
        )
    )
    found["others_changed"] = others_checksum() != before["checksum"]
    after_targets = related_counts("bench_targets")
    found["kept"] = {k: after_targets[k] for k in ("participations", "registrations")}
    found["removed"] = {
        k: before["targets"][k] - after_targets[k] for k in ("consents", "taggings", "notes")
    }
    found["rows_wrong"] = {
        "participations": before["targets"]["participations"] - after_targets["participations"],
        "registrations": before["targets"]["registrations"] - after_targets["registrations"],
        "consents": after_targets["consents"],
        "taggings": after_targets["taggings"],
        "notes": after_targets["notes"],
        "typed_values_left": int(
            _scalar(
                "SELECT count(*) FROM programmes_registration WHERE person_id IN "
                "(SELECT id FROM bench_targets) AND (typed_first_name <> '' OR typed_email <> '')"
            )
        ),
        "letters_left": int(
            _scalar(
                "SELECT count(*) FROM campaigns_participation WHERE person_id IN "
                "(SELECT id FROM bench_targets) AND (letter_text <> '' OR tracking_token <> '')"
            )
        ),
    }
    found["others_rows"] = related_counts("bench_others")
    found["keyed_hashes"] = ErasedIdentity.objects.count()
    found["erase_events"] = AuditEvent.objects.filter(verb="person.erase").count()
    return found


# --- The baseline ------------------------------------------------------------------------------


def baseline() -> float:
    """One bare UPDATE blanking the same columns of the same rows, in a copy of the people
    table with its indexes."""
    _execute("DROP TABLE IF EXISTS bench_people_copy")
    _execute("CREATE TABLE bench_people_copy (LIKE people_person INCLUDING ALL)")
    _execute(
        "INSERT INTO bench_people_copy SELECT * FROM people_person "
        "WHERE id IN (SELECT id FROM bench_targets)"
    )
    _execute("VACUUM (ANALYZE) bench_people_copy")
    started = time.perf_counter()
    _execute(f"UPDATE bench_people_copy SET {BLANKED} WHERE id IN (SELECT id FROM bench_targets)")
    seconds = time.perf_counter() - started
    _execute("DROP TABLE bench_people_copy")
    return seconds


# --- Profiling (--profile): where a batch's time goes ---------------------------------------


def profiled() -> tuple[dict[str, list[float]], Callable[[], None]]:
    """Wrap the erasure of a batch, its keyed hashes and every erasure handler with timers
    (what is left of the run is the rule's selection of each batch and its bookkeeping);
    returns the timings and an undo."""
    from aktivist.core import registries
    from aktivist.privacy import erasure

    timings: dict[str, list[float]] = {}
    undos: list[Callable[[], None]] = []

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                timings.setdefault(name, []).append(time.perf_counter() - started)

        return wrapper

    handlers = dict(registries.erasure_registry)
    for model, handler in handlers.items():
        registries.erasure_registry[model] = timed(f"handler {model._meta.label}", handler)
    undos.append(lambda: registries.erasure_registry.update(handlers))
    erase_batch = erasure._erase_batch
    setattr(erasure, "_erase_batch", timed("erasing a batch, all included", erase_batch))  # noqa: B010
    undos.append(lambda: setattr(erasure, "_erase_batch", erase_batch))
    remember = erasure.identities.remember_erased
    setattr(erasure.identities, "remember_erased", timed("keyed hashes", remember))  # noqa: B010
    undos.append(lambda: setattr(erasure.identities, "remember_erased", remember))

    def undo() -> None:
        for step in undos:
            step()

    return timings, undo


def _nothing() -> None:
    return None


# --- The run -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_PEOPLE:,} people")
    parser.add_argument("--people", type=int, help=f"people to anonymise ({FULL_PEOPLE:,})")
    parser.add_argument("--batch-size", type=int, default=None, help="ids per batch (1,000)")
    parser.add_argument("--profile", action="store_true", help="time each erasure handler")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument(
        "--explain", action="store_true", help="print the plan of a batch's selection"
    )
    args = parser.parse_args()
    people = args.people or (QUICK_PEOPLE if args.quick else FULL_PEOPLE)
    others = int(people * OTHERS_SHARE) // len(OTHER_KINDS) * len(OTHER_KINDS)

    url, owned = bench_database_url()
    if owned:
        url = DEFAULT_URL.rsplit("/", 1)[0] + "/" + BENCH_DB
        recreate_database(url)
    setup_django(url)

    from django.core.management import call_command
    from django.db import connection

    # One line per erased batch would bury the bench's own lines.
    logging.getLogger("aktivist.privacy.erasure").setLevel(logging.WARNING)
    try:
        timer = Timer()
        call_command("migrate", verbosity=0, interactive=False)
        from aktivist.accounts.models import User
        from aktivist.core import retention_rules as rules
        from aktivist.people.models import Person
        from aktivist.privacy import retention, retention_stores

        if Person.objects.exists():
            print("The people table is not empty: use an empty database.", file=sys.stderr)
            return 2
        say(f"Database {database_name(url)} migrated in {timer.lap():.1f} s.")
        build(people, others)
        analyze_loaded()
        say(
            f"Built {people:,} people under the rule and {others:,} who must not be touched, "
            f"with their rows, in {timer.lap():.1f} s."
        )
        before: dict[str, Any] = {
            "targets": related_counts("bench_targets"),
            "others": related_counts("bench_others"),
            "checksum": others_checksum(),
        }
        say(
            "  rows of the people under the rule: "
            + ", ".join(f"{k} {v:,}" for k, v in before["targets"].items())
        )

        admin = User.objects.get(email="bench-retention@example.org")
        retention.rule_update(
            actor=admin, key=rules.INACTIVE_NON_MEMBERS, days=DAYS, enabled=True, confirmed=True
        )
        timer.lap()
        preview = retention.preview_rule(rules.INACTIVE_NON_MEMBERS)
        preview_s = timer.lap()
        say(f"Preview: {preview.count:,} people would be anonymised ({preview_s:.2f} s).")

        if args.explain:
            store = retention_stores.STORES[rules.INACTIVE_NON_MEMBERS]
            [selection] = store.select(retention.cutoff_for(retention.rule_rows()[store.key]))
            batch = (
                selection.filter(pk__gt=0)
                .order_by("pk")
                .values_list("pk", flat=True)[: args.batch_size or retention.BATCH_SIZE]
            )
            say("The plan of the first batch's selection:")
            say(batch.explain(analyze=True))

        baseline_s = baseline()
        say(f"Baseline: one UPDATE blanking {people:,} rows of a copy: {baseline_s:.2f} s.")

        timings: dict[str, list[float]] = {}
        undo: Callable[[], None] = _nothing
        if args.profile:
            timings, undo = profiled()
        batch_size = args.batch_size or retention.BATCH_SIZE
        connection.close()  # the run starts on a fresh connection, as the worker's would
        timer.lap()
        outcomes = retention.run_enabled_rules(batch_size=batch_size)
        seconds = timer.lap()
        undo()
        [outcome] = [o for o in outcomes if o.rule == rules.INACTIVE_NON_MEMBERS]
        other_runs = [o.rule for o in outcomes if o.run is not None and o is not outcome]
        run = outcome.run
        assert run is not None
        run.refresh_from_db()
        say(
            f"Run: {outcome.processed:,} anonymised in {seconds:.1f} s "
            f"({outcome.processed / seconds:,.0f} people/s; batches of {batch_size:,}; "
            f"run {run.status}, cursor at the last id)"
        )
        if other_runs:
            say(f"  other rules that ran: {', '.join(other_runs)}")
        if timings:
            say("  where the time went (sum over batches):")
            for name, values in sorted(timings.items(), key=lambda kv: -sum(kv[1])):
                say(f"    {sum(values):8.1f} s  {len(values):>5} calls  {name}")

        found = check(people, before)
        say(
            f"Tombstones: {found['tombstones']:,} of {people:,} (missed {found['missed']:,}); "
            f"tombstones among the others: {found['tombstones_elsewhere']:,}; "
            f"personal values left: {found['values_left']:,}; without a district: "
            f"{found['district_lost']:,}"
        )
        say(
            "Kept on the tombstones: "
            + ", ".join(f"{k} {v:,}" for k, v in found["kept"].items())
            + "; removed: "
            + ", ".join(f"{k} {v:,}" for k, v in found["removed"].items())
        )
        say(f"Rows not as erasure promises: {found['rows_wrong']}")
        say(
            f"The {others:,} others unchanged: {not found['others_changed']} "
            f"(rows {found['others_rows']} against {before['others']})"
        )
        say(
            f"Keyed hashes of erased addresses and mobiles: {found['keyed_hashes']:,}; "
            f"erasure audit events: {found['erase_events']:,}"
        )
        correct = (
            preview.count == people
            and outcome.processed == people
            and found["missed"] == 0
            and found["tombstones_elsewhere"] == 0
            and found["values_left"] == 0
            and found["district_lost"] == 0
            and not found["others_changed"]
            and found["others_rows"] == before["others"]
            and not any(found["rows_wrong"].values())
            and found["keyed_hashes"] == 2 * people
            and found["erase_events"] == people
            and run.status == "finished"
        )
        met = correct and seconds <= TARGET_S
        say(f"Correct: {correct}; target ≤ {TARGET_S:.0f} s: {'met' if met else 'NOT met'}")
        emit(
            {
                "bench": "retention",
                "value": round(seconds, 2),
                "unit": "s",
                "baseline": round(baseline_s, 3),
                "ratio": round(seconds / baseline_s, 1) if baseline_s else None,
                "people": people,
                "others": others,
                "previewed": preview.count,
                "anonymised": outcome.processed,
                "tombstones": found["tombstones"],
                "missed": found["missed"],
                "wrongly_anonymised": found["tombstones_elsewhere"],
                "values_left": found["values_left"],
                "others_changed": found["others_changed"],
                "kept": found["kept"],
                "removed": found["removed"],
                "rows_wrong": found["rows_wrong"],
                "keyed_hashes": found["keyed_hashes"],
                "people_per_s": round(outcome.processed / seconds) if seconds else None,
                "batch_size": batch_size,
                "correct": correct,
                "target_s": TARGET_S,
                "target_met": met,
            }
        )
        return 0 if correct else 1
    finally:
        if owned and not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(url)
            print(f"Dropped {database_name(url)}.", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
