"""Statements of the public signing hot path, compiled by the ORM once per process.

A signature costs a handful of small statements; building each through the queryset API and
the insert compiler costs several times more than running it. Here the ORM still writes the
SQL — so it follows the models, their fields' database preparation and the backend — but
only once per process; later calls bind new values. Like ``bulk_create``, ``insert`` sends
no model signals and runs no ``save()``: callers normalise and validate first.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model, QuerySet
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery


@functools.cache
def select_sql(name: str, build: Callable[[], tuple[QuerySet[Any], list[Any]]]) -> str:
    """The SQL of the queryset ``build`` returns, checked to take exactly the marker values
    ``build`` returns, in that order (a caller binds its own values in the same order)."""
    qs, marks = build()
    sql, params = qs.query.sql_with_params()
    if list(params) != marks:
        raise ImproperlyConfigured(f"{name}: unexpected parameters {params!r}")
    return str(sql)


def fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


@functools.cache
def _insert_statement(
    model: type[Model], ignore_conflicts: bool = False
) -> tuple[str, tuple[Field[Any, Any], ...], bool]:
    meta = model._meta
    fields = tuple(
        f
        for f in meta.local_concrete_fields
        if f is not meta.auto_field and not getattr(f, "generated", False)
    )
    query = InsertQuery(model, on_conflict=OnConflict.IGNORE if ignore_conflicts else None)
    query.insert_values(fields, [model()])
    compiler = query.get_compiler(DEFAULT_DB_ALIAS)
    connection = connections[DEFAULT_DB_ALIAS]
    returning = (
        bool(meta.db_returning_fields) and connection.features.can_return_columns_from_insert
    )
    if returning:
        compiler.returning_fields = meta.db_returning_fields
    statements = compiler.as_sql()
    if len(statements) != 1:
        raise ImproperlyConfigured(f"{meta.label}: one INSERT expected")
    return str(statements[0][0]), fields, returning


def insert_unless_conflict(obj: Model) -> bool:
    """INSERT one new row unless it would break a unique constraint (then nothing is written
    and False returned; on PostgreSQL a racing uncommitted twin is waited for first). Needs a
    backend that returns columns from such an insert (PostgreSQL, SQLite ≥ 3.35)."""
    model = type(obj)
    sql, fields, returning = _insert_statement(model, ignore_conflicts=True)
    if not returning:
        raise ImproperlyConfigured(f"{model._meta.label}: the backend cannot return the new id")
    connection = connections[DEFAULT_DB_ALIAS]
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection=connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    for field, value in zip(model._meta.db_returning_fields, row, strict=True):
        setattr(obj, field.attname, value)
    obj._state.adding = False
    obj._state.db = DEFAULT_DB_ALIAS
    return True


def insert(obj: Model) -> None:
    """INSERT one new row (what ``obj.save(force_insert=True)`` stores) and set its id."""
    model = type(obj)
    sql, fields, returning = _insert_statement(model)
    connection = connections[DEFAULT_DB_ALIAS]
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection=connection) for f in fields]
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returning:
            row = cursor.fetchone()
            for field, value in zip(meta.db_returning_fields, row, strict=True):
                setattr(obj, field.attname, value)
        else:
            obj.pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
    obj._state.adding = False
    obj._state.db = DEFAULT_DB_ALIAS
