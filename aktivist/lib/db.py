"""Planner statistics and time limits on PostgreSQL (each a no-op on SQLite).

PostgreSQL plans a statement from its statistics of each table. A table that was never
analysed (``pg_class.reltuples = -1``: a fresh database, or right after a bulk load where
autovacuum is off or has not come round yet) is planned as if it held a handful of rows,
and a join over two such tables may become a nested loop that runs for hours. So every
bulk writer (the import, demo data, the benchmarks' set-up) calls ``analyze`` on what it
loaded, and a big statement that must not wait for autovacuum calls ``analyze_if_stale``
on its tables first: cheap (ANALYZE reads a sample of at most 30,000 rows per table).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.apps import apps
from django.db import connection
from django.db.models import Model

# A table is stale once this share of its rows changed since it was last analysed (the
# default of autovacuum's analyze_scale_factor is 0.1), and at least STALE_MIN_ROWS.
STALE_SHARE = 0.2
STALE_MIN_ROWS = 1000


def _quoted(table: str) -> str:
    return connection.ops.quote_name(table)


def analyze(*models: type[Model] | str) -> list[str]:
    """ANALYZE these models' tables (or table names) that exist (unmanaged models may
    have none). Returns the tables analysed."""
    if connection.vendor != "postgresql":
        return []
    wanted = {m if isinstance(m, str) else m._meta.db_table for m in models}
    tables = sorted(wanted.intersection(connection.introspection.table_names()))
    if not tables:
        return []
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(_quoted(t) for t in tables))
    return tables


def stale_tables(tables: Iterable[str]) -> list[str]:
    """Of these tables, those never analysed, or changed a lot since they were."""
    names = sorted(set(tables))
    if connection.vendor != "postgresql" or not names:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c "
            "LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid "
            "WHERE c.relkind = 'r' AND c.relname = ANY(%s) "
            "AND c.relnamespace = to_regnamespace(current_schema())::oid "
            "AND (c.reltuples < 0 OR COALESCE(s.n_mod_since_analyze, 0) > "
            "GREATEST(%s, %s * c.reltuples))",
            [names, STALE_MIN_ROWS, STALE_SHARE],
        )
        return sorted(row[0] for row in cursor.fetchall())


def analyze_if_stale(tables: Iterable[str]) -> list[str]:
    """ANALYZE those of these tables that ``stale_tables`` names. Returns them."""
    stale = stale_tables(tables)
    return analyze(*stale) if stale else []


_QUOTED_NAME = re.compile(r'"([A-Za-z0-9_]+)"')


def tables_in(sql: str) -> list[str]:
    """The tables of this project's models that a compiled statement names."""
    known = {model._meta.db_table for model in apps.get_models()}
    return sorted(known.intersection(_QUOTED_NAME.findall(sql)))


def set_local_statement_timeout(seconds: float) -> None:
    """Cancel any statement of the current transaction that runs longer than this."""
    if connection.vendor != "postgresql" or seconds <= 0:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{int(seconds)}s"])


def is_statement_timeout(exc: BaseException) -> bool:
    """True for PostgreSQL's "canceling statement due to statement timeout"."""
    cause = exc.__cause__ or exc
    return getattr(cause, "sqlstate", None) == "57014"  # query_canceled
