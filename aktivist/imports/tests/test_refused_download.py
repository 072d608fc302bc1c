"""The refused-rows download is written like every other export (issue 16, item 6): UTF-8
with a BOM, ``;`` between fields, the file's own columns followed by the row's line and the
reason, those two headers in the viewer's language, formula cells neutralised."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from aktivist.core.spreadsheets import CSV_BOM, CSV_DELIMITER, csv_stream
from aktivist.imports.tests.import_helpers import import_file, media, write_csv
from aktivist.people.models import Person

__all__ = ["media"]

pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture
def refused_batch(personas: Any, world: Any, tmp_path: Path) -> Any:
    path = write_csv(
        tmp_path,
        [
            ("Ok", "Person", "ok@example.org", "", "", ""),
            ("Nils", "Fel", "inte-en-adress", "+46 70-111 11 11", "", ""),
            ("=HYPERLINK(A1)", "Formel", "f@example.org", "", "", ""),
        ],
    )
    batch = import_file(personas.staff, path)
    assert batch.refused_count == 2
    return batch


def download(client: Any, batch: Any, **headers: Any) -> tuple[bytes, list[list[str]]]:
    response = client.get(reverse("imports:refused_csv", args=[batch.pk]), **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "refused.csv" in response["Content-Disposition"]
    raw = b"".join(response.streaming_content)
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_refused_rows_are_a_semicolon_csv_with_bom_and_swedish_labels(
    client_for: Any, personas: Any, refused_batch: Any
) -> None:
    raw, rows = download(client_for(personas.staff), refused_batch, HTTP_ACCEPT_LANGUAGE="sv")
    assert raw.startswith("\ufeff".encode())
    assert raw.split(b"\r\n", 1)[0].count(b";") == 7  # eight columns, every field quoted
    assert rows[0] == [
        "Förnamn",
        "Efternamn",
        "E-post",
        "Mobil",
        "Postnr",
        "Medlemsnummer",
        "Rad",
        "Orsak",
    ]
    assert [r[:3] for r in rows[1:]] == [
        ["Nils", "Fel", "inte-en-adress"],
        ["'=HYPERLINK(A1)", "Formel", "f@example.org"],  # neutralised as in every export
    ]
    assert [r[6] for r in rows[1:]] == ["3", "4"]
    reason = refused_batch.issues.get(line=3).reason
    assert rows[1][7] == reason and "inte-en-adress" in reason
    # The phone as text a spreadsheet keeps and a phone dials (no apostrophe, no number).
    assert rows[1][3] == "070-111 11 11"


def test_refused_rows_have_english_labels_for_an_english_viewer(
    client_for: Any, personas: Any, refused_batch: Any
) -> None:
    _raw, rows = download(client_for(personas.staff), refused_batch, HTTP_ACCEPT_LANGUAGE="en")
    assert rows[0][-2:] == ["Line", "Reason"]
    assert rows[0][:2] == ["Förnamn", "Efternamn"]  # the file's own headers stay


def test_the_people_export_and_the_refused_rows_share_one_dialect(
    client_for: Any, personas: Any, refused_batch: Any
) -> None:
    raw, _rows = download(client_for(personas.staff), refused_batch, HTTP_ACCEPT_LANGUAGE="sv")
    header = b"".join(csv_stream(iter([]), ["Förnamn"]))
    assert header.startswith(CSV_BOM.encode()) and raw.startswith(
        header[:-2] + CSV_DELIMITER.encode()
    )


def test_a_corrected_download_imports_again(
    client_for: Any, personas: Any, refused_batch: Any, tmp_path: Path
) -> None:
    raw, _rows = download(client_for(personas.staff), refused_batch, HTTP_ACCEPT_LANGUAGE="sv")
    fixed = tmp_path / "fixed.csv"
    fixed.write_bytes(
        raw.replace(b"inte-en-adress", b"nils.fel@example.org").replace(
            b"'=HYPERLINK(A1)", b"Frida"
        )
    )
    again = import_file(personas.staff, fixed)
    assert again.refused_count == 0 and again.created_count == 2
    nils = Person.objects.get(email="nils.fel@example.org")
    assert nils.mobile == "+46701111111"
    assert Person.objects.filter(first_name="Frida", last_name="Formel").exists()
    # "Rad" and "Orsak" were left unmapped.
    assert {again.mapping["Rad"], again.mapping["Orsak"]} == {""}
