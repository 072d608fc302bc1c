"""What the dry run tells the importer (issue 16, item 5): every ignored column by name; for
rows that match people the importer may see, the line, the key that matched and the values
that differ; for held rows the line and "held" only; organisation rows and Meta's test
leads named and counted as such — never created, never refused — in the dry run and the
real run, and on the batch page."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from aktivist.core.models import AuditEvent
from aktivist.imports import chunks, registries, services
from aktivist.imports.models import ImportBatch, ImportIssue
from aktivist.imports.tests.import_helpers import import_file, media, upload, write_csv
from aktivist.imports.tests.peer_helpers import CIVICRM_HEADER
from aktivist.people.models import Person

__all__ = ["media"]

pytestmark = pytest.mark.usefixtures("media")


def in_swedish(text: str) -> str:
    """The personas use Swedish: stored reasons and the page are in Swedish."""
    with translation.override("sv"):
        return translation.gettext(text)


HELD = in_swedish("Held for review by the secretariat")


def dry_run(actor: Any, path: Path, **kwargs: Any) -> ImportBatch:
    return services.batch_dry_run(actor=actor, batch=upload(actor, path, **kwargs))


def page(client_for: Any, actor: Any, batch: ImportBatch, *, language: str = "sv") -> str:
    """The batch page in ``language`` (the page's own texts; stored reasons are in the
    importer's)."""
    response = client_for(actor).get(
        reverse("imports:dry_run", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    assert response["Content-Language"] == language
    return response.content.decode()


# --- Ignored columns -------------------------------------------------------------------------


def test_every_ignored_column_is_listed_by_name_and_the_dropped_one_says_why(
    client_for: Any, personas: Any, world: Any, tmp_path: Path
) -> None:
    ignored = [f"Fråga {n}" for n in range(1, 13)]  # more than a few
    path = write_csv(
        tmp_path,
        [("Anna", "Berg", "anna.berg@example.org", "811218-9876", *["x"] * len(ignored))],
        header=("Förnamn", "Efternamn", "E-post", "Personnummer", *ignored),
    )
    batch = dry_run(personas.admin, path)
    assert batch.dry_run["ignored_columns"] == ignored
    assert batch.dry_run["dropped_columns"] == ["Personnummer"]
    html = page(client_for, personas.admin, batch)
    listed = re.search(r'<ul class="ignored-columns".*?</ul>', html, re.DOTALL)
    assert listed is not None
    for header in ignored:
        assert f"<strong>{escape(header)}</strong>" in listed[0]
    assert (
        "<strong>Personnummer</strong> — "
        + escape(
            in_swedish("a personal identity number: never stored (at most the birth year is kept)")
        )
        in listed[0]
    )
    assert "811218" not in html


# --- Matched and held rows ------------------------------------------------------------------


def test_a_visible_persons_row_shows_the_key_that_matched_and_the_values_that_differ(
    client_for: Any, personas: Any, world: Any, tmp_path: Path
) -> None:
    hanna = world.home_a  # in district A: the district representative may see her
    Person.objects.filter(pk=hanna.pk).update(city="")
    path = write_csv(
        tmp_path,
        [("Hanna", "Holmberg", hanna.email, "", "22100", "")],
        header=("Förnamn", "Efternamn", "E-post", "Mobil", "Postnr", "Ort"),
    )
    # The row fills the empty city too.
    path.write_text(path.read_text(encoding="utf-8").replace("22100;", "22100;Lund"))
    batch = dry_run(personas.district_a, path, options={"unit": world.group_a1.pk})
    assert batch.dry_run["matched"] == [
        {
            "line": 2,
            "kind": "update",
            "keys": ["email"],
            "earlier_row": False,
            "fills": ["city"],
            "differs": [{"field": "last_name", "stored": "Holm", "value": "Holmberg"}],
            "person": hanna.pk,
        }
    ]
    html = page(client_for, personas.district_a, batch)
    table = re.search(r'aria-labelledby="matched-heading">.*?</table>', html, re.DOTALL)
    assert table is not None
    assert in_swedish("email") in table[0]
    assert "Holm" in table[0] and "Holmberg" in table[0]
    assert escape(in_swedish("Last name")) in table[0]
    assert escape(in_swedish("City")) in table[0]
    Person.objects.get(pk=hanna.pk, last_name="Holm", city="")  # a dry run writes nothing


def test_a_held_row_shows_its_line_and_held_and_nothing_else(
    client_for: Any, personas: Any, world: Any, tmp_path: Path
) -> None:
    ylva = world.home_b  # district B: outside the district representative's scope
    path = write_csv(
        tmp_path,
        [
            ("Ylva", "Strömberg", ylva.email, "0701234567", "90325", ""),
            ("Hanna", "Holm", world.home_a.email, "", "", ""),
        ],
    )
    batch = dry_run(personas.district_a, path, options={"unit": world.group_a1.pk})
    summary = batch.dry_run
    held = [row for row in summary["rows"] if row["kind"] == "held"]
    assert held == [{"line": 2, "kind": "held", "reason": HELD}]
    # Nothing about the held row anywhere else in the summary: not matched, no key, no value.
    assert [m["line"] for m in summary["matched"]] == [3]
    stored = json.dumps(summary, ensure_ascii=False)
    for secret in (ylva.email, "Ström", "Strömberg", "+46701234567", str(ylva.pk)):
        assert secret not in stored
    assert summary["counts"]["held"] == 1

    html = page(client_for, personas.district_a, batch)
    listed = re.search(r'<ul class="held-lines".*?</ul>', html, re.DOTALL)
    assert listed is not None
    items = re.findall(r"<li>(.*?)</li>", listed[0], re.DOTALL)
    line_2 = in_swedish("Line %(line)s") % {"line": 2}
    assert items == [f"{escape(line_2)}: {escape(HELD)}"]
    english = page(client_for, personas.district_a, batch, language="en")
    assert "<li>Line 2: Held for review by the secretariat</li>" in english
    # (not "Ström" alone: the personas' random names may hold it)
    for secret in (ylva.email, "Strömberg", "“Ström”", "0701234567", "+46701234567"):
        assert secret not in html and secret not in english


def test_another_viewer_of_the_batch_sees_values_only_of_people_in_their_scope(
    client_for: Any, personas: Any, world: Any, tmp_path: Path
) -> None:
    """The secretariat's import into a group in district A: the district representative may
    open the batch, but the stored values of someone in district B are not theirs to see."""
    path = write_csv(
        tmp_path,
        [
            ("Hanna", "Holmberg", world.home_a.email, "", "", ""),
            ("Ylva", "Strömberg", world.home_b.email, "", "", ""),
        ],
    )
    batch = dry_run(personas.admin, path, options={"unit": world.group_a1.pk})
    assert {m["line"]: m["keys"] for m in batch.dry_run["matched"]} == {2: ["email"], 3: ["email"]}
    html = page(client_for, personas.district_a, batch)
    table = re.search(r'aria-labelledby="matched-heading">.*?</table>', html, re.DOTALL)
    assert table is not None
    assert "Holmberg" in table[0]
    # Neither her stored name nor that she was found (the personas' names may hold "Ström").
    assert "Strömberg" not in html and "“Ström”" not in html
    assert world.home_b.email not in html
    assert "Rad 3" not in table[0] and "Line 3" not in table[0]
    assert html.count(escape(in_swedish("email"))) == table[0].count(escape(in_swedish("email")))
    assert table[0].count(escape(in_swedish("email"))) == 1
    # Showing Hanna's stored values is a read of her record, audited.
    reads = AuditEvent.objects.filter(actor=personas.district_a, verb="imports.dry_run_read")
    assert list(reads.values_list("person_id", flat=True)) == [world.home_a.pk]


def test_a_conflict_names_the_keys_and_how_the_mobiles_owner_differs(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    owner = world.home_a
    Person.objects.filter(pk=owner.pk).update(mobile="+46701234567")
    path = write_csv(tmp_path, [("Bo", "Berg", "bo@example.org", "0701234567", "", "")])
    batch = dry_run(personas.admin, path)
    (conflict,) = [row for row in batch.dry_run["rows"] if row["kind"] == "conflict"]
    assert conflict["keys"] == ["mobile"]
    assert {d["field"]: (d["stored"], d["value"]) for d in conflict["differs"]} == {
        "first_name": ("Hanna", "Bo"),
        "last_name": ("Holm", "Berg"),
        "email": (owner.email, "bo@example.org"),
    }


def test_erasure_blanks_the_values_the_dry_run_showed(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    hanna = world.home_a
    path = write_csv(tmp_path, [("Hanna", "Holmberg", hanna.email, "", "", "")])
    batch = dry_run(personas.admin, path)
    assert batch.dry_run["matched"][0]["differs"]
    registries.erase_batches([hanna.pk])
    batch.refresh_from_db()
    assert batch.dry_run["matched"][0]["differs"] == []
    assert "Holm" not in json.dumps(batch.dry_run)


# --- Rows that are not people --------------------------------------------------------------

# CiviCRM's contact export header: peer_helpers.CIVICRM_HEADER (docs/peer-exports.md section 4).


def civicrm_file(directory: Path, rows: list[dict[str, str]]) -> Path:
    lines = [",".join(f'"{h}"' for h in CIVICRM_HEADER)]
    for row in rows:
        cells = []
        for header in CIVICRM_HEADER:
            value = row.get(header, "")
            cells.append('"' + value.replace('"', '""') + '"' if value else "")
        lines.append(",".join(cells))
    path = directory / "CiviCRM_Contact_Search.csv"
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def civicrm_rows() -> list[dict[str, str]]:
    common = {"Created Date": "2019-07-11 09:56:18", "Country": "Sweden"}
    return [
        {
            **common,
            "Contact ID": "11",
            "Contact Type": "Individual",
            "Sort Name": "Svensson, Anna",
            "Display Name": "Anna Svensson",
            "First Name": "Anna",
            "Last Name": "Svensson",
            "Postal Code": "211 45",
            "Email": "anna.svensson@example.org",
        },
        {
            **common,
            "Contact ID": "12",
            "Contact Type": "Organization",
            "Sort Name": "Fredsföreningen",
            "Display Name": "Fredsföreningen",
            "Organization Name": "Fredsföreningen",
            "Email": "info@example.org",
            "Phone": "040-12 34 56",
            "Phone Type": "Phone",
        },
        {
            **common,
            "Contact ID": "13",
            "Contact Type": "Household",
            "Sort Name": "Familjen Berg",
            "Display Name": "Familjen Berg",
            "Household Name": "Familjen Berg",
            "Email": "familjen.berg@example.net",
        },
    ]


def test_civicrm_organisation_and_household_rows_are_named_counted_and_never_created(
    client_for: Any, personas: Any, world: Any, tmp_path: Path
) -> None:
    path = civicrm_file(tmp_path, civicrm_rows())
    people = Person.objects.count()
    batch = dry_run(personas.admin, path)
    assert batch.mapping["Contact Type"] == "contact_type"
    assert batch.mapping["Organization Name"] == "organisation_name"
    summary = batch.dry_run
    assert summary["skipped_counts"] == {"organisations": 2, "test_leads": 0}
    assert summary["counts"]["created"] == 1 and summary["counts"]["refused"] == 0
    assert [(s["line"], s["kind"]) for s in summary["skipped"]] == [
        (3, "organisation"),
        (4, "organisation"),
    ]
    assert summary["skipped"][0]["reason"] == in_swedish("An organisation, not a person.")
    assert summary["skipped"][1]["reason"] == in_swedish("A household, not a person.")
    assert not [r for r in summary["rows"] if r["line"] in (3, 4)]
    html = page(client_for, personas.admin, batch)
    skipped = re.search(r'<ul class="skipped-rows".*?</ul>', html, re.DOTALL)
    assert skipped is not None
    assert escape(in_swedish("An organisation, not a person.")) in skipped[0]
    assert escape(in_swedish("Organisations (not people), skipped")) in html
    assert Person.objects.count() == people

    batch = import_file(personas.admin, path)
    assert (batch.created_count, batch.refused_count, batch.organisation_count) == (1, 0, 2)
    assert Person.objects.count() == people + 1
    assert not Person.objects.filter(email__in=["info@example.org", "familjen.berg@example.net"])
    assert not ImportIssue.objects.filter(batch=batch).exists()  # not refused rows
    assert Person.objects.get(email="anna.svensson@example.org").last_name == "Svensson"
    result = page(client_for, personas.admin, batch)  # the result: counted, not refused
    assert escape(in_swedish("Organisations (not people), skipped")) in result


def test_a_company_column_does_not_make_a_row_an_organisation(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    # Eventbrite's Attendee Summary report (docs/peer-exports.md section 8): "Company" is the
    # attendee's employer.
    header = (
        "Order #,Order Date,First Name,Last Name,Email,Quantity,Price Tier,Ticket Type,"
        "Attendee #,Group,Order Type,Currency,Total Paid,Fees Paid,Eventbrite Fees,"
        "Eventbrite Payment Processing,Attendee Status,Home Address 1,Home Address 2,"
        "Home City,Home State,Home Zip,Home Country,Job Title,Company"
    ).split(",")
    row = dict.fromkeys(header, "")
    row.update(
        {
            "Order #": "1234567890",
            "Order Date": "11/29/24 22:28",
            "First Name": "Sara",
            "Last Name": "Lind",
            "Email": "sara.lind@example.com",
            "Quantity": "1",
            "Ticket Type": "Fri entré",
            "Attendee #": "2345678901",
            "Order Type": "Free Order",
            "Attendee Status": "Attending",
            "Company": "Lunds kommun",
        }
    )
    path = write_csv(tmp_path, [[row[h] for h in header]], header=header, delimiter=",")
    batch = import_file(personas.admin, path)
    assert (batch.created_count, batch.organisation_count) == (1, 0)
    assert Person.objects.filter(email="sara.lind@example.com").exists()


# Meta lead ads, "Download leads" (docs/peer-exports.md section 6): tab-separated, UTF-16 LE
# with a BOM; ids with l:/ag:/as:/c:/f: prefixes, phones with p:; a test lead's every field
# is "<test lead: dummy data for <field_key>>" and its email test@meta.com.
META_HEADER = (
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
    "full_name",
    "email",
    "phone_number",
    "city",
    "lead_status",
)


def meta_file(directory: Path, rows: list[tuple[str, ...]]) -> Path:
    lines = ["\t".join(META_HEADER), *("\t".join(row) for row in rows)]
    path = directory / "leads.csv"
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-16-le"))
    return path


def meta_rows() -> list[tuple[str, ...]]:
    ad = ("ag:52524681724174", "Höstkampanj", "as:52524681723774", "Sverige 18-30")
    campaign = ("c:52524681723974", "Blixtaktion", "f:1010420755350301", "Anmälan")
    return [
        (
            "l:1062269359945847",
            "2026-09-23T17:04:53+0200",
            *ad,
            *campaign,
            "0",
            "fb",
            "Lina Ek",
            "lina.ek@example.org",
            "p:+46701234567",
            "Malmö",
            "CREATED",
        ),
        (
            "l:1062269359945848",
            "2026-09-23T17:06:10+0200",
            *ad,
            *campaign,
            "0",
            "ig",
            "<test lead: dummy data for full_name>",
            "test@meta.com",
            "p:<test lead: dummy data for phone_number>",
            "<test lead: dummy data for city>",
            "CREATED",
        ),
    ]


def test_meta_test_leads_are_named_counted_and_never_created(
    client_for: Any, personas: Any, world: Any, tmp_path: Path
) -> None:
    path = meta_file(tmp_path, meta_rows())
    people = Person.objects.count()
    batch = dry_run(personas.admin, path)
    summary = batch.dry_run
    assert summary["skipped_counts"] == {"organisations": 0, "test_leads": 1}
    assert [(s["line"], s["kind"]) for s in summary["skipped"]] == [(3, "test_lead")]
    assert summary["counts"]["created"] == 1 and summary["counts"]["refused"] == 0
    html = page(client_for, personas.admin, batch)
    skipped = re.search(r'<ul class="skipped-rows".*?</ul>', html, re.DOTALL)
    assert skipped is not None and escape(in_swedish("a test lead")) in skipped[0]
    assert escape(in_swedish("Test leads, skipped")) in html
    assert Person.objects.count() == people

    batch = import_file(personas.admin, path)
    assert (batch.created_count, batch.refused_count, batch.test_lead_count) == (1, 0, 1)
    assert not Person.objects.filter(email="test@meta.com").exists()
    assert Person.objects.get(mobile="+46701234567").first_name == "Lina"
    assert not ImportIssue.objects.filter(batch=batch).exists()
    assert escape(in_swedish("Test leads, skipped")) in page(client_for, personas.admin, batch)


def test_the_cleaning_process_of_large_files_tells_skipped_rows_apart(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    """Large files are read and cleaned in a forked process: a skipped row keeps its kind
    (an older API test lead, with an upper-case key) and is not refused."""
    rows = meta_rows()
    rows[1] = tuple(
        "<test lead: dummy data for FULL_NAME >" if v.startswith("<test") else v for v in rows[1]
    )
    batch = upload(personas.admin, meta_file(tmp_path, rows))
    cleaned = [row for chunk in chunks.chunks_from_child(batch) for row in chunk]
    assert [(row.line, row.skipped, bool(row.error)) for row in cleaned] == [
        (2, "", False),
        (3, "test_lead", True),
    ]
