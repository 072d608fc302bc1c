"""A Meta (Facebook/Instagram) lead ads download imported as it comes, with the guessed
mapping (issue 16).

Source: docs/peer-exports.md section 6 — developers.facebook.com/docs/marketing-api/guides/
lead-ads/retrieving ("TSV download … the only supported format is TSV"; is_organic 1/0), the
column order of Meta's own exports (id, created_time, ad_id … platform, question columns in
snake_case, standard fields, lead_status), the value prefixes (l:, ag:, as:, c:, f: on ids,
p: on phones, z: on postcodes as issue 16 reports) and the test leads' dummy values. UTF-16 LE
with a BOM, as issue 16 reports the download (not confirmed by Meta's documentation).
"""

from __future__ import annotations

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
    "id",
    "created_time",
    "ad_id",
    "ad_name",
    "adset_id",
    "adset_name",
    "campaign_id",
    "campaign_name",
    "form_id",
    "form_name",
    "is_organic",
    "platform",
    "vill_du_engagera_dig_i_en_lokalgrupp?",
    "full_name",
    "email",
    "phone_number",
    "post_code",
    "city",
    "lead_status",
]

# Everything but the person's own fields, as Meta writes it for an ad's lead.
_AD = [
    "ag:120210000000001",
    "Skriv under – höst 2026",
    "as:120210000000002",
    "Sverige 18–35",
    "c:120210000000003",
    "Blixtaktion november",
    "f:1010420755350301",
    "Skriv under och håll dig uppdaterad",
    "0",
]


def lead(
    n: int, platform: str, answer: str, person: list[str], *, organic: bool = False
) -> list[str]:
    ad = ["", "", "", "", "", "", "f:1010420755350301", _AD[7], "1"] if organic else _AD
    created_time = f"2026-11-0{n % 9 + 1}T17:04:5{n % 10}+01:00"
    return [f"l:10622693599458{n:02d}", created_time, *ad, platform, answer, *person, "CREATED"]


ROWS = [
    lead(
        1, "fb", "ja", ["Åsa Öberg", "asa.oberg@example.org", "p:+46701112233", "z:21145", "Malmö"]
    ),
    lead(
        2,
        "ig",
        "nej",
        ["Алексей Иванов", "aleksej@example.org", "p:+4915123456789", "z:11122", "Stockholm"],
    ),
    lead(
        3,
        "fb",
        "ja",
        ["Zeynep Yılmaz", "zeynep@example.org", "p:+4687654321", "z:41319", "Göteborg"],
    ),
    lead(4, "fb", "", ["محمد علي", "mohammed@example.org", "p:+61407698210", "z:75320", "Uppsala"]),
    lead(
        5,
        "ig",
        "ja",
        ["Jörgen af Klint", "jorgen@example.org", "p:+46737654321", "z:90325", "Umeå"],
    ),
    lead(
        6,
        "fb",
        "nej",
        ["Νίκος Παπαδόπουλος", "nikos@example.org", "p:+306912345678", "z:22100", "Lund"],
    ),
    lead(
        7,
        "ig",
        "ja",
        ["Ebba Lind", "ebba@example.org", "p:+447911123456", "z:97231", "Luleå"],
        organic=True,
    ),
    lead(
        8,
        "fb",
        "ja",
        ["Märta Ågren-Ek", "marta@example.org", "p:+46313456789", "z:11350", "Stockholm"],
    ),
    # Meta's test lead: dummy data in every field, a fixed address (docs/peer-exports.md 6).
    lead(
        9,
        "fb",
        "<test lead: dummy data for vill_du_engagera_dig_i_en_lokalgrupp?>",
        [
            "<test lead: dummy data for full_name>",
            "test@meta.com",
            "p:<test lead: dummy data for phone_number>",
            "z:<test lead: dummy data for post_code>",
            "<test lead: dummy data for city>",
        ],
    ),
]

# (first name, last name, mobile, other phone, postcode) of every person created.
EXPECTED = {
    "Åsa Öberg": ("Åsa", "Öberg", "+46701112233", "", "21145"),
    "Алексей Иванов": ("Алексей", "Иванов", "+4915123456789", "", "11122"),
    "Zeynep Yılmaz": ("Zeynep", "Yılmaz", None, "+4687654321", "41319"),
    "محمد علي": ("محمد", "علي", "+61407698210", "", "75320"),
    "Jörgen af Klint": ("Jörgen", "af Klint", "+46737654321", "", "90325"),
    "Νίκος Παπαδόπουλος": ("Νίκος", "Παπαδόπουλος", "+306912345678", "", "22100"),
    "Ebba Lind": ("Ebba", "Lind", "+447911123456", "", "97231"),
    "Märta Ågren-Ek": ("Märta", "Ågren-Ek", None, "+46313456789", "11350"),
}

# Every column that holds something Aktivist stores is mapped; ids, times, the ad's names,
# the platform, the question and the lead status are not.
MAPPED = {
    "full_name": "full_name",
    "email": "email",
    "phone_number": "mobile",  # its values are mobiles; the number decides each row
    "post_code": "postcode",
    "city": "city",
}


def meta_download(directory: Path) -> Path:
    return write_export(
        directory / "Skriv_under_och_hall_dig_uppdaterad_leads_2026-11-10.csv",
        HEADER,
        ROWS,
        delimiter="\t",
        encoding="utf-16-le",
        bom=True,
    )


def test_the_file_is_utf16_with_a_bom_and_tabs(tmp_path: Path) -> None:
    # The fixture itself: what Meta's download looks like on disk.
    data = meta_download(tmp_path).read_bytes()
    assert data[:2] == b"\xff\xfe"
    assert "id\tcreated_time\t".encode("utf-16-le") in data


def test_a_meta_lead_download_is_mapped_without_help(personas: Any, tmp_path: Path) -> None:
    batch = import_file(personas.admin, meta_download(tmp_path))
    assert batch.mapping == {header: MAPPED.get(header, "") for header in HEADER}


def test_every_lead_comes_in_with_names_phones_and_postcode(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    batch = import_file(personas.admin, meta_download(tmp_path))
    assert batch.status == ImportBatch.Status.FINISHED
    people = created(batch)
    assert {name: row_of(person) for name, person in people.items()} == EXPECTED
    assert {person.email for person in people.values()} == {row[14] for row in ROWS[:8]}
    for person in people.values():
        assert person.city == ROWS[[r[14] for r in ROWS].index(person.email)][17]
        assert tag_names(person) == set()  # a lead form has no tag column
        assert consents_of(person) == set()  # no consent without a stated wording
        assert person.membership_status == Person.MembershipStatus.NON_MEMBER


def test_the_test_lead_creates_nobody(personas: Any, world: Any, tmp_path: Path) -> None:
    batch = import_file(personas.admin, meta_download(tmp_path))
    assert not Person.objects.filter(email="test@meta.com").exists()
    assert not Person.objects.filter(first_name__contains="test lead").exists()
    assert batch.created_count == len(EXPECTED)
