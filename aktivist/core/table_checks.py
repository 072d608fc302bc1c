"""What refuses an uploaded table as a whole (``core/tables.py`` reads the rest):
``FileRefused`` and its messages in the user's language, the size limit, and the caps on
an XLSX checked before openpyxl parses anything.

An XLSX is a ZIP of XML parts, and a small one can unpack to gigabytes or to millions of
cells. ``check_workbook`` reads the archive's central directory (the unpacked size of
every XML part, and how strongly each is compressed) and streams each worksheet's XML
once, counting its cells the way openpyxl would lay them out — refusing the file before
the first cell is parsed when it is over ``IMPORT_MAX_UNPACKED_MB`` or
``IMPORT_MAX_CELLS``. No message ever quotes an exception, a path or a temporary file
name."""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Iterator

from django.conf import settings
from django.utils.translation import gettext as _

XML_CHUNK_BYTES = 1 << 20  # a worksheet's XML is streamed in pieces of this size
# What Excel itself allows: a cell beyond these is a damaged (or crafted) file.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
# A part that unpacks to more than this may not be compressed more than
# IMPORT_MAX_COMPRESSION_RATIO times (a real sheet is 5–20 times; small parts may be more).
RATIO_FLOOR_BYTES = 1 << 20
MAX_TAG_BYTES = 1 << 20  # one XML tag longer than this is not a worksheet


class FileRefused(Exception):
    """The file as a whole cannot be imported; ``message`` says why, in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def refused_binary() -> FileRefused:
    return FileRefused(_("This is not a CSV or Excel file (it contains binary data)."))


def refused_damaged_xlsx() -> FileRefused:
    return FileRefused(
        _(
            "The Excel file is damaged or incomplete. Open it in Excel, save it again as "
            ".xlsx (or as CSV) and upload it again."
        )
    )


def refused_password_protected() -> FileRefused:
    return FileRefused(
        _(
            "This is an old Excel file (.xls) or a password-protected one. Save it as "
            ".xlsx or CSV without a password and upload it."
        )
    )


def refused_too_many_cells(limit: int) -> FileRefused:
    return FileRefused(
        _(
            "The Excel file has more than %(cells)s cells. Split it into smaller files, or "
            "save it as CSV, and upload again."
        )
        % {"cells": f"{limit:,}".replace(",", " ")}
    )


def max_cells() -> int:
    return int(getattr(settings, "IMPORT_MAX_CELLS", 5_000_000))


def refuse_too_large(size: int) -> None:
    limit = getattr(settings, "IMPORT_MAX_FILE_BYTES", 512 * 1024 * 1024)
    if size > limit:
        raise FileRefused(
            _("The file is larger than %(size)s MB.") % {"size": limit // (1024 * 1024)}
        )


# --- The caps on an XLSX, checked before openpyxl parses anything ----------------------------

# A <row> or <c> start tag (any namespace prefix) and its r attribute ("B12" or "12"). The
# look-ahead stops at the next "<" as well as at ">", so a crafted run of unclosed tags
# costs linear time, not quadratic.
_SHEET_TAG = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])"
    rb"(?:(?=[^<>]*?\sr\s*=\s*[\"']([A-Za-z]*)(\d*)[\"']))?"
)
_SHARED_STRING_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si(?=[\s/>])")
_UTF8_BOM_AND_SPACE = re.compile(rb"(?:\xef\xbb\xbf)?\s*")
PEEK_BYTES = 512
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _column_number(letters: bytes, cache: dict[bytes, int]) -> int:
    number = cache.get(letters)
    if number is None:
        if len(letters) > 3:  # XFD is the last column Excel has
            raise refused_damaged_xlsx()
        number = 0
        for ch in letters.upper():
            number = number * 26 + ch - 64
        cache[letters] = number
    return number


def _xml_chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's XML in pieces that never cut a tag in two (each ends before a "<")."""
    carry = b""
    with archive.open(info) as part:
        while chunk := part.read(XML_CHUNK_BYTES):
            buffer = carry + chunk
            cut = buffer.rfind(b"<")
            if cut <= buffer.rfind(b">"):  # every tag in it is closed
                carry = b""
                yield buffer
                continue
            carry = buffer[cut:]
            if len(carry) > MAX_TAG_BYTES:
                raise refused_damaged_xlsx()
            yield buffer[:cut]
    if carry:
        yield carry


def _is_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether openpyxl could parse the part as XML. UTF-16 or UTF-32 XML (which Excel never
    writes) is refused as damaged: the cell count below reads bytes as UTF-8."""
    with archive.open(info) as part:
        head = part.read(PEEK_BYTES)
    if head.startswith((b"<\x00", b"\x00<", b"\x00\x00\x00<")):
        raise refused_damaged_xlsx()
    for bom, encoding in _WIDE_BOMS:
        if head.startswith(bom):
            if head.decode(encoding, errors="ignore").lstrip("\ufeff \t\r\n").startswith("<"):
                raise refused_damaged_xlsx()
            return False
    start = _UTF8_BOM_AND_SPACE.match(head)
    return head[start.end() if start else 0 :].startswith(b"<")


def _count_cells(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> None:
    """Stream the part's XML and count the cells openpyxl would hand out were it the sheet
    that is read: every row is as wide as its last cell (the cells before it come as empty
    values); missing rows come as empty rows. Count its shared strings too. Refuses the file
    as soon as either count is over ``limit``, or a cell lies beyond what Excel allows."""
    cells = 0
    strings = 0
    width = 0
    column = 0
    row = 0
    letters_cache: dict[bytes, int] = {}
    for chunk in _xml_chunks(archive, info):
        strings += len(_SHARED_STRING_TAG.findall(chunk))
        if strings > limit:
            raise refused_too_many_cells(limit)
        for tag, letters, digits in _SHEET_TAG.findall(chunk):
            if tag == b"c":
                column = _column_number(letters, letters_cache) if letters else column + 1
                if column > width:
                    if column > EXCEL_MAX_COLUMNS:
                        raise refused_damaged_xlsx()
                    width = column
                continue
            cells += width
            if cells > limit:
                raise refused_too_many_cells(limit)
            width = column = 0
            if len(digits) >= 9:
                raise refused_damaged_xlsx()
            number = int(digits) if digits else row + 1
            if number > EXCEL_MAX_ROWS:
                raise refused_damaged_xlsx()
            row = max(row + 1, number)
    if cells + width > limit:
        raise refused_too_many_cells(limit)


def check_workbook(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook that would cost more than the caps to read, from its central
    directory and one streamed pass over its XML parts, before openpyxl parses any of it.

    * a password-protected (encrypted) part: refused, it cannot be read;
    * every part counts with its unpacked size (zipfile never hands out more than the
      directory states, so the stated sizes are the ones that can be read): together at
      most ``IMPORT_MAX_UNPACKED_MB``; a large part compressed more than
      ``IMPORT_MAX_COMPRESSION_RATIO`` times (a zip bomb) is refused outright;
    * every XML part, whatever its name (the workbook's relationships, not the names,
      say which part is a worksheet or the shared strings), at most ``IMPORT_MAX_CELLS``
      cells counted as openpyxl lays them out (a single cell in column XFD makes a row of
      16,384), and at most as many shared strings.
    """
    max_bytes = int(getattr(settings, "IMPORT_MAX_UNPACKED_MB", 500)) * 1024 * 1024
    max_ratio = float(getattr(settings, "IMPORT_MAX_COMPRESSION_RATIO", 100))
    limit = max_cells()
    total = 0
    parts = archive.infolist()
    for info in parts:
        if info.flag_bits & 0x1:
            raise refused_password_protected()
        total += info.file_size
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > max_ratio * max(
            info.compress_size, 1
        ):
            raise FileRefused(
                _(
                    "The Excel file is packed unusually tightly (it would unpack to %(size)s "
                    "MB), so it is not read. Save it as CSV and upload that instead."
                )
                % {"size": max(1, info.file_size // (1024 * 1024))}
            )
    if total > max_bytes:
        raise FileRefused(
            _(
                "The Excel file unpacks to more than %(size)s MB. Save it as CSV, or split it "
                "into smaller files, and upload again."
            )
            % {"size": max_bytes // (1024 * 1024)}
        )
    for info in parts:
        if not info.is_dir() and _is_xml(archive, info):
            _count_cells(archive, info, limit)
