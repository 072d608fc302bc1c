"""Who sees which import batches, and the refused rows to fix and upload again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.http import Http404
from django.utils import translation

from aktivist.imports.selectors import (
    access_batch,
    batches_visible_to,
    mappings_for,
    refused_rows,
    refused_rows_headers,
)
from aktivist.imports.services import mapping_save
from aktivist.imports.tests.import_helpers import import_file, media, upload, write_csv
from aktivist.people.tests.factories import PersonFactory

__all__ = ["media"]

pytestmark = pytest.mark.usefixtures("media")


def test_who_sees_which_batches(personas: Any, world: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path, [("A", "B", "a@example.org", "", "", "")])
    national = upload(personas.admin, path)
    own = upload(personas.district_a, path, options={"unit": world.group_a1.pk})
    in_subtree = upload(personas.staff, path, options={"unit": world.group_a2.pk})
    other = upload(personas.staff, path, options={"unit": world.group_b1.pk})
    everything = {national.pk, own.pk, in_subtree.pk, other.pk}
    assert set(batches_visible_to(personas.admin).values_list("pk", flat=True)) == everything
    assert set(batches_visible_to(personas.staff).values_list("pk", flat=True)) == everything
    assert set(batches_visible_to(personas.district_a).values_list("pk", flat=True)) == {
        own.pk,
        in_subtree.pk,
    }
    for persona in ("coordinator_a1", "board", "anonymous"):
        assert not batches_visible_to(personas.all()[persona]).exists()
    assert access_batch(personas.district_a, own.pk) == own
    for pk in (other.pk, national.pk, "x", None):
        with pytest.raises(Http404):
            access_batch(personas.district_a, pk)


def test_refused_rows_come_back_as_csv_with_the_reason(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    PersonFactory(email="a@example.org", mobile="+46701111111")
    PersonFactory(email="b@example.org", mobile="+46702222222")
    path = write_csv(
        tmp_path,
        [
            ("Ok", "Ok", "ok@example.org", "", "", ""),
            ("Fel", "Fel", "inte-en-adress", "070-111 11 11", "", ""),
            ("Två", "Personer", "a@example.org", "0702222222", "", ""),
            ("=SUMMA(A1)", "Formel", "f@example.org", "", "", ""),
        ],
    )
    batch = import_file(personas.admin, path)
    parsed = [refused_rows_headers(batch), *refused_rows(batch)]
    assert parsed[0] == [
        "Förnamn",
        "Efternamn",
        "E-post",
        "Mobil",
        "Postnr",
        "Medlemsnummer",
        "Line",
        "Reason",
    ]
    assert [r[:4] for r in parsed[1:]] == [
        ["Fel", "Fel", "inte-en-adress", "070-111 11 11"],
        ["Två", "Personer", "a@example.org", "0702222222"],
        # The file's own text: the CSV writer neutralises it (test_refused_download.py).
        ["=SUMMA(A1)", "Formel", "f@example.org", ""],
    ]
    assert [r[-2] for r in parsed[1:]] == [3, 4, 5]
    assert "inte-en-adress" in parsed[1][-1]
    with translation.override("sv"):  # the importer's language
        conflict = translation.gettext(
            "The member number, email and mobile in this row belong to different people."
        )
    assert parsed[2][-1] == conflict


def test_held_rows_are_not_in_the_refused_file(personas: Any, world: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path, [("Y", "", world.home_b.email, "", "", "")])
    batch = import_file(personas.district_a, path, options={"unit": world.group_a1.pk})
    assert batch.held_count == 1
    assert list(refused_rows(batch)) == []


def test_saved_mappings_are_for_importers(personas: Any, world: Any) -> None:
    mapping_save(actor=personas.staff, name="Lead form", mapping={"Email": "email"})
    assert mappings_for(personas.district_a).count() == 1
    assert not mappings_for(personas.coordinator_a1).exists()
    assert not mappings_for(personas.board).exists()
