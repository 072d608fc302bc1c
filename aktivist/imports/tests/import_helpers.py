"""Helpers for the import tests: CSV files in tmp_path and the whole service path."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from aktivist.imports import runner, services, uploads
from aktivist.imports.models import ImportBatch

HEADER = ("Förnamn", "Efternamn", "E-post", "Mobil", "Postnr", "Medlemsnummer")


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    """Kept copies of uploads go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


def write_csv(
    directory: Path,
    rows: Sequence[Sequence[Any]],
    *,
    header: Sequence[str] = HEADER,
    name: str = "people.csv",
    delimiter: str = ";",
) -> Path:
    path = directory / name
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else str(v) for v in row])
    return path


def upload(
    actor: Any,
    path: Path,
    *,
    kind: str = ImportBatch.Kind.PEOPLE,
    options: dict[str, Any] | None = None,
    mapping: dict[str, str] | None = None,
) -> ImportBatch:
    """batch_create + batch_update_mapping (the guessed mapping unless one is given)."""
    batch = uploads.batch_create(
        actor=actor, uploaded_file=str(path), filename=path.name, kind=kind
    )
    return services.batch_update_mapping(
        actor=actor,
        batch=batch,
        mapping=mapping if mapping is not None else dict(batch.mapping),
        options=options or {},
    )


def import_file(
    actor: Any,
    path: Path,
    *,
    kind: str = ImportBatch.Kind.PEOPLE,
    options: dict[str, Any] | None = None,
    mapping: dict[str, str] | None = None,
    confirm: bool = False,
) -> ImportBatch:
    """The UI's path, with the run in this process: upload, mapping, start, run."""
    batch = upload(actor, path, kind=kind, options=options, mapping=mapping)
    batch = services.batch_start(
        actor=actor, batch=batch, confirm_register_guard=confirm, enqueue=False
    )
    return runner.run(batch)


def counts(batch: ImportBatch) -> dict[str, int]:
    return {
        "created": batch.created_count,
        "updated": batch.updated_count,
        "unchanged": batch.unchanged_count,
        "refused": batch.refused_count,
        "held": batch.held_count,
    }
