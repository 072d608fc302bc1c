"""Shared helpers for the benchmarks (CONVENTIONS.md §14): the PostgreSQL database to run
on, Django set-up, percentiles and the closing JSON line."""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/aktivist_bench"
POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql")


def bench_database_url() -> tuple[str, bool]:
    """DATABASE_URL when it names PostgreSQL, else the bench's own database. The flag says
    whether the bench owns the database (and may drop and rebuild it)."""
    url = os.environ.get("DATABASE_URL", "")
    if urlsplit(url).scheme.split("+")[0] in POSTGRES_SCHEMES:
        return url, False
    return DEFAULT_URL, True


def _admin_connection(url: str) -> Any:
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    )


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def ensure_database(url: str) -> bool:
    """Create the database when missing (connecting to the `postgres` database). True when
    it was created."""
    from psycopg import sql

    name = database_name(url)
    with _admin_connection(url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def recreate_database(url: str) -> None:
    from psycopg import sql

    name = database_name(url)
    with _admin_connection(url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "aktivist.settings"
    # Production does not keep a copy of what it sends: neither does a benchmark (and the
    # workers it starts inherit this).
    os.environ.setdefault("KEEP_SENT_MESSAGES", "false")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def analyze_loaded() -> None:
    """ANALYZE every table after a bench's set-up has loaded its data (the benches run on
    fresh databases where autovacuum may be off: without statistics the planner takes
    every table for nearly empty). Call it at the end of each set-up."""
    from django.apps import apps

    from aktivist.lib.db import analyze

    analyze(*apps.get_models())


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "n": len(ms),
    }


def emit(result: dict[str, Any]) -> None:
    """The closing line every bench prints: one JSON object."""
    print(json.dumps(result, ensure_ascii=False), flush=True)


def drop_database(url: str) -> None:
    """Drop a database the bench created for itself (connections are closed by force)."""
    from psycopg import sql

    name = database_name(url)
    with _admin_connection(url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
