"""A Mailchimp audience export, imported with the guessed mapping (issue 16).

Layout: docs/peer-exports.md section 3 — a ZIP archive holding three CSV files (subscribed,
unsubscribed, cleaned; ginkgo.st's notes on Mailchimp exports). The audience's merge fields
first, headed by their labels ("Email Address", "First Name", "Last Name", "Address",
"Phone Number", "Birthday"), then the system columns (MEMBER_RATING, OPTIN_TIME, … LEID,
EUID, NOTES, TAGS); the unsubscribed file has UNSUB_TIME … UNSUB_REASON_OTHER and the
cleaned file CLEAN_TIME … in place of LAST_CHANGED. Comma, UTF-8, a cell quoted when it
holds a space (headers with a space, timestamps: "2015-03-16 14:40:47"), TAGS as quoted
names ("Aktivist","Nyhetsbrev" — id 71129127950). The Address merge field is one cell whose
parts are separated by two spaces (mailchimp.com/help "Format List Fields": street,
[second line], city, state, zip, country), the Birthday field is month/day only.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from aktivist.core.exceptions import ApplicationError
from aktivist.imports import uploads
from aktivist.imports.models import ImportBatch
from aktivist.imports.tests.import_helpers import counts, import_file, media
from aktivist.imports.tests.peer_helpers import (
    BOUNCED_EMAIL,
    CONFIRMED_EMAIL,
    UNSUBSCRIBED_EMAIL,
    created_people,
    csv_text,
    expected_person,
    suppressions_of,
)
from aktivist.people.models import Consent, Person
from aktivist.people.tests.factories import ConsentFactory, PersonFactory

__all__ = ["media"]

pytestmark = pytest.mark.usefixtures("media")

MERGE_FIELDS = ["Email Address", "First Name", "Last Name", "Address", "Phone Number", "Birthday"]
SYSTEM = ["MEMBER_RATING", "OPTIN_TIME", "OPTIN_IP", "CONFIRM_TIME", "CONFIRM_IP", "LATITUDE",
          "LONGITUDE", "GMTOFF", "DSTOFF", "TIMEZONE", "CC", "REGION"]  # fmt: skip
TAIL = ["LEID", "EUID", "NOTES", "TAGS"]
SUBSCRIBED = [*MERGE_FIELDS, *SYSTEM, "LAST_CHANGED", *TAIL]
UNSUBSCRIBED = [*MERGE_FIELDS, *SYSTEM, "UNSUB_TIME", "UNSUB_CAMPAIGN_TITLE",
                "UNSUB_CAMPAIGN_ID", "UNSUB_REASON", "UNSUB_REASON_OTHER", *TAIL]  # fmt: skip
CLEANED = [*MERGE_FIELDS, *SYSTEM, "CLEAN_TIME", "CLEAN_CAMPAIGN_TITLE", "CLEAN_CAMPAIGN_ID",
           *TAIL]  # fmt: skip


def _system(rating: str = "2") -> list[str]:
    optin, ip = "2024-01-15 09:12:33", "198.51.100.7"
    confirm = "2024-01-15 09:14:02"
    return [rating, optin, ip, confirm, ip, "59.3293", "18.0686", "1", "2", "Europe/Stockholm",
            "SE", "AB"]  # fmt: skip


def _tags(*names: str) -> str:
    return ",".join(f'"{n}"' for n in names)


SUBSCRIBED_ROWS = [
    ["asa@example.org", "Åsa", "Öberg", "Storgatan 1  Stockholm  Stockholms län  113 51  SE",
     "+46 70 123 45 67", "03/14", *_system(), "2025-02-01 10:00:00", "101", "a1b2c3", "",
     _tags("Aktivist", "Nyhetsbrev")],
    ["bo@example.org", "Bo", "Ek",
     "Kungsgatan 12  lgh 1201  Göteborg  Västra Götaland  41301  SE", "08-12 34 56", "",
     *_system("4"), "2025-02-02 11:00:00", "102", "b2c3d4", "", _tags("Nyhetsbrev")],
    ["olena@example.net", "Олена", "Коваленко", "", "+380 50 123 4567", "12/01",
     *_system(), "2025-02-03 12:00:00", "103", "c3d4e5", "", ""],
    ["mei@example.com", "美", "王", "", "0046739876543", "", *_system(),
     "2025-02-04 13:00:00", "104", "d4e5f6", "", _tags("Ungdom", "Aktivist")],
    ["jose@example.org", "José", "Núñez", "", "", "", *_system(), "2025-02-05 14:00:00",
     "105", "e5f6a7", "", _tags("Nyhetsbrev, vår")],
]  # fmt: skip

UNSUBSCRIBED_ROWS = [
    ["karin@example.org", "Karin", "Ström", "", "0709998877", "", *_system(),
     "2025-03-01 08:30:00", "Nyhetsbrev mars", "9f8e7d6c5b", "NORMAL", "", "201", "f6a7b8",
     "", _tags("Nyhetsbrev")],
    ["ali@example.com", "Ali", "Hassan", "", "", "", *_system(), "2025-03-02 08:30:00",
     "Nyhetsbrev mars", "9f8e7d6c5b", "NOLONGERWANT", "", "202", "a7b8c9", "", ""],
]  # fmt: skip

CLEANED_ROWS = [
    ["gamla@example.org", "Greta", "Lund", "", "+46 31 12 34 56", "", *_system(),
     "2025-04-01 07:00:00", "Nyhetsbrev april", "1a2b3c4d5e", "301", "b8c9d0", "", ""],
    ["nils@example.net", "Nils", "Öst", "", "", "", *_system(), "2025-04-02 07:00:00",
     "Nyhetsbrev april", "1a2b3c4d5e", "302", "c9d0e1", "", _tags("Aktivist")],
]  # fmt: skip

WORDING = "Ja, jag vill få nyhetsbrev och kampanjer via e-post."
STATED = {
    "channel": "email",
    "purpose": "campaigns",
    "source": "Mailchimp-formuläret på webbplatsen, 2024",
    "wording_version": "2024-01",
    "wording": WORDING,
}


def _files() -> dict[str, str]:
    files = {
        "subscribed": (SUBSCRIBED, SUBSCRIBED_ROWS),
        "unsubscribed": (UNSUBSCRIBED, UNSUBSCRIBED_ROWS),
        "cleaned": (CLEANED, CLEANED_ROWS),
    }
    return {
        f"{kind}_members_export_8a1b2c3d4e.csv": csv_text(
            header, rows, quote="spaces", line_end="\n"
        )
        for kind, (header, rows) in files.items()
    }


def _unpacked(directory: Path) -> dict[str, Path]:
    """The three files as the organiser unpacks them from the downloaded archive."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in _files().items():
            z.writestr(name, text.encode("utf-8"))
    paths = {}
    with zipfile.ZipFile(io.BytesIO(archive.getvalue())) as z:
        for name in z.namelist():
            kind = name.split("_", 1)[0]
            paths[kind] = directory / name
            paths[kind].write_bytes(z.read(name))
    return paths


EXPECTED_MAPPING = {
    "Email Address": "email",
    "First Name": "first_name",
    "Last Name": "last_name",
    "Address": "street_address",
    "Phone Number": "mobile",  # mostly mobiles; the number decides each row
    "Birthday": "",  # month and day only: no birth year
    "MEMBER_RATING": "",
    "OPTIN_TIME": "",
    "OPTIN_IP": "",
    "CONFIRM_TIME": "",
    "CONFIRM_IP": "",
    "LATITUDE": "",
    "LONGITUDE": "",
    "GMTOFF": "",
    "DSTOFF": "",
    "TIMEZONE": "",
    "CC": "",
    "REGION": "",
    "LAST_CHANGED": "",
    "LEID": "",
    "EUID": "",
    "TAGS": "tags",
}


def test_the_subscribed_file_comes_in_with_every_person_right(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    files = _unpacked(tmp_path)
    batch = import_file(personas.admin, files["subscribed"], options={"consents": [STATED]})

    assert counts(batch) == {"created": 5, "updated": 0, "unchanged": 0, "refused": 0, "held": 0}
    assert {h: batch.mapping[h] for h in EXPECTED_MAPPING} == EXPECTED_MAPPING
    email = {"consents": [CONFIRMED_EMAIL]}  # the stated consent, confirmed for everyone
    assert created_people(batch) == {
        "asa@example.org": expected_person(
            "Åsa", "Öberg", "+46701234567", "", "11351", ["Aktivist", "Nyhetsbrev"], **email
        ),
        "bo@example.org": expected_person(
            "Bo", "Ek", None, "+468123456", "41301", ["Nyhetsbrev"], **email
        ),
        "olena@example.net": expected_person(
            "Олена", "Коваленко", "+380501234567", "", "", [], **email
        ),
        "mei@example.com": expected_person(
            "美", "王", "+46739876543", "", "", ["Ungdom", "Aktivist"], **email
        ),
        "jose@example.org": expected_person(
            "José", "Núñez", None, "", "", ["Nyhetsbrev, vår"], **email
        ),
    }  # fmt: skip
    # …with the wording and source the importer stated.
    recorded = Consent.objects.filter(person__import_batch=batch)
    assert {(c.source, c.wording_version, c.wording_hash) for c in recorded} == {
        (STATED["source"], "2024-01", hashlib.sha256(WORDING.encode()).hexdigest())
    }
    assert all(c.confirmed_at is not None for c in recorded)


def test_the_address_field_gives_street_city_and_postcode(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    import_file(personas.admin, _unpacked(tmp_path)["subscribed"])

    asa = Person.objects.get(email="asa@example.org")
    assert (asa.street_address, asa.city, asa.postcode) == ("Storgatan 1", "Stockholm", "11351")
    bo = Person.objects.get(email="bo@example.org")
    assert (bo.street_address, bo.city, bo.postcode) == (
        "Kungsgatan 12, lgh 1201",
        "Göteborg",
        "41301",
    )
    assert asa.birth_year is None  # "03/14" has no year


def test_the_unsubscribed_and_cleaned_files_come_in_with_every_person_right(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    # The organiser imports all three files stating the same consent: UNSUB_TIME beats it
    # (no consent, the address suppressed as unsubscribed); CLEAN_TIME (the address
    # bounced) only suppresses the address: the consent is recorded, nothing goes there.
    files = _unpacked(tmp_path)
    options = {"consents": [STATED]}
    unsubscribed = import_file(personas.admin, files["unsubscribed"], options=options)
    cleaned = import_file(personas.admin, files["cleaned"], options=options)

    assert counts(unsubscribed)["created"] == 2
    assert counts(cleaned)["created"] == 2
    assert (unsubscribed.opted_out_count, cleaned.opted_out_count) == (2, 2)
    assert created_people(unsubscribed) == {
        "karin@example.org": expected_person(
            "Karin", "Ström", "+46709998877", "", "", ["Nyhetsbrev"],
            suppressions=[UNSUBSCRIBED_EMAIL],
        ),
        "ali@example.com": expected_person(
            "Ali", "Hassan", None, "", "", [], suppressions=[UNSUBSCRIBED_EMAIL]
        ),
    }  # fmt: skip
    assert created_people(cleaned) == {
        "gamla@example.org": expected_person(
            "Greta", "Lund", None, "+4631123456", "", [], consents=[CONFIRMED_EMAIL],
            suppressions=[BOUNCED_EMAIL],
        ),
        "nils@example.net": expected_person(
            "Nils", "Öst", None, "", "", ["Aktivist"], consents=[CONFIRMED_EMAIL],
            suppressions=[BOUNCED_EMAIL],
        ),
    }  # fmt: skip


def test_the_unsubscribed_file_withdraws_an_earlier_subscribers_consent(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    # Karin came in with an earlier subscribed file and confirmed; now she is unsubscribed.
    karin = PersonFactory(email="karin@example.org", first_name="Karin", last_name="Ström")
    ConsentFactory(person=karin, status=Consent.Status.CONFIRMED, confirmed_at=timezone.now())

    batch = import_file(personas.admin, _unpacked(tmp_path)["unsubscribed"])

    assert (batch.created_count, batch.updated_count) == (1, 1)
    consent = karin.consents.get()
    assert (consent.status, consent.withdrawn_at is not None) == ("withdrawn", True)
    assert suppressions_of(karin) == {UNSUBSCRIBED_EMAIL}


def test_the_downloaded_archive_itself_is_refused_with_what_to_do(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    path = tmp_path / "members_export_8a1b2c3d4e.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in _files().items():
            z.writestr(name, text.encode("utf-8"))

    with pytest.raises(ApplicationError) as refused:
        uploads.batch_create(
            actor=personas.admin,
            uploaded_file=str(path),
            filename=path.name,
            kind=ImportBatch.Kind.PEOPLE,
        )
    message = str(refused.value)
    assert "3 CSV" in message
    assert "upload each CSV file on its own" in message
    assert not ImportBatch.objects.exists()
