"""An Eventbrite "Attendee Summary" report imported as it comes, with the guessed mapping,
from an account in English and one in Swedish (issue 16).

Source: docs/peer-exports.md section 8 — a real report header reproduced with data rows
(IEEE CNSV badge tool README: "Order #,Order Date,First Name,Last Name,Email,Quantity,Price
Tier,Ticket Type,Attendee #,Group,Order Type,Currency,Total Paid,Fees Paid,Eventbrite Fees,
Eventbrite Payment Processing,Attendee Status,Home Address 1,Home Address 2,Home City,Home
State,Home Zip,Home Country,<questions…>,Job Title,Company"; order dates "11/29/24 22:28");
"Home Phone", "Cell Phone", "Work Phone" and "Birth Date" when the checkout form collects them
(seen in third-party code). UTF-8, comma, quoted when needed. One row per ticket: a buyer of
two orders appears twice. The Swedish labels are our reading of Eventbrite's Swedish UI (not
confirmed).
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
    "Order #",
    "Order Date",
    "First Name",
    "Last Name",
    "Email",
    "Quantity",
    "Price Tier",
    "Ticket Type",
    "Attendee #",
    "Group",
    "Order Type",
    "Currency",
    "Total Paid",
    "Fees Paid",
    "Eventbrite Fees",
    "Eventbrite Payment Processing",
    "Attendee Status",
    "Home Address 1",
    "Home Address 2",
    "Home City",
    "Home State",
    "Home Zip",
    "Home Country",
    "Home Phone",
    "Cell Phone",
    "Work Phone",
    "Birth Date",
    "Vill du få vårt nyhetsbrev?",
    "Job Title",
    "Company",
]
SWEDISH = [
    "Ordernr",
    "Orderdatum",
    "Förnamn",
    "Efternamn",
    "E-post",
    "Antal",
    "Prisnivå",
    "Biljettyp",
    "Deltagarnr",
    "Grupp",
    "Ordertyp",
    "Valuta",
    "Totalt betalt",
    "Betalda avgifter",
    "Eventbrite-avgifter",
    "Eventbrites betalningshantering",
    "Deltagarstatus",
    "Hemadress 1",
    "Hemadress 2",
    "Hemort",
    "Län",
    "Postnummer",
    "Land",
    "Hemtelefon",
    "Mobiltelefon",
    "Arbetstelefon",
    "Födelsedatum",
    "Vill du få vårt nyhetsbrev?",
    "Befattning",
    "Företag",
]

# (first, last, email, street, line 2, city, postcode, home phone, cell phone, work phone,
# birth date) as the attendees typed them.
ATTENDEES = [
    (
        "Åsa",
        "Öberg",
        "asa@example.org",
        "Storgatan 1",
        "lgh 1102",
        "Malmö",
        "211 45",
        "040-12 34 56",
        "070-111 22 33",
        "",
        "5/17/1990",
    ),
    (
        "Jörgen",
        "Ärlig",
        "jorgen@example.org",
        "Kungsgatan 12",
        "",
        "Umeå",
        "903 25",
        "",
        "+46 73 765 43 21",
        "090-12 34 56",
        "",
    ),
    (
        "Zeynep",
        "Yılmaz",
        "zeynep@example.com",
        "",
        "",
        "",
        "",
        "",
        "+90 532 123 45 67",
        "",
        "12/3/1985",
    ),
    (
        "Алексей",
        "Иванов",
        "aleksej@example.net",
        "Vasagatan 5",
        "c/o Berg",
        "Stockholm",
        "111 22",
        "08-123 456 78",
        "",
        "",
        "",
    ),
    (
        "Siobhán",
        "Ní Bhriain",
        "siobhan@example.org",
        "Östra vägen 3",
        "",
        "Lund",
        "22100",
        "",
        "0761234567",
        "",
        "1/30/2001",
    ),
    (
        "Li",
        "Wei",
        "li.wei@example.org",
        "",
        "",
        "Uppsala",
        "75320",
        "",
        "61407698210",
        "+46 18 12 34 56",
        "",
    ),
]

EXPECTED = {
    "Åsa Öberg": ("Åsa", "Öberg", "+46701112233", "+4640123456", "21145"),
    "Jörgen Ärlig": ("Jörgen", "Ärlig", "+46737654321", "+4690123456", "90325"),
    "Zeynep Yılmaz": ("Zeynep", "Yılmaz", "+905321234567", "", ""),
    "Алексей Иванов": ("Алексей", "Иванов", None, "+46812345678", "11122"),
    "Siobhán Ní Bhriain": ("Siobhán", "Ní Bhriain", "+46761234567", "", "22100"),
    "Li Wei": ("Li", "Wei", "+61407698210", "+4618123456", "75320"),
}
ADDRESSES = {
    "Åsa Öberg": ("Storgatan 1, lgh 1102", "Malmö", 1990),
    "Jörgen Ärlig": ("Kungsgatan 12", "Umeå", None),
    "Zeynep Yılmaz": ("", "", 1985),
    "Алексей Иванов": ("Vasagatan 5, c/o Berg", "Stockholm", None),
    "Siobhán Ní Bhriain": ("Östra vägen 3", "Lund", 2001),
    "Li Wei": ("", "Uppsala", None),
}


def _rows(swedish: bool) -> list[list[str]]:
    rows = []
    # Åsa bought two orders (one row per ticket): she appears twice, and is created once.
    tickets = [*enumerate(ATTENDEES), (len(ATTENDEES), ATTENDEES[0])]
    for i, (first, last, email, street, line2, city, zip_, home, cell, work, born) in tickets:
        status = "Checked In" if i % 2 else "Attending"
        paid = "150.00" if i % 3 else "0.00"
        rows.append(
            [
                str(11211912243 + i * 7919),
                f"11/{20 + i}/26 2{i % 4}:28",
                first,
                last,
                email,
                "1",
                "",
                "Ordinarie" if i % 3 else "Gratis",
                str(18441583423 + i * 131),
                "",
                "Free Order" if paid == "0.00" else "Eventbrite Completed",
                "SEK",
                paid,
                "0.00" if paid == "0.00" else "12.50",
                "0.00" if paid == "0.00" else "9.90",
                "0.00" if paid == "0.00" else "2.60",
                ("Checkat in" if swedish and status == "Checked In" else "Deltar")
                if swedish
                else status,
                street,
                line2,
                city,
                "",
                zip_,
                ("Sverige" if swedish else "Sweden") if city else "",
                home,
                cell,
                work,
                born,
                ("Ja" if swedish else "Yes") if i % 2 else "",
                "Lärare" if i == 1 else "",
                "Exempel AB" if i == 1 else "",
            ]
        )
    return rows


DOWNLOADS = {
    "English": (
        ENGLISH,
        "report-2026-11-30T1315.csv",
        {
            "First Name": "first_name",
            "Last Name": "last_name",
            "Email": "email",
            "Home Address 1": "street_address",
            "Home Address 2": "address_line_2",
            "Home City": "city",
            "Home Zip": "postcode",
            "Home Phone": "other_phone",
            "Cell Phone": "mobile",
            "Work Phone": "other_phone",
            "Birth Date": "birth_date",
        },
    ),
    "Swedish": (
        SWEDISH,
        "rapport-2026-11-30T1315.csv",
        {
            "Förnamn": "first_name",
            "Efternamn": "last_name",
            "E-post": "email",
            "Hemadress 1": "street_address",
            "Hemadress 2": "address_line_2",
            "Hemort": "city",
            "Postnummer": "postcode",
            "Hemtelefon": "other_phone",
            "Mobiltelefon": "mobile",
            "Arbetstelefon": "other_phone",
            "Födelsedatum": "birth_date",
        },
    ),
}


def report(directory: Path, language: str) -> Path:
    header, name, _mapped = DOWNLOADS[language]
    return write_export(directory / name, header, _rows(language == "Swedish"))


@pytest.mark.parametrize("language", DOWNLOADS)
def test_an_attendee_report_is_mapped_without_help(
    personas: Any, tmp_path: Path, language: str
) -> None:
    header, _name, mapped = DOWNLOADS[language]
    batch = import_file(personas.admin, report(tmp_path, language))
    # "Order #" and "Attendee #" are no member numbers, "Order Date" no date of birth,
    # "Group" no tag, "Company" no organisation's row.
    assert batch.mapping == {h: mapped.get(h, "") for h in header}


@pytest.mark.parametrize("language", DOWNLOADS)
def test_every_attendee_comes_in_once_with_names_phones_postcode_and_address(
    personas: Any, world: Any, tmp_path: Path, language: str
) -> None:
    batch = import_file(personas.admin, report(tmp_path, language))
    assert batch.status == ImportBatch.Status.FINISHED
    assert (batch.created_count, batch.refused_count) == (len(ATTENDEES), 0)
    people = created(batch)
    assert {name: row_of(person) for name, person in people.items()} == EXPECTED
    assert {
        name: (person.street_address, person.city, person.birth_year)
        for name, person in people.items()
    } == ADDRESSES
    for person in people.values():
        assert person.member_number is None  # not the order or attendee number
        assert tag_names(person) == set()
        assert consents_of(person) == set()  # a checkout question is not a consent
        assert person.membership_status == Person.MembershipStatus.NON_MEMBER
