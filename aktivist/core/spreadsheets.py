"""Writing spreadsheets: CSV for Swedish Excel and XLSX, formula-escaped, phones dialable.

Every download of rows (the people export, refused import rows, event lists, reports, the
audit log) is written here: ``csv_stream(rows, headers)`` yields the bytes while the
response is sent; ``write_xlsx(rows, headers, title=…)`` writes a workbook into an
anonymous temporary file. ``ExportFile`` carries either to the view.

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
* **Bounded memory**: CSV is generated while it is sent (a streaming response), flushed
  every 64 KiB; XLSX is written by openpyxl's write-only workbook into an anonymous
  temporary file that disappears when the response closes it.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from aktivist.lib.normalise import format_phone, normalise_phone

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


def write_xlsx(rows: Iterator[list[Any]], headers: list[str], *, title: str) -> IO[bytes]:
    """One sheet named ``title`` (cut to Excel's 31 characters), a bold header row frozen
    at the top, then the rows; an open anonymous temporary file at offset 0."""
    # openpyxl is imported only when a workbook is written: it is large, and most
    # processes (workers, the scheduler) never write one.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
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

    output = tempfile.TemporaryFile(suffix=".xlsx")  # the response closes it
    try:
        workbook.save(output)
        output.seek(0)
    except BaseException:
        output.close()
        raise
    return output
