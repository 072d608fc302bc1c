"""Small generated files for the reading tests, written as the tools that make them do."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from aktivist.lib.personnummer import luhn_check_digit

SWEDISH_HEADER = ["Förnamn", "Efternamn", "E-post", "Mobil", "Postnr", "Ort"]
SWEDISH_ROWS = [
    ["Åsa", "Öberg", "asa@example.se", "070-123 45 67", "211 45", "Malmö"],
    ["Märta", "Ärlig", "marta@example.se", "0731234567", "412 58", "Göteborg"],
]


def write_text(path: Path, rows: list[list[str]], *, delimiter: str, encoding: str) -> Path:
    """Rows joined by the delimiter, CRLF line ends, encoded (a BOM when the codec adds one)."""
    text = "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def personnummer(
    born: dt.date, serial: int = 123, *, separator: str = "-", long: bool = False
) -> str:
    """A valid personnummer for someone born on ``born`` (YYMMDD-NNNC or YYYYMMDDNNNC)."""
    nine = f"{born:%y%m%d}{serial:03d}"
    check = luhn_check_digit(nine)
    if long:
        return f"{born:%Y%m%d}{separator if separator == '-' else ''}{serial:03d}{check}"
    return f"{born:%y%m%d}{separator}{serial:03d}{check}"
