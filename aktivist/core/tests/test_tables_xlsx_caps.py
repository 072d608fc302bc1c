"""XLSX files that would cost far more to read than they weigh, and damaged ones: refused
before openpyxl parses anything, quickly, with a message that says what to do (issue 15,
item 1). Every workbook is built here with openpyxl and zipfile."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path
from unittest import mock

import pytest

from aktivist.core.table_checks import FileRefused
from aktivist.core.tables import open_table
from aktivist.imports.tests.files_samples import write_xlsx

SHEET = "xl/worksheets/sheet1.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DAMAGED = "The Excel file is damaged or incomplete."


def workbook(
    path: Path,
    *,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
    rename: dict[str, str] | None = None,
    stored: bool = False,
) -> Path:
    """A real two-row workbook from openpyxl, with parts replaced, added or renamed."""
    original = write_xlsx(path.with_suffix(".orig.xlsx"), [["Namn", "Ort"], ["Åsa", "Lund"]])
    replace, add, rename = replace or {}, add or {}, rename or {}
    compression = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(path, "w", compression) as out:
        for info in source.infolist():
            data = replace.get(info.filename, source.read(info))
            for old, new in rename.items():
                data = data.replace(old.encode(), new.encode())
            out.writestr(rename.get(info.filename, info.filename), data)
        for name, data in add.items():
            out.writestr(name, data)
    return path


def sheet_xml(rows: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><sheetData>'
        f"{rows}</sheetData></worksheet>"
    ).encode()


def header_row() -> str:
    return (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Namn</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>Ort</t></is></c></row>'
    )


def refused_unparsed(path: Path) -> str:
    """The message of a file refused before openpyxl opened it, within a few seconds."""
    started = time.monotonic()
    with (
        mock.patch("openpyxl.load_workbook", side_effect=AssertionError("parsed")) as load,
        pytest.raises(FileRefused) as error,
    ):
        open_table(path, path.name)
    assert not load.called
    assert time.monotonic() - started < 5
    return error.value.message


def refused(path: Path) -> str:
    with pytest.raises(FileRefused) as error:
        open_table(path, path.name)
    return error.value.message


# --- Caps before parsing ------------------------------------------------------------------------


def test_one_cell_in_the_last_column_on_many_rows_is_refused_before_parsing(tmp_path):
    # 400 rows × 16,384 columns: 6.5 million cells as openpyxl lays them out, from 30 KB.
    rows = header_row() + "".join(
        f'<row r="{n}"><c r="XFD{n}" t="inlineStr"><is><t>x</t></is></c></row>'
        for n in range(2, 402)
    )
    path = workbook(tmp_path / "wide.xlsx", replace={SHEET: sheet_xml(rows)})
    assert path.stat().st_size < 100_000
    message = refused_unparsed(path)
    assert message.startswith("The Excel file has more than 5 000 000 cells.")


def test_the_cell_cap_is_a_setting(tmp_path, settings):
    settings.IMPORT_MAX_CELLS = 100
    rows = header_row() + "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c>'
        f'<c r="B{n}" t="inlineStr"><is><t>y</t></is></c></row>'
        for n in range(2, 60)
    )
    path = workbook(tmp_path / "many.xlsx", replace={SHEET: sheet_xml(rows)})
    assert refused_unparsed(path).startswith("The Excel file has more than 100 cells.")


def test_single_quoted_cell_references_are_counted_too(tmp_path):
    rows = header_row() + "".join(
        f"<row r='{n}'><c r='XFD{n}'><v>1</v></c></row>" for n in range(2, 402)
    )
    path = workbook(tmp_path / "quotes.xlsx", replace={SHEET: sheet_xml(rows)})
    assert "more than 5 000 000 cells" in refused_unparsed(path)


def test_a_worksheet_stored_under_another_name_is_counted_too(tmp_path):
    # openpyxl finds the worksheet through the workbook's relationships, not by its name.
    hide = {SHEET: "xl/data/people.bin"}
    small = header_row() + '<row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>2</v></c></row>'
    path = workbook(tmp_path / "small.xlsx", replace={SHEET: sheet_xml(small)}, rename=hide)
    with zipfile.ZipFile(path) as archive:
        assert SHEET not in archive.namelist()
    assert open_table(path, "small.xlsx").sample() == [["1", "2"]]  # openpyxl reads it

    rows = header_row() + "".join(
        f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>' for n in range(2, 402)
    )
    path = workbook(tmp_path / "hidden.xlsx", replace={SHEET: sheet_xml(rows)}, rename=hide)
    assert "more than 5 000 000 cells" in refused_unparsed(path)


def test_highly_compressed_shared_strings_are_refused_before_parsing(tmp_path):
    strings = b"<si><t>a</t></si>" * 200_000  # 3.4 MB that packs into a few KB
    shared = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}">'.encode()
        + strings
        + b"</sst>"
    )
    path = workbook(tmp_path / "bomb.xlsx", add={"xl/sharedStrings.xml": shared})
    assert path.stat().st_size < 100_000
    message = refused_unparsed(path)
    assert message.startswith("The Excel file is packed unusually tightly")
    assert "Save it as CSV" in message


def test_too_many_shared_strings_are_refused(tmp_path, settings):
    settings.IMPORT_MAX_CELLS = 1000
    shared = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}">'.encode()
        + b"".join(f"<si><t>{n}</t></si>".encode() for n in range(2000))
        + b"</sst>"
    )
    path = workbook(tmp_path / "strings.xlsx", add={"xl/sharedStrings.xml": shared})
    assert refused_unparsed(path).startswith("The Excel file has more than 1 000 cells.")


def test_the_unpacked_size_is_capped(tmp_path, settings):
    settings.IMPORT_MAX_UNPACKED_MB = 1
    filler = b"".join(f"<!-- {n:08x} -->".encode() for n in range(120_000))  # 2 MB
    path = workbook(tmp_path / "large.xlsx", add={"xl/filler.xml": filler})
    assert refused_unparsed(path).startswith("The Excel file unpacks to more than 1 MB.")


def test_a_run_of_unclosed_tags_is_judged_in_linear_time(tmp_path):
    # Each "<c " looked ahead to the end of the part for an r attribute: quadratic time.
    path = workbook(tmp_path / "tags.xlsx", replace={SHEET: b"<c " * 300_000})
    assert refused_unparsed(path).startswith(DAMAGED)


def test_an_ordinary_workbook_is_still_read(tmp_path):
    path = workbook(tmp_path / "fine.xlsx")
    table = open_table(path, "fine.xlsx")
    assert table.headers == ["Namn", "Ort"]
    assert list(table.rows()) == [(2, ["Åsa", "Lund"])]


# --- Damaged files ---------------------------------------------------------------------------


def test_a_truncated_workbook_is_damaged(tmp_path):
    path = workbook(tmp_path / "whole.xlsx")
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert refused(cut).startswith(DAMAGED)


def test_a_workbook_with_a_wrong_checksum_is_damaged(tmp_path):
    rows = header_row() + '<row r="2"><c r="A2" t="inlineStr"><is><t>Åsa</t></is></c></row>'
    path = workbook(tmp_path / "crc.xlsx", replace={SHEET: sheet_xml(rows)}, stored=True)
    data = bytearray(path.read_bytes())
    at = data.index("Åsa".encode())
    data[at + 2] ^= 0x01  # "Åsa" → "Åra": still XML, but not what the checksum says
    path.write_bytes(bytes(data))
    assert refused(path).startswith(DAMAGED)


@pytest.mark.parametrize(
    "content",
    [
        b"this is not XML at all",
        b"<worksheet><sheetData><row><c><v>1</v></c>",  # cut off
        "<?xml version='1.0' encoding='UTF-16'?><worksheet/>".encode("utf-16"),
        b"\x00\x01\x02\x03 binary",
    ],
)
def test_a_worksheet_that_is_not_xml_is_damaged(tmp_path, content):
    path = workbook(tmp_path / "sheet.xlsx", replace={SHEET: content})
    assert refused(path).startswith(DAMAGED)


def test_the_message_of_a_damaged_file_names_no_path_or_exception(tmp_path):
    path = workbook(tmp_path / "sheet.xlsx", replace={SHEET: b"<worksheet><oops"})
    message = refused(path)
    assert str(tmp_path) not in message
    assert "sheet.xlsx" not in message
    assert "Error" not in message and "line 1" not in message
