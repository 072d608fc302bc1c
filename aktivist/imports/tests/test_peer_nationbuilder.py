"""A NationBuilder people export, imported with the guessed mapping (issue 16).

Layout: docs/peer-exports.md section 2 — the column order of the weekly people export as
mirrored column by column in SRGP's stored procedure (find_string id 41367843095; a subset,
in that order), true/false booleans (the SRGP loader compares ``=== "true"``, id
33333358327), the leading "'" NationBuilder writes before numbers for Excel (nb_to_ea.py
strips it, id 4999251415), tag_list joined by ", ", phone_number (home) beside
mobile_number. UTF-8, comma, quoted when needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from aktivist.imports.tests.import_helpers import counts, import_file, media
from aktivist.imports.tests.peer_helpers import (
    BOUNCED_EMAIL,
    BOUNCED_SMS,
    CONFIRMED_EMAIL,
    CONFIRMED_SMS,
    UNSUBSCRIBED_EMAIL,
    UNSUBSCRIBED_SMS,
    created_people,
    expected_person,
    stated_consents,
    suppressions_of,
    write_export,
)
from aktivist.people.models import Consent, Person
from aktivist.people.tests.factories import ConsentFactory, PersonFactory

__all__ = ["media"]

pytestmark = pytest.mark.usefixtures("media")

HEADER = [
    "nationbuilder_id", "external_id", "prefix", "first_name", "middle_name", "last_name",
    "suffix", "full_name", "employer", "sex", "language", "is_deceased", "born_at", "email1",
    "email2", "email_opt_in", "phone_number", "work_phone_number", "do_not_call",
    "do_not_contact", "mobile_number", "mobile_opt_in", "is_mobile_bad", "fax_number",
    "tag_list", "created_at", "unsubscribed_at", "is_supporter", "is_volunteer", "email",
    "email1_is_bad", "primary_country_code", "primary_state", "primary_city", "primary_zip",
    "primary_address1", "primary_address2",
]  # fmt: skip


def _row(
    nb_id,
    first,
    last,
    full,
    born,
    email,
    phone,
    work,
    mobile,
    tags,
    city,
    zip_code,
    address1="",
    address2="",
    sex="",
    language="sv",
    volunteer="false",
    email_opt_in="true",
    do_not_contact="false",
    mobile_opt_in="true",
    is_mobile_bad="false",
    unsubscribed_at="",
    email1_is_bad="false",
):
    return [
        nb_id, "", "", first, "", last, "", full, "", sex, language, "false", born, email, "",
        email_opt_in, phone, work, "false", do_not_contact, mobile, mobile_opt_in,
        is_mobile_bad, "", tags, "2024-05-02T10:11:12+02:00", unsubscribed_at, "true",
        volunteer, email, email1_is_bad, "SE", "", city, zip_code, address1, address2,
    ]  # fmt: skip


ROWS = [
    _row("1", "Anna", "Svensson", "Anna Svensson", "1985-03-12", "anna@example.org",
         "'08-123 456 78", "", "'0701234567", "Volontär, Nyhetsbrev", "Stockholm", "'113 51",
         "Storgatan 1", "lgh 1102", sex="F"),
    _row("2", "Bo", "", "", "", "bo@example.org", "'0731234567", "", "", "", "",
         "'123 45", email_opt_in="false"),
    _row("3", "Cia", "Berg", "Cia Berg", "03/12/1990", "cia@example.org", "",
         "'046-12 34 56", "'0761234567", "Volontär", "Lund", "'223 50", is_mobile_bad="true"),
    _row("4", "", "", "Olga Petrova", "", "olga@example.net", "", "", "'+358401234567", "",
         "", "", unsubscribed_at="2025-10-02T09:15:00-07:00"),
    _row("5", "Ахмед", "Юсупов", "Ахмед Юсупов", "", "ahmed@example.com",
         "'+4722123456", "", "'+4790012345", "Aktivist", "Oslo", "", email1_is_bad="true"),
    _row("6", "Ödön", "Åkesson", "Ödön Åkesson", "1961-07-01", "odon@example.org",
         "'0702223344", "", "'0703334455", "Nyhetsbrev, Aktivist", "Umeå", "'90325",
         volunteer="true", do_not_contact="true"),
    _row("7", "Zoë", "van der Berg", "Zoë van der Berg", "", "zoe@example.org", "", "",
         "'+33612345678", "", "", "'211 45", mobile_opt_in="false"),
]  # fmt: skip

# The importer states the signup form's consents (email and SMS) for the file; each row's
# opt-out columns beat them: email_opt_in=false and unsubscribed_at withdraw email,
# mobile_opt_in=false SMS, do_not_contact both (each with an "unsubscribed" suppression);
# email1_is_bad and is_mobile_bad only suppress the address as bounced, the consent stands.
OPTIONS = stated_consents(
    "NationBuilder, anmälan på webbplatsen",
    "Ja, jag vill få e-post och sms från oss.",
    "email",
    "sms",
)
BOTH = [CONFIRMED_EMAIL, CONFIRMED_SMS]

EXPECTED_MAPPING = {
    "nationbuilder_id": "",
    "external_id": "",
    "first_name": "first_name",
    "middle_name": "",
    "last_name": "last_name",
    "full_name": "full_name",
    "sex": "",
    "language": "language",
    "is_deceased": "",
    "born_at": "birth_date",
    "email1": "",  # the same address as "email", the primary one
    "email2": "",
    "phone_number": "other_phone",
    "work_phone_number": "other_phone",
    "mobile_number": "mobile",
    "fax_number": "",
    "tag_list": "tags",
    "created_at": "",
    "is_supporter": "",
    "is_volunteer": "",
    "email": "email",
    "primary_country_code": "",
    "primary_city": "city",
    "primary_zip": "postcode",
    "primary_address1": "street_address",
    "primary_address2": "address_line_2",
}


EXPECTED = {
    "anna@example.org": expected_person(
        "Anna", "Svensson", "+46701234567", "+46812345678", "11351", ["Volontär", "Nyhetsbrev"],
        consents=BOTH,
    ),
    # Only a mobile, in phone_number: the number says it is the mobile.
    "bo@example.org": expected_person(
        "Bo", "", "+46731234567", "", "12345", [], consents=[CONFIRMED_SMS],
        suppressions=[UNSUBSCRIBED_EMAIL],
    ),
    "cia@example.org": expected_person(
        "Cia", "Berg", "+46761234567", "+4646123456", "22350", ["Volontär"], consents=BOTH,
        suppressions=[BOUNCED_SMS],
    ),
    # Only full_name: split.
    "olga@example.net": expected_person(
        "Olga", "Petrova", "+358401234567", "", "", [], consents=[CONFIRMED_SMS],
        suppressions=[UNSUBSCRIBED_EMAIL],
    ),
    "ahmed@example.com": expected_person(
        "Ахмед", "Юсупов", "+4790012345", "+4722123456", "", ["Aktivist"], consents=BOTH,
        suppressions=[BOUNCED_EMAIL],
    ),
    # Two mobiles: mobile_number is the mobile, phone_number's mobile the other phone.
    "odon@example.org": expected_person(
        "Ödön", "Åkesson", "+46703334455", "+46702223344", "90325", ["Nyhetsbrev", "Aktivist"],
        suppressions=[UNSUBSCRIBED_EMAIL, UNSUBSCRIBED_SMS],
    ),
    "zoe@example.org": expected_person(
        "Zoë", "van der Berg", "+33612345678", "", "21145", [], consents=[CONFIRMED_EMAIL],
        suppressions=[UNSUBSCRIBED_SMS],
    ),
}  # fmt: skip


def _export(directory: Path) -> Path:
    name = "nationbuilder-people-export-4-2026-11-30.csv"
    return write_export(directory / name, HEADER, ROWS, line_end="\n")


def test_a_nationbuilder_people_export_comes_in_with_every_person_right(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    batch = import_file(personas.admin, _export(tmp_path), options=OPTIONS)

    assert counts(batch) == {"created": 7, "updated": 0, "unchanged": 0, "refused": 0, "held": 0}
    assert batch.opted_out_count == 7  # Bo, Cia, Olga, Ahmed, Zoë: one; Ödön: two
    assert {h: batch.mapping[h] for h in EXPECTED_MAPPING} == EXPECTED_MAPPING
    assert created_people(batch) == EXPECTED


def test_nationbuilder_addresses_birth_dates_and_languages_are_read(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    import_file(personas.admin, _export(tmp_path))

    anna = Person.objects.get(email="anna@example.org")
    assert (anna.street_address, anna.city) == ("Storgatan 1, lgh 1102", "Stockholm")
    assert anna.birth_year == 1985
    assert anna.language == "sv"
    assert Person.objects.get(email="cia@example.org").birth_year == 1990
    assert Person.objects.get(email="odon@example.org").birth_year == 1961


def test_nationbuilder_opt_outs_withdraw_an_existing_persons_consents(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    # Ödön signed up earlier and confirmed email and SMS; the export says do_not_contact.
    odon = PersonFactory(email="odon@example.org", mobile="+46703334455", first_name="Ödön")
    for channel in ("email", "sms"):
        ConsentFactory(
            person=odon, channel=channel, status=Consent.Status.CONFIRMED,
            confirmed_at=timezone.now(),
        )  # fmt: skip

    batch = import_file(personas.admin, _export(tmp_path), options=OPTIONS)

    assert (batch.created_count, batch.updated_count) == (6, 1)
    withdrawn = {c.channel: (c.status, c.withdrawn_at is not None) for c in odon.consents.all()}
    assert withdrawn == {"email": ("withdrawn", True), "sms": ("withdrawn", True)}
    assert suppressions_of(odon) == {UNSUBSCRIBED_EMAIL, UNSUBSCRIBED_SMS}


def test_a_returning_person_known_only_by_mobile_is_found_by_mobile_number(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    """Someone already here with only a mobile comes back in a NationBuilder export with
    no email: mobile_number (not phone_number, which holds a landline) finds them. Before,
    phone_number was taken as the mobile and the row was refused for having no mobile."""
    known = PersonFactory(
        first_name="Dana",
        last_name="Ek",
        email=None,
        mobile="+46709876543",
        home_unit=world.district_a,
    )
    rows = [
        _row("9", "Dana", "Ek", "Dana Ek", "", "", "'040-12 34 56", "", "'070-987 65 43",
             "Aktivist", "Malmö", "'211 45"),
    ]  # fmt: skip
    path = write_export(tmp_path / "nationbuilder-people-export-5.csv", HEADER, rows, line_end="\n")
    batch = import_file(personas.district_a, path, options={"unit": world.district_a.pk})

    assert counts(batch) == {"created": 0, "updated": 1, "unchanged": 0, "refused": 0, "held": 0}
    known.refresh_from_db()
    assert (known.mobile, known.other_phone, known.postcode) == (
        "+46709876543",
        "+4640123456",
        "21145",
    )
    assert Person.objects.filter(first_name="Dana").count() == 1
