"""A CiviCRM contact export ("Export PRIMARY fields"), imported with the guessed mapping
(issue 16).

Layout: docs/peer-exports.md section 4 — the primary-fields header of civicrm-core's
tests/phpunit/CRM/Export/BAO/ExportTest.php (getBasicHeaderDefinition, find_string ids
408581936 and 1236932947), written as CRM/Core/Report/Excel.php makeCSVTable writes it:
every header and every non-empty value in double quotes, empty values as nothing, CRLF line
ends, a UTF-8 BOM (civicrm-core PR #15968); privacy flags empty when false and "1" when
true; Preferred Language as a locale (sv_SE); one Phone with its Phone Type; an
organisation's row in the same file (Contact Type "Organization").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aktivist.imports.tests.import_helpers import counts, import_file, media
from aktivist.imports.tests.peer_helpers import (
    BOUNCED_EMAIL,
    CIVICRM_HEADER,
    CONFIRMED_EMAIL,
    CONFIRMED_SMS,
    UNSUBSCRIBED_EMAIL,
    UNSUBSCRIBED_SMS,
    created_people,
    expected_person,
    stated_consents,
    write_export,
)
from aktivist.people.models import Person

__all__ = ["media"]

pytestmark = pytest.mark.usefixtures("media")

HEADER = CIVICRM_HEADER


def _row(**values: str) -> list[str]:
    row = dict.fromkeys(HEADER, "")
    row.update({"Contact Type": "Individual", "Preferred Mail Format": "Both",
                "Communication Style": "Formal", "Email Greeting ID": "Dear {contact.first_name}",
                "Created Date": "2019-07-11 09:56:18", "Modified Date": "2025-01-02 10:00:00",
                "Location Type": "Home", "Country": "Sweden", "World Region": "Europe and Central Asia"})  # fmt: skip  # noqa: E501
    for key, value in values.items():
        header = {
            "id": "Contact ID", "first": "First Name", "last": "Last Name", "email": "Email",
            "phone": "Phone", "phone_type": "Phone Type", "street": "Street Address",
            "supplemental": "Supplemental Address 1", "city": "City", "postcode": "Postal Code",
            "tags": "Tag(s)", "groups": "Group(s)", "language": "Preferred Language",
            "birth": "Birth Date", "gender": "Gender", "do_not_email": "Do Not Email",
            "do_not_sms": "Do Not Sms", "no_bulk": "No Bulk Emails (User Opt Out)",
            "on_hold": "On Hold", "type": "Contact Type", "organisation": "Organization Name",
            "display": "Display Name", "sort": "Sort Name",
        }[key]  # fmt: skip
        row[header] = value
    if row["Contact Type"] == "Individual" and not values.get("display"):
        row["Display Name"] = f"{row['First Name']} {row['Last Name']}".strip()
        row["Sort Name"] = f"{row['Last Name']}, {row['First Name']}".strip(", ")
    return [row[h] for h in HEADER]


ROWS = [
    _row(id="101", first="Åsa", last="Öberg", email="asa@example.org", phone="070-123 45 67",
         phone_type="Mobile", street="Storgatan 1", supplemental="c/o Berg", city="Stockholm",
         postcode="113 51", tags="Volontär, Talare", groups="Nyhetsbrev", language="sv_SE",
         birth="1990-05-17", gender="Kvinna"),
    _row(id="102", first="Bo", last="Ek", email="bo@example.org", phone="08-123 456 78",
         phone_type="Phone", city="Göteborg", postcode="41301", groups="Nyhetsbrev",
         language="sv_SE", do_not_email="1"),
    _row(id="103", first="Ngozi", last="Okafor", email="ngozi@example.com",
         phone="+44 20 7946 0958", phone_type="Phone", postcode="SW1A 1AA", language="en_US",
         tags="Talare", no_bulk="1"),
    _row(id="104", first="Μαρία", last="Γεωργίου", email="maria@example.net",
         phone="+30 691 234 5678", phone_type="Mobile", postcode="211 45", city="Malmö",
         tags="Volontär", groups="Nyhetsbrev, Skolgrupp", do_not_sms="1"),
    _row(id="105", type="Organization", organisation="Föreningen Lärarna",
         display="Föreningen Lärarna", sort="Föreningen Lärarna", email="info@example.org",
         phone="08-765 43 21", phone_type="Phone", city="Stockholm", postcode="111 22"),
    _row(id="106", first="Jörgen", last="Ärlig", email="jorgen@example.org",
         phone="0046 73 111 22 33", phone_type="Phone", postcode="903 25", city="Umeå",
         birth="1958-11-30", on_hold="1"),
]  # fmt: skip

EXPECTED_MAPPING = {
    "Contact ID": "",
    "Contact Subtype": "",
    "Legal Identifier": "",
    "External Identifier": "",
    "Sort Name": "",
    "Display Name": "",
    "Preferred Language": "language",
    "Preferred Mail Format": "",
    "First Name": "first_name",
    "Last Name": "last_name",
    "Email Greeting ID": "",
    "Gender": "",
    "Birth Date": "birth_date",
    "Created Date": "",
    "Email Greeting": "",
    "Postal Greeting": "",
    "Street Address": "street_address",
    "Supplemental Address 1": "address_line_2",
    "City": "city",
    "Postal Code Suffix": "",
    "Postal Code": "postcode",
    "Country": "",
    "Phone": "other_phone",  # one phone column: the number decides
    "Phone Extension": "",
    "Phone Type": "",
    "Email": "email",
    "Group(s)": "tags",
    "Tag(s)": "tags",
}


# The importer states the consents of the sign-up form the contacts came from (email and
# SMS). The privacy flags beat them: "Do Not Email" and "No Bulk Emails (User Opt Out)"
# withdraw email, "Do Not Sms" SMS (each with an "unsubscribed" suppression); "On Hold" (the
# address bounces) only suppresses it as bounced. An SMS consent needs a mobile.
OPTIONS = stated_consents(
    "CiviCRM, anmälningsformulär 2025",
    "Ja, jag vill få e-post och sms om kampanjer.",
    "email",
    "sms",
)
OPT_OUT_COLUMNS = {
    "Do Not Email": "email_opt_out",
    "Do Not Sms": "sms_opt_out",
    "No Bulk Emails (User Opt Out)": "email_opt_out",
    "On Hold": "email_bounced",
    "Do Not Phone": "",  # calls and post: not Aktivist's channels
    "Do Not Mail": "",
}

EXPECTED = {
    "asa@example.org": expected_person(
        "Åsa", "Öberg", "+46701234567", "", "11351", ["Volontär", "Talare", "Nyhetsbrev"],
        consents=[CONFIRMED_EMAIL, CONFIRMED_SMS],
    ),
    "bo@example.org": expected_person(
        "Bo", "Ek", None, "+46812345678", "41301", ["Nyhetsbrev"],
        suppressions=[UNSUBSCRIBED_EMAIL],
    ),
    "ngozi@example.com": expected_person(
        "Ngozi", "Okafor", None, "+442079460958", "SW1A1AA", ["Talare"],
        suppressions=[UNSUBSCRIBED_EMAIL],
    ),
    "maria@example.net": expected_person(
        "Μαρία", "Γεωργίου", "+306912345678", "", "21145", ["Volontär", "Nyhetsbrev", "Skolgrupp"],
        consents=[CONFIRMED_EMAIL], suppressions=[UNSUBSCRIBED_SMS],
    ),
    "jorgen@example.org": expected_person(
        "Jörgen", "Ärlig", "+46731112233", "", "90325", [],
        consents=[CONFIRMED_EMAIL, CONFIRMED_SMS], suppressions=[BOUNCED_EMAIL],
    ),
}  # fmt: skip


def _export(directory: Path) -> Path:
    path = directory / "CiviCRM_Contact_Search.csv"
    return write_export(path, HEADER, ROWS, bom=True, quote="non-empty")


def test_a_civicrm_primary_fields_export_comes_in_with_every_person_right(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    batch = import_file(personas.admin, _export(tmp_path), options=OPTIONS)

    assert {h: batch.mapping[h] for h in EXPECTED_MAPPING} == EXPECTED_MAPPING
    assert {h: batch.mapping[h] for h in OPT_OUT_COLUMNS} == OPT_OUT_COLUMNS
    assert batch.opted_out_count == 4
    assert created_people(batch) == EXPECTED  # the organisation's row made no person
    assert counts(batch)["created"] == 5
    assert not Person.objects.filter(email="info@example.org").exists()


def test_civicrm_addresses_languages_and_birth_dates_are_read(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    import_file(personas.admin, _export(tmp_path))

    asa = Person.objects.get(email="asa@example.org")
    assert (asa.street_address, asa.city) == ("Storgatan 1, c/o Berg", "Stockholm")
    assert (asa.language, asa.birth_year) == ("sv", 1990)
    assert Person.objects.get(email="ngozi@example.com").language == "en"
    assert Person.objects.get(email="jorgen@example.org").birth_year == 1958
