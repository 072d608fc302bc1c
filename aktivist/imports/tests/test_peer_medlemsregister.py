"""A generic Swedish "Medlemsregister" export, as association register programs write one
(Föreningshuset, Sportadmin and the like), imported with the guessed mapping (issue 16).

Source: docs/peer-exports.md section 9b — NOT a confirmed layout: no public documentation or
code with these programs' export headers was found. The labels are the Swedish label family
those programs' users import elsewhere (the SSF timing tool's mapping accepts "Telefon",
"Mobil", "E-post", "Personnr"; id 7896503123); the file is what such a program typically
writes for Excel: ";" and Windows-1252, dates as YYYY-MM-DD, personnummer as YYMMDD-NNNN.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from aktivist.imports.models import ImportBatch
from aktivist.imports.tests.import_helpers import import_file, media
from aktivist.imports.tests.peer_helpers import (
    consents_of,
    created,
    row_of,
    tag_names,
    write_export,
)
from aktivist.people.models import Person

__all__ = ["media"]

pytestmark = pytest.mark.usefixtures("media")

HEADER = [
    "Medlemsnr",
    "Förnamn",
    "Efternamn",
    "Personnummer",
    "Adress",
    "Postnr",
    "Ort",
    "Telefon",
    "Mobil",
    "E-post",
    "Medlemstyp",
    "Medlem sedan",
    "Grupper",
    "Betalt t.o.m.",
]
MAPPED = {
    "Medlemsnr": "member_number",
    "Förnamn": "first_name",
    "Efternamn": "last_name",
    "Personnummer": "personnummer",
    "Adress": "street_address",
    "Postnr": "postcode",
    "Ort": "city",
    "Telefon": "other_phone",
    "Mobil": "mobile",
    "E-post": "email",
    "Medlemstyp": "membership_status",
    "Medlem sedan": "member_since",
    "Grupper": "tags",
}

ROWS = [
    [
        "101",
        "Åsa",
        "Öberg",
        "850312-1231",
        "Storgatan 1",
        "211 45",
        "Malmö",
        "040-12 34 56",
        "070-111 22 33",
        "asa@example.org",
        "Ordinarie",
        "2015-03-01",
        "Styrelsen, Nyhetsbrev",
        "2026-12-31",
    ],
    [
        "102",
        "Jörgen",
        "Ärlig",
        "920704-7896",
        "Kungsgatan 12",
        "903 25",
        "Umeå",
        "",
        "0737654321",
        "jorgen@example.org",
        "Hedersmedlem",
        "1999-11-01",
        "Nyhetsbrev",
        "",
    ],
    # The mobile in the phone column, no mobile column filled: the number decides.
    [
        "103",
        "Ñusta",
        "García Pérez",
        "011130-4564",
        "Östra vägen 3",
        "22100",
        "Lund",
        "0761234567",
        "",
        "nusta@example.com",
        "Ungdomsmedlem",
        "2021-09-01",
        "Ungdom",
        "2026-12-31",
    ],
    [
        "104",
        "Émile",
        "Dubois",
        "780101-2340",
        "Vasagatan 5",
        "111 22",
        "Stockholm",
        "08-123 456 78",
        "+33 6 12 34 56 78",
        "emile@example.net",
        "Familjemedlem",
        "2018-01-15",
        "",
        "2026-12-31",
    ],
    [
        "105",
        "Märta",
        "Løvås",
        "990606-1115",
        "",
        "753 20",
        "Uppsala",
        "",
        "0702345678",
        "",
        "Ej medlem",
        "",
        "Nyhetsbrev",
        "",
    ],
]

EXPECTED = {
    "Åsa Öberg": ("Åsa", "Öberg", "+46701112233", "+4640123456", "21145"),
    "Jörgen Ärlig": ("Jörgen", "Ärlig", "+46737654321", "", "90325"),
    "Ñusta García Pérez": ("Ñusta", "García Pérez", "+46761234567", "", "22100"),
    "Émile Dubois": ("Émile", "Dubois", "+33612345678", "+46812345678", "11122"),
    "Märta Løvås": ("Märta", "Løvås", "+46702345678", "", "75320"),
}
TAGS = {
    "Åsa Öberg": {"Styrelsen", "Nyhetsbrev"},
    "Jörgen Ärlig": {"Nyhetsbrev"},
    "Ñusta García Pérez": {"Ungdom"},
    "Émile Dubois": set(),
    "Märta Løvås": {"Nyhetsbrev"},
}
MEMBER, NON_MEMBER, FORMER = Person.MembershipStatus
MEMBERSHIP = {  # status, member number, member since, birth year
    "Åsa Öberg": (MEMBER, "101", dt.date(2015, 3, 1), 1985),
    "Jörgen Ärlig": (MEMBER, "102", dt.date(1999, 11, 1), 1992),
    "Ñusta García Pérez": (MEMBER, "103", dt.date(2021, 9, 1), 2001),
    "Émile Dubois": (MEMBER, "104", dt.date(2018, 1, 15), 1978),
    "Märta Løvås": (NON_MEMBER, "105", None, 1999),
}


def register_export(directory: Path) -> Path:
    return write_export(
        directory / "Medlemsregister.csv", HEADER, ROWS, delimiter=";", encoding="cp1252"
    )


def test_the_register_export_is_mapped_without_help(personas: Any, tmp_path: Path) -> None:
    batch = import_file(personas.admin, register_export(tmp_path))
    kept = [h for h in HEADER if MAPPED.get(h) != "personnummer"]
    # "Betalt t.o.m." (paid until) is not a membership's end.
    assert batch.mapping == {"_birth_year": "", **{h: MAPPED.get(h, "") for h in kept}}


def test_every_member_comes_in_with_names_phones_postcode_tags_and_membership(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    batch = import_file(personas.admin, register_export(tmp_path))
    assert batch.status == ImportBatch.Status.FINISHED
    assert batch.refused_count == 0
    people = created(batch)
    assert {name: row_of(p) for name, p in people.items()} == EXPECTED
    assert {name: tag_names(p) for name, p in people.items()} == TAGS
    assert {
        name: (p.membership_status, p.member_number, p.member_since, p.birth_year)
        for name, p in people.items()
    } == MEMBERSHIP
    for p in people.values():
        assert consents_of(p) == set()
