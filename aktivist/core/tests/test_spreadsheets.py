"""Writing spreadsheets (core/spreadsheets.py): formula escaping, and phones in CSV exports:
staff copy a number from the file opened in a spreadsheet straight
into a phone — no apostrophe, no lost "+", no number conversion — while real formulas stay
escaped. Checked by opening the files with LibreOffice headless, as Swedish and English
users' LibreOffice would."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from aktivist.core import spreadsheets
from aktivist.core.spreadsheets import FORMULA_TRIGGERS, escape_formula
from aktivist.lib.normalise import normalise_phone
from aktivist.people import export
from aktivist.people.selectors import people_visible_to
from aktivist.people.tests.factories import PersonFactory

# (what is stored or was in the file, what the export writes)
PHONES = [
    ("+46701234567", "070-123 45 67"),  # a Swedish mobile, E.164 as stored
    ("+46812345678", "08-123 456 78"),  # a Stockholm landline
    ("+46 70-111 11 11", "070-111 11 11"),  # as typed into an import file (refused rows)
    ("070-839 05 75", "070-839 05 75"),  # national form: text already, stays
    ("+442079460958", "(+44) 20 7946 0958"),
    ("+48512345678", "(+48) 512 345 678"),  # groups of three: still no number
    ("+12015550123", "(+1) 201-555-0123"),
]


def _csv_cells(stream) -> list[list[str]]:
    text = b"".join(stream).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def test_escape_formula_covers_every_trigger_and_leaves_the_rest():
    for trigger in FORMULA_TRIGGERS:
        assert escape_formula(f"{trigger}x") == f"'{trigger}x"
    for safe in ("", "Anna", "0701234567", "'already", " =x", "a=b"):
        assert escape_formula(safe) == safe


def test_a_phone_is_written_without_apostrophe_in_a_form_that_dials(db):
    rows = _csv_cells(spreadsheets.csv_stream(iter([[raw] for raw, _shown in PHONES]), ["Phone"]))
    assert [row[0] for row in rows[1:]] == [shown for _raw, shown in PHONES]
    for raw, shown in PHONES:
        assert normalise_phone(shown) == normalise_phone(raw)  # re-imports as the same number


def test_real_formulas_and_non_numbers_after_a_plus_stay_escaped(db):
    values = ["+46-70", "+1+1", "+4670", "+SUM(A1)", "-2+3", "=1+1", "@A1", "+46 70 (0)"]
    rows = _csv_cells(spreadsheets.csv_stream(iter([[v] for v in values]), ["Value"]))
    assert [row[0] for row in rows[1:]] == ["'" + v for v in values]


def test_the_people_export_writes_mobiles_as_dialable_text(personas, world):
    PersonFactory(first_name="Telefon", mobile="+46701234567", other_phone="+442079460958")
    result = export.export_people(
        actor=personas.staff,
        queryset=people_visible_to(personas.staff),
        columns=["first_name", "mobile", "other_phone"],
        fmt="csv",
        description="everyone",
    )
    rows = _csv_cells(result.stream)
    row = next(r for r in rows if r[0] == "Telefon")
    assert row[1:] == ["070-123 45 67", "(+44) 20 7946 0958"]


# --- Opened in LibreOffice -------------------------------------------------------------------

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice is not installed (apt-get install libreoffice-calc-nogui)",
)
@pytest.mark.parametrize(
    ("language", "special_numbers"), [(1053, "false"), (1053, "true"), (1033, "true")]
)
def test_libreoffice_opens_every_phone_as_the_text_written(db, tmp_path, language, special_numbers):
    """sv-SE (1053) and en-US (1033), with and without "detect special numbers"; the file as
    a double-click opens it: ";" separated, UTF-8, quoted fields not forced to text."""
    values = [raw for raw, _shown in PHONES] + ["=1+1", "+4670"]
    source = tmp_path / "export.csv"
    source.write_bytes(b"".join(spreadsheets.csv_stream(iter([[v] for v in values]), ["Phone"])))
    options = f"CSV:59,34,76,1,,{language},false,{special_numbers}"
    profile = tmp_path / "profile"
    completed = subprocess.run(  # fixed arguments
        [
            str(SOFFICE),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            f"--infilter={options}",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        timeout=180,
        env={**os.environ, "HOME": str(tmp_path)},
        check=False,
    )
    converted = Path(tmp_path / "export.xlsx")
    assert converted.exists(), completed.stderr.decode(errors="replace")
    sheet = openpyxl.load_workbook(converted).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    expected = [shown for _raw, shown in PHONES] + ["'=1+1", "'+4670"]
    assert [(cell.data_type, cell.value) for cell in cells] == [("s", v) for v in expected]
