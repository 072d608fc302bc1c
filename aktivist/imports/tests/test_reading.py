"""The copy of an upload a batch keeps (imports/reading.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tracemalloc
from pathlib import Path

import pytest

from aktivist.core.table_checks import FileRefused
from aktivist.core.tables import open_table
from aktivist.imports.reading import (
    open_sanitised_table,
    read_sanitised_csv,
    write_sanitised_csv,
)
from aktivist.imports.tests.files_samples import (
    SWEDISH_HEADER,
    SWEDISH_ROWS,
    personnummer,
    write_text,
    write_xlsx,
)

ROWS = [SWEDISH_HEADER, *SWEDISH_ROWS]


def refused(path: Path, filename: str = "people.csv") -> str:
    with pytest.raises(FileRefused) as error:
        open_table(path, filename)
    return error.value.message


# --- Encodings and delimiters ----------------------------------------------------------------


def test_the_kept_copy_has_no_personnummer_and_keeps_lines_and_birth_years(tmp_path):
    pnr = personnummer(dt.date(1981, 12, 18))
    rows = [
        ["Namn", "Personnummer", "E-post"],
        ["Åsa", pnr, "asa@example.se"],
        ["", "", ""],
        ["Bo", "", "bo@example.se", "extra"],
    ]
    table = open_table(write_text(tmp_path / "a.csv", rows, delimiter=";", encoding="cp1252"), "")
    kept = tmp_path / "kept.csv"
    assert write_sanitised_csv(table, kept, drop_columns=[1], birth_year_column=1) == 2

    raw = kept.read_bytes()
    assert pnr.encode() not in raw and pnr[:6].encode() not in raw
    assert list(csv.reader(io.StringIO(raw.decode("utf-8")))) == [
        ["_line", "_birth_year", "Namn", "E-post"],
        ["2", "1981", "Åsa", "asa@example.se"],
        ["4", "", "Bo", "bo@example.se", "extra"],
    ]
    assert list(read_sanitised_csv(kept)) == [
        (2, {"_birth_year": "1981", "Namn": "Åsa", "E-post": "asa@example.se"}),
        (4, {"_birth_year": "", "Namn": "Bo", "E-post": "bo@example.se", "Column 4": "extra"}),
    ]
    copy = open_sanitised_table(kept)
    assert copy.headers == ["_birth_year", "Namn", "E-post"]
    assert list(copy.rows()) == [
        (2, ["1981", "Åsa", "asa@example.se"]),
        (4, ["", "Bo", "bo@example.se", "extra"]),
    ]


def test_the_kept_copy_keeps_awkward_cells_intact(tmp_path):
    rows = [["Namn", "Not"], ["Åsa", 'sa "hej", sen\nny rad'], ["Bo", "; ,\t'"]]
    table = open_table(write_xlsx(tmp_path / "a.xlsx", rows), "a.xlsx")
    kept = tmp_path / "kept.csv"
    write_sanitised_csv(table, kept, drop_columns=[])
    assert [cells for _line, cells in open_sanitised_table(kept).rows()] == rows[1:]


# --- Big files -----------------------------------------------------------------------------


def test_a_30_mb_file_streams_with_bounded_memory(tmp_path):
    path = tmp_path / "big.csv"
    # Long rows (a notes column) keep the test quick under tracemalloc, which slows every
    # allocation; the memory question is the same.
    note = "Ringde om sommarlägret, vill vara med i nästa aktion. " * 16
    row = "Åsa;Öberg;asa.oberg{}@example.se;070-123 45 67;Storgatan 12;211 45;Malmö;1985;{}\r\n"
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("Förnamn;Efternamn;E-post;Mobil;Adress;Postnr;Ort;Födelseår;Anteckning\r\n")
        chunk = "".join(row.format(i, note) for i in range(1_000))
        while f.tell() < 30 * 1024 * 1024:
            f.write(chunk)
    size = path.stat().st_size

    tracemalloc.start()
    try:
        table = open_table(path, "big.csv")
        count = sum(1 for _ in table.rows())
        write_sanitised_csv(table, tmp_path / "kept.csv", drop_columns=[3])
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count > 30_000
    assert peak < 8 * 2**20, f"peak {peak / 2**20:.1f} MiB for a {size / 2**20:.0f} MiB file"
