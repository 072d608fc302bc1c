"""People out to CSV or XLSX: chosen columns, formula-escaped, scoped and audited.

``export_people(actor=…, queryset=…, columns=[…], fmt="csv"|"xlsx", description=…)``
takes the people list's queryset (``people_search`` + ``compile_tree``), records one
``people.export`` audit event with the row count and returns an
:class:`~aktivist.core.spreadsheets.ExportFile`.

Decisions:

* **Written as every download is** (``aktivist/core/spreadsheets.py``): CSV for Swedish
  Excel (UTF-8 with BOM, ``;``, every field quoted), formula injection neutralised, phones
  written so that they stay dialable; XLSX with string cells.
* **Values are raw** (codes such as ``member`` and ``sv``, ISO dates, E.164 phones); only
  the header row is in the user's language.
* **Bounded work**: rows are read as values with ``.iterator(chunk_size=2000)``; the home
  unit comes by join and the tags by one query per chunk of 2,000. CSV is generated while it is sent
  (a streaming response); XLSX is written by openpyxl's write-only workbook into an
  anonymous temporary file that disappears when the response closes it.
* **Audit first**: the count and the audit event are written in one transaction before a
  byte leaves, so an interrupted download is still on record. The details hold the count,
  columns, format, the filter description and tree — never the search text or any value.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise, lazy
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.accounts.access import scope_for
from aktivist.core import audit, reads
from aktivist.core.exceptions import ApplicationError
from aktivist.core.spreadsheets import (
    CONTENT_TYPES,
    FORMATS,
    XLSX_MAX_ROWS,
    ExportFile,
    csv_stream,
    write_xlsx,
)
from aktivist.people.models import Person, Tagging
from aktivist.people.scoping import person_scope_q

CHUNK_SIZE = 2000

# Column key → header. The model fields reuse their verbose names (one translation each).
EXPORT_COLUMNS: dict[str, Promise] = {
    "id": gettext_lazy("ID"),
    "first_name": gettext_lazy("first name"),
    "last_name": gettext_lazy("last name"),
    "email": gettext_lazy("email"),
    "mobile": gettext_lazy("mobile"),
    "other_phone": gettext_lazy("other phone"),
    "street_address": gettext_lazy("street address"),
    "postcode": gettext_lazy("postcode"),
    "city": gettext_lazy("city"),
    "municipality": gettext_lazy("municipality"),
    "birth_year": gettext_lazy("birth year"),
    "language": gettext_lazy("language"),
    "membership_status": gettext_lazy("membership status"),
    "member_since": gettext_lazy("member since"),
    "membership_ended_on": gettext_lazy("membership ended"),
    "member_number": gettext_lazy("member number"),
    "home_unit": gettext_lazy("home unit"),
    "source": gettext_lazy("source"),
    "tags": gettext_lazy("tags"),
    "created_at": gettext_lazy("Added"),
}

DEFAULT_COLUMNS: list[str] = [
    "first_name",
    "last_name",
    "email",
    "mobile",
    "postcode",
    "municipality",
    "membership_status",
    "home_unit",
    "tags",
]


def column_label(key: str) -> str:
    """The column's header in the active language, capitalised."""
    return capfirst(str(EXPORT_COLUMNS[key]))


column_label_lazy = lazy(column_label, str)


Row = dict[str, Any]


def _created_at(value: datetime.datetime) -> datetime.datetime:
    # Local wall-clock time without zone: Excel has no time zones.
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0)


# Column key → the database value it reads (values() keys) and how it becomes a cell value.
# Text columns turn NULL into "", numbers and dates stay typed; tags are read per chunk.
_SOURCES: dict[str, str] = {"home_unit": "home_unit__name"}
_TYPED = {"id", "birth_year", "member_since", "membership_ended_on"}


def _reader(column: str) -> Callable[[Row], Any]:
    source = _SOURCES.get(column, column)
    if column == "created_at":
        return lambda row: _created_at(row[source])
    if column in _TYPED:
        return lambda row: row[source]
    return lambda row: row[source] or ""


def _tag_names(person_ids: list[int]) -> dict[int, str]:
    """Each person's tag names, sorted and comma-separated: one query for a chunk."""
    names: dict[int, list[str]] = defaultdict(list)
    taggings = (
        Tagging.objects.filter(person_id__in=person_ids)
        .order_by("tag__name")
        .values_list("person_id", "tag__name")
    )
    for person_id, name in taggings:
        names[person_id].append(name)
    return {person_id: ", ".join(tags) for person_id, tags in names.items()}


def _value_rows(queryset: QuerySet[Person], columns: list[str]) -> Iterator[list[Any]]:
    """The chosen columns' values, person by person, in the list's order: the rows come from
    ``.values().iterator(chunk_size=CHUNK_SIZE)`` (the home unit by join), the tags from one
    query per chunk."""
    sources = {"id"} | {_SOURCES.get(c, c) for c in columns if c != "tags"}
    rows = queryset.values(*sorted(sources)).iterator(chunk_size=CHUNK_SIZE)
    readers = [None if c == "tags" else _reader(c) for c in columns]
    with_tags = "tags" in columns
    for chunk in _chunks(rows, CHUNK_SIZE):
        tags = _tag_names([row["id"] for row in chunk]) if with_tags else {}
        for row in chunk:
            yield [tags.get(row["id"], "") if read is None else read(row) for read in readers]


def _chunks(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _clean_columns(columns: Sequence[str]) -> list[str]:
    unknown = [c for c in columns if c not in EXPORT_COLUMNS]
    if unknown:
        raise ApplicationError(_("Unknown export columns: %(columns)s") % {"columns": unknown})
    chosen = list(dict.fromkeys(columns))
    if not chosen:
        raise ApplicationError(_("Choose at least one column."))
    return chosen


def _within_scope(actor: Any, queryset: QuerySet[Person]) -> QuerySet[Person]:
    """The caller's queryset (from the scoped selectors) once more limited to the actor's
    scope, so that no caller can export beyond it. The scope conditions are subqueries, so
    repeating them never duplicates rows."""
    scope = scope_for(actor)
    if not scope.sees_people:
        raise ApplicationError(_("You cannot export people."))
    queryset = queryset.filter(is_active=True)
    q = person_scope_q(scope)
    return queryset.filter(q) if q is not None else queryset


def export_people(
    *,
    actor: Any,
    queryset: QuerySet[Person],
    columns: Sequence[str],
    fmt: str,
    description: str,
    filters: Mapping[str, Any] | None = None,
) -> ExportFile:
    """Export the people of ``queryset`` (built with ``people_search`` /
    ``people_visible_to`` and ``compile_tree``; limited to the actor's scope again here).

    ``description`` says in words what was filtered, without personal data (no search
    text); ``filters`` is the segment tree (ids only). Raises ApplicationError for unknown
    columns, a format other than csv/xlsx, or more rows than an Excel sheet holds."""
    if fmt not in FORMATS:
        raise ApplicationError(_("Unknown export format."))
    chosen = _clean_columns(columns)
    queryset = _within_scope(actor, queryset)
    with transaction.atomic():
        rows = queryset.count()
        if fmt == "xlsx" and rows > XLSX_MAX_ROWS:
            raise ApplicationError(
                _(
                    "%(count)s people are more than an Excel sheet holds; "
                    "choose CSV for this export."
                )
                % {"count": rows}
            )
        audit.record(
            actor=actor,
            verb="people.export",
            object_type="people.person",
            details={
                "rows": rows,
                "columns": chosen,
                "format": fmt,
                "description": description,
                "filters": dict(filters) if filters else None,
            },
        )
        # And one row per person in the file (one INSERT … SELECT): "who saw her?".
        reads.record_reads(
            actor=actor, verb=reads.EXPORT, person_ids=queryset, details={"export": "people.export"}
        )
    headers = [column_label(c) for c in chosen]
    people = _value_rows(queryset, chosen)
    filename = f"aktivist-personer-{timezone.localdate().isoformat()}.{fmt}"
    if fmt == "csv":
        return ExportFile(
            filename=filename,
            content_type=CONTENT_TYPES["csv"],
            rows=rows,
            stream=csv_stream(people, headers),
        )
    return ExportFile(
        filename=filename,
        content_type=CONTENT_TYPES["xlsx"],
        rows=rows,
        file=write_xlsx(people, headers, title=_("People")),
    )
