"""Undo removes the people a batch created as long as nothing has happened to them since."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aktivist.core.exceptions import ApplicationError
from aktivist.core.models import AuditEvent
from aktivist.imports import services, uploads
from aktivist.imports.models import ImportBatch
from aktivist.imports.tests.import_helpers import import_file, media, write_csv
from aktivist.organisation.models import UnitMembership
from aktivist.organisation.services import role_start
from aktivist.organisation.tests.factories import RoleTypeFactory
from aktivist.people.models import Consent, Person, Tagging
from aktivist.people.services import interaction_add, person_update

__all__ = ["media"]

pytestmark = pytest.mark.usefixtures("media")

SPEC = {
    "channel": "email",
    "purpose": "campaigns",
    "source": "Formulär",
    "wording_version": "1",
    "wording": "Ja tack.",
}


def _batch(personas: Any, world: Any, tmp_path: Path) -> ImportBatch:
    path = write_csv(
        tmp_path,
        [
            ("Orörd", "Ett", "one@example.org", "", "21145", ""),
            ("Orörd", "Två", "two@example.org", "", "", ""),
            ("Anteckning", "Tre", "three@example.org", "", "", ""),
            ("Ändrad", "Fyra", "four@example.org", "", "", ""),
            ("Roll", "Fem", "five@example.org", "", "", ""),
            (world.home_a.first_name, "", world.home_a.email, "0709999999", "", ""),
        ],
    )
    # Tags, a unit and consents: the batch's own rows never keep anyone.
    return import_file(
        personas.admin,
        path,
        options={"tags": ["Mässa"], "unit": world.group_a1.pk, "consents": [SPEC]},
    )


def test_undo_removes_untouched_people_and_keeps_those_something_happened_to(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    batch = _batch(personas, world, tmp_path)
    assert batch.created_count == 5
    interaction_add(
        actor=personas.staff, person=Person.objects.get(email="three@example.org"), text="Ringde"
    )
    person_update(
        actor=personas.staff,
        person=Person.objects.get(email="four@example.org"),
        data={"city": "Lund"},
    )
    role_start(
        actor=personas.admin,
        person=Person.objects.get(email="five@example.org"),
        unit=world.group_a1,
        role_type=RoleTypeFactory(),
    )
    result = services.batch_undo(actor=personas.admin, batch=batch)
    assert (result.removed, result.kept) == (2, 3)
    remaining = set(Person.objects.filter(import_batch=batch).values_list("email", flat=True))
    assert remaining == {"three@example.org", "four@example.org", "five@example.org"}
    assert not Person.objects.filter(email__in=["one@example.org", "two@example.org"]).exists()
    # Their taggings, memberships and consents went with them.
    assert not Tagging.objects.filter(person__email="one@example.org").exists()
    assert not Consent.objects.filter(person__email="one@example.org").exists()
    assert not UnitMembership.objects.filter(person__email="one@example.org").exists()
    # A person the batch only matched is never removed.
    assert Person.objects.filter(pk=world.home_a.pk).exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNDONE
    assert batch.undone_at is not None
    event = AuditEvent.objects.get(verb="import.undo", object_id=str(batch.pk))
    assert event.details == {"removed": 2, "kept": 3}


def test_a_batch_is_undone_once(personas: Any, world: Any, tmp_path: Path) -> None:
    batch = _batch(personas, world, tmp_path)
    services.batch_undo(actor=personas.admin, batch=batch)
    with pytest.raises(ApplicationError):
        services.batch_undo(actor=personas.admin, batch=batch)


def test_a_batch_that_has_not_run_cannot_be_undone(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [("A", "B", "a@example.org", "", "", "")])
    batch = uploads.batch_create(actor=personas.admin, uploaded_file=str(path), filename="a.csv")
    with pytest.raises(ApplicationError):
        services.batch_undo(actor=personas.admin, batch=batch)


def test_people_a_later_import_touched_are_kept(personas: Any, world: Any, tmp_path: Path) -> None:
    first = _batch(personas, world, tmp_path)
    later = write_csv(
        tmp_path, [("Orörd", "Ett", "one@example.org", "0708888888", "", "")], name="l.csv"
    )
    import_file(personas.admin, later)
    result = services.batch_undo(actor=personas.admin, batch=first)
    assert (result.removed, result.kept) == (4, 1)
    assert Person.objects.filter(email="one@example.org").exists()


def test_a_large_undo_runs_in_the_background_and_removes_the_people(
    personas: Any,
    world: Any,
    tmp_path: Path,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    path = write_csv(tmp_path, [("Ada", "Berg", "ada@example.org", "", "21145", "")])
    batch = import_file(personas.admin, path)
    assert batch.created_count == 1
    monkeypatch.setattr(services, "UNDO_IN_BACKGROUND_ABOVE", 0)
    with django_capture_on_commit_callbacks(execute=True):
        queued = services.batch_undo_start(actor=personas.admin, batch=batch)
    assert queued  # the task ran (immediate backend in tests)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNDONE
    assert not Person.objects.filter(email="ada@example.org").exists()
