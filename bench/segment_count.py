"""Benchmark: counting segments on 1,000,000 people and 5,000,000 participations.

Five segments, each compiled by the segment compiler and counted as the builder's live
count does (``filter_people(viewer, tree).count()``), once as a district representative
(scoped to Skåne) and once as secretariat staff:

1. young non-members in one district who acted in the last 90 days and consented to email;
2. members of one district's subtree not messaged in the last 30 days;
3. alumni who were group contacts or district representatives;
4. signers of action A who did not sign action B;
5. ladder level ≥ 3 in one district's local groups whose language is English.

The baseline is the plainest scoped count: everyone the same viewer may see
(``people_visible_to(viewer).count()``). The demo section is loaded when the database has
fewer people or participations (``--quick``: 100,000 and 500,000); 30 % of the people get a
message sent in the last 30 days (for segment 2).

    .venv/bin/python bench/segment_count.py [--quick] [--iterations N] [--explain]

Uses DATABASE_URL when it names PostgreSQL, else postgres://postgres@127.0.0.1:5432/aktivist_bench
(created when missing). Target: p95 ≤ 300 ms per count. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from typing import Any

from _common import (
    bench_database_url,
    emit,
    ensure_database,
    recreate_database,
    setup_django,
    summary_ms,
)

FULL_PEOPLE, FULL_PARTICIPATIONS = 1_000_000, 5_000_000
QUICK_PEOPLE, QUICK_PARTICIPATIONS = 100_000, 500_000
TARGET_P95_MS = 300.0
MESSAGED_SHARE = 0.3
BENCH_MOBILIZATION = "Bench segment_count"
DISTRICT = "Skåne"


def load(people: int, participations: int, owned: bool) -> float | None:
    """Fill the database with the demo section when it is too small. Seconds, or None."""
    from django.core.management import call_command
    from django.db import connection

    from aktivist.campaigns.models import Participation
    from aktivist.people.models import Person

    have_people = Person.objects.count()
    have_participations = Participation.objects.count()
    if have_people >= people and have_participations >= participations:
        return None
    if have_people:
        if not owned:
            sys.exit(
                f"DATABASE_URL holds {have_people:,} people and {have_participations:,} "
                "participations, fewer than wanted: use an empty database."
            )
        print(f"Rebuilding the bench database ({have_people:,} people).")
        connection.close()
        recreate_database(bench_database_url()[0])
        call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    print(f"Loading {people:,} demo people and {participations:,} participations …", flush=True)
    call_command("demo_data", people=people, participations=participations, seed=1)
    return time.perf_counter() - started


def messaged(share: float) -> int:
    """A sent mobilization reaching ``share`` of the people over the last 30 days (made once)."""
    from django.db import connection
    from django.utils import timezone

    from aktivist.mobilization.models import Delivery, Message, Mobilization

    found = Mobilization.objects.filter(name=BENCH_MOBILIZATION).first()
    if found is not None:
        return Delivery.objects.filter(mobilization=found).count()
    message = Message.objects.create(name=BENCH_MOBILIZATION, subject_sv="Bench", body_sv="Bench")
    now = timezone.now()
    mobilization = Mobilization.objects.create(
        name=BENCH_MOBILIZATION,
        message=message,
        status=Mobilization.Status.DONE,
        started_at=now - dt.timedelta(days=30),
        finished_at=now,
    )
    table = Delivery._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (mobilization_id, person_id, status, reason, attempts, due_at,"
            " sent_at, provider_id, error) "
            "SELECT %s, id, 'sent', '', 1, %s, %s - (random() * interval '30 days'), '', '' "
            "FROM people_person WHERE random() < %s",
            [mobilization.pk, now, now, share],
        )
        count = cursor.rowcount
        cursor.execute(f"ANALYZE {table}")
    return count


def segments() -> dict[str, dict[str, Any]]:
    """The five trees, with the ids the demo section gave its units, roles and actions."""
    from django.db.models import Count

    from aktivist.campaigns.models import Action
    from aktivist.organisation.models import RoleType, Unit

    district = Unit.objects.get(kind=Unit.Kind.DISTRICT, name__icontains=DISTRICT)
    roles = list(
        RoleType.objects.filter(slug__in=["group-contact", "district-representative"]).values_list(
            "pk", flat=True
        )
    )
    national = Action.objects.filter(campaign__scope="national").annotate(n=Count("participations"))
    a, b = list(national.order_by("-n").values_list("pk", flat=True)[:2])
    return {
        "1 young non-members in a district, acted in 90 days, email consent": {
            "all": [
                {"condition": "young", "value": True},
                {"condition": "membership_status", "value": ["non_member"]},
                {"condition": "unit_subtree", "value": {"unit": district.pk}},
                {"condition": "took_action", "value": {"within_days": 90}},
                {
                    "condition": "consent",
                    "value": {"channel": "email", "purpose": "campaigns", "status": "confirmed"},
                },
            ]
        },
        "2 members of a district not messaged in 30 days": {
            "all": [
                {"condition": "membership_status", "value": ["member"]},
                {"condition": "unit_subtree", "value": {"unit": district.pk}},
                {"not": {"condition": "messaged", "value": {"days": 30}}},
            ]
        },
        "3 alumni: former group contacts or district representatives": {
            "all": [{"condition": "role", "value": {"role_types": roles, "state": "former"}}]
        },
        "4 signed action A, not action B": {
            "all": [
                {"condition": "took_action", "value": {"actions": [a]}},
                {"not": {"condition": "took_action", "value": {"actions": [b]}}},
            ]
        },
        "5 level ≥ 3 in a district's local groups, English": {
            "all": [
                {"condition": "engagement_level", "value": {"min": 3}},
                {
                    "condition": "unit_subtree",
                    "value": {"unit": district.pk, "via": ["membership"]},
                },
                {"condition": "language", "value": "en"},
            ]
        },
    }


def time_counts(count: Any, iterations: int) -> tuple[list[float], int]:
    result = count()  # warm the cache
    seconds = []
    for _ in range(iterations):
        started = time.perf_counter()
        result = count()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100,000 people")
    parser.add_argument("--iterations", type=int, default=30, help="timed counts per segment")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each count")
    args = parser.parse_args()
    people, participations = (
        (QUICK_PEOPLE, QUICK_PARTICIPATIONS) if args.quick else (FULL_PEOPLE, FULL_PARTICIPATIONS)
    )

    url, owned = bench_database_url()
    if ensure_database(url):
        print("Created the bench database.")
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    load_s = load(people, participations, owned)
    sent = messaged(MESSAGED_SHARE)
    with connection.cursor() as cursor:
        # Fresh statistics and visibility maps (index-only scans), as autovacuum keeps them.
        cursor.execute("VACUUM ANALYZE")

    from aktivist.accounts.models import User
    from aktivist.campaigns.models import Participation
    from aktivist.people.models import Person
    from aktivist.people.selectors import filter_people, people_visible_to

    viewers = {
        "district": User.objects.get(email="ombud.skane@example.org"),
        "staff": User.objects.get(email="staff@example.org"),
    }
    print(
        f"{Person.objects.count():,} people, {Participation.objects.count():,} participations, "
        f"{sent:,} sent in the last 30 days" + (f" (loaded in {load_s:.0f} s)" if load_s else "")
    )
    trees = segments()
    rows = []
    worst_p95 = 0.0
    baseline_p95 = 0.0
    for who, viewer in viewers.items():
        base_seconds, base_count = time_counts(
            lambda v=viewer: people_visible_to(v).count(), args.iterations
        )
        base = summary_ms(base_seconds)
        baseline_p95 = max(baseline_p95, base["p95_ms"])
        print(
            f"[{who}] baseline, everyone in scope: {base_count:,} — "
            f"p50 {base['p50_ms']:.1f} ms, p95 {base['p95_ms']:.1f} ms"
        )
        for name, tree in trees.items():
            seconds, found = time_counts(
                lambda v=viewer, t=tree: filter_people(v, t).count(), args.iterations
            )
            stats = summary_ms(seconds)
            worst_p95 = max(worst_p95, stats["p95_ms"])
            rows.append({"viewer": who, "segment": name[0], "count": found, **stats})
            flag = "" if stats["p95_ms"] <= TARGET_P95_MS else "  ← over target"
            print(
                f"[{who}] {name}: {found:,} — p50 {stats['p50_ms']:.1f} ms, "
                f"p95 {stats['p95_ms']:.1f} ms{flag}"
            )
            if args.explain:
                sql, params = filter_people(viewer, tree).query.sql_with_params()
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN ANALYZE SELECT count(*) FROM ({sql}) s", params)
                    print("\n".join("    " + r[0] for r in cursor.fetchall()))
    connection.close()
    ratio = worst_p95 / baseline_p95 if baseline_p95 else 0.0
    print(
        f"Worst p95 {worst_p95:.1f} ms (target ≤ {TARGET_P95_MS:.0f} ms); "
        f"{ratio:.1f} × the plain scoped count"
    )
    emit(
        {
            "bench": "segment_count",
            "value": round(worst_p95, 1),
            "unit": "ms (worst p95)",
            "baseline": round(baseline_p95, 1),
            "ratio": round(ratio, 2),
            "p95_ms": round(worst_p95, 1),
            "people": people,
            "participations": participations,
            "counts": {f"{r['viewer']}:{r['segment']}": r["count"] for r in rows},
            "p95_by_count": {f"{r['viewer']}:{r['segment']}": r["p95_ms"] for r in rows},
            "target_met": worst_p95 <= TARGET_P95_MS,
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
