"""Benchmark: the people list's search as a scoped district representative.

Runs the real query path of the people list — ``people_search(viewer, query)`` then
``page_of(qs, page=1)`` — for an exact email, a mobile typed in the national format and
name prefixes, against people in and out of the viewer's scope, on PostgreSQL with
1,000,000 demo people (``--quick``: 50,000). Baseline: ``Person.objects.get(pk=…)``.

    .venv/bin/python bench/people_search.py [--quick] [--people N] [--iterations N] [--explain]

Uses DATABASE_URL when it names PostgreSQL, else postgres://postgres@127.0.0.1:5432/aktivist_bench
(created when missing). Target: p50 ≤ 100 ms, p95 ≤ 250 ms. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import random
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

FULL_PEOPLE = 1_000_000
QUICK_PEOPLE = 50_000
TARGET_P50_MS = 100.0
TARGET_P95_MS = 250.0
WARM_UP = 20


def national_format(e164: str) -> str:
    """+46701234567 -> '070-123 45 67', the way people type a Swedish mobile."""
    digits = "0" + e164[3:]
    return f"{digits[:3]}-{digits[3:6]} {digits[6:8]} {digits[8:]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_PEOPLE:,} people")
    parser.add_argument("--people", type=int, help="people to load (default 1,000,000)")
    parser.add_argument("--iterations", type=int, default=200, help="timed queries per kind")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE one per kind")
    args = parser.parse_args()
    wanted = args.people or (QUICK_PEOPLE if args.quick else FULL_PEOPLE)

    url, owned = bench_database_url()
    if ensure_database(url):
        print("Created the bench database.")
    setup_django(url)

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    from aktivist.people.models import Person

    existing = Person.objects.count()
    load_s = None
    if existing < wanted:
        if existing:
            if not owned:
                print(
                    f"DATABASE_URL holds {existing:,} people, fewer than {wanted:,}: use an "
                    "empty database (or unset DATABASE_URL to use the bench's own).",
                    file=sys.stderr,
                )
                return 2
            print(f"Rebuilding the bench database ({existing:,} people < {wanted:,}).")
            connection.close()
            recreate_database(url)
            call_command("migrate", verbosity=0, interactive=False)
        started = time.perf_counter()
        call_command("demo_data", people=wanted, seed=1, participations=0)
        load_s = time.perf_counter() - started
        print(f"Loaded {wanted:,} people in {load_s:.1f} s; VACUUM ANALYZE …")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    people = Person.objects.count()
    print(f"{people:,} people in the database.")
    return run(people, args.iterations, args.explain, load_s)


# (kind, query, expected person id or None, must the person be found?)
Case = tuple[str, str, int | None, bool]


def run(people: int, iterations: int, explain: bool, load_s: float | None) -> int:
    from aktivist.accounts.access import forget_scope  # Django is set up at run time
    from aktivist.accounts.models import User
    from aktivist.demo.accounts import demo_account
    from aktivist.people.models import Person
    from aktivist.people.selectors import page_of, people_search, people_visible_to

    viewer = User.objects.get(email=demo_account("district").email)
    visible = set(people_visible_to(viewer).values_list("id", flat=True))
    print(f"The district representative (Skåne) may see {len(visible):,} people.")

    rng = random.Random(20260101)
    ids = list(Person.objects.order_by().values_list("id", flat=True))
    cases = _cases(rng, ids, visible, iterations)
    errors = 0

    def search(case: Case) -> float:
        nonlocal errors
        forget_scope(viewer)  # one request: the scope is looked up again
        started = time.perf_counter()
        rows, _has_next = page_of(people_search(viewer, case[1]), page=1)
        elapsed = time.perf_counter() - started
        errors += _errors(case, rows, visible)
        return elapsed

    timings: dict[str, list[float]] = {}
    for kind, kind_cases in cases.items():
        for case in kind_cases[:WARM_UP]:
            search(case)
        timings[kind] = [search(case) for case in kind_cases[WARM_UP : WARM_UP + iterations]]

    pk_sample = [rng.choice(ids) for _ in range(WARM_UP + iterations * len(cases))]
    for pk in pk_sample[:WARM_UP]:
        Person.objects.get(pk=pk)
    baseline_times = []
    for pk in pk_sample[WARM_UP:]:
        started = time.perf_counter()
        Person.objects.get(pk=pk)
        baseline_times.append(time.perf_counter() - started)

    by_kind = {kind: summary_ms(values) for kind, values in timings.items()}
    overall = summary_ms([t for values in timings.values() for t in values])
    baseline = summary_ms(baseline_times)
    met = _report(people, by_kind, overall, baseline, errors)
    if explain:
        _explain(viewer, cases)

    value = overall["p50_ms"]
    result: dict[str, Any] = {
        "bench": "people_search",
        "value": value,
        "unit": "ms",
        "baseline": baseline["p50_ms"],
        "ratio": round(value / baseline["p50_ms"], 2) if baseline["p50_ms"] else None,
        "p50_ms": overall["p50_ms"],
        "p95_ms": overall["p95_ms"],
        "p99_ms": overall["p99_ms"],
        "people": people,
        "errors": errors,
        "target_met": met,
        "by_kind": by_kind,
    }
    if load_s is not None:
        result["load_s"] = round(load_s, 1)
    emit(result)
    return 0


def _cases(
    rng: random.Random, ids: list[int], visible: set[int], iterations: int
) -> dict[str, list[Case]]:
    """The queries of each kind: exact emails and mobiles (every other one outside the
    viewer's scope) and name prefixes of common names."""
    from aktivist.demo import lists as demo_lists  # Django is set up at run time
    from aktivist.people.models import Person

    half = (iterations + WARM_UP) // 2 + 1

    def sample(field: str) -> tuple[list[str], list[str], dict[str, int]]:
        inside: list[str] = []
        outside: list[str] = []
        owner: dict[str, int] = {}
        while len(inside) < half or len(outside) < half:
            batch = rng.sample(ids, 2000)
            rows = Person.objects.filter(pk__in=batch, **{f"{field}__isnull": False})
            for pk, value in rows.values_list("id", field):
                target = inside if pk in visible else outside
                if len(target) < half:
                    target.append(value)
                    owner[value] = pk
        return inside, outside, owner

    emails_in, emails_out, email_owner = sample("email")
    mobiles_in, mobiles_out, mobile_owner = sample("mobile")
    common = list(demo_lists.LAST_NAMES[:40]) + list(demo_lists.FEMALE_NAMES[:20])
    common += list(demo_lists.MALE_NAMES[:20]) + list(demo_lists.YOUNG_FEMALE_NAMES[:10])
    common += list(demo_lists.YOUNG_MALE_NAMES[:10])

    def interleave(a: list[str], b: list[str]) -> list[tuple[str, bool]]:
        out = []
        for x, y in zip(a, b, strict=False):
            out += [(x, True), (y, False)]
        return out

    return {
        "email": [
            ("email", v.upper() if n % 7 == 0 else v, email_owner[v], found)
            for n, (v, found) in enumerate(interleave(emails_in, emails_out))
        ],
        "mobile": [
            ("mobile", national_format(v), mobile_owner[v], found)
            for v, found in interleave(mobiles_in, mobiles_out)
        ],
        "name_prefix": [
            ("name_prefix", name[: rng.choice((2, 3, 3, 4))], None, False)
            for name in (rng.choice(common) for _ in range(iterations + WARM_UP))
        ],
    }


def _errors(case: Case, rows: list[Any], visible: set[int]) -> int:
    """How many ways one search's page is wrong: the exact email or mobile missed, or found
    when it must not be; a person outside the viewer's scope shown; a name that does not
    start with the prefix."""
    kind, query, expected, found = case
    errors = 0
    pks = [row.pk for row in rows]
    if kind in ("email", "mobile"):
        if found and expected not in pks:
            errors += 1
        if not found and expected in pks:
            errors += 1
        if kind == "email" and not found and pks:
            errors += 1  # an exact out-of-scope email must find no one at all
    if any(pk not in visible for pk in pks):
        errors += 1
    if kind == "name_prefix":
        prefix = query.lower()
        if any(
            not (r.first_name_key.startswith(prefix) or r.last_name_key.startswith(prefix))
            for r in rows
        ):
            errors += 1
    return errors


def _report(
    people: int,
    by_kind: dict[str, dict[str, Any]],
    overall: dict[str, Any],
    baseline: dict[str, Any],
    errors: int,
) -> bool:
    """Print the figures; whether the target was met."""
    print(f"people_search on {people:,} people as the district representative (Skåne):")
    for kind, stats in by_kind.items():
        print(
            f"  {kind:<12} p50 {stats['p50_ms']:8.2f} ms  p95 {stats['p95_ms']:8.2f} ms  "
            f"p99 {stats['p99_ms']:8.2f} ms  ({stats['n']} queries)"
        )
    print(
        f"  {'overall':<12} p50 {overall['p50_ms']:8.2f} ms  p95 {overall['p95_ms']:8.2f} ms  "
        f"p99 {overall['p99_ms']:8.2f} ms"
    )
    print(
        f"  {'pk baseline':<12} p50 {baseline['p50_ms']:8.2f} ms  p95 "
        f"{baseline['p95_ms']:8.2f} ms  ({baseline['n']} gets)"
    )
    met = overall["p50_ms"] <= TARGET_P50_MS and overall["p95_ms"] <= TARGET_P95_MS
    print(
        f"  target p50 ≤ {TARGET_P50_MS:.0f} ms, p95 ≤ {TARGET_P95_MS:.0f} ms: "
        f"{'met' if met else 'NOT met'}; errors: {errors}"
    )
    return bool(met)


def _explain(viewer: Any, cases: dict[str, list[Case]]) -> None:
    """EXPLAIN ANALYZE of the first measured query of each kind."""
    from django.db import connection  # Django is set up at run time

    from aktivist.accounts.access import forget_scope
    from aktivist.people.selectors import people_search

    for kind, kind_cases in cases.items():
        _kind, query, _expected, _found = kind_cases[WARM_UP]
        forget_scope(viewer)
        qs = people_search(viewer, query)[:51]
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        print(f"\n-- EXPLAIN ANALYZE, {kind} ({len(query)} characters):\n{plan}")


if __name__ == "__main__":
    sys.exit(main())
