"""The import services end to end on small files: matching, filling, reporting, scope."""

from __future__ import annotations

from typing import Any

import pytest

from aktivist.imports.models import ImportBatch, ImportIssue
from aktivist.imports.tests.import_helpers import counts, import_file, media, write_csv
from aktivist.people.models import Person

__all__ = ["media"]

pytestmark = pytest.mark.usefixtures("media")


def test_new_people_are_created_with_source_and_home_unit(
    personas: Any, world: Any, tmp_path: Any
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
    assert asa.home_unit == world.group_a1
    assert asa.source == "lead form, 2026-11"
    assert asa.import_batch == batch
    assert asa.first_name_key == "åsa"
