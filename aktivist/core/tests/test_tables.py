"""Reading an uploaded table (core/tables.py): encodings, delimiters, XLSX, refusals."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from aktivist.core.table_checks import FileRefused
from aktivist.core.tables import open_table
from aktivist.imports.tests.files_samples import (
    SWEDISH_HEADER,
    SWEDISH_ROWS,
    write_text,
    write_xlsx,
)

ROWS = [SWEDISH_HEADER, *SWEDISH_ROWS]


def refused(path: Path, filename: str = "people.csv") -> str:
    with pytest.raises(FileRefused) as error:
        open_table(path, filename)
    return error.value.message


# --- Encodings and delimiters ----------------------------------------------------------------


def test_utf8_without_bom_with_commas(tmp_path):
    table = open_table(write_text(tmp_path / "a.csv", ROWS, delimiter=",", encoding="utf-8"), "a")
    assert (table.kind, table.encoding, table.delimiter) == ("csv", "utf-8", ",")
    assert table.headers == SWEDISH_HEADER
    assert list(table.rows()) == [(2, SWEDISH_ROWS[0]), (3, SWEDISH_ROWS[1])]


def test_utf8_with_bom_leaves_no_bom_in_the_first_header(tmp_path):
    path = write_text(tmp_path / "a.csv", ROWS, delimiter=";", encoding="utf-8-sig")
    table = open_table(path, "a.csv")
    assert table.encoding == "utf-8-sig"
    assert table.delimiter == ";"
    assert table.headers[0] == "Förnamn"


def test_utf16_le_with_bom_and_tabs_as_facebook_lead_forms_export(tmp_path):
    rows = [
        ["id", "created_time", "full_name", "email", "phone_number"],
        ["l:1", "2026-11-02T10:00:00+0100", "Åsa Öberg", "asa@example.se", "+46701234567"],
    ]
    path = tmp_path / "leads.csv"
    path.write_bytes(b"\xff\xfe" + "\r\n".join("\t".join(r) for r in rows).encode("utf-16-le"))
    table = open_table(path, "leads.csv")
    assert (table.encoding, table.delimiter) == ("utf-16", "\t")
    assert table.headers == rows[0]
    assert list(table.rows()) == [(2, rows[1])]


def test_utf16_without_bom_is_still_recognised(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes("Namn\tE-post\r\nÅsa\tasa@example.se\r\n".encode("utf-16-le"))
    table = open_table(path, "a.csv")
    assert table.encoding == "utf-16-le"
    assert table.sample() == [["Åsa", "asa@example.se"]]


def test_windows_1252_with_semicolons_and_swedish_letters(tmp_path):
    path = write_text(tmp_path / "excel.csv", ROWS, delimiter=";", encoding="cp1252")
    table = open_table(path, "excel.csv")
    assert (table.encoding, table.delimiter) == ("cp1252", ";")
    assert table.headers == SWEDISH_HEADER
    assert [cells for _line, cells in table.rows()] == SWEDISH_ROWS


def test_a_windows_1252_byte_far_into_a_utf8_looking_file_makes_it_windows_1252(tmp_path):
    lines = ["Namn;Ort"] + [f"Person {i};Lund" for i in range(20_000)] + ["Åsa;Malmö"]
    path = tmp_path / "late.csv"
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    table = open_table(path, "late.csv")
    assert table.encoding == "cp1252"
    assert list(table.rows())[-1][1] == ["Åsa", "Malmö"]


def test_semicolons_win_when_addresses_hold_unquoted_commas(tmp_path):
    rows = [
        ["Namn", "Adress", "Ort"],
        ["Åsa", "Storgatan 1, lgh 1102", "Lund"],
        ["Bo", "Lillgatan 2", "Lund"],
        ["Cia", "Torget 3, 2 tr, c/o Berg", "Lund"],
    ]
    path = write_text(tmp_path / "a.csv", rows, delimiter=";", encoding="utf-8")
    assert open_table(path, "a.csv").delimiter == ";"


def test_commas_inside_quotes_do_not_decide_the_delimiter(tmp_path):
    text = 'Namn,Adress;Ort,Tags\r\nÅsa,"Storgatan 1; lgh 2",x\r\nBo,"a;b;c",y\r\n'
    path = tmp_path / "a.csv"
    path.write_text(text, encoding="utf-8")
    table = open_table(path, "a.csv")
    assert table.delimiter == ","
    assert table.headers == ["Namn", "Adress;Ort", "Tags"]


def test_a_single_column_file_has_one_header(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("E-post\nasa@example.se\nbo@example.se\n", encoding="utf-8")
    table = open_table(path, "a.csv")
    assert table.headers == ["E-post"]
    assert table.sample() == [["asa@example.se"], ["bo@example.se"]]


def test_excel_sep_line_names_the_delimiter_and_is_not_the_header(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("sep=;\r\nNamn;Ort\r\nÅsa;Lund, Sverige\r\n", encoding="utf-8")
    table = open_table(path, "a.csv")
    assert table.delimiter == ";"
    assert table.headers == ["Namn", "Ort"]
    assert list(table.rows()) == [(2, ["Åsa", "Lund, Sverige"])]  # as Excel numbers it


# --- Lines, headers, rows ----------------------------------------------------------------------


def test_line_is_the_spreadsheet_row_and_empty_rows_are_skipped(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("\r\nNamn;Ort\r\nÅsa;Lund\r\n;\r\n\r\n  ;  \r\nBo;Malmö\r\n", encoding="utf-8")
    table = open_table(path, "a.csv")
    assert table.header_line == 2
    assert list(table.rows()) == [(3, ["Åsa", "Lund"]), (7, ["Bo", "Malmö"])]


def test_a_quoted_cell_over_several_lines_is_one_row(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('Namn,Adress\r\nÅsa,"Storgatan 1\r\nlgh 1102"\r\nBo,Torget\r\n', "utf-8")
    rows = list(open_table(path, "a.csv").rows())
    assert rows == [(2, ["Åsa", "Storgatan 1\r\nlgh 1102"]), (3, ["Bo", "Torget"])]


def test_headers_are_stripped_and_empty_or_repeated_ones_named(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(" Namn ;;Telefon;Telefon;E-post\n\nÅsa;;1;2;a@b.se\n", "utf-8")
    table = open_table(path, "a.csv")
    assert table.headers == ["Namn", "Column 2", "Telefon", "Telefon (2)", "E-post"]


def test_ragged_rows_are_rows_not_a_file_error(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("Namn;Ort\nÅsa;Lund;extra;more\nBo\n", "utf-8")
    table = open_table(path, "a.csv")
    assert list(table.rows()) == [(2, ["Åsa", "Lund", "extra", "more"]), (3, ["Bo"])]


def test_sample_gives_the_first_rows_and_rows_can_be_read_again(tmp_path):
    rows = [["Namn"]] + [[f"P{i}"] for i in range(50)]
    table = open_table(write_text(tmp_path / "a.csv", rows, delimiter=",", encoding="utf-8"), "")
    assert table.sample(3) == [["P0"], ["P1"], ["P2"]]
    assert len(table.sample()) == 20
    assert len(list(table.rows())) == len(list(table.rows())) == 50


# --- XLSX ----------------------------------------------------------------------------------


def test_xlsx_dates_become_iso_and_integer_phones_lose_no_digits(tmp_path):
    path = write_xlsx(
        tmp_path / "register.xlsx",
        [
            ["Förnamn", "Mobil", "Medlem sedan", "Belopp", None],
            ["Åsa", 701234567, dt.datetime(2023, 10, 31, 0, 0), 12.5, None],  # noqa: DTZ001  (Excel cells have no time zone)
            [None, None, None, None, None],
            ["Bo", 46701234567.0, dt.date(2020, 1, 2), 100.0, True],
        ],
    )
    table = open_table(path, "register.xlsx")
    assert table.kind == "xlsx"
    assert table.headers == ["Förnamn", "Mobil", "Medlem sedan", "Belopp", "Column 5"]
    assert list(table.rows()) == [
        (2, ["Åsa", "701234567", "2023-10-31", "12.5"]),  # a short row: trailing cells empty
        (4, ["Bo", "46701234567", "2020-01-02", "100", "TRUE"]),
    ]


def test_an_xlsx_renamed_csv_is_read_as_xlsx(tmp_path):
    path = write_xlsx(tmp_path / "people.csv", [["Namn", "Ort"], ["Åsa", "Lund"]])
    table = open_table(path, "people.csv")
    assert table.kind == "xlsx"
    assert table.sample() == [["Åsa", "Lund"]]


def test_only_the_first_worksheet_is_read(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    first = workbook.active
    assert first is not None
    first.append(["Namn"])
    first.append(["Åsa"])
    second = workbook.create_sheet("Andra")
    second.append(["Annat"])
    second.append(["Bo"])
    workbook.active = 1
    workbook.save(tmp_path / "two.xlsx")
    assert open_table(tmp_path / "two.xlsx", "two.xlsx").sample() == [["Åsa"]]


# --- Refused files -----------------------------------------------------------------------------


def test_an_empty_file_is_refused(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"")
    assert refused(tmp_path / "a.csv") == "The file is empty."


def test_a_file_of_blank_lines_and_delimiters_is_empty(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"\xef\xbb\xbf\r\n;;\r\n  \r\n")
    assert refused(tmp_path / "a.csv") == "The file is empty."


def test_a_header_without_rows_is_refused(tmp_path):
    (tmp_path / "a.csv").write_text("Förnamn;Efternamn;E-post\r\n\r\n", "utf-8")
    assert refused(tmp_path / "a.csv") == "The file has a header row but no rows of data."


def test_a_file_that_starts_with_data_has_no_header_row(tmp_path):
    (tmp_path / "a.csv").write_text("Åsa;asa@example.se;0701234567\nBo;bo@example.se;\n", "utf-8")
    assert refused(tmp_path / "a.csv").startswith("The file has no header row")


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        b"Namn;Ort\nAsa;Lund\x00\x00\x01\x02\n",
        bytes(range(1, 32)) * 40,
    ],
    ids=["png", "pdf", "jpeg", "nul-bytes", "control-characters"],
)
def test_binary_renamed_csv_is_refused(tmp_path, content):
    (tmp_path / "a.csv").write_bytes(content)
    assert refused(tmp_path / "a.csv") == (
        "This is not a CSV or Excel file (it contains binary data)."
    )


def test_a_nul_byte_deep_in_the_file_is_found(tmp_path):
    body = "Namn;Ort\n" + "Åsa;Lund\n" * 200_000
    (tmp_path / "a.csv").write_bytes(body.encode() + b"\x00\x00\x00")
    assert "binary" in refused(tmp_path / "a.csv")


@pytest.mark.parametrize(
    "content",
    [
        b"<html><body><table><tr><td>Namn</td></tr></table></body></html>",
        b"\xef\xbb\xbf\r\n<!DOCTYPE html>\n<html>",
        b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">',
    ],
    ids=["html-table", "html-with-bom", "excel-2003-xml"],
)
def test_a_web_page_named_xls_is_refused_with_what_to_do(tmp_path, content):
    (tmp_path / "export.xls").write_bytes(content)
    message = refused(tmp_path / "export.xls", "export.xls")
    assert message.startswith("This is a web page or an XML file")
    assert ".xls" in message


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "a.csv", "w") as archive:
        archive.writestr("people.csv", "Namn\nÅsa\n")
    assert refused(tmp_path / "a.csv") == (
        "This is a ZIP archive holding 1 CSV file. Unpack it and upload the CSV file."
    )
    with zipfile.ZipFile(tmp_path / "b.zip", "w") as archive:
        archive.writestr("people.txt", "Namn\nÅsa\n")
    assert refused(tmp_path / "b.zip") == "This is a ZIP archive, not a CSV or Excel file."


def test_an_old_xls_file_is_refused_with_what_to_do(tmp_path):
    (tmp_path / "a.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    assert ".xlsx or CSV" in refused(tmp_path / "a.xls", "a.xls")


def test_a_damaged_workbook_is_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "a.xlsx", "w") as archive:
        archive.writestr("xl/workbook.xml", "<not really/>")
    # No exception text, no path: what the user can do about it.
    assert refused(tmp_path / "a.xlsx", "a.xlsx").startswith("The Excel file is damaged")


def test_a_file_over_the_limit_is_refused(tmp_path, settings):
    settings.IMPORT_MAX_FILE_BYTES = 2 * 1024 * 1024
    path = tmp_path / "big.csv"
    path.write_bytes(b"Namn\n" + b"x" * (3 * 1024 * 1024))
    assert refused(path) == "The file is larger than 2 MB."


def test_an_unclosed_quote_is_a_clear_error_not_a_crash(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('Namn,Ort\nÅsa,Lund\nBo,"Malmö\n' + "x,y\n" * 40_000, "utf-8")
    table = open_table(path, "a.csv")
    with pytest.raises(FileRefused) as error:
        list(table.rows())
    assert "Line 3 cannot be read" in error.value.message


# --- The kept copy -----------------------------------------------------------------------------
