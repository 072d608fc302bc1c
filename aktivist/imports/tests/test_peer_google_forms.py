"""A Google Forms responses download imported as it comes, with the guessed mapping, from a
form in English and one in Swedish (issue 16).

Source: docs/peer-exports.md section 7 — Forms → Responses → "Download responses (.csv)":
UTF-8 without BOM, comma, quoted only when needed; "Timestamp" ("Tidstämpel" in Swedish)
first as "YYYY/MM/DD h:mm:ss AM|PM <zone>", then "Email Address" ("E-postadress") when the
form collects addresses, then one column per question headed by the question's text;
checkbox answers joined by ";". Phones and postcodes are as the respondents typed them.
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

ENGLISH = [
    "Timestamp",
    "Email Address",
    "Your name",
    "Mobile number",
    "Other phone number",
    "Postcode",
    "Areas of interest",
    "I would like to receive news by email",
]
SWEDISH = [
    "Tidstämpel",
    "E-postadress",
    "Förnamn",
    "Efternamn",
    "Mobilnummer",
    "Annat telefonnummer",
    "Postnummer",
    "Intresseområden",
    "Ja, jag vill få nyhetsbrev via e-post",
]

# (first, last, email, mobile as typed, other phone as typed, postcode as typed, interests,
# newsletter answer)
PEOPLE = [
    (
        "Åsa",
        "Öberg",
        "asa@example.org",
        "070-111 22 33",
        "",
        "211 45",
        "Skolor;Blixtaktioner",
        "Yes",
    ),
    (
        "Jörgen",
        "Ärlig",
        "jorgen@example.org",
        "+46 73 765 43 21",
        "08-123 456 78",
        "90325",
        "Flykt och migration",
        "",
    ),
    ("Zeynep", "Yılmaz", "zeynep@example.com", "0046 76 123 45 67", "", "413 19", "", "Yes"),
    (
        "Алексей",
        "Иванов",
        "aleksej@example.net",
        "+49 151 23456789",
        "031-12 34 56",
        "11122",
        "Skolor",
        "",
    ),
    (
        "Siobhán",
        "Ní Bhriain",
        "siobhan@example.org",
        "+353 85 123 4567",
        "",
        "22100",
        "Blixtaktioner;Flykt och migration",
        "Yes",
    ),
    ("Märta", "Ågren", "marta@example.org", "", "046-12 34 56", "753 20", "", ""),
    ("Li", "Wei", "li.wei@example.org", "61407698210", "+46 8 765 43 21", "97231", "Skolor", "Yes"),
    ("Ebba", "von Essen", "ebba@example.org", "0701234567", "0702345678", "11350", "", ""),
]

# (first name, last name, mobile, other phone, postcode) of every person created.
EXPECTED = {
    "Åsa Öberg": ("Åsa", "Öberg", "+46701112233", "", "21145"),
    "Jörgen Ärlig": ("Jörgen", "Ärlig", "+46737654321", "+46812345678", "90325"),
    "Zeynep Yılmaz": ("Zeynep", "Yılmaz", "+46761234567", "", "41319"),
    "Алексей Иванов": ("Алексей", "Иванов", "+4915123456789", "+4631123456", "11122"),
    "Siobhán Ní Bhriain": ("Siobhán", "Ní Bhriain", "+353851234567", "", "22100"),
    "Märta Ågren": ("Märta", "Ågren", None, "+4646123456", "75320"),
    "Li Wei": ("Li", "Wei", "+61407698210", "+4687654321", "97231"),
    # Two mobiles: the one the mobile question got is the mobile, the other the other phone.
    "Ebba von Essen": ("Ebba", "von Essen", "+46701234567", "+46702345678", "11350"),
}
TAGS = {
    "Åsa Öberg": {"Skolor", "Blixtaktioner"},
    "Jörgen Ärlig": {"Flykt och migration"},
    "Zeynep Yılmaz": set(),
    "Алексей Иванов": {"Skolor"},
    "Siobhán Ní Bhriain": {"Blixtaktioner", "Flykt och migration"},
    "Märta Ågren": set(),
    "Li Wei": {"Skolor"},
    "Ebba von Essen": set(),
}


def english_download(directory: Path) -> Path:
    rows = [
        [
            f"2026/09/{10 + i} {i + 1}:0{i}:00 PM GMT+2",
            email,
            f"{first} {last}",
            mobile,
            other,
            postcode,
            interests,
            answer,
        ]
        for i, (first, last, email, mobile, other, postcode, interests, answer) in enumerate(PEOPLE)
    ]
    return write_export(directory / "Join us (Responses).csv", ENGLISH, rows)


def swedish_download(directory: Path) -> Path:
    rows = [
        [
            f"2026/09/{10 + i} {13 + i}:0{i}:00 CEST",
            email,
            first,
            last,
            mobile,
            other,
            postcode,
            interests,
            "Ja" if answer else "",
        ]
        for i, (first, last, email, mobile, other, postcode, interests, answer) in enumerate(PEOPLE)
    ]
    return write_export(directory / "Bli aktiv (svar).csv", SWEDISH, rows)


DOWNLOADS = {
    "English": (
        english_download,
        {
            "Email Address": "email",
            "Your name": "full_name",
            "Mobile number": "mobile",
            "Other phone number": "other_phone",
            "Postcode": "postcode",
            "Areas of interest": "tags",
        },
    ),
    "Swedish": (
        swedish_download,
        {
            "E-postadress": "email",
            "Förnamn": "first_name",
            "Efternamn": "last_name",
            "Mobilnummer": "mobile",
            "Annat telefonnummer": "other_phone",
            "Postnummer": "postcode",
            "Intresseområden": "tags",
        },
    ),
}


@pytest.mark.parametrize("language", DOWNLOADS)
def test_a_forms_download_is_mapped_without_help(
    personas: Any, tmp_path: Path, language: str
) -> None:
    write, mapped = DOWNLOADS[language]
    path = write(tmp_path)
    batch = import_file(personas.admin, path)
    header = ENGLISH if language == "English" else SWEDISH
    # The timestamp is no birth date and the consent question no field: both stay unmapped.
    assert batch.mapping == {h: mapped.get(h, "") for h in header}


@pytest.mark.parametrize("language", DOWNLOADS)
def test_every_respondent_comes_in_with_names_phones_postcode_and_tags(
    personas: Any, world: Any, tmp_path: Path, language: str
) -> None:
    write, _mapped = DOWNLOADS[language]
    batch = import_file(personas.admin, write(tmp_path))
    assert batch.status == ImportBatch.Status.FINISHED
    assert batch.refused_count == 0
    people = created(batch)
    assert {name: row_of(person) for name, person in people.items()} == EXPECTED
    assert {name: tag_names(person) for name, person in people.items()} == TAGS
    for person in people.values():
        assert person.email in {row[2] for row in PEOPLE}
        assert person.birth_year is None  # the timestamp is not a date of birth
        # A consent question's answer is not a consent: no wording or source was stated.
        assert consents_of(person) == set()
        assert person.membership_status == Person.MembershipStatus.NON_MEMBER
