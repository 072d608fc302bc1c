"""A free-text column becomes a note on the person (issue 16, item 6): recognised from the
Swedish and English headers and the peer tools' own (NationBuilder ``note``, Mailchimp
``NOTES``, CiviCRM ``Note(s)``, IdrottOnline ``Övrig medlemsinfo``: docs/peer-exports.md
sections 2, 3, 4 and 9a); written in bulk by the importer, on people created or matched in
the importer's scope, never on a held row's; not twice from the same file; removed by undo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aktivist.core.table_columns import guess_mapping
from aktivist.imports import chunks, runner, services
from aktivist.imports.tests.import_helpers import import_file, media, upload, write_csv
from aktivist.people.models import Interaction, Person
from aktivist.people.tests.factories import PersonFactory

__all__ = ["media"]

pytestmark = pytest.mark.usefixtures("media")

HEADER = ("Förnamn", "Efternamn", "E-post", "Kommentar")


def notes_of(person: Person) -> list[str]:
    return list(
        Interaction.objects.filter(person=person, kind=Interaction.Kind.NOTE)
        .order_by("id")
        .values_list("text", flat=True)
    )


@pytest.mark.parametrize(
    "header",
    [
        "Kommentar",
        "Kommentarer",
        "Anteckning",
        "Anteckningar",
        "Övrigt",
        "Notes",
        "Note",
        "Comments",
        "note",  # NationBuilder
        "NOTES",  # Mailchimp
        "Note(s)",  # CiviCRM
        "Övrig medlemsinfo",  # IdrottOnline
    ],
)
def test_notes_columns_are_recognised(header: str) -> None:
    mapping = guess_mapping(["Förnamn", "E-post", header], [["Anna", "a@example.org", "Hej"]])
    assert mapping[header] == "note"


def test_a_notes_column_becomes_a_note_by_the_importer_on_new_and_matched_people(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    known = PersonFactory(first_name="Kim", last_name="Känd", email="kim@example.org")
    path = write_csv(
        tmp_path,
        [
            ("Nora", "Ny", "nora@example.org", "Vill hjälpa till på\nMalmöfestivalen"),
            ("Kim", "Känd", "kim@example.org", "Ringde 3/5, vill bli kontaktperson"),
            ("Tom", "Tom", "tom@example.org", ""),
        ],
        header=HEADER,
    )
    batch = import_file(personas.staff, path)
    assert batch.mapping["Kommentar"] == "note"
    assert (batch.created_count, batch.updated_count) == (2, 1)  # the note changes Kim
    nora = Person.objects.get(email="nora@example.org")
    assert notes_of(nora) == ["Vill hjälpa till på\nMalmöfestivalen"]
    assert notes_of(known) == ["Ringde 3/5, vill bli kontaktperson"]
    assert notes_of(Person.objects.get(email="tom@example.org")) == []  # an empty cell
    for note in Interaction.objects.all():
        assert note.author == personas.staff
        assert note.import_batch_id == batch.pk
        assert note.kind == Interaction.Kind.NOTE


def test_the_same_file_again_adds_no_second_note(personas: Any, tmp_path: Path) -> None:
    PersonFactory(first_name="Kim", last_name="Känd", email="kim@example.org")
    rows = [
        ("Nora", "Ny", "nora@example.org", "Vill hjälpa till"),
        ("Kim", "Känd", "kim@example.org", "Ringde i maj"),
        ("Kim", "Känd", "kim@example.org", "Ringde i maj"),  # twice in one file, too
    ]
    path = write_csv(tmp_path, rows, header=HEADER)
    import_file(personas.staff, path)
    assert Interaction.objects.count() == 2

    again = upload(personas.staff, path)
    again = services.batch_dry_run(actor=personas.staff, batch=again)
    assert again.dry_run["counts"]["unchanged"] == 3  # the dry run says so too
    again = services.batch_start(actor=personas.staff, batch=again, enqueue=False)
    again = runner.run(again)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
    assert Interaction.objects.count() == 2

    # A new text for the same person is a new note.
    path = write_csv(tmp_path, [("Kim", "Känd", "kim@example.org", "Ny anteckning")], header=HEADER)
    import_file(personas.staff, path)
    assert notes_of(Person.objects.get(email="kim@example.org")) == [
        "Ringde i maj",
        "Ny anteckning",
    ]


def test_a_held_row_writes_no_note_on_the_person_outside_the_scope(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path,
        [
            ("Ylva", "Ström", world.home_b.email, "Ska inte hamna hos Ylva"),
            ("Nora", "Ny", "nora@example.org", "Ny i Malmö"),
        ],
        header=HEADER,
    )
    batch = import_file(personas.district_a, path, options={"unit": world.group_a1.pk})
    assert batch.held_count == 1 and batch.created_count == 1
    assert notes_of(world.home_b) == []
    assert Interaction.objects.filter(text__contains="Ylva").count() == 0
    assert notes_of(Person.objects.get(email="nora@example.org")) == ["Ny i Malmö"]


def test_a_too_long_or_formula_note_refuses_its_row(personas: Any, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        [
            ("Lång", "Text", "lang@example.org", "x" * 5001),
            ("Form", "El", "formel@example.org", '=HYPERLINK("http://example.com")'),
            ("Rätt", "Lång", "ratt@example.org", "y" * 5000),
        ],
        header=HEADER,
    )
    batch = import_file(personas.staff, path)
    assert (batch.created_count, batch.refused_count) == (1, 2)
    reasons = dict(batch.issues.values_list("line", "reason"))
    assert "Kommentar" in reasons[2] and "5001" in reasons[2] and "5000" in reasons[2]
    assert "Kommentar" in reasons[3] and "=HYPERLINK" in reasons[3]  # "looks like a formula"
    assert not Person.objects.filter(email__in=["lang@example.org", "formel@example.org"]).exists()
    assert notes_of(Person.objects.get(email="ratt@example.org")) == ["y" * 5000]


def test_undo_removes_the_batchs_notes_and_no_other(personas: Any, tmp_path: Path) -> None:
    known = PersonFactory(first_name="Kim", last_name="Känd", email="kim@example.org")
    typed = Interaction.objects.create(person=known, text="Skriven för hand", author=personas.staff)
    path = write_csv(
        tmp_path,
        [
            ("Nora", "Ny", "nora@example.org", "Ny"),
            ("Kim", "Känd", "kim@example.org", "Från filen"),
        ],
        header=HEADER,
    )
    batch = import_file(personas.staff, path)
    assert Interaction.objects.count() == 3
    result = services.batch_undo(actor=personas.staff, batch=batch)
    assert result.removed == 1
    assert list(Interaction.objects.all()) == [typed]
    assert Person.objects.filter(pk=known.pk).exists()


def test_notes_add_no_query_per_row(personas: Any, tmp_path: Path) -> None:
    def run_with(count: int, name: str) -> int:
        people = [
            PersonFactory(first_name=f"P{name}{i}", email=f"p{name}{i}@example.org")
            for i in range(count)
        ]
        rows = [(p.first_name, "", p.email, f"Anteckning {i}") for i, p in enumerate(people)]
        rows += [(f"Ny{name}{i}", "", f"ny{name}{i}@example.org", "Ny") for i in range(count)]
        batch = upload(personas.staff, write_csv(tmp_path, rows, header=HEADER, name=name))
        batch = services.batch_start(actor=personas.staff, batch=batch, enqueue=False)
        with CaptureQueriesContext(connection) as queries:
            batch = runner.run(batch)
        assert Interaction.objects.filter(import_batch=batch).count() == 2 * count
        return len(queries)

    assert run_with(3, "small.csv") == run_with(30, "large.csv")


def test_the_cleaning_process_hands_the_note_over(personas: Any, tmp_path: Path) -> None:
    """Large files are cleaned in a forked process that sends compact rows: the note comes
    through as the row's note, not as a person value."""
    path = write_csv(tmp_path, [("Nora", "Ny", "nora@example.org", "Ny i Malmö")], header=HEADER)
    batch = upload(personas.staff, path)
    rows = [row for chunk in chunks.chunks_from_child(batch) for row in chunk]
    assert [(row.note, sorted(row.values)) for row in rows] == [
        ("Ny i Malmö", ["email", "first_name", "last_name"])
    ]
