"""``field__in_array=<subquery>``: like ``__in``, written for PostgreSQL as
``field = ANY(ARRAY(subquery))``.

A plain ``IN (subquery)`` inside an OR becomes a hashed subplan that PostgreSQL probes for
every row of a sequential scan. ``= ANY(ARRAY(…))`` runs the subquery once and is an index
condition, so ``home_unit_id = ANY(…) OR id = ANY(…)`` becomes a BitmapOr of index scans
that can be ANDed with other indexed conditions. Use it for sets of moderate size (the
people a scoped account may see: their units' members, roles, registrations), never for a
set of a million ids. Other databases get the plain ``IN``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Field, Lookup
from django.db.models.fields.related import ForeignObject


class InArray(Lookup):
    lookup_name = "in_array"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        query = getattr(self.rhs, "query", self.rhs)
        if hasattr(query, "clear_ordering"):
            query.clear_ordering(force=True)  # a set: its order is work for nothing
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if not rhs.startswith("("):
            rhs = f"({rhs})"
        params = [*lhs_params, *rhs_params]
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(ARRAY{rhs})", params
        return f"{lhs} IN {rhs}", params


def register() -> None:
    Field.register_lookup(InArray)
    ForeignObject.register_lookup(InArray)
