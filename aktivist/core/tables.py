"""Reading an uploaded table: CSV/TXT in whatever encoding and delimiter Excel, a register
or a lead form wrote, and XLSX — streamed, so a 200 MB file costs little memory. The import
of people and the attendance upload read their files here.

``open_table(path, filename)`` looks at the whole file once (size, binary content, strict
UTF-8), then returns a ``Table`` whose ``rows()`` re-reads it lazily. Problems with the file
as a whole raise ``FileRefused``; problems with single rows (ragged rows, bad values) are
the reader's business (the import's ``rows.clean_row``).

An XLSX is a ZIP of XML parts, and a small one can unpack to gigabytes or to millions of
cells: before openpyxl opens one, ``table_checks.check_workbook`` refuses it when it is
over ``IMPORT_MAX_UNPACKED_MB`` or ``IMPORT_MAX_CELLS``. Reading the rows counts the cells
again, as a backstop. No message ever quotes an exception, a path or a temporary file name.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import os
import re
import zipfile
from collections.abc import Generator, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aktivist.core.table_checks import (
    FileRefused,
    check_workbook,
    max_cells,
    refuse_too_large,
    refused_binary,
    refused_damaged_xlsx,
    refused_password_protected,
    refused_too_many_cells,
)
from aktivist.lib.normalise import se_mobile_fast
from aktivist.lib.personnummer import is_personnummer

CHUNK_BYTES = 1 << 20
SAMPLE_BYTES = 64 * 1024
# The first column of a copy that keeps each row's line number (CsvTable(line_column=True)).
LINE_COLUMN = "_line"
MAX_STATED_COLUMNS = 500

_ZIP = b"PK\x03\x04"
_EMPTY_ZIP = b"PK\x05\x06"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc, password-protected .xlsx
# Formats people upload by mistake; anything else binary is caught by its NUL bytes.
_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"\x1f\x8b",
    b"7z\xbc\xaf",
    b"Rar!",
    b"\x7fELF",
    b"SQLite format 3",
    b"{\\rtf",
)
_CONTROL = frozenset(range(32)) - {9, 10, 12, 13, 26}  # tab, newlines, form feed, Ctrl-Z
_DELIMITERS = ("\t", ";", ",")  # the order breaks ties: tabs and semicolons rarely are data
_SEP_LINE = re.compile(r"sep=(.)\s*")  # Excel's "sep=;" first line
_MARKUP = re.compile(
    rb"(?:\xef\xbb\xbf)?\s*<(?:!doctype\s+html|html|table|\?xml|head|body)", re.IGNORECASE
)
_EMAIL_LIKE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _looks_like_data(header: str) -> bool:
    """An email address, a Swedish mobile or a personnummer is data, never a column name."""
    return bool(_EMAIL_LIKE.fullmatch(header) or se_mobile_fast(header) or is_personnummer(header))


class Table:
    """An opened file: ``headers`` and a re-iterable stream of data rows."""

    kind: str  # "csv" or "xlsx"
    encoding: str
    delimiter: str
    headers: list[str]
    header_line: int

    def __init__(self, path: Path, *, kind: str, encoding: str = "", delimiter: str = "") -> None:
        self.path = path
        self.kind = kind
        self.encoding = encoding
        self.delimiter = delimiter
        self.headers = []
        self.header_line = 0
        self._min_width = 0  # columns the file says it has (XLSX), header cells or not

    def _records(self) -> Generator[tuple[int, list[str]], None, None]:
        """Every record of the file with its line number, the header and empty ones too."""
        raise NotImplementedError

    def _read_header(self) -> None:
        records = self._records()
        try:
            for line, cells in records:
                if "".join(cells).strip():
                    self.header_line = line
                    missing = self._min_width - len(cells)
                    self.headers = clean_headers(cells + [""] * missing if missing > 0 else cells)
                    break
            else:
                raise FileRefused(_("The file is empty."))
            for _line, cells in records:
                if "".join(cells).strip():
                    break
            else:
                raise FileRefused(_("The file has a header row but no rows of data."))
        finally:
            records.close()
        if any(_looks_like_data(h) for h in self.headers):
            raise FileRefused(
                _(
                    "The file has no header row: its first row holds data such as an email "
                    "address or a phone number. Add a row with the column names at the top."
                )
            )

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """``(line, cells)`` for every data row, streamed; completely empty rows are
        skipped (their line numbers too, so ``line`` stays the spreadsheet's row number)."""
        header_line = self.header_line
        for line, cells in self._records():
            if line > header_line and "".join(cells).strip():
                yield line, cells

    def sample(self, n: int = 20) -> list[list[str]]:
        """The first ``n`` data rows (for guessing the mapping and the preview)."""
        return [cells for _line, cells in islice(self.rows(), n)]


class CsvTable(Table):
    def __init__(
        self,
        path: Path,
        *,
        encoding: str,
        delimiter: str,
        skip_first_line: bool = False,
        line_column: bool = False,
    ) -> None:
        super().__init__(path, kind="csv", encoding=encoding, delimiter=delimiter)
        self._skip_first_line = skip_first_line
        self._line_column = line_column

    def _records(self) -> Generator[tuple[int, list[str]], None, None]:
        # The scan of open_table proved a plain "utf-8" file valid; elsewhere a stray byte
        # becomes U+FFFD instead of stopping the import half-way.
        with open(self.path, encoding=self.encoding, errors="replace", newline="") as f:
            reader = csv.reader(f, delimiter=self.delimiter)
            record = 0
            try:
                if self._skip_first_line:
                    next(reader, None)  # "sep=;": Excel hides it, so it has no row number
                if self._line_column:
                    # The kept copy: its first column is the original line number.
                    for cells in reader:
                        if not cells:
                            continue
                        if cells[0] == LINE_COLUMN:
                            yield 1, cells[1:]
                        else:
                            yield int(cells[0]), cells[1:]
                    return
                for cells in reader:
                    record += 1
                    yield record, cells
            except csv.Error as error:
                # The csv module's own words are not shown (they are English and technical).
                if "field larger than field limit" in str(error):
                    raise FileRefused(
                        _(
                            "Line %(line)s cannot be read: a cell is longer than %(max)s "
                            "characters, most often because a quotation mark is never closed."
                        )
                        % {"line": record + 1, "max": f"{csv.field_size_limit():,}"}
                    ) from None
                raise FileRefused(
                    _(
                        "Line %(line)s cannot be read; most often a quotation mark that is "
                        "never closed."
                    )
                    % {"line": record + 1}
                ) from None


class XlsxTable(Table):
    def __init__(self, path: Path) -> None:
        super().__init__(path, kind="xlsx", encoding="", delimiter="")

    def _records(self) -> Generator[tuple[int, list[str]], None, None]:
        # openpyxl is imported only when an XLSX is read: it is large, and most processes
        # never read one.
        import openpyxl

        # A file object, not the name: openpyxl would refuse an XLSX renamed .csv.
        source = open(self.path, "rb")  # closed in finally
        try:
            workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds on a damaged file; none is shown
            source.close()
            raise refused_damaged_xlsx() from None
        try:
            if not workbook.worksheets:
                raise FileRefused(_("The Excel file has no worksheet."))
            sheet = workbook.worksheets[0]
            # A column with data and no header is a column (named "Column N"), not a ragged
            # row: take the width the sheet states, within reason …
            self._min_width = min(sheet.max_column or 0, MAX_STATED_COLUMNS)
            sheet.reset_dimensions()  # … but read the rows as they are, not as it states
            text = _xlsx_text
            limit = max_cells()
            cells = 0
            rows = sheet.iter_rows(values_only=True)
            line = 0
            while True:
                try:
                    values = next(rows, None)
                except Exception:  # a part that is damaged further in (XML, CRC, zlib)
                    raise refused_damaged_xlsx() from None
                if values is None:
                    break
                line += 1
                cells += len(values)
                if cells > limit:  # the backstop of check_workbook's count
                    raise refused_too_many_cells(limit)
                yield line, [text(v) for v in values]
        finally:
            workbook.close()
            source.close()


def _xlsx_text(value: Any) -> str:
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        return value
    if kind is int:
        return str(value)
    if kind is float:
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return format(value, ".15g")  # what Excel shows, not 0.30000000000000004
    if kind is dt.datetime:
        return value.date().isoformat()
    if kind is dt.date or kind is dt.time:
        return value.isoformat()
    if kind is bool:
        return "TRUE" if value else "FALSE"
    return str(value)


def clean_headers(cells: Sequence[str]) -> list[str]:
    """Stripped, single-spaced headers; an empty one becomes "Column N", a repeated one
    "Name (2)", so that every header names one column."""
    headers: list[str] = []
    seen: set[str] = set()
    for number, cell in enumerate(cells, start=1):
        header = " ".join(cell.replace("\ufeff", "").split()) or f"Column {number}"
        unique, copy = header, 1
        while unique in seen:
            copy += 1
            unique = f"{header} ({copy})"
        seen.add(unique)
        headers.append(unique)
    return headers


# --- Detection -----------------------------------------------------------------------------


def _open_zip(path: Path) -> XlsxTable:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = b""
            info = archive.getinfo("mimetype") if "mimetype" in names else None
            if info is not None and info.file_size <= 1024 and not info.flag_bits & 0x1:
                mimetype = archive.read(info)
            if "xl/workbook.xml" in names:
                check_workbook(archive)
    except FileRefused:
        raise
    except Exception:  # a truncated or damaged archive (BadZipFile, zlib, CRC, EOF …)
        raise refused_damaged_xlsx() from None
    if "xl/workbook.xml" in names:
        return XlsxTable(path)
    if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        raise FileRefused(
            _("This is an OpenDocument spreadsheet (.ods). Save it as .xlsx or CSV and upload it.")
        )
    csv_count = sum(1 for name in names if name.lower().endswith(".csv"))
    if csv_count:  # Mailchimp's audience export: subscribed, unsubscribed and cleaned files
        raise FileRefused(
            ngettext(
                "This is a ZIP archive holding %(count)s CSV file. Unpack it and upload the "
                "CSV file.",
                "This is a ZIP archive holding %(count)s CSV files (Mailchimp's audience "
                "export is one). Unpack it and upload each CSV file on its own.",
                csv_count,
            )
            % {"count": csv_count}
        )
    raise FileRefused(_("This is a ZIP archive, not a CSV or Excel file."))


def _utf16_without_bom(sample: bytes) -> str | None:
    """A UTF-16 file whose BOM got lost: every other byte of Latin text is NUL."""
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even, odd = sample[0 : 2 * pairs : 2], sample[1 : 2 * pairs : 2]
    if odd.count(0) >= 0.9 * pairs and not even.count(0):
        return "utf-16-le"
    if even.count(0) >= 0.9 * pairs and not odd.count(0):
        return "utf-16-be"
    return None


def _scan_8bit(path: Path, first: bytes) -> str:
    """One streamed pass over the whole file: refuse binary content, and choose UTF-8 when
    every byte of it is valid UTF-8, else Windows-1252 (as Excel writes CSV)."""
    if sum(1 for b in first if b in _CONTROL) > max(8, len(first) // 100):
        raise refused_binary()
    decoder: codecs.IncrementalDecoder | None = codecs.getincrementaldecoder("utf-8")("strict")
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            if b"\0" in chunk:
                raise refused_binary()
            if decoder is not None and not chunk.isascii():
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    decoder = None
        if decoder is not None:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                decoder = None
    return "utf-8" if decoder is not None else "cp1252"


def _guess_delimiter(text: str) -> str:
    """The delimiter among tab, semicolon and comma whose count outside quotes is the same
    on the header line and most of the next lines (csv.Sniffer guesses letters and
    spaces); a file with none of them has one column."""
    records: list[dict[str, int]] = []
    counts = dict.fromkeys(_DELIMITERS, 0)
    in_quotes = False
    blank = True
    for ch in text:
        if ch == '"':
            in_quotes = not in_quotes
        elif in_quotes:
            pass
        elif ch in counts:
            counts[ch] += 1
        elif ch == "\n" or ch == "\r":
            if not blank:
                records.append(counts)
                if len(records) >= 30:
                    break
            counts = dict.fromkeys(_DELIMITERS, 0)
            blank = True
            continue
        blank = False
    else:
        if not blank:
            records.append(counts)
    if not records:
        return ","
    header, rest = records[0], records[1:]
    best, best_score = ",", (0.0, 0)
    for delimiter in _DELIMITERS:
        expected = header[delimiter]
        if not expected:
            continue
        agreeing = sum(1 for r in rest if r[delimiter] == expected) / len(rest) if rest else 1.0
        score = (round(agreeing, 1), expected)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def open_table(path: str | Path, filename: str) -> Table:
    """Open an uploaded file. Raises ``FileRefused`` for empty, binary, unreadable or too
    large files and for files without a header row or without data rows. The content
    decides how the file is read, not ``filename``: an XLSX renamed .csv is read as XLSX,
    a web page named .xls is refused as one."""
    path = Path(path)
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            first = f.read(SAMPLE_BYTES)
    except OSError:
        raise FileRefused(_("The file cannot be read.")) from None
    if size == 0:
        raise FileRefused(_("The file is empty."))
    refuse_too_large(size)

    table: Table
    if first.startswith((_ZIP, _EMPTY_ZIP)):
        table = _open_zip(path)  # also an XLSX someone renamed .csv
    elif first.startswith(_OLE):
        raise refused_password_protected()
    elif first.startswith(_MAGIC):
        raise refused_binary()
    elif _MARKUP.match(first[:1024]):
        raise FileRefused(
            _(
                "This is a web page or an XML file, not a CSV or Excel file (some systems "
                "name such exports %(name)s). Open it in Excel and save it as .xlsx or CSV."
            )
            % {"name": os.path.splitext(filename)[1] or ".xls"}
        )
    else:
        table = _open_text(path, first)
    table._read_header()
    return table


def _open_text(path: Path, first: bytes) -> CsvTable:
    if first.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
        _scan_8bit(path, first)  # for binary content only: the BOM says UTF-8
    elif first.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        encoding = "utf-32"
    elif first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif b"\0" in first:
        encoding = _utf16_without_bom(first) or ""
        if not encoding:
            raise refused_binary()
    else:
        encoding = _scan_8bit(path, first)

    text = first.decode(encoding, errors="ignore")
    if len(first) == SAMPLE_BYTES:  # cut the sample at its last complete line
        cut = max(text.rfind("\n"), text.rfind("\r"))
        text = text[:cut] if cut > 0 else text
    first_line = text.lstrip("\ufeff").split("\n", 1)[0].strip()
    if (sep := _SEP_LINE.fullmatch(first_line)) is not None:
        return CsvTable(path, encoding=encoding, delimiter=sep[1], skip_first_line=True)
    return CsvTable(path, encoding=encoding, delimiter=_guess_delimiter(text))
