"""Benchmark: the duplicate finder over 1,000,000 people on PostgreSQL.

Prepares the database like ``bench/people_search.py`` (1,000,000 demo people; ``--quick``:
50,000), plants a known number of duplicate variants of demo people (5,000 by default:
``+tag`` and domain-typo email addresses, a shared landline, a typo in the first name in the
same postcode, the same name and birth year in another postcode — for a common demo name and
for a rare, invented one), then runs
``find_duplicates()`` exactly as the nightly task does. It prints the seconds, the candidate
pairs by reason, how many planted variants were found (recall, by kind) and the peak memory
of this process. Baseline in the same run: a plain full scan of the columns the finder needs
(``SELECT id, first_name_key, last_name_key, postcode, birth_year, email, other_phone FROM
people_person ORDER BY postcode``) streamed through Python.

    .venv/bin/python bench/duplicates.py [--quick] [--people N] [--planted N]

Uses DATABASE_URL when it names PostgreSQL, else postgres://postgres@127.0.0.1:5432/aktivist_bench
(created when missing). Target: ≤ 300 s. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections import Counter
from typing import Any

from _common import (
    analyze_loaded,
    bench_database_url,
    emit,
    ensure_database,
    recreate_database,
    setup_django,
)

FULL_PEOPLE = 1_000_000
QUICK_PEOPLE = 50_000
PLANTED = 5_000
TARGET_S = 300.0
PLANTED_SOURCE = "bench:planted-duplicate"
# Kind of planted variant → share of the planted variants.
KINDS = {
    "email_plus_tag": 0.15,
    "email_domain_typo": 0.15,
    "landline": 0.15,
    "name_typo_same_postcode": 0.30,
    # The demo's names are all common (about 200 first × 120 last names over a million
    # people): the namesake guard does not pair these on name and birth year alone …
    "same_common_name_and_year_elsewhere": 0.15,
    # … while a rare name is (a planted original with an invented surname, and its variant).
    "same_rare_name_and_year_elsewhere": 0.10,
}
RARE_PARTS = (
    ("Kvarn", "Ljung", "Frost", "Sval", "Tall", "Häger", "Brokv", "Ravel", "Ysen", "Orm"),
    ("sjö", "mo", "hed", "bäck", "gran", "vik", "torp", "åker", "lid", "näs"),
    ("lius", "ander", "ström", "felt", "qvist", "ell", "in", "ing", "gren", "blad"),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_PEOPLE:,} people")
    parser.add_argument("--people", type=int, help="demo people (default 1,000,000)")
    parser.add_argument("--planted", type=int, help=f"planted variants (default {PLANTED:,})")
    args = parser.parse_args()
    wanted = args.people or (QUICK_PEOPLE if args.quick else FULL_PEOPLE)
    planted = args.planted if args.planted is not None else PLANTED // (10 if args.quick else 1)

    url, owned = bench_database_url()
    if ensure_database(url):
        print("Created the bench database.")
    setup_django(url)

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    from aktivist.imports.models import DuplicateCandidate
    from aktivist.people.models import Person

    Person.objects.filter(source=PLANTED_SOURCE).delete()  # an earlier run's variants
    existing = Person.objects.count()
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
        print(f"Loaded {wanted:,} people in {time.perf_counter() - started:.1f} s.")
    if owned:
        # The bench's own database: every run starts from an empty review queue.
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {DuplicateCandidate._meta.db_table}")
    else:
        print("DATABASE_URL is not the bench's own: existing candidate pairs are kept.")
    plants = plant(planted)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) people_person")
    try:
        return run(plants)
    finally:
        # Leave the database as found (the other benches count its people).
        Person.objects.filter(source=PLANTED_SOURCE).delete()


def _typo(name: str, rng: random.Random) -> str:
    """One slip of the keyboard in a name of four letters or more: a letter dropped, doubled
    or two swapped (never the first letter)."""
    i = rng.randrange(1, len(name) - 1)
    kind = rng.random()
    if kind < 0.4:
        return name[:i] + name[i + 1 :]
    if kind < 0.7:
        return name[:i] + name[i] + name[i:]
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def _fits(kind: str, p: dict[str, Any]) -> bool:
    """Whether demo person ``p`` can carry a variant of this kind."""
    if kind == "email_plus_tag":
        return bool(p["email"])
    if kind == "email_domain_typo":
        return bool(p["email"]) and p["email"].endswith(".com")
    if kind == "landline":
        return bool(p["other_phone"])
    if kind == "name_typo_same_postcode":
        return bool(p["postcode"]) and len(p["first_name"]) >= 4
    return p["birth_year"] is not None and bool(p["postcode"])


PLANT_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "other_phone",
    "postcode",
    "birth_year",
    "street_address",
    "city",
)


def _choose(rng: random.Random, quotas: dict[str, int]) -> list[tuple[dict[str, Any], str]]:
    """Demo people to plant a variant of, each with its kind, until every quota is met."""
    from django.db.models import Max, Min  # Django is set up at run time (setup_django)

    from aktivist.people.models import Person

    bounds = Person.objects.aggregate(lo=Min("id"), hi=Max("id"))
    used: set[int] = set()
    plans: list[tuple[dict[str, Any], str]] = []
    pending = dict(quotas)
    while any(pending.values()):
        # Ids drawn from the range (no list of a million ids in this process's memory).
        sample = {rng.randint(bounds["lo"], bounds["hi"]) for _ in range(20_000)}
        rows = Person.objects.filter(pk__in=sample, is_active=True).values(*PLANT_FIELDS)
        for p in rows:
            if p["id"] in used:
                continue
            for kind, left in pending.items():
                if left and _fits(kind, p):
                    plans.append((p, kind))
                    used.add(p["id"])
                    pending[kind] -= 1
                    break
    return plans


def _plant_rare_originals(plans: list[tuple[dict[str, Any], str]], rare: list[str]) -> None:
    """Rare names: the original is planted too (a demo person with an invented surname);
    the plan then points at it."""
    from aktivist.people.models import Person  # Django is set up at run time (setup_django)

    originals: list[Person] = []
    for p, kind in plans:
        if kind == "same_rare_name_and_year_elsewhere":
            n = len(originals)
            original = Person(
                first_name=p["first_name"],
                last_name=rare[n % len(rare)],
                email=f"planted.rare.{n}@example.net",
                postcode=p["postcode"],
                city=p["city"],
                birth_year=p["birth_year"],
                source=PLANTED_SOURCE,
            )
            original.normalise()
            originals.append(original)
    Person.objects.bulk_create(originals, batch_size=2_000)
    made = iter(originals)
    for p, kind in plans:
        if kind == "same_rare_name_and_year_elsewhere":
            original = next(made)
            p["id"], p["last_name"] = original.pk, original.last_name


def _variant(p: dict[str, Any], kind: str, rng: random.Random, postcodes: list[str]) -> Any:
    """The duplicate of ``p`` as this kind writes it (a new, unsaved Person)."""
    from aktivist.people.models import Person  # Django is set up at run time (setup_django)

    v = Person(
        first_name=p["first_name"],
        last_name=p["last_name"],
        postcode=p["postcode"],
        city=p["city"],
        source=PLANTED_SOURCE,
    )
    if kind == "email_plus_tag":
        local, _, domain = p["email"].partition("@")
        v.email = f"{local}+kampanj@{domain}"
    elif kind == "email_domain_typo":
        v.email = p["email"][: -len(".com")] + ".con"
        v.birth_year = p["birth_year"]
    elif kind == "landline":
        v.other_phone = p["other_phone"]
        v.postcode = ""
    elif kind == "name_typo_same_postcode":
        v.first_name = _typo(p["first_name"], rng)
        v.birth_year = p["birth_year"] if rng.random() < 0.5 else None
        v.street_address = p["street_address"]
    else:
        v.birth_year = p["birth_year"]
        v.postcode = rng.choice([c for c in rng.sample(postcodes, 3) if c != p["postcode"]])
    v.normalise()
    return v


def plant(count: int) -> list[tuple[int, int, str]]:
    """Insert ``count`` duplicate variants of demo people; (original, variant, kind)."""
    from aktivist.demo.lists import LAST_NAMES  # Django is set up at run time (setup_django)
    from aktivist.people.models import Person

    rng = random.Random(20261125)
    quotas = {kind: round(count * share) for kind, share in KINDS.items()}
    quotas["name_typo_same_postcode"] += count - sum(quotas.values())
    postcodes = list(
        Person.objects.exclude(postcode="").order_by().values_list("postcode", flat=True)[:50_000]
    )
    rare = [
        a + b + c
        for a in RARE_PARTS[0]
        for b in RARE_PARTS[1]
        for c in RARE_PARTS[2]
        if a + b + c not in LAST_NAMES
    ]
    rng.shuffle(rare)
    plans = _choose(rng, quotas)
    _plant_rare_originals(plans, rare)
    variants = [_variant(p, kind, rng, postcodes) for p, kind in plans]
    Person.objects.bulk_create(variants, batch_size=2_000)
    analyze_loaded()
    planted = [(p["id"], v.pk, kind) for (p, kind), v in zip(plans, variants, strict=True)]
    print(f"Planted {len(planted):,} duplicate variants: {dict(Counter(k for *_, k in planted))}")
    return planted


def scan_baseline() -> tuple[float, int]:
    """The plain full scan the finder's streams are measured against."""
    from django.db import connection, transaction

    sql = (
        "SELECT id, first_name_key, last_name_key, postcode, birth_year, email, other_phone "
        "FROM people_person ORDER BY postcode"
    )
    started = time.perf_counter()
    rows = 0
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        while True:
            chunk = cursor.fetchmany(5_000)
            if not chunk:
                break
            for row in chunk:
                rows += 1 if row[0] else 0
    return time.perf_counter() - started, rows


def run(plants: list[tuple[int, int, str]]) -> int:
    from aktivist.imports.duplicates import REASONS, find_duplicates
    from aktivist.imports.models import DuplicateCandidate
    from aktivist.people.models import Person

    people = Person.objects.filter(is_active=True).count()
    scan_s, scanned = scan_baseline()
    print(f"Baseline: a full scan of {scanned:,} rows ordered by postcode in {scan_s:.1f} s.")

    result = find_duplicates()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    variant_ids = [variant for _orig, variant, _kind in plants]
    found_pairs: set[tuple[int, int]] = set()
    for start in range(0, len(variant_ids), 2_000):
        chunk = variant_ids[start : start + 2_000]
        found_pairs.update(
            DuplicateCandidate.objects.filter(person_b_id__in=chunk).values_list(
                "person_a_id", "person_b_id"
            )
        )
    planted_by_kind = Counter(kind for *_, kind in plants)
    found_by_kind = Counter(
        kind
        for orig, variant, kind in plants
        if (min(orig, variant), max(orig, variant)) in found_pairs
    )
    found = sum(found_by_kind.values())
    recall = round(found / len(plants), 4) if plants else None
    # Variants have the highest ids: a pair with one is always (…, variant).
    with_planted = len(found_pairs)

    print(f"find_duplicates over {people:,} active people: {result.seconds:.1f} s")
    reasons = ", ".join(f"{reason} {result.by_reason[reason]:,}" for reason in REASONS)
    print(f"  candidate pairs: {result.found:,} ({reasons}); new: {result.created:,}")
    print(
        f"  name blocks: {result.blocks:,}; name comparisons: {result.comparisons:,}; "
        f"common-name clusters not paired: {result.common_names_skipped:,}"
    )
    print(f"  planted variants found: {found:,} of {len(plants):,} (recall {recall})")
    for kind in KINDS:
        print(f"    {kind:<38} {found_by_kind[kind]:>6,} of {planted_by_kind[kind]:,}")
    print(
        f"  pairs with a planted variant: {with_planted:,}; "
        f"pairs among demo people only: {result.found - with_planted:,}"
    )
    print(f"  peak memory of this process: {peak_mib:.0f} MiB")
    met = result.seconds <= TARGET_S
    print(f"  target ≤ {TARGET_S:.0f} s: {'met' if met else 'NOT met'}")
    emit(
        {
            "bench": "duplicates",
            "value": result.seconds,
            "unit": "s",
            "baseline": round(scan_s, 2),
            "ratio": round(result.seconds / scan_s, 2) if scan_s else None,
            "peak_mib": round(peak_mib, 1),
            "candidates": result.found,
            "created": result.created,
            "by_reason": result.by_reason,
            "people": people,
            "planted": len(plants),
            "planted_found": found,
            "demo_only_pairs": result.found - with_planted,
            "recall": recall,
            "recall_by_kind": {
                kind: round(found_by_kind[kind] / planted_by_kind[kind], 4)
                for kind in KINDS
                if planted_by_kind[kind]
            },
            "comparisons": result.comparisons,
            "target_met": met,
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
