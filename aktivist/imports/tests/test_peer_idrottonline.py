"""An IdrottOnline (RF-SISU) person list export imported as it comes, with the guessed
mapping (issue 16).

Source: docs/peer-exports.md section 9a — the export's column list in order (frisksport-club
migration scripts), a Go parser of the CSV (";" with a UTF-8 BOM; "Födelsedat./Personnr." as
YYYYMMDD-XXXX or, without the right to see numbers, YYYY-MM-DD), callebokedal/sfk-medlemsstatus
(postcodes "123 45", "Grupp/Lag/Arbetsrum/Familj" joined by ", ", "Medlem t.o.m." a date or
"Ständig medlem", Typ "P" for prova-på). Two address blocks, Kontaktadress and Folkbokföring:
the registered one is often the only one filled.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from aktivist.core.table_columns import guess_mapping
from aktivist.imports.columns import mapping_problems
from aktivist.imports.models import ImportBatch
from aktivist.imports.row_mapping import RowMapping
from aktivist.imports.rows import CleanRow, RowError, clean_row
from aktivist.imports.tests.import_helpers import import_file, media
from aktivist.imports.tests.peer_helpers import (
    IDROTTONLINE_HEADER,
    consents_of,
    created,
    row_of,
    tag_names,
    write_export,
)
from aktivist.people.models import Person

__all__ = ["media"]

pytestmark = pytest.mark.usefixtures("media")

HEADER = IDROTTONLINE_HEADER

MAPPED = {
    "Förnamn": "first_name",
    "Efternamn": "last_name",
    "Födelsedat./Personnr.": "personnummer",  # never stored: the birth year only
    "Telefon mobil": "mobile",
    "E-post kontakt": "email",
    "Kontaktadress - c/o adress": "address_line_2",
    "Kontaktadress - Gatuadress": "street_address",
    "Kontaktadress - Postnummer": "postcode",
    "Kontaktadress - Postort": "city",
    "Folkbokföring - Gatuadress": "street_address",
    "Folkbokföring - Postnummer": "postcode",
    "Folkbokföring - Postort": "city",
    "Folkbokföring - Kommun": "municipality",
    "Telefon bostad": "other_phone",
    "Telefon arbete": "other_phone",
    "Övrig medlemsinfo": "note",
    "Grupp/Lag/Arbetsrum/Familj": "tags",
    "Medlemsnr.": "member_number",
    "Medlem sedan": "member_since",
    "Avslutningsdatum": "membership_ended_on",
}

CLUB = "Aktivistklubben Malmö"


def person(**values: str) -> list[str]:
    row = dict.fromkeys(HEADER, "")
    row.update({"Organisation": CLUB, "Nationalitet": "Sverige"})
    for key, value in values.items():
        row[key] = value
    return [row[h] for h in HEADER]


def _folkbokforing(street: str, postcode: str, city: str, code: str) -> dict[str, str]:
    return {
        "Folkbokföring - Gatuadress": street,
        "Folkbokföring - Postnummer": postcode,
        "Folkbokföring - Postort": city,
        "Folkbokföring - Land": "Sverige",
        "Folkbokföring - Kommunkod": code,
        "Folkbokföring - Kommun": city,
    }


ROWS = [
    person(
        **{
            "Förnamn": "Åsa",
            "Efternamn": "Öberg",
            "IdrottsID": "5512345",
            "Födelsedat./Personnr.": "19850312-1231",
            "Kön": "Kvinna",
            "Telefon mobil": "0701112233",
            "E-post kontakt": "asa@example.org",
            **_folkbokforing("Storgatan 1", "211 45", "Malmö", "1280"),
            "Telefon bostad": "040-12 34 56",
            "Grupp/Lag/Arbetsrum/Familj": "Styrelsen, MC_Nyhetsbrev, OL Vuxna",
            "Roller": "Aktiv - Orientering, Styrelseledamot",
            "Medlemsnr.": "1001",
            "Medlem sedan": "2015-03-01",
            "Medlem t.o.m.": "2026-12-31",
            "Registreringsdatum": "2015-02-20",
        }
    ),
    # A contact address beside the registered one: the contact address is taken.
    person(
        **{
            "Förnamn": "Jörgen",
            "Efternamn": "Ärlig",
            "IdrottsID": "5512346",
            "Födelsedat./Personnr.": "1992-07-04",  # the exporter may not see the numbers
            "Kön": "Man",
            "Telefon mobil": "070-765 43 21",
            "E-post kontakt": "jorgen@example.org",
            "Kontaktadress - c/o adress": "c/o Lind",
            "Kontaktadress - Gatuadress": "Kungsgatan 12",
            "Kontaktadress - Postnummer": "903 25",
            "Kontaktadress - Postort": "Umeå",
            "Kontaktadress - Land": "Sverige",
            **_folkbokforing("Byvägen 3", "922 31", "Vindeln", "2404"),
            "Telefon arbete": "090-12 34 56",
            "Grupp/Lag/Arbetsrum/Familj": "MC_Nyhetsbrev",
            "Medlemsnr.": "1002",
            "Medlem sedan": "2019-08-14",
            "Medlem t.o.m.": "Ständig medlem",
            "Registreringsdatum": "2019-08-14",
        }
    ),
    # The mobile written in the home phone column: the number decides.
    person(
        **{
            "Förnamn": "Päivi",
            "Efternamn": "Mäkinen",
            "IdrottsID": "5512347",
            "Födelsedat./Personnr.": "20011130-4564",
            "Kön": "Kvinna",
            "Nationalitet": "Finland",
            "E-post kontakt": "paivi@example.net",
            **_folkbokforing("Östra vägen 3", "22100", "Lund", "1281"),
            "Telefon bostad": "0761234567",
            "Telefon arbete": "046-12 34 56",
            "Grupp/Lag/Arbetsrum/Familj": "Ungdom, OL Vuxna",
            "Medlemsnr.": "1003",
            "Medlem sedan": "2020-01-10",
            "Medlem t.o.m.": "2026-12-31",
            "Registreringsdatum": "2020-01-10",
        }
    ),
    # A member who left.
    person(
        **{
            "Förnamn": "Алексей",
            "Efternamn": "Иванов",
            "IdrottsID": "5512348",
            "Födelsedat./Personnr.": "19780101-2340",
            "Kön": "Man",
            "Telefon mobil": "+49 151 23456789",
            "E-post kontakt": "aleksej@example.com",
            **_folkbokforing("Vasagatan 5", "111 22", "Stockholm", "0180"),
            "Telefon bostad": "08-123 456 78",
            "Medlemsnr.": "1004",
            "Medlem sedan": "2012-05-05",
            "Medlem t.o.m.": "2023-12-31",
            "Registreringsdatum": "2012-05-05",
            "Avslutningsdatum": "2024-01-15",
        }
    ),
    # Prova-på (Typ P): no membership.
    person(
        **{
            "Typ": "P",
            "Förnamn": "Đặng",
            "Efternamn": "Thị Hoa",
            "IdrottsID": "5512349",
            "Födelsedat./Personnr.": "19990606-1115",
            "Kön": "Kvinna",
            "Telefon mobil": "0737654321",
            "E-post kontakt": "hoa@example.org",
            **_folkbokforing("Södra gatan 9", "753 20", "Uppsala", "0380"),
            "Grupp/Lag/Arbetsrum/Familj": "Prova på",
            "Registreringsdatum": "2026-10-01",
        }
    ),
    # A guardian's row, without a membership of their own.
    person(
        **{
            "Målsman": "Till målsman för: Elsa Ek",
            "Förnamn": "Karin",
            "Efternamn": "Ek",
            "Telefon mobil": "0702345678",
            "E-post kontakt": "karin.ek@example.org",
            **_folkbokforing("Parkvägen 2", "222 22", "Lund", "1281"),
            "Telefon bostad": "046-22 33 44",
            "Familj": "Familjen Ek",
        }
    ),
]

EXPECTED = {
    "Åsa Öberg": ("Åsa", "Öberg", "+46701112233", "+4640123456", "21145"),
    "Jörgen Ärlig": ("Jörgen", "Ärlig", "+46707654321", "+4690123456", "90325"),
    "Päivi Mäkinen": ("Päivi", "Mäkinen", "+46761234567", "+4646123456", "22100"),
    "Алексей Иванов": ("Алексей", "Иванов", "+4915123456789", "+46812345678", "11122"),
    "Đặng Thị Hoa": ("Đặng", "Thị Hoa", "+46737654321", "", "75320"),
    "Karin Ek": ("Karin", "Ek", "+46702345678", "+4646223344", "22222"),
}
ADDRESSES = {  # street, city, municipality, birth year
    "Åsa Öberg": ("Storgatan 1", "Malmö", "Malmö", 1985),
    "Jörgen Ärlig": ("Kungsgatan 12, c/o Lind", "Umeå", "Vindeln", 1992),
    "Päivi Mäkinen": ("Östra vägen 3", "Lund", "Lund", 2001),
    "Алексей Иванов": ("Vasagatan 5", "Stockholm", "Stockholm", 1978),
    "Đặng Thị Hoa": ("Södra gatan 9", "Uppsala", "Uppsala", 1999),
    "Karin Ek": ("Parkvägen 2", "Lund", "Lund", None),
}
TAGS = {
    "Åsa Öberg": {"Styrelsen", "MC_Nyhetsbrev", "OL Vuxna"},
    "Jörgen Ärlig": {"MC_Nyhetsbrev"},
    "Päivi Mäkinen": {"Ungdom", "OL Vuxna"},
    "Алексей Иванов": set(),
    "Đặng Thị Hoa": {"Prova på"},
    "Karin Ek": set(),
}
MEMBER, NON_MEMBER, FORMER = Person.MembershipStatus
MEMBERSHIP = {  # status, member number, member since, ended
    "Åsa Öberg": (MEMBER, "1001", dt.date(2015, 3, 1), None),
    "Jörgen Ärlig": (MEMBER, "1002", dt.date(2019, 8, 14), None),
    "Päivi Mäkinen": (MEMBER, "1003", dt.date(2020, 1, 10), None),
    "Алексей Иванов": (FORMER, "1004", dt.date(2012, 5, 5), dt.date(2024, 1, 15)),
    "Đặng Thị Hoa": (NON_MEMBER, None, None, None),
    "Karin Ek": (NON_MEMBER, None, None, None),
}


def person_list(directory: Path) -> Path:
    return write_export(
        directory / "ExportedPersons_20261130.csv", HEADER, ROWS, delimiter=";", bom=True
    )


def test_the_person_list_is_mapped_without_help(personas: Any, tmp_path: Path) -> None:
    batch = import_file(personas.admin, person_list(tmp_path))
    # The work address, the club ("Organisation"), the IdrottsID, Roller and the family are
    # not the person's fields; nothing else that Aktivist stores is left unmapped. The kept
    # copy has the birth year in place of the personal identity numbers.
    kept = [h for h in HEADER if MAPPED.get(h) != "personnummer"]
    assert batch.mapping == {"_birth_year": "", **{h: MAPPED.get(h, "") for h in kept}}


def test_every_person_comes_in_with_names_phones_address_tags_and_membership(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    batch = import_file(personas.admin, person_list(tmp_path))
    assert batch.status == ImportBatch.Status.FINISHED
    assert batch.refused_count == 0
    people = created(batch)
    assert {name: row_of(p) for name, p in people.items()} == EXPECTED
    assert {
        name: (p.street_address, p.city, p.municipality, p.birth_year) for name, p in people.items()
    } == ADDRESSES
    assert {name: tag_names(p) for name, p in people.items()} == TAGS
    assert {
        name: (p.membership_status, p.member_number, p.member_since, p.membership_ended_on)
        for name, p in people.items()
    } == MEMBERSHIP
    for p in people.values():
        assert consents_of(p) == set()
    # The personal identity numbers are nowhere: not in the kept copy, not on anyone.
    kept = batch.file.open("rb").read().decode("utf-8-sig") if batch.file else ""
    assert "1231" not in kept and "19850312" not in kept


def test_an_address_block_is_taken_whole_and_named_in_its_own_messages() -> None:
    headers = [h for h in HEADER if MAPPED.get(h) != "personnummer"]
    mapping = RowMapping.build(headers, guess_mapping(headers, []), today=dt.date(2026, 12, 1))
    assert mapping_problems(headers, guess_mapping(headers, [])) == []

    def read(**values: str) -> CleanRow | RowError:
        row = dict.fromkeys(headers, "")
        row.update({"Förnamn": "Åsa", "E-post kontakt": "asa@example.org", **values})
        return clean_row([row[h] for h in headers], line=2, mapping=mapping)

    # Only a contact postcode: the registered street and city are not mixed in.
    row = read(
        **{
            "Kontaktadress - Postnummer": "211 45",
            **_folkbokforing("Byv 3", "922 31", "Vindeln", ""),
        }
    )
    assert isinstance(row, CleanRow)
    assert (row.street_address, row.postcode, row.city) == ("", "21145", "")
    # A formula in the registered address is refused under that column's header.
    row = read(**_folkbokforing("=HYPERLINK(1)", "922 31", "Vindeln", ""))
    assert isinstance(row, RowError)
    assert row.reason.startswith('Folkbokföring - Gatuadress: "=HYPERLINK(1)"')
