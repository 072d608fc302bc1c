"""A Zetkin list ("view") download as CSV, imported with the guessed mapping (issue 16).

Layout: docs/peer-exports.md section 5 — zetkin/app.zetkin.org src/pages/api/views/download.ts
(the header is "ID" and each column's title, upper-cased for CSV; written by SheetJS:
comma, quoted when needed, UTF-8 with BOM), the default column titles of src/locale/sv.yml
and src/core/i18n/globalMessageIds.ts (Förnamn, Efternamn, E-post, Telefonnummer,
Alternativt telefonnummer, Adress, C/o-adress, Postnummer, Ort, Land, Kön, Externt ID;
English: First Name, Last Name, Email, Phone Number, Alternate Phone Number, Address,
C/O Address, Post Code, City, Country, Gender, External ID), and PersonTagColumnType's
cellToString: a tag column is headed by the tag's name and holds "true"/"false".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aktivist.imports.tests.import_helpers import counts, import_file, media
from aktivist.imports.tests.peer_helpers import created_people, expected_person, write_export
from aktivist.people.models import Person, Tag

__all__ = ["media"]

pytestmark = pytest.mark.usefixtures("media")

SWEDISH = ["ID", "FÖRNAMN", "EFTERNAMN", "E-POST", "TELEFONNUMMER",
           "ALTERNATIVT TELEFONNUMMER", "ADRESS", "C/O-ADRESS", "POSTNUMMER", "ORT", "LAND",
           "KÖN", "EXTERNT ID", "AKTIVIST", "NYHETSBREV", "SKOSTORLEK"]  # fmt: skip
ENGLISH = ["ID", "FIRST NAME", "LAST NAME", "EMAIL", "PHONE NUMBER", "ALTERNATE PHONE NUMBER",
           "ADDRESS", "C/O ADDRESS", "POST CODE", "CITY", "COUNTRY", "GENDER", "EXTERNAL ID",
           "VOLUNTEER"]  # fmt: skip

# The last column is a value tag (its value, or "false").
SWEDISH_ROWS = [
    ["1", "Åsa", "Öberg", "asa@example.org", "+46701234567", "+4686543210", "Storgatan 1",
     "", "113 51", "Stockholm", "Sverige", "f", "M-1", "true", "true", "38"],
    ["2", "Björn", "Ärlig", "bjorn@example.org", "+4686543211", "+46702223344", "Gränden 2",
     "c/o Lind", "41301", "Göteborg", "Sverige", "m", "", "false", "true", "false"],
    ["3", "Лейла", "Алиева", "leila@example.net", "0049301234567", "", "", "", "211 45",
     "Malmö", "", "f", "", "true", "false", "false"],
    ["4", "Wei", "Zhang", "wei@example.com", "", "0705556677", "", "", "", "", "", "o", "",
     "true", "false", "false"],
    ["5", "Ölvir", "Åberg", "olvir@example.org", "0737778899", "0738889900", "", "", "90325",
     "Umeå", "Sverige", "m", "", "false", "false", "false"],
    ["6", "Fatima", "Yusuf", "", "+46 76 111 22 33", "", "", "", "", "", "", "f", "", "true",
     "true", "false"],
]  # fmt: skip

ENGLISH_ROWS = [
    ["7", "Clara", "Zetkin", "clara@example.org", "0049301234567", "+4915112345678",
     "Kleine Alexanderstraße 28", "", "10178", "Berlin", "Germany", "f", "12", "true"],
    ["8", "Rosa", "Lindqvist", "rosa@example.org", "08-123 456 78", "070-999 88 77", "",
     "c/o Holm", "123 45", "Farsta", "Sweden", "f", "45", "false"],
]  # fmt: skip


def _download(directory: Path, header: list[str], rows: list[list[str]], name: str) -> Path:
    return write_export(directory / name, header, rows, bom=True, line_end="\n")


def test_a_zetkin_list_in_swedish_comes_in_with_every_person_right(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    Tag.objects.create(name="Nyhetsbrev")  # an existing tag: the upper-cased header finds it
    path = _download(tmp_path, SWEDISH, SWEDISH_ROWS, "Aktivister-2026-11-30T10:00:00.000Z.csv")
    batch = import_file(personas.admin, path)

    assert counts(batch) == {"created": 6, "updated": 0, "unchanged": 0, "refused": 0, "held": 0}
    assert batch.mapping == {
        "ID": "",  # Zetkin's own id: not a member number
        "FÖRNAMN": "first_name",
        "EFTERNAMN": "last_name",
        "E-POST": "email",
        "TELEFONNUMMER": "mobile",  # mostly mobiles; the number decides each row
        "ALTERNATIVT TELEFONNUMMER": "other_phone",
        "ADRESS": "street_address",
        "C/O-ADRESS": "address_line_2",
        "POSTNUMMER": "postcode",
        "ORT": "city",
        "LAND": "",
        "KÖN": "",
        "EXTERNT ID": "",
        "AKTIVIST": "tag_flag",
        "NYHETSBREV": "tag_flag",
        "SKOSTORLEK": "",  # a value tag's values, not a yes/no
    }
    assert created_people(batch) == {
        "asa@example.org": expected_person(
            "Åsa", "Öberg", "+46701234567", "+4686543210", "11351", ["Aktivist", "Nyhetsbrev"]
        ),
        "bjorn@example.org": expected_person(
            "Björn", "Ärlig", "+46702223344", "+4686543211", "41301", ["Nyhetsbrev"]
        ),
        "leila@example.net": expected_person(
            "Лейла", "Алиева", None, "+49301234567", "21145", ["Aktivist"]
        ),
        "wei@example.com": expected_person("Wei", "Zhang", "+46705556677", "", "", ["Aktivist"]),
        "olvir@example.org": expected_person(
            "Ölvir", "Åberg", "+46737778899", "+46738889900", "90325", []
        ),
        "Fatima Yusuf": expected_person(
            "Fatima", "Yusuf", "+46761112233", "", "", ["Aktivist", "Nyhetsbrev"]
        ),
    }
    bjorn = Person.objects.get(email="bjorn@example.org")
    assert (bjorn.street_address, bjorn.city) == ("Gränden 2, c/o Lind", "Göteborg")


def test_a_zetkin_list_in_english_comes_in_with_every_person_right(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    path = _download(tmp_path, ENGLISH, ENGLISH_ROWS, "Volunteers-2026-11-30T10:00:00.000Z.csv")
    batch = import_file(personas.admin, path)

    assert counts(batch)["created"] == 2
    assert {h: f for h, f in batch.mapping.items() if f} == {
        "FIRST NAME": "first_name",
        "LAST NAME": "last_name",
        "EMAIL": "email",
        "PHONE NUMBER": "other_phone",
        "ALTERNATE PHONE NUMBER": "other_phone",
        "ADDRESS": "street_address",
        "C/O ADDRESS": "address_line_2",
        "POST CODE": "postcode",
        "CITY": "city",
        "VOLUNTEER": "tag_flag",
    }
    assert created_people(batch) == {
        "clara@example.org": expected_person(
            "Clara", "Zetkin", "+4915112345678", "+49301234567", "10178", ["Volunteer"]
        ),
        "rosa@example.org": expected_person(
            "Rosa", "Lindqvist", "+46709998877", "+46812345678", "12345", []
        ),
    }
