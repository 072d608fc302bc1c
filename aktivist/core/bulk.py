"""The one bulk writer: many rows of one model in as few round trips as the database allows.

COPY on PostgreSQL (through the psycopg cursor under Django's), one prepared INSERT run
with ``executemany`` elsewhere. Used by the import, the demo data and the benchmarks:
paths that write thousands of rows at once and would spend most of their time building
model instances and per-row statements in the ORM.

A row is a tuple of values over the given attnames (``person_id``, not ``person``), in
the given order. Values are written as given: no ``save()``, no ``pre_save()`` (so a
given ``created_at`` is kept, which ``bulk_create`` would overwrite), no signals. Columns
not given get the model's default (``created_at``/``updated_at``: the writer's ``now``),
or, with ``defaults=False``, the database's own default. A model default is evaluated once
per writer, so a column whose default must differ row by row (a token, a UUID) is given.

On PostgreSQL rows can also be formatted ahead into COPY text (``encode``) by psycopg's
own C row formatter, so a thread that only sends bytes (``copy_encoded``) never waits on
the interpreter row by row. ``aktivist.core.tests.test_fast_path_internals`` fails by
name if a psycopg or Django upgrade changes an internal this relies on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED
from django.utils import timezone

try:  # internal to psycopg (pinned); without it rows are formatted while they are sent
    from psycopg._copy_base import format_row_text
    from psycopg.adapt import Transformer
except ImportError:  # pragma: no cover - SQLite-only installs
    format_row_text = None
    Transformer = None  # type: ignore[assignment]  # checked before use


@dataclass(frozen=True)
class _Plan:
    copy_sql: str  # PostgreSQL
    insert_sql: str  # elsewhere
    extra: tuple[Any, ...]  # the values of the columns not given, appended to each row
    prepare: tuple[Any, ...]  # per written column: None (as is) or field.get_db_prep_save


# Fields whose values the database driver takes as they come (no Django adaptation).
_AS_IS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.FloatField,
)


def _needs_prep(field: models.Field[Any, Any]) -> bool:
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    return not isinstance(target, _AS_IS)


class BulkWriter:
    """``write(model, columns, rows)``: COPY on PostgreSQL, one INSERT ``executemany``
    elsewhere. Plans (statements, defaults) are kept per model and columns."""

    def __init__(self, now: dt.datetime | None = None, *, defaults: bool = True) -> None:
        self.now = now or timezone.now()
        self.defaults = defaults
        self.postgres = connection.vendor == "postgresql"
        self._plans: dict[tuple[type[models.Model], tuple[str, ...]], _Plan] = {}
        self._transformer: Any = None

    def _default(self, field: models.Field[Any, Any]) -> Any:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return self.now
        return field.get_default()

    def _plan(self, model: type[models.Model], columns: tuple[str, ...]) -> _Plan:
        key = (model, columns)
        plan = self._plans.get(key)
        if plan is not None:
            return plan
        fields = {f.attname: f for f in model._meta.concrete_fields}
        written = [fields[c] for c in columns]
        extra: list[Any] = []
        if self.defaults:
            given = set(columns)
            for f in model._meta.concrete_fields:
                if f.attname in given or f.primary_key or getattr(f, "generated", False):
                    continue
                if f.db_default is not NOT_PROVIDED and not f.has_default():
                    continue  # the database's own default
                written.append(f)
                extra.append(self._default(f))
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        names = ", ".join(quote(str(f.column)) for f in written)
        plan = _Plan(
            copy_sql=f"COPY {table} ({names}) FROM STDIN",
            # Table and column names come from the model and are quoted; values are parameters.
            insert_sql=f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(written))})",  # noqa: S608
            extra=tuple(extra),
            prepare=tuple(f.get_db_prep_save if _needs_prep(f) else None for f in written),
        )
        self._plans[key] = plan
        return plan

    def write(
        self, model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple]
    ) -> None:
        """Write the rows: COPY on PostgreSQL, one INSERT ``executemany`` elsewhere."""
        if not rows:
            return
        if self.postgres:
            self.copy(model, columns, rows)
        else:
            self.insert(model, columns, rows)

    def copy(
        self, model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]
    ) -> None:
        """COPY the rows (PostgreSQL only), each formatted while it is sent."""
        plan = self._plan(model, tuple(columns))
        extra = plan.extra
        with connection.cursor() as cursor:
            with cursor.cursor.copy(plan.copy_sql) as copy:  # the psycopg cursor under Django's
                write_row = copy.write_row
                if extra:
                    for row in rows:
                        write_row(row + extra)
                else:
                    for row in rows:
                        write_row(row)

    def encode(
        self, model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]
    ) -> bytes | None:
        """The rows as COPY text for ``copy_encoded`` (PostgreSQL), formatted now by psycopg's
        own (C) row formatter. None when that formatter is not available (then ``copy``)."""
        if format_row_text is None or Transformer is None:  # pragma: no cover
            return None
        extra = self._plan(model, tuple(columns)).extra
        if self._transformer is None:
            connection.ensure_connection()
            self._transformer = Transformer(connection.connection)
        out = bytearray()
        transformer = self._transformer
        if extra:
            for row in rows:
                format_row_text(row + extra, transformer, out)
        else:
            for row in rows:
                format_row_text(row, transformer, out)
        return bytes(out)

    def copy_encoded(self, model: type[models.Model], columns: Sequence[str], data: bytes) -> None:
        """COPY rows that ``encode`` formatted (PostgreSQL only)."""
        if not data:
            return
        plan = self._plan(model, tuple(columns))
        with connection.cursor() as cursor:
            with cursor.cursor.copy(plan.copy_sql) as copy:
                copy.write(data)

    def insert(
        self, model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple]
    ) -> None:
        """One prepared INSERT run over the rows, each value adapted by its field as Django
        would (any database)."""
        plan = self._plan(model, tuple(columns))
        prepare, extra = plan.prepare, plan.extra
        if any(prepare):
            params: Any = [
                tuple(
                    p(v, connection) if p is not None and v is not None else v
                    for p, v in zip(prepare, row + extra, strict=True)
                )
                for row in rows
            ]
        else:
            params = [row + extra for row in rows] if extra else rows
        with connection.cursor() as cursor:
            cursor.executemany(plan.insert_sql, params)
