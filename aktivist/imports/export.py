"""People out to CSV or XLSX: chosen columns, formula-escaped, scoped and audited.

``export_people(actor=…, queryset=…, columns=[…], fmt="csv"|"xlsx", description=…)``
takes the people list's queryset (``people_search`` + ``compile_tree``), records one
``people.export`` audit event with the row count and returns an :class:`ExportFile`.

Decisions:

* **CSV for Swedish Excel**: UTF-8 with a byte-order mark (Excel then reads å ä ö right),
  ``;`` as delimiter (Excel's list separator in the Swedish locale, where ``,`` is the decimal
  comma; a double-click opens the file in columns), every field quoted (RFC 4180), CRLF line
  ends. No ``sep=;`` line: Excel ignores the BOM when one is present.
* **Formula injection** (OWASP, ASVS 1.2.10): a CSV value that starts with ``=`` ``+`` ``-``
  ``@``, a tab, CR, LF or NUL (or their full-width forms) is prefixed with ``'``. In
  XLSX no value is altered: every text is written as a string cell (never a formula or an
  error value), and the risky ones carry Excel's quote-prefix style so that editing the
  cell does not turn it into a formula.
* **Phones a person can copy into a phone** (:func:`spreadsheet_phone`): a cell that is a
  valid phone number written as ``+`` and digits (E.164 ``+46701234567``, or
  ``+46 70-111 11 11`` in a refused row) is no formula, and is written the way spreadsheets
  keep as text — never ``'+46…`` (the apostrophe shows in LibreOffice and is copied along)
  and never bare ``+46701234567`` (Excel and LibreOffice read that as the number
  46701234567: the ``+`` and, for national numbers, the 0 are lost). Swedish numbers in
  national form ``070-839 05 75`` (the dash and spaces make it text; it dials as it is in
  Sweden), others in international form with the country code in brackets,
  ``(+44) 20 7946 0958``: a leading ``+`` would start a formula in Excel, and a Swedish
  LibreOffice reads ``+48 512 345 678`` (groups of three) as the number 48512345678;
  phones drop the brackets and spaces when the number is pasted. Our importer's phone
  normaliser reads both back to the same E.164. A national form such as
  ``070-839 05 75`` is text already and stays as it is.
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

import csv
import datetime
import io
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

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
from aktivist.lib.normalise import format_phone, normalise_phone
from aktivist.people.models import Person, Tagging
from aktivist.people.scoping import person_scope_q

CHUNK_SIZE = 2000
CSV_DELIMITER = ";"
CSV_BOM = "\ufeff"
CSV_FLUSH_BYTES = 64 * 1024
# Excel holds 1,048,576 rows per sheet, one of them the header.
XLSX_MAX_ROWS = 1_048_575

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# Characters that make a spreadsheet read a cell as a formula when they come first
# (OWASP CSV injection; ASVS 1.2.10), with the full-width forms some versions also accept.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "＝", "＋", "－", "＠")

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


@dataclass
class ExportFile:
    """A finished export. CSV: ``stream`` yields the bytes while the response is sent.
    XLSX: ``file`` is an open anonymous temporary file at offset 0 (closing it deletes it).
    ``rows`` is the count recorded in the audit event."""

    filename: str
    content_type: str
    rows: int
    stream: Iterator[bytes] | None = None
    file: IO[bytes] | None = None


def escape_formula(value: str) -> str:
    """``'`` before a text a spreadsheet would read as a formula."""
    if value and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


# "+" followed only by digits, spaces and dashes: a phone number as people and E.164 write
# it (the dashes only between digits, so "+46-" or "+4--6" stay formula-escaped).
_PLUS_PHONE = re.compile(r"\+\d+(?:[ -]\d+)*")


def spreadsheet_phone(value: str) -> str | None:
    """A valid phone number written as ``+`` and digits, in the form spreadsheets keep as
    text (see the module's docstring): ``070-839 05 75`` for Swedish numbers,
    ``(+44) 20 7946 0958`` for others. None for anything else."""
    if not _PLUS_PHONE.fullmatch(value):
        return None
    e164 = normalise_phone(value)
    if e164 is None:
        return None
    formatted = format_phone(e164)  # national for the default region, else international
    if not formatted.startswith("+"):
        return formatted
    # "+48 512 345 678" would be a formula to Excel and, in groups of three, the number
    # 48512345678 to a Swedish LibreOffice: the country code in brackets is neither.
    country, _space, rest = formatted.partition(" ")
    return f"({country}) {rest}"


def csv_text(value: str) -> str:
    """A text cell for CSV: a phone in its spreadsheet-safe form, else formula-escaped."""
    if value[:1] == "+":
        phone = spreadsheet_phone(value)
        if phone is not None:
            return phone
    return escape_formula(value)


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
        file=_write_xlsx(people, headers),
    )


# --- CSV ------------------------------------------------------------------------------------


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return csv_text(str(value))


def csv_stream(rows: Iterator[list[Any]], headers: list[str]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=CSV_DELIMITER, quoting=csv.QUOTE_ALL, lineterminator="\r\n"
    )
    buffer.write(CSV_BOM)
    writer.writerow([escape_formula(h) for h in headers])
    for values in rows:
        writer.writerow([_csv_cell(value) for value in values])
        if buffer.tell() >= CSV_FLUSH_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


# --- XLSX -----------------------------------------------------------------------------------


def _write_xlsx(rows: Iterator[list[Any]], headers: list[str]) -> IO[bytes]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("People")[:31])
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(header) + 2)

    def text_cell(value: str) -> Any:
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if not (value.startswith(FORMULA_TRIGGERS) or value in ERROR_CODES):
            return value
        # openpyxl would store "=…" as a formula and "#N/A" as an error: force a string,
        # with Excel's quote prefix so that editing the cell keeps it text.
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell

    def date_cell(value: datetime.date) -> Any:
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = (
            "yyyy-mm-dd hh:mm:ss" if isinstance(value, datetime.datetime) else "yyyy-mm-dd"
        )
        return cell

    def cell_for(value: Any) -> Any:
        if isinstance(value, str):
            return text_cell(value)
        if isinstance(value, datetime.date):
            return date_cell(value)
        return value

    bold = Font(bold=True)
    header_row = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.data_type = "s"
        cell.font = bold
        header_row.append(cell)
    sheet.append(header_row)

    for values in rows:
        sheet.append([cell_for(value) for value in values])

    output = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the response closes it
    try:
        workbook.save(output)
        output.seek(0)
    except BaseException:
        output.close()
        raise
    return output
