"""An uploaded attendance list holds people's values until it is read and shown: the export
finds them, erasure removes them, and an hourly job deletes every upload older than a day
with its file (even when nobody came back for it, or its task never ran)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from freezegun import freeze_time

from aktivist.core.registries import erasure_registry, export_registry
from aktivist.core.schedule import jobs, run_due_jobs
from aktivist.people.tests.factories import PersonFactory
from aktivist.programmes.attendance_upload import (
    attendance_upload_read,
    attendance_upload_receive,
    upload_attendance,
)
from aktivist.programmes.models import AttendanceUpload
from aktivist.programmes.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def event(world):
    starts = timezone.now() - dt.timedelta(hours=3)
    return EventFactory(
        unit=world.group_a1, title="Träff", starts_at=starts, ends_at=starts + dt.timedelta(hours=2)
    )


@pytest.fixture
def her():
    return PersonFactory(first_name="Zelmira", last_name="Quenbyhallow", email="zq@example.org")


def _pending(
    event: Any, actor: Any, text: str | bytes, name: str = "lista.csv"
) -> AttendanceUpload:
    upload = AttendanceUpload(event=event, created_by=actor, original_name=name)
    data = text.encode() if isinstance(text, str) else text
    upload.file.save("upload-test", ContentFile(data))
    return upload


def _files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_a_refused_row_that_quotes_her_is_exported_and_blanked_by_erasure(
    world, personas, event, her, tmp_path, media
):
    # The worker writes in Swedish (”…”): the reason quotes the address as it was typed.
    path = tmp_path / "lista.csv"
    path.write_text("Förnamn;E-post\nZelmira;zq@example.org,\n;ada@example.org\n")
    with translation.override("sv"):
        result = upload_attendance(actor=personas.coordinator_a1, event=event, path=str(path))
    assert [r.line for r in result.refused] == [2, 3]
    upload = AttendanceUpload.objects.create(
        event=event,
        created_by=personas.coordinator_a1,
        original_name="lista.csv",
        status=AttendanceUpload.Status.DONE,
        result=asdict(result),
    )
    _section, export = export_registry[AttendanceUpload]

    rows = export(her)

    assert [(r["line"], r["event__title"]) for r in rows] == [(2, "Träff")]
    assert "zq@example.org," in rows[0]["reason"]
    assert export(PersonFactory(email="someone@example.org")) == []

    erasure_registry[AttendanceUpload]([her.pk])

    upload.refresh_from_db()
    assert [r["reason"] for r in upload.result["refused"]] == ["", "Förnamn saknas."]
    assert "zq@example" not in str(upload.result)


def test_erasure_deletes_a_pending_list_with_her_row_or_one_that_cannot_be_read(
    personas, event, her, media
):
    actor = personas.coordinator_a1
    hers = _pending(event, actor, "Förnamn;Efternamn;Mobil\nZelmira;Quenbyhallow;0701112233\n")
    _pending(event, actor, b"PK\x03\x04" + b"\x00" * 50, name="lista.xlsx")  # damaged
    others = _pending(event, actor, "Förnamn;E-post\nAda;ada@example.org\n")
    _section, export = export_registry[AttendanceUpload]
    assert [(r["pk"], r["original_name"]) for r in export(her)] == [(hers.pk, "lista.csv")]

    erasure_registry[AttendanceUpload]([her.pk])

    assert list(AttendanceUpload.objects.values_list("pk", flat=True)) == [others.pk]
    assert _files(media) == [Path(others.file.path)]


def test_an_erased_list_is_not_read_by_its_task_afterwards(personas, event, her, media):
    upload = _pending(event, personas.coordinator_a1, "Förnamn;E-post\nZelmira;zq@example.org\n")
    erasure_registry[AttendanceUpload]([her.pk])
    assert attendance_upload_read(upload_id=upload.pk) is None


def test_an_hourly_job_deletes_the_uploads_older_than_a_day_with_their_files(
    personas, event, media, django_capture_on_commit_callbacks
):
    assert jobs["programmes.forget_stale_uploads"].period == "hourly"
    start = timezone.now()

    def receive() -> AttendanceUpload:
        # The task that reads it never runs (a stopped worker): nothing else comes for it.
        with django_capture_on_commit_callbacks(execute=False):
            return attendance_upload_receive(
                actor=personas.coordinator_a1,
                event=event,
                uploaded_file=SimpleUploadedFile("lista.csv", b"Namn;E-post\nA;a@example.org\n"),
                filename="lista.csv",
            )

    forgotten = receive()
    with freeze_time(start + dt.timedelta(hours=20)):
        recent = receive()
    assert len(_files(media)) == 2

    with freeze_time(start + dt.timedelta(hours=25)):
        with django_capture_on_commit_callbacks(execute=True):
            assert "programmes.forget_stale_uploads" in run_due_jobs()

    assert list(AttendanceUpload.objects.values_list("pk", flat=True)) == [recent.pk]
    assert _files(media) == [Path(recent.file.path)]
    assert not AttendanceUpload.objects.filter(pk=forgotten.pk).exists()
