"""A crash in the middle of an import: every chunk commits with its resume point, so the
batch resumes from the last committed chunk and ends in the same state as a clean run —
nothing twice, nothing lost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from aktivist.imports import chunks, lookup, runner, services, writer
from aktivist.imports.lookup import KeyFilter
from aktivist.imports.models import ImportBatch
from aktivist.imports.tests.import_helpers import counts, import_file, media, upload, write_csv
from aktivist.people.models import Person, Tagging
from aktivist.people.tests.factories import PersonFactory

__all__ = ["media"]


def rows(tag: str) -> list[tuple[str, ...]]:
    """Ten rows: duplicates across chunks of three, a refused row, a row that fills."""
    return [
        ("Anna", "Ahl", f"anna.{tag}@example.org", "", "", ""),
        ("Bo", "Berg", f"bo.{tag}@example.org", "", "", ""),
        ("Cia", "Cedar", f"cia.{tag}@example.org", "", "", ""),
        ("Dan", "Dahl", f"dan.{tag}@example.org", "", "", ""),
        ("Fel", "Fel", "inte en adress", "", "", ""),
        ("Anna", "Ahl", f"ANNA.{tag}@example.org", "", "21145", ""),
        ("Eva", "Ek", f"eva.{tag}@example.org", "", "", ""),
        ("Bo", "Berg", f"bo.{tag}@example.org", "", "", f"{tag}-1"),
        ("Fia", "Fors", f"fia.{tag}@example.org", "", "", ""),
        ("Gun", "Gran", f"gun.{tag}@example.org", "", "", ""),
    ]


def EXACT(tag: str) -> tuple[str, ...]:  # a row, named like the rows
    return ("Cia", "Cedar", f"cia.{tag}@example.org", "", "", "")  # exactly as before


def state(tag: str) -> list[tuple[Any, ...]]:
    people = Person.objects.filter(email__contains=f".{tag}@").order_by("email")
    return [
        (
            p.first_name,
            p.email.replace(tag, "*"),
            p.postcode,
            (p.member_number or "").replace(tag, "*"),
            sorted(p.tags.values_list("name", flat=True)),
        )
        for p in people
    ]


class Crash(Exception):
    pass


def crash_on_call(monkeypatch: Any, target: Any, name: str, call: int) -> None:
    original = getattr(target, name)
    calls = {"n": 0}

    def failing(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == call:
            raise Crash("the machine went down")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(target, name, failing)


@pytest.mark.usefixtures("media")
@pytest.mark.parametrize("where", ["_create_people", "_issues"])
def test_a_crashed_import_resumes_to_the_state_of_a_clean_run(
    personas: Any, world: Any, tmp_path: Path, monkeypatch: Any, where: str
) -> None:
    monkeypatch.setattr(chunks, "CHUNK", 3)
    options = {"tags": ["Mässa"], "source": "test"}
    clean = import_file(
        personas.admin, write_csv(tmp_path, rows("qq"), name="a.csv"), options=options
    )

    batch = upload(personas.admin, write_csv(tmp_path, rows("zz"), name="b.csv"), options=options)
    batch = services.batch_start(actor=personas.admin, batch=batch, enqueue=False)
    with monkeypatch.context() as patch:
        # The third chunk fails half-way: its people may be written already (_issues comes
        # after them in the same transaction), and must be rolled back with it.
        crash_on_call(patch, writer.Writer, where, 3 if where == "_create_people" else 2)
        with pytest.raises(Crash):
            runner.run(batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.processed_rows in (3, 6)
    assert "Crash" in batch.error  # the kind of error, never a row's data
    assert Person.objects.filter(email__contains=".zz@").count() == batch.created_count

    batch = services.batch_resume(actor=personas.admin, batch=batch, enqueue=False)
    batch = runner.run(batch)
    assert batch.status == ImportBatch.Status.FINISHED
    assert batch.processed_rows == 10
    assert counts(batch) == counts(clean)
    assert state("zz") == state("qq")
    assert batch.issues.count() == clean.issues.count()
    assert Tagging.objects.filter(person__email__contains=".zz@").count() == 7


@pytest.mark.usefixtures("media")
def test_a_second_runner_of_the_same_batch_stops_without_writing(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    batch = upload(personas.admin, write_csv(tmp_path, rows("ww")))
    batch = services.batch_start(actor=personas.admin, batch=batch, enqueue=False)
    runner.run(batch)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING)
    stale = ImportBatch.objects.get(pk=batch.pk)
    stale.processed_rows = 0  # a runner that still believes nothing is done
    with pytest.raises(runner.Superseded):
        runner._run(stale, None)  # the loop itself
    assert Person.objects.filter(email__contains=".ww@").count() == 7


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the writer thread: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_crash_in_the_writer_thread_resumes_to_the_state_of_a_clean_run(
    personas: Any, world: Any, tmp_path: Path, monkeypatch: Any, settings: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    monkeypatch.setattr(chunks, "CHUNK", 2)
    monkeypatch.setattr(chunks, "PIPELINE_MIN_ROWS", 0)
    options = {"tags": ["Mässa"], "source": "test"}
    clean = import_file(
        personas.admin, write_csv(tmp_path, rows("qq"), name="a.csv"), options=options
    )
    batch = upload(personas.admin, write_csv(tmp_path, rows("zz"), name="b.csv"), options=options)
    batch = services.batch_start(actor=personas.admin, batch=batch, enqueue=False)
    with monkeypatch.context() as patch:
        crash_on_call(patch, writer.Writer, "_issues", 3)
        with pytest.raises(Crash):
            runner.run(batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert Person.objects.filter(email__contains=".zz@").count() == batch.created_count
    batch = services.batch_resume(actor=personas.admin, batch=batch, enqueue=False)
    batch = runner.run(batch)
    assert counts(batch) == counts(clean)
    assert state("zz") == state("qq")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the writer thread: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_reading_in_a_child_and_writing_in_a_thread_gives_the_result_of_one_thread(
    personas: Any, world: Any, tmp_path: Path, monkeypatch: Any, settings: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    monkeypatch.setattr(chunks, "CHUNK", 1)  # every duplicate is in a chunk of its own
    options = {"tags": ["Mässa"], "source": "test"}
    one_thread = import_file(
        personas.admin,
        write_csv(tmp_path, [*rows("qq"), EXACT("qq")], name="a.csv"),
        options=options,
    )
    monkeypatch.setattr(chunks, "PIPELINE_MIN_ROWS", 0)
    # Other tests of this worker may have left threads behind (the check is for production).
    monkeypatch.setattr(chunks, "can_fork", lambda: True)
    children = []
    original = chunks.chunks_from_child

    def counting(*args: Any, **kwargs: Any) -> Any:
        children.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(chunks, "chunks_from_child", counting)
    pipelined = import_file(
        personas.admin,
        write_csv(tmp_path, [*rows("zz"), EXACT("zz")], name="b.csv"),
        options=options,
    )
    assert children == [1]
    assert counts(pipelined) == counts(one_thread)
    assert state("zz") == state("qq")


@pytest.mark.usefixtures("media")
def test_a_key_someone_stored_meanwhile_makes_the_chunk_resume(
    personas: Any, world: Any, tmp_path: Path, monkeypatch: Any, caplog: Any
) -> None:
    monkeypatch.setattr(chunks, "CHUNK", 3)
    batch = upload(personas.admin, write_csv(tmp_path, rows("qq")))
    batch = services.batch_start(actor=personas.admin, batch=batch, enqueue=False)
    # Cia signs up on the public page while the import looks the first chunk up. (In this
    # one-connection test her row goes with the chunk's rollback; the point is the retry.)
    original = lookup.StoredPeople.lookup
    calls = {"n": 0}

    def racing(self: Any, keys: Any) -> Any:
        calls["n"] += 1
        found = original(self, keys)
        if calls["n"] == 1:
            PersonFactory(first_name="Cia", email="cia.qq@example.org", mobile=None)
        return found

    monkeypatch.setattr(lookup.StoredPeople, "lookup", racing)
    batch = runner.run(batch)
    assert batch.status == ImportBatch.Status.FINISHED
    assert Person.objects.filter(email="cia.qq@example.org").count() == 1
    assert (batch.created_count, batch.processed_rows) == (7, 10)
    assert "collided" in caplog.text


@pytest.mark.usefixtures("media")
@pytest.mark.django_db(transaction=True)  # on PostgreSQL the writer thread has its own connection
def test_a_large_import_asks_the_database_only_about_keys_that_may_exist(
    personas: Any, world: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(chunks, "PIPELINE_MIN_ROWS", 0)
    monkeypatch.setattr(chunks, "CHUNK", 2)
    clean = import_file(personas.admin, write_csv(tmp_path, rows("qq"), name="a.csv"))
    again = import_file(personas.admin, write_csv(tmp_path, rows("qq"), name="b.csv"))
    assert again.created_count == 0
    assert again.unchanged_count == 10 - clean.refused_count
    key_filter = KeyFilter.from_database()
    for person in Person.objects.all():
        for kind in ("member_number", "email", "mobile"):
            value = getattr(person, kind)
            if value:
                assert key_filter.may_exist(kind, value)
