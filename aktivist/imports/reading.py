"""The copy of an upload that a batch keeps, read back as the upload was.

The upload itself is read by ``aktivist/core/tables.py`` (``open_table``: encodings,
delimiters, XLSX and its caps). The copy a batch keeps is written by
``write_sanitised_csv``: UTF-8, comma-delimited, the original line number in a first column
``_line``, personal identity number columns left out (only the birth year taken from them
survives, in ``_birth_year``).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path

from aktivist.core.table_columns import BIRTH_YEAR_COLUMN
from aktivist.core.tables import LINE_COLUMN, CsvTable, Table
from aktivist.lib.personnummer import birth_year_from_id_column


def write_sanitised_csv(
    table: Table,
    dest_path: str | Path,
    *,
    drop_columns: Sequence[int],
    birth_year_column: int | None = None,
    today: dt.date | None = None,
) -> int:
    """Write the copy of the upload that the batch keeps and return the rows written:
    UTF-8, comma-delimited, ``_line`` first, the dropped columns (personal identity numbers)
    left out of every row. With ``birth_year_column`` (the index of a personnummer column)
    a ``_birth_year`` column carries the birth year taken from it and nothing else.
    Ragged rows stay ragged, so cleaning the copy refuses the same rows as the original."""
    drop = frozenset(drop_columns)
    keep = [i for i in range(len(table.headers)) if i not in drop]
    header = [LINE_COLUMN]
    if birth_year_column is not None:
        header.append(BIRTH_YEAR_COLUMN)
    header.extend(table.headers[i] for i in keep)
    written = 0
    with open(dest_path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for line, cells in table.rows():
            out = [str(line)]
            if birth_year_column is not None:
                pnr = cells[birth_year_column] if birth_year_column < len(cells) else ""
                year = birth_year_from_id_column(pnr, today) if pnr.strip() else None
                out.append("" if year is None else str(year))
            if drop:
                out.extend(cell for i, cell in enumerate(cells) if i not in drop)
            else:
                out.extend(cells)
            writer.writerow(out)
            written += 1
    return written


def open_sanitised_table(path: str | Path) -> Table:
    """The kept copy as a ``Table``: ``_line`` is not a header but each row's line number,
    so the runner cleans it with the same code as the upload."""
    table = CsvTable(Path(path), encoding="utf-8", delimiter=",", line_column=True)
    for _line, cells in table._records():
        table.headers = list(cells)
        table.header_line = 1
        break
    return table


def read_sanitised_csv(path: str | Path) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, {header: value})`` for every row of the kept copy (for refused rows and
    the review queue). Cells beyond the header are given as "Column N"."""
    table = open_sanitised_table(path)
    headers = table.headers
    width = len(headers)
    for line, cells in table.rows():
        row = dict(zip(headers, cells, strict=False))
        if len(cells) < width:
            row.update(dict.fromkeys(headers[len(cells) :], ""))
        for i in range(width, len(cells)):
            row[f"Column {i + 1}"] = cells[i]
        yield line, row
