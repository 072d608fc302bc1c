"""The fast paths lean on a few internals of psycopg and Django that are not public API.
This one test names each such internal that an upgrade changed, so the failure says where
to look (aktivist/core/bulk.py, campaigns/hotpath.py, core/reads.py, the selectors that
wrap an ORM query's SQL)."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import pytest
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.backends.utils import CursorWrapper
from django.db.models import Field
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery, Query

from aktivist.people.models import Person

pytestmark = pytest.mark.django_db


def _psycopg_row_formatter() -> None:
    # aktivist.core.bulk.BulkWriter.encode: COPY text formatted ahead in C. Imported here:
    # a missing name is then reported by this check's name.
    from psycopg._copy_base import format_row_text
    from psycopg.adapt import Transformer

    out = bytearray()
    format_row_text((1, "a\tb", None), Transformer(None), out)
    assert bytes(out) == b"1\ta\\tb\t\\N\n"


def _psycopg_cursor_copy() -> None:
    # BulkWriter.copy / copy_encoded: Django's cursor wraps psycopg's as ``.cursor``.
    assert "cursor" in inspect.signature(CursorWrapper.__init__).parameters
    if connection.vendor == "postgresql":
        import psycopg  # here: reported by this check's name if it fails

        with connection.cursor() as cursor:
            assert isinstance(cursor.cursor, psycopg.Cursor)
            copy = psycopg.Copy
            assert callable(copy.write_row) and callable(copy.write)
        assert isinstance(connection.connection, psycopg.Connection)


def _django_ops() -> None:
    # BulkWriter and core/reads.py build statements from these.
    assert connection.ops.quote_name("x")
    assert callable(connection.ops.adapt_datetimefield_value)
    assert hasattr(Field(), "db_default") and callable(Field.get_db_prep_save)


def _query_sql_with_params() -> None:
    # campaigns/hotpath.py, mobilization/outbox.py, engagement/selectors.py wrap a query's SQL.
    sql, params = Person.objects.filter(pk=7).values("pk").query.sql_with_params()
    assert "SELECT" in sql and list(params) == [7]
    query = Person.objects.values_list("pk").query
    assert isinstance(query, Query)
    assert list(query.values_select) == ["pk"]
    assert query.is_sliced is False
    compiled, _params = query.get_compiler(connection=connection).as_sql()
    assert "SELECT" in compiled


def _insert_query_compiler() -> None:
    # campaigns/hotpath.py: one INSERT … ON CONFLICT DO NOTHING RETURNING from the compiler.
    query = InsertQuery(Person, on_conflict=OnConflict.IGNORE)
    fields = [Person._meta.get_field("first_name")]
    query.insert_values(fields, [Person()])
    compiler = query.get_compiler(DEFAULT_DB_ALIAS)
    assert hasattr(compiler, "returning_fields")
    statements = compiler.as_sql()
    assert len(statements) == 1 and "INSERT" in statements[0][0]


INTERNALS: dict[str, Callable[[], None]] = {
    "psycopg._copy_base.format_row_text + psycopg.adapt.Transformer": _psycopg_row_formatter,
    "Django CursorWrapper.cursor (psycopg Cursor.copy, Copy.write_row/write)": (
        _psycopg_cursor_copy
    ),
    "connection.ops.quote_name/adapt_datetimefield_value, Field.db_default": _django_ops,
    "Query.sql_with_params/values_select/is_sliced/get_compiler": _query_sql_with_params,
    "InsertQuery.insert_values + SQLInsertCompiler.returning_fields/as_sql": (
        _insert_query_compiler
    ),
}


def test_the_internals_the_fast_paths_rely_on_are_unchanged():
    broken = []
    for name, check in INTERNALS.items():
        try:
            check()
        except Exception as exc:  # each failure is reported by name
            broken.append(f"{name}: {type(exc).__name__}: {exc}")
    assert not broken, "changed internals:\n" + "\n".join(broken)
