"""An Action Network report download, imported with the guessed mapping (issue 16).

Layout: docs/peer-exports.md section 1 — the report header of a real download (a volunteer
database script's comment, find_string ids 10047128250 and 10486912362: uuid, first_name,
last_name, email, the group's custom "Phone Number" field, can2_user_address,
can2_user_city, can2_user_state, zip_code, custom "County", can2_user_tags,
can2_subscription_status, can2_sms_status) with Action Network's own mobile field
can2_phone (SURJ Bay Area's sync script, id 35050265542). UTF-8 without BOM, comma,
quoted only when needed; can2_phone as digits with the country code and no "+"
(61407698210, id 49093117936); can2_user_tags joined by ", " (id 35636837052).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aktivist.imports.tests.import_helpers import counts, import_file, media
from aktivist.imports.tests.peer_helpers import (
    CONFIRMED_EMAIL,
    CONFIRMED_SMS,
    UNSUBSCRIBED_EMAIL,
    created_people,
    expected_person,
    stated_consents,
    write_export,
)
from aktivist.mobilization.models import Suppression
from aktivist.people.models import Person

__all__ = ["media"]

pytestmark = pytest.mark.usefixtures("media")

HEADER = [
    "uuid",
    "first_name",
    "last_name",
    "email",
    "Phone Number",
    "can2_phone",
    "can2_user_address",
    "can2_user_city",
    "can2_user_state",
    "zip_code",
    "County",
    "can2_user_tags",
    "can2_subscription_status",
    "can2_sms_status",
]

# uuid, first, last, email, Phone Number, can2_phone, address, city, state, zip, County,
# tags, subscription status, SMS status
ROWS = [
    ["4b0e1c7a-9f7e-4f55-8f0b-1a1d8f0c0001", "Åsa", "Öberg", "asa.oberg@example.org", "",
     "46701234567", "Storgatan 1", "Stockholm", "Stockholms län", "113 51", "Stockholm",
     "Volontär, Namninsamling", "subscribed", "subscribed"],
    ["4b0e1c7a-9f7e-4f55-8f0b-1a1d8f0c0002", "Bo", "Ek", "bo.ek@example.org",
     "08-123 456 78", "61407698210", "Kungsgatan 12", "Göteborg", "", "41301", "",
     "#MR-dagen, ?Direktaktion", "unsubscribed", ""],
    ["4b0e1c7a-9f7e-4f55-8f0b-1a1d8f0c0003", "Мария", "Иванова", "maria@example.net",
     "0737654321", "", "", "Malmö", "", "21145", "", "", "subscribed", ""],
    ["4b0e1c7a-9f7e-4f55-8f0b-1a1d8f0c0004", "娜", "李", "li.na@example.com",
     "+46 31 12 34 56", "4915112345678", "", "", "", "41319", "", "Volontär",
     "subscribed", ""],
    ["4b0e1c7a-9f7e-4f55-8f0b-1a1d8f0c0005", "Νίκος", "Παπαδόπουλος", "nikos@example.org",
     "0707777777", "46708888888", "", "", "", "", "", "", "subscribed", "subscribed"],
    ["4b0e1c7a-9f7e-4f55-8f0b-1a1d8f0c0006", "Jörgen", "Ärlig", "jorgen@example.org", "",
     "", "Byvägen 3", "Umeå", "", "903 25", "", "Volontär", "subscribed", ""],
    ["4b0e1c7a-9f7e-4f55-8f0b-1a1d8f0c0007", "محمد", "علي", "mohammed@example.com", "",
     "4741234567", "", "", "", "", "", "", "subscribed", "subscribed"],
    ["4b0e1c7a-9f7e-4f55-8f0b-1a1d8f0c0008", "Łukasz", "Wiśniewski", "lukasz@example.net",
     "046-12 34 56", "", "", "Lund", "", "223 50", "", "Namninsamling", "unsubscribed",
     "unsubscribed"],
]  # fmt: skip

EXPECTED_MAPPING = {
    "uuid": "",  # Action Network's id: not a member number
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "Phone Number": "other_phone",  # the group's custom field; the number decides
    "can2_phone": "mobile",
    "can2_user_address": "street_address",
    "can2_user_city": "city",
    "can2_user_state": "",
    "zip_code": "postcode",
    "County": "",  # a custom field
    "can2_user_tags": "tags",
}


# The importer states the petition's consents (email and SMS) for the file. An SMS consent
# needs a mobile; can2_subscription_status "unsubscribed" is an email opt-out that beats the
# stated email consent; can2_sms_status "unsubscribed" for Łukasz, who has no mobile,
# suppresses nothing.
OPTIONS = stated_consents(
    "Action Network, namninsamling hösten 2026",
    "Ja, jag vill få e-post och sms om kampanjer.",
    "email",
    "sms",
)
BOTH = [CONFIRMED_EMAIL, CONFIRMED_SMS]

EXPECTED = {
    "asa.oberg@example.org": expected_person(
        "Åsa", "Öberg", "+46701234567", "", "11351", ["Volontär", "Namninsamling"], consents=BOTH
    ),
    "bo.ek@example.org": expected_person(
        "Bo", "Ek", "+61407698210", "+46812345678", "41301", ["#MR-dagen", "?Direktaktion"],
        consents=[CONFIRMED_SMS], suppressions=[UNSUBSCRIBED_EMAIL],
    ),
    "maria@example.net": expected_person(
        "Мария", "Иванова", "+46737654321", "", "21145", [], consents=BOTH
    ),
    "li.na@example.com": expected_person(
        "娜", "李", "+4915112345678", "+4631123456", "41319", ["Volontär"], consents=BOTH
    ),
    "nikos@example.org": expected_person(
        "Νίκος", "Παπαδόπουλος", "+46708888888", "+46707777777", "", [], consents=BOTH
    ),
    "jorgen@example.org": expected_person(
        "Jörgen", "Ärlig", None, "", "90325", ["Volontär"], consents=[CONFIRMED_EMAIL]
    ),
    "mohammed@example.com": expected_person(
        "محمد", "علي", "+4741234567", "", "", [], consents=BOTH
    ),
    "lukasz@example.net": expected_person(
        "Łukasz", "Wiśniewski", None, "+4646123456", "22350", ["Namninsamling"],
        suppressions=[UNSUBSCRIBED_EMAIL],
    ),
}  # fmt: skip


def _report(directory: Path) -> Path:
    name = "export-2026-11-30-csv_report_332566_1764500000.csv"
    return write_export(directory / name, HEADER, ROWS, line_end="\n")


def test_an_action_network_report_comes_in_with_every_person_right(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    batch = import_file(personas.admin, _report(tmp_path), options=OPTIONS)

    assert counts(batch) == {"created": 8, "updated": 0, "unchanged": 0, "refused": 0, "held": 0}
    assert {h: batch.mapping[h] for h in EXPECTED_MAPPING} == EXPECTED_MAPPING
    assert created_people(batch) == EXPECTED


def test_the_street_address_and_city_of_an_action_network_report_are_kept(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    import_file(personas.admin, _report(tmp_path))

    asa = Person.objects.get(email="asa.oberg@example.org")
    assert (asa.street_address, asa.city) == ("Storgatan 1", "Stockholm")
    bo = Person.objects.get(email="bo.ek@example.org")
    assert (bo.street_address, bo.city) == ("Kungsgatan 12", "Göteborg")


def test_action_network_opt_outs_are_recorded(personas: Any, world: Any, tmp_path: Path) -> None:
    batch = import_file(personas.admin, _report(tmp_path))

    assert batch.mapping["can2_subscription_status"] == "email_opt_out"
    assert batch.mapping["can2_sms_status"] == "sms_opt_out"
    suppressed = set(Suppression.objects.values_list("channel", "address", "reason"))
    assert suppressed == {
        ("email", "bo.ek@example.org", "unsubscribed"),
        ("email", "lukasz@example.net", "unsubscribed"),
    }
