"""manage.py import_people: the same services from the command line, with counts."""

from __future__ import annotations

import hashlib
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from aktivist.imports.models import ImportBatch
from aktivist.imports.tests.import_helpers import media, write_csv
from aktivist.mobilization.models import Suppression
from aktivist.people.models import Consent, Person
from aktivist.people.tests.factories import PersonFactory

__all__ = ["media"]

pytestmark = pytest.mark.usefixtures("media")


def run(*args: Any) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_people", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rows(world: Any) -> list[tuple[str, ...]]:
    return [
        ("Ny", "Nysson", "ny@example.org", "0701234567", "21145", ""),
        ("Fel", "Fel", "inte-en-adress", "", "", ""),
        (world.home_a.first_name, "", world.home_a.email, "", "", ""),
    ]


def test_the_command_imports_and_prints_the_counts(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, rows(world))
    out, _err = run(str(path), "--source", "Mässa 2026", "--tag", "Mässa", "--tag", "Höst")
    # The person already known gets the tags: updated.
    for line in ("created: 1", "updated: 1", "unchanged: 0", "refused: 1", "held: 0"):
        assert line in out
    batch = ImportBatch.objects.get()
    assert batch.created_by == personas.admin  # the first active admin
    assert batch.status == ImportBatch.Status.FINISHED
    person = Person.objects.get(email="ny@example.org")
    assert person.source == "Mässa 2026"
    assert sorted(person.tags.values_list("name", flat=True)) == ["Höst", "Mässa"]


def test_the_dry_run_prints_what_would_happen_and_writes_nothing(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, rows(world))
    out, _err = run(str(path), "--dry-run")
    assert "Dry run" in out
    assert "created: 1" in out
    assert "line 3 (refused)" in out
    assert not Person.objects.filter(email="ny@example.org").exists()


def test_a_district_representative_imports_into_their_unit(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [*rows(world), ("Y", "", world.home_b.email, "", "", "")])
    out, _err = run(str(path), "--as", personas.district_a.email, "--unit", str(world.group_a1.pk))
    assert "held: 1" in out
    assert Person.objects.get(email="ny@example.org").unit_memberships.get().unit == world.group_a1


def test_a_register_sync_prints_former_and_needs_confirm_beyond_the_guard(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    members = [PersonFactory(member_number=str(i), membership_status="member") for i in range(1, 5)]
    header = ("Medlemsnummer", "Förnamn", "E-post")
    path = write_csv(
        tmp_path, [(p.member_number, p.first_name, p.email) for p in members[:2]], header=header
    )
    with pytest.raises(CommandError, match="admin must confirm"):
        run(str(path), "--register-full")
    out, _err = run(str(path), "--register-full", "--confirm")
    assert "former: 2" in out


def test_unknown_account_and_missing_file_are_errors(personas: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        run(str(tmp_path / "saknas.csv"))
    path = write_csv(tmp_path, [("A", "B", "a@example.org", "", "", "")])
    with pytest.raises(CommandError):
        run(str(path), "--as", "nobody@example.org")


# --- Consents and opt-outs: the page's options on the command line (issue 16) -------------

WORDING = "Ja, jag vill få e-post och sms om kampanjer."


def test_the_command_records_consents_confirmed_with_source_and_wording(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [("Ny", "Nysson", "ny@example.org", "0701234567", "", "")])
    out, _err = run(
        str(path),
        "--consent",
        "email:campaigns",
        "--consent",
        "sms:rapid_response",
        "--consent-source",
        "Namnlista, Mässa 2026",
        "--wording-version",
        "mässa-2026-1",
        "--wording",
        WORDING,
    )
    assert "consent email:campaigns → confirmed" in out
    person = Person.objects.get(email="ny@example.org")
    consents = {(c.channel, c.purpose): c for c in person.consents.all()}
    assert set(consents) == {("email", "campaigns"), ("sms", "rapid_response")}
    for consent in consents.values():
        assert consent.status == Consent.Status.CONFIRMED
        assert consent.confirmed_by == Consent.ConfirmedBy.IMPORT
        assert consent.source == "Namnlista, Mässa 2026"
        assert consent.wording_version == "mässa-2026-1"
        assert consent.wording_hash == hashlib.sha256(WORDING.encode()).hexdigest()


def test_a_consent_without_source_and_wording_is_pending(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [("Ny", "Nysson", "ny@example.org", "", "", "")])
    wording = tmp_path / "wording.txt"
    wording.write_text(WORDING, encoding="utf-8")
    # A wording (from a file) and its version, but no source: pending, as on the page.
    out, _err = run(
        str(path),
        "--consent",
        "email:campaigns",
        "--wording-version",
        "v1",
        "--wording-file",
        str(wording),
    )
    assert "consent email:campaigns → pending" in out
    consent = Person.objects.get(email="ny@example.org").consents.get()
    assert consent.status == Consent.Status.PENDING
    assert consent.confirmed_at is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--consent", "email:everything"), "Choose a channel and a purpose"),
        (("--consent", "email"), "CHANNEL:PURPOSE"),
        (("--consent", "email:campaigns", "--wording", "Ja"), "version and its text"),
        (("--consent-source", "Mässa"), "--consent CHANNEL:PURPOSE"),
        (("--consent", "email:campaigns", "--consent", "email:campaigns"), "once"),
    ],
)
def test_bad_consent_options_are_refused_and_nothing_is_imported(
    personas: Any, world: Any, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    path = write_csv(tmp_path, [("Ny", "Nysson", "ny@example.org", "", "", "")])
    with pytest.raises(CommandError, match=message):
        run(str(path), *args)
    assert not Person.objects.filter(email="ny@example.org").exists()
    assert not Consent.objects.exists()


def test_the_command_counts_opt_outs_and_they_beat_its_consent(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    # Action Network's report columns (docs/peer-exports.md 1).
    header = ("first_name", "last_name", "email", "can2_subscription_status")
    path = write_csv(
        tmp_path,
        [
            ("Sara", "Ek", "sara@example.org", "subscribed"),
            ("Ulla", "Ek", "ulla@example.org", "unsubscribed"),
        ],
        header=header,
        delimiter=",",
    )
    consent = ["--consent", "email:campaigns", "--consent-source", "AN", "--wording-version"]
    consent += ["v1", "--wording", WORDING]
    out, _err = run(str(path), "--dry-run", *consent)
    assert "opted_out: 1" in out
    assert not Suppression.objects.exists()
    out, _err = run(str(path), *consent)
    assert "opted_out: 1" in out
    assert Suppression.objects.get().address == "ulla@example.org"
    assert not Person.objects.get(email="ulla@example.org").consents.exists()
    assert Person.objects.get(email="sara@example.org").consents.get().status == "confirmed"
