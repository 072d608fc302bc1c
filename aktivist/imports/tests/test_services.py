"""The import services end to end on small files: matching, filling, reporting, scope,
consents, tags, the dry run."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from aktivist.core.exceptions import ApplicationError
from aktivist.core.models import AuditEvent
from aktivist.imports import chunks, runner, services, uploads
from aktivist.imports.models import ImportBatch, ImportIssue
from aktivist.imports.tests.import_helpers import (
    counts,
    import_file,
    media,
    upload,
    write_csv,
)
from aktivist.organisation.models import UnitMembership
from aktivist.people.models import Consent, Person, ReviewItem, Tag, Tagging
from aktivist.people.services import review_apply
from aktivist.people.tests.factories import PersonFactory

__all__ = ["media"]

pytestmark = pytest.mark.usefixtures("media")


def in_swedish(text: str) -> str:
    """Issue reasons are stored in the importer's language (the personas: Swedish)."""
    with translation.override("sv"):
        return translation.gettext(text)


HELD = in_swedish("Held for review by the secretariat")


def test_new_people_are_created_with_source_and_home_unit(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path,
        [
            ("Åsa", "Öberg", "Asa.Oberg@Example.org", "070-111 22 33", "211 45", ""),
            ("Jörgen", "Ärlig", "jorgen@example.org", "702223344", "90325", "M-1"),
        ],
    )
    batch = import_file(personas.admin, path, options={"source": "lead form, 2026-11"})
    assert batch.status == ImportBatch.Status.FINISHED
    assert counts(batch) == {"created": 2, "updated": 0, "unchanged": 0, "refused": 0, "held": 0}
    asa = Person.objects.get(email="asa.oberg@example.org")
    assert asa.mobile == "+46701112233"
    assert asa.postcode == "21145"
    assert asa.home_unit == world.group_a1
    assert asa.source == "lead form, 2026-11"
    assert asa.import_batch == batch
    assert asa.first_name_key == "åsa"
    assert Person.objects.get(member_number="M-1").home_unit == world.district_b


def test_a_row_matches_by_member_number_then_email_then_mobile(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    person = PersonFactory(
        first_name="Karin",
        last_name="Lind",
        email="karin@example.org",
        mobile="+46701234567",
        member_number="1001",
    )
    path = write_csv(
        tmp_path,
        [
            ("Karin", "Lind", "", "", "", "1001"),  # member number only
            ("Karin", "Lind", "KARIN@example.org", "", "", ""),  # email in another case
            ("Karin", "Lind", "", "+46 70 123 45 67", "", ""),  # mobile in another format
            ("Karin", "Lind", "karin@example.org", "0701234567", "", "1001"),  # all three
        ],
    )
    batch = import_file(personas.admin, path)
    assert counts(batch) == {"created": 0, "updated": 0, "unchanged": 4, "refused": 0, "held": 0}
    assert Person.objects.count() == 8  # the world's seven and Karin
    person.refresh_from_db()
    assert person.import_batch is None


def test_keys_that_point_to_different_people_are_refused_as_a_conflict(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    a = PersonFactory(email="a@example.org", mobile="+46701111111", member_number="1")
    b = PersonFactory(email="b@example.org", mobile="+46702222222", member_number="2")
    path = write_csv(
        tmp_path,
        [
            ("Anna", "A", "a@example.org", "0702222222", "", ""),  # a's email, b's mobile
            ("Anna", "A", "b@example.org", "", "", "1"),  # b's email, a's member number
        ],
    )
    batch = import_file(personas.admin, path)
    assert counts(batch)["refused"] == 2
    issues = list(batch.issues.order_by("line"))
    assert [(i.line, i.kind) for i in issues] == [
        (2, ImportIssue.Kind.CONFLICT),
        (3, ImportIssue.Kind.CONFLICT),
    ]
    assert issues[0].person_id is None
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.email, a.mobile, b.email, b.mobile) == (
        "a@example.org",
        "+46701111111",
        "b@example.org",
        "+46702222222",
    )


MOBILE_CONFLICT = in_swedish(
    "The mobile number belongs to someone with another name and email: check the row."
)


def test_a_row_matching_only_by_mobile_with_another_name_and_email_is_refused(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    owner = PersonFactory(
        first_name="Karin", last_name="Lund", email="karin@example.org", mobile="+46701234567"
    )
    no_email = PersonFactory(first_name="Olle", last_name="Ek", email=None, mobile="+46702345678")
    path = write_csv(
        tmp_path,
        [
            ("Bo", "Berg", "bo@example.org", "070-123 45 67", "211 45", ""),
            ("Bo", "Berg", "bo2@example.org", "0702345678", "", ""),
            ("KARIN", "Lund", "", "0701234567", "211 45", ""),  # the owner, by name
        ],
    )
    before = {p.pk: Person.objects.filter(pk=p.pk).values().get() for p in (owner, no_email)}
    dry = services.batch_dry_run(actor=personas.admin, batch=upload(personas.admin, path))
    assert [(r["line"], r["kind"], r["reason"]) for r in dry.dry_run["rows"]][:2] == [
        (2, "conflict", MOBILE_CONFLICT),
        (3, "conflict", MOBILE_CONFLICT),
    ]
    batch = import_file(personas.admin, path)
    issues = [(i.line, i.kind, i.reason, i.person_id) for i in batch.issues.order_by("line")]
    assert issues[:2] == [
        (2, ImportIssue.Kind.CONFLICT, MOBILE_CONFLICT, None),
        (3, ImportIssue.Kind.CONFLICT, MOBILE_CONFLICT, None),
    ]
    assert counts(batch)["refused"] == 2
    assert not Person.objects.filter(email__in=["bo@example.org", "bo2@example.org"]).exists()
    no_email.refresh_from_db()
    assert no_email.email is None and no_email.import_batch is None
    after = Person.objects.filter(pk=owner.pk).values().get()
    # Only the third row (the owner's own name) may fill the owner's empty postcode.
    changed = {k for k in after if after[k] != before[owner.pk][k]}
    assert changed <= {"postcode", "home_unit_id", "updated_at", "import_batch_id"}
    assert after["email"] == "karin@example.org"


def test_empty_cells_never_blank_stored_data(personas: Any, world: Any, tmp_path: Path) -> None:
    person = PersonFactory(
        first_name="Sara",
        last_name="Sund",
        email="sara@example.org",
        mobile="+46703333333",
        postcode="21145",
        member_number="77",
    )
    path = write_csv(tmp_path, [("Sara", "", "sara@example.org", "", "", "")])
    batch = import_file(personas.admin, path)
    assert counts(batch)["unchanged"] == 1
    person.refresh_from_db()
    assert (person.last_name, person.mobile, person.postcode, person.member_number) == (
        "Sund",
        "+46703333333",
        "21145",
        "77",
    )


def test_empty_stored_fields_are_filled_and_a_filled_postcode_sets_the_home_unit(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    person = PersonFactory(
        first_name="Olle", last_name="", email="olle@example.org", mobile=None, postcode=""
    )
    path = write_csv(tmp_path, [("Olle", "Ek", "olle@example.org", "0704444444", "21122", "")])
    batch = import_file(personas.admin, path)
    assert counts(batch)["updated"] == 1
    person.refresh_from_db()
    assert (person.last_name, person.last_name_key, person.mobile, person.postcode) == (
        "Ek",
        "ek",
        "+46704444444",
        "21122",
    )
    assert person.home_unit == world.group_a1
    assert person.updated_at >= batch.started_at


def test_a_differing_value_is_reported_not_overwritten(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    person = PersonFactory(first_name="Lena", last_name="Berg", email="lena@example.org")
    path = write_csv(
        tmp_path,
        [
            ("Lena", "Holm", "lena@example.org", "", "", ""),
            ("LENA", "berg", "lena@example.org", "", "", ""),  # case and spacing: the same
        ],
    )
    batch = import_file(personas.admin, path)
    assert counts(batch)["unchanged"] == 2
    person.refresh_from_db()
    assert person.last_name == "Berg"
    differs = batch.issues.get(kind=ImportIssue.Kind.DIFFERS)
    assert differs.line == 2
    assert differs.data["field"] == "last_name"
    assert differs.data["value"] == "Holm"
    assert differs.person_id == person.pk
    assert in_swedish("Last name") in differs.reason


def test_importing_the_same_file_again_changes_and_creates_nothing(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    PersonFactory(first_name="Pia", last_name="", email="pia@example.org")
    rows = [
        ("Nils", "Nord", "nils@example.org", "0705555555", "21145", ""),
        ("Pia", "Palm", "pia@example.org", "", "", ""),  # fills Pia's last name
        ("Ulf", "Udd", "not-an-email", "", "", ""),  # refused
        ("Eva", "Ek", "", "0706666666", "", "5"),
    ]
    path = write_csv(tmp_path, rows)
    first = import_file(personas.admin, path, options={"tags": ["Gatuaktion"], "source": "x"})
    assert counts(first) == {"created": 2, "updated": 1, "unchanged": 0, "refused": 1, "held": 0}
    before = {p.pk: p.updated_at for p in Person.objects.all()}
    taggings = Tagging.objects.count()
    second = import_file(personas.admin, path, options={"tags": ["Gatuaktion"], "source": "x"})
    assert counts(second) == {"created": 0, "updated": 0, "unchanged": 3, "refused": 1, "held": 0}
    assert {p.pk: p.updated_at for p in Person.objects.all()} == before
    assert Tagging.objects.count() == taggings


def test_a_person_twice_in_the_file_is_created_once(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path,
        [
            ("Anna", "Ahl", "anna@example.org", "0701234567", "", ""),
            ("Bo", "Bå", "bo@example.org", "", "", ""),
            ("Anna", "Ahl", "ANNA@example.org", "+46 70 123 45 67", "21145", ""),
            ("Anna", "", "", "070-123 45 67", "", "9"),
        ],
    )
    batch = import_file(personas.admin, path)
    assert counts(batch) == {"created": 2, "updated": 2, "unchanged": 0, "refused": 0, "held": 0}
    anna = Person.objects.get(email="anna@example.org")
    assert (anna.postcode, anna.member_number) == ("21145", "9")
    assert Person.objects.filter(mobile="+46701234567").count() == 1


def test_a_duplicate_in_a_later_chunk_matches_the_person_the_first_created(
    personas: Any, world: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(chunks, "CHUNK", 2)
    path = write_csv(
        tmp_path,
        [
            ("Anna", "Ahl", "anna@example.org", "", "", ""),
            ("Bo", "Bå", "bo@example.org", "", "", ""),
            ("Cia", "Cå", "cia@example.org", "", "", ""),
            ("Anna", "Ahl", "Anna@Example.org", "0701234567", "", ""),
            ("Anna", "Ahl", "", "0701234567", "", ""),
        ],
    )
    batch = import_file(personas.admin, path)
    assert counts(batch) == {"created": 3, "updated": 1, "unchanged": 1, "refused": 0, "held": 0}
    assert Person.objects.get(email="anna@example.org").mobile == "+46701234567"


def test_a_row_without_member_number_email_or_mobile_is_refused(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [("Nora", "Namn", "", "", "21145", "")])
    batch = import_file(personas.admin, path)
    assert counts(batch)["refused"] == 1
    assert batch.issues.get().reason == in_swedish(
        "The row has no member number, email or mobile: it cannot be matched to anyone, and "
        "importing it would create a new person every time."
    )
    # The same file again still creates no one.
    assert counts(import_file(personas.admin, path))["created"] == 0


def test_a_new_person_needs_a_first_name(personas: Any, world: Any, tmp_path: Path) -> None:
    PersonFactory(first_name="Known", email="known@example.org")
    path = write_csv(
        tmp_path,
        [
            ("", "Efternamn", "new@example.org", "", "", ""),
            ("", "", "known@example.org", "", "", ""),
        ],
    )
    batch = import_file(personas.admin, path)
    assert counts(batch) == {"created": 0, "updated": 0, "unchanged": 1, "refused": 1, "held": 0}


# --- Scope ---------------------------------------------------------------------------------


def test_a_district_import_holds_a_match_outside_the_scope_for_the_secretariat(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    home_b = world.home_b
    home_a = world.home_a
    path = write_csv(
        tmp_path,
        [
            ("Ny", "Person", "ny@example.org", "", "21145", ""),
            (home_a.first_name, "", home_a.email, "", "", ""),
            ("Ylva", "Annan", home_b.email.upper(), "", "", ""),
        ],
    )
    batch = import_file(personas.district_a, path, options={"unit": world.group_a1.pk})
    assert counts(batch) == {"created": 1, "updated": 1, "unchanged": 0, "refused": 0, "held": 1}
    issue = batch.issues.get(kind=ImportIssue.Kind.HELD)
    assert issue.reason == HELD
    assert issue.person_id is None
    assert home_b.last_name not in str(issue.data)
    item = ReviewItem.objects.get(matched_person=home_b)
    assert item.kind == ReviewItem.Kind.IMPORT_ROW
    assert item.status == ReviewItem.Status.OPEN
    assert item.submitted_by == personas.district_a
    assert item.unit == world.group_a1
    assert item.payload["import_batch"] == batch.pk
    assert item.payload["line"] == 4
    home_b.refresh_from_db()
    assert home_b.last_name == "Ström"
    # The new person and the matched person in scope joined the chosen unit.
    new = Person.objects.get(email="ny@example.org")
    assert UnitMembership.objects.filter(person=new, unit=world.group_a1).exists()
    assert UnitMembership.objects.filter(person=home_a, unit=world.group_a1).exists()
    # Importing the same file again does not queue the same request twice.
    import_file(personas.district_a, path, options={"unit": world.group_a1.pk})
    assert ReviewItem.objects.filter(matched_person=home_b).count() == 1


def test_the_dry_run_of_a_district_import_says_held_and_nothing_more(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [("Ylva", "Annan", world.home_b.email, "", "", "")])
    batch = upload(personas.district_a, path, options={"unit": world.group_a1.pk})
    batch = services.batch_dry_run(actor=personas.district_a, batch=batch)
    assert batch.dry_run["counts"]["held"] == 1
    assert batch.dry_run["rows"] == [{"line": 2, "kind": "held", "reason": HELD}]
    # The hold itself is queued for the secretariat and audited, even in a dry run.
    item = ReviewItem.objects.get()
    assert item.matched_person == world.home_b and item.payload["dry_run"] is True
    assert AuditEvent.objects.filter(verb="review.held", person_id=world.home_b.pk).exists()


def test_a_scoped_importer_must_choose_a_unit_in_their_scope(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [("Ny", "Person", "ny@example.org", "", "", "")])
    batch = uploads.batch_create(
        actor=personas.district_a, uploaded_file=str(path), filename="people.csv"
    )
    for unit in (None, world.group_b1.pk):
        with pytest.raises(ApplicationError):
            services.batch_update_mapping(
                actor=personas.district_a,
                batch=batch,
                mapping=dict(batch.mapping),
                options={"unit": unit},
            )


@pytest.mark.parametrize("persona", ["coordinator_a1", "board", "anonymous"])
def test_only_the_secretariat_and_district_representatives_import(
    personas: Any, world: Any, tmp_path: Path, persona: str
) -> None:
    path = write_csv(tmp_path, [("Ny", "Person", "ny@example.org", "", "", "")])
    with pytest.raises(ApplicationError):
        uploads.batch_create(
            actor=personas.all()[persona], uploaded_file=str(path), filename="people.csv"
        )


def test_a_district_representative_cannot_touch_another_districts_batch(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [("Ny", "Person", "ny@example.org", "", "", "")])
    batch = upload(personas.admin, path, options={"unit": world.group_b1.pk})
    with pytest.raises(ApplicationError):
        services.batch_start(actor=personas.district_a, batch=batch)


# --- Consents, tags, options -------------------------------------------------------------

WORDING = "Ja, jag vill få nyheter och kampanjer via e-post."


def test_consents_are_confirmed_only_when_source_and_wording_are_stated(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    stated = {
        "channel": "email",
        "purpose": "campaigns",
        "source": "Namninsamling på Möllan, 2026-11-02",
        "wording_version": "2026-11",
        "wording": WORDING,
    }
    path = write_csv(tmp_path, [("Ada", "Ask", "ada@example.org", "0701112233", "", "")])
    import_file(personas.admin, path, options={"consents": [stated]})
    consent = Consent.objects.get(person__email="ada@example.org")
    assert consent.status == Consent.Status.CONFIRMED
    assert consent.confirmed_at is not None
    assert consent.source == stated["source"]
    assert consent.wording_version == "2026-11"
    assert consent.wording_hash == hashlib.sha256(WORDING.encode()).hexdigest()

    other = write_csv(
        tmp_path, [("Bea", "Bok", "bea@example.org", "0702223344", "", "")], name="b.csv"
    )
    unstated = {"channel": "email", "purpose": "campaigns", "source": "Lista från mässan"}
    import_file(personas.admin, other, options={"consents": [unstated]})
    pending = Consent.objects.get(person__email="bea@example.org")
    assert pending.status == Consent.Status.PENDING
    assert pending.confirmed_at is None


def test_a_pending_consent_is_confirmed_by_a_stated_import_and_a_withdrawn_one_stays(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    pending = PersonFactory(email="p@example.org")
    withdrawn = PersonFactory(email="w@example.org")
    Consent.objects.create(person=pending, channel="email", purpose="campaigns")
    Consent.objects.create(
        person=withdrawn, channel="email", purpose="campaigns", status="withdrawn"
    )
    spec = {
        "channel": "email",
        "purpose": "campaigns",
        "source": "Formulär",
        "wording_version": "1",
        "wording": WORDING,
    }
    path = write_csv(
        tmp_path, [("P", "", "p@example.org", "", "", ""), ("W", "", "w@example.org", "", "", "")]
    )
    batch = import_file(personas.admin, path, options={"consents": [spec]})
    assert counts(batch)["updated"] == 1
    assert Consent.objects.get(person=pending).status == Consent.Status.CONFIRMED
    assert Consent.objects.get(person=withdrawn).status == Consent.Status.WITHDRAWN


def test_a_consent_needs_both_the_wordings_version_and_text(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [("Ada", "Ask", "ada@example.org", "", "", "")])
    batch = uploads.batch_create(
        actor=personas.admin, uploaded_file=str(path), filename="people.csv"
    )
    with pytest.raises(ApplicationError):
        services.batch_update_mapping(
            actor=personas.admin,
            batch=batch,
            mapping=dict(batch.mapping),
            options={"consents": [{"channel": "email", "purpose": "campaigns", "wording": "x"}]},
        )


def test_tags_are_created_once_and_given_to_every_row(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    Tag.objects.create(name="Gatuaktion")
    header = ("Förnamn", "E-post", "Taggar")
    path = write_csv(
        tmp_path,
        [
            ("Ada", "ada@example.org", "Skolturné, gatuaktion"),
            ("Bo", "bo@example.org", "skolturné"),
        ],
        header=header,
    )
    import_file(personas.admin, path, options={"tags": ["gatuaktion", "Höst 2026"]})
    assert sorted(Tag.objects.values_list("name", flat=True)) == [
        "Gatuaktion",
        "Höst 2026",
        "Skolturné",
    ]
    ada = Person.objects.get(email="ada@example.org")
    assert sorted(ada.tags.values_list("name", flat=True)) == [
        "Gatuaktion",
        "Höst 2026",
        "Skolturné",
    ]
    assert Person.objects.get(email="bo@example.org").tags.count() == 3


def test_an_existing_source_is_kept(personas: Any, world: Any, tmp_path: Path) -> None:
    person = PersonFactory(email="s@example.org", source="Medlemsregistret")
    path = write_csv(tmp_path, [("S", "", "s@example.org", "", "", "")])
    import_file(personas.admin, path, options={"source": "Leadformulär"})
    person.refresh_from_db()
    assert person.source == "Medlemsregistret"


# --- Upload, mapping, dry run, start ------------------------------------------------------


def test_a_file_that_cannot_be_read_is_refused_with_the_readers_message(
    personas: Any, tmp_path: Path
) -> None:
    path = tmp_path / "bild.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with pytest.raises(ApplicationError) as refused:
        uploads.batch_create(actor=personas.admin, uploaded_file=str(path), filename="bild.csv")
    assert "binary" in refused.value.message
    assert not ImportBatch.objects.exists()


def test_personal_identity_numbers_are_dropped_and_give_the_birth_year(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path,
        [("Ida", "Ink", "ida@example.org", "19900101-0017")],
        header=("Förnamn", "Efternamn", "E-post", "Personnummer"),
    )
    batch = uploads.batch_create(
        actor=personas.admin, uploaded_file=str(path), filename="people.csv"
    )
    assert batch.dropped_columns == ["Personnummer"]
    assert "Personnummer" not in batch.headers
    kept = Path(batch.file.path).read_text(encoding="utf-8")
    assert "0017" not in kept and "19900101" not in kept
    services.batch_update_mapping(
        actor=personas.admin, batch=batch, mapping=dict(batch.mapping), options={}
    )
    batch = services.batch_start(actor=personas.admin, batch=batch, enqueue=False)
    runner.run(batch)
    assert Person.objects.get(email="ida@example.org").birth_year == 1990


def test_a_saved_mapping_is_applied_to_a_new_upload(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    header = ("A", "B", "C")
    path = write_csv(tmp_path, [("Ada", "ada@example.org", "1")], header=header)
    services.mapping_save(
        actor=personas.staff,
        name="Medlemsregistret",
        mapping={"A": "first_name", "B": "email", "C": "member_number"},
    )
    batch = uploads.batch_create(
        actor=personas.admin,
        uploaded_file=str(path),
        filename="export.csv",
        mapping_name="Medlemsregistret",
    )
    assert batch.mapping == {"A": "first_name", "B": "email", "C": "member_number"}


def test_a_mapping_without_any_key_column_is_refused(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [("Ada", "ada@example.org")], header=("Förnamn", "E-post"))
    batch = uploads.batch_create(
        actor=personas.admin, uploaded_file=str(path), filename="people.csv"
    )
    with pytest.raises(ApplicationError):
        services.batch_update_mapping(
            actor=personas.admin,
            batch=batch,
            mapping={"Förnamn": "first_name", "E-post": ""},
            options={},
        )


def test_the_dry_run_writes_nothing_and_lists_refused_rows_with_line_and_reason(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    PersonFactory(email="known@example.org", first_name="K", last_name="Kvist")
    path = write_csv(
        tmp_path,
        [
            ("Ny", "Ny", "ny@example.org", "", "", ""),
            ("Fel", "Fel", "inte-en-adress", "", "", ""),
            ("K", "Annan", "known@example.org", "", "", ""),
            ("Ny", "Ny", "NY@example.org", "0701234567", "", ""),
        ],
    )
    batch = upload(personas.admin, path)
    people = Person.objects.count()
    batch = services.batch_dry_run(actor=personas.admin, batch=batch)
    assert batch.status == ImportBatch.Status.ANALYSED
    assert batch.dry_run["counts"] == {
        "created": 1,
        "updated": 1,
        "unchanged": 1,
        "refused": 1,
        "held": 0,
    }
    lines = [(r["line"], r["kind"]) for r in batch.dry_run["rows"]]
    assert lines == [(3, "refused"), (4, "differs")]
    assert "inte-en-adress" in batch.dry_run["rows"][0]["reason"]
    assert Person.objects.count() == people
    assert not ImportIssue.objects.exists()


def test_batch_start_runs_the_import_after_commit_and_audits_once(
    personas: Any, world: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    path = write_csv(tmp_path, [("Ada", "Ask", "ada@example.org", "", "", "")])
    batch = upload(personas.admin, path)
    with django_capture_on_commit_callbacks(execute=True):
        services.batch_start(actor=personas.admin, batch=batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FINISHED
    assert batch.created_by == personas.admin
    assert batch.finished_at is not None
    run_events = AuditEvent.objects.filter(verb="import.run", object_id=str(batch.pk))
    assert run_events.count() == 1
    assert run_events.get().details["created"] == 1
    assert not AuditEvent.objects.filter(verb="person.create").exists()
    with pytest.raises(ApplicationError):
        services.batch_start(actor=personas.admin, batch=batch)


def test_the_background_dry_run_ends_analysed(
    personas: Any, world: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    path = write_csv(tmp_path, [("Ada", "Ask", "ada@example.org", "", "", "")])
    batch = upload(personas.admin, path)
    with django_capture_on_commit_callbacks(execute=True):
        services.batch_dry_run_start(actor=personas.admin, batch=batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ANALYSED
    assert batch.dry_run["counts"]["created"] == 1


def test_the_dry_run_counts_what_the_real_run_then_does(
    personas: Any, world: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(chunks, "CHUNK", 2)
    PersonFactory(first_name="Känd", email="known@example.org", last_name="")
    path = write_csv(
        tmp_path,
        [
            ("Anna", "Ahl", "anna@example.org", "", "", ""),
            ("Känd", "Kvist", "known@example.org", "", "", ""),
            ("Bo", "Berg", "bo@example.org", "0701234567", "", ""),
            ("Anna", "Ahl", "ANNA@example.org", "", "", ""),  # the same again: unchanged
            ("Bo", "Berg", "", "+46 70 123 45 67", "", ""),  # the same again
            ("Fel", "", "fel", "", "", ""),
            ("Anna", "Ahl", "", "0709999999", "", "1"),  # a new person (no shared key)
        ],
    )
    batch = upload(personas.admin, path)
    dry = services.batch_dry_run(actor=personas.admin, batch=batch).dry_run["counts"]
    batch = services.batch_start(actor=personas.admin, batch=batch, enqueue=False)
    assert dry == counts(runner.run(batch))


def test_an_empty_source_is_filled_and_a_duplicate_in_the_file_is_still_unchanged(
    personas: Any, world: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(chunks, "CHUNK", 1)
    person = PersonFactory(email="s@example.org", source="")
    path = write_csv(
        tmp_path,
        [
            ("S", "", "s@example.org", "", "", ""),
            ("Ny", "", "ny@example.org", "", "", ""),
            ("Ny", "", "NY@example.org", "", "", ""),
        ],
    )
    batch = import_file(personas.admin, path, options={"source": "Leadformulär"})
    assert counts(batch) == {"created": 1, "updated": 1, "unchanged": 1, "refused": 0, "held": 0}
    person.refresh_from_db()
    assert person.source == "Leadformulär"


def test_the_secretariat_applies_a_held_row_and_the_person_joins_the_importers_unit(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    home_b = world.home_b
    home_b.city = ""
    home_b.save()
    path = write_csv(
        tmp_path,
        [("Ylva", "Ström", home_b.email, "", "", "")],
        header=("Förnamn", "Efternamn", "E-post", "Ort", "Postnr", "Medlemsnummer"),
    )
    path.write_text(path.read_text().replace(f"{home_b.email};;", f"{home_b.email};Umeå;"))
    import_file(personas.district_a, path, options={"unit": world.group_a1.pk})
    item = ReviewItem.objects.get(matched_person=home_b)
    review_apply(actor=personas.admin, item=item)
    home_b.refresh_from_db()
    assert home_b.city == "Umeå"
    assert UnitMembership.objects.filter(person=home_b, unit=world.group_a1).exists()
