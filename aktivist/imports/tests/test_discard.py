"""Discarding an upload that never started (issue 16, item 6): by its importer or the
secretariat, from the batch page or the list, after a confirmation; the file leaves storage,
the batch stays as a record, audited; and uploads left unstarted for IMPORT_ABANDONED_DAYS
are discarded by the daily job."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from aktivist.core.exceptions import ApplicationError
from aktivist.core.models import AuditEvent
from aktivist.core.schedule import jobs
from aktivist.imports import discard, services, uploads
from aktivist.imports.models import ImportBatch
from aktivist.imports.tasks import discard_abandoned_uploads
from aktivist.imports.tests.import_helpers import import_file, media, upload, write_csv
from aktivist.people.models import Person, ReviewItem

__all__ = ["media"]

pytestmark = pytest.mark.usefixtures("media")

Status = ImportBatch.Status


def stored_path(batch: ImportBatch) -> str:
    batch.refresh_from_db()
    assert batch.file.name
    path = batch.file.path
    assert os.path.exists(path)
    return path


@pytest.fixture
def analysed(personas: Any, world: Any, tmp_path: Path) -> ImportBatch:
    """The district representative's dry-run file: one new person, one held row (a person
    of the other district), so the dry run wrote a review item."""
    path = write_csv(
        tmp_path,
        [
            ("Ny", "Person", "ny.person@example.org", "", "21120", ""),
            ("Y", "", world.home_b.email, "", "", ""),
        ],
    )
    batch = upload(personas.district_a, path, options={"unit": world.group_a1.pk})
    batch = services.batch_dry_run(actor=personas.district_a, batch=batch)
    assert batch.status == Status.ANALYSED and batch.dry_run["counts"]["held"] == 1
    return batch


def test_the_importer_discards_a_dry_run_upload_after_confirming(
    client_for: Any, personas: Any, analysed: ImportBatch, django_capture_on_commit_callbacks: Any
) -> None:
    path = stored_path(analysed)
    client = client_for(personas.district_a)
    page = client.get(reverse("imports:dry_run", args=[analysed.pk])).content.decode()
    assert reverse("imports:discard", args=[analysed.pk]) in page
    confirm = client.get(reverse("imports:discard", args=[analysed.pk]))
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert 'method="post"' in html and "csrfmiddlewaretoken" in html
    assert os.path.exists(path)  # the confirmation page changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:discard", args=[analysed.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("imports:batch_list")
    analysed.refresh_from_db()
    assert analysed.status == Status.DISCARDED
    assert not analysed.file.name and analysed.dry_run == {}
    assert not os.path.exists(path)
    assert not Person.objects.filter(email="ny.person@example.org").exists()
    event = AuditEvent.objects.get(verb="import.discard")
    assert event.object_id == str(analysed.pk) and event.actor == personas.district_a
    assert event.details["status"] == Status.ANALYSED and event.details["automatic"] is False
    # The review item the dry run wrote for the secretariat stays: discarding does not
    # wipe the trace of a probe.
    assert ReviewItem.objects.filter(payload__import_batch=analysed.pk).count() == 1
    # The batch page says what happened; nothing can be started from it any more.
    page = client.get(reverse("imports:dry_run", args=[analysed.pk])).content.decode()
    assert "Upload discarded" in page
    assert reverse("imports:start", args=[analysed.pk]) not in page
    with pytest.raises(ApplicationError):
        services.batch_start(actor=personas.district_a, batch=analysed, enqueue=False)


def test_the_list_offers_discard_only_for_ones_own_unstarted_uploads(
    client_for: Any, personas: Any, world: Any, analysed: ImportBatch, tmp_path: Path
) -> None:
    colleague = upload(
        personas.staff,
        write_csv(tmp_path, [("A", "B", "a@example.org", "", "", "")], name="staff.csv"),
        options={"unit": world.group_a2.pk},  # in district A: the representative sees it
    )
    html = client_for(personas.district_a).get(reverse("imports:batch_list")).content.decode()
    assert reverse("imports:discard", args=[analysed.pk]) in html
    assert reverse("imports:discard", args=[colleague.pk]) not in html
    html = client_for(personas.staff).get(reverse("imports:batch_list")).content.decode()
    assert reverse("imports:discard", args=[analysed.pk]) in html  # the secretariat may


def test_someone_elses_upload_cannot_be_discarded(
    client_for: Any, personas: Any, world: Any, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [("A", "B", "a@example.org", "", "", "")])
    in_district = upload(personas.staff, path, options={"unit": world.group_a2.pk})
    other_district = upload(personas.staff, path, options={"unit": world.group_b1.pk})
    files = [stored_path(in_district), stored_path(other_district)]
    client = client_for(personas.district_a)
    # Seen (its unit is in the representative's district) but not theirs: forbidden.
    assert client.get(reverse("imports:discard", args=[in_district.pk])).status_code == 403
    assert client.post(reverse("imports:discard", args=[in_district.pk])).status_code == 403
    # Outside their scope: as if it did not exist.
    assert client.post(reverse("imports:discard", args=[other_district.pk])).status_code == 404
    for person in ("coordinator_a1", "board"):
        response = client_for(getattr(personas, person)).post(
            reverse("imports:discard", args=[in_district.pk])
        )
        assert response.status_code == 404
    with pytest.raises(ApplicationError):
        discard.batch_discard(actor=personas.district_a, batch=in_district)
    with pytest.raises(ApplicationError):
        discard.batch_discard(actor=personas.district_a, batch=other_district)
    for batch in (in_district, other_district):
        batch.refresh_from_db()
        assert batch.status == Status.UPLOADED
    assert all(os.path.exists(p) for p in files)
    assert not AuditEvent.objects.filter(verb="import.discard").exists()


def test_the_secretariat_discards_a_district_upload(
    personas: Any, analysed: ImportBatch, django_capture_on_commit_callbacks: Any
) -> None:
    path = stored_path(analysed)
    with django_capture_on_commit_callbacks(execute=True):
        discard.batch_discard(actor=personas.staff, batch=analysed)
    assert analysed.status == Status.DISCARDED and not os.path.exists(path)


def test_a_finished_or_running_import_cannot_be_discarded(
    client_for: Any, personas: Any, world: Any, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [("A", "B", "a@example.org", "", "", "")])
    finished = import_file(personas.staff, path)
    assert finished.status == Status.FINISHED
    running = upload(personas.staff, path)
    ImportBatch.objects.filter(pk=running.pk).update(status=Status.RUNNING)
    files = [stored_path(finished), stored_path(running)]
    client = client_for(personas.staff)
    for batch, status in ((finished, Status.FINISHED), (running, Status.RUNNING)):
        page = client.get(reverse("imports:dry_run", args=[batch.pk])).content.decode()
        assert reverse("imports:discard", args=[batch.pk]) not in page
        response = client.post(reverse("imports:discard", args=[batch.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("imports:dry_run", args=[batch.pk])
        with pytest.raises(ApplicationError):
            discard.batch_discard(actor=personas.staff, batch=batch)
        batch.refresh_from_db()
        assert batch.status == status
    assert all(os.path.exists(p) for p in files)
    assert Person.objects.filter(email="a@example.org").exists()
    assert not AuditEvent.objects.filter(verb="import.discard").exists()


def test_an_upload_discarded_while_waiting_to_be_read_leaves_no_file(
    personas: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    content = "Förnamn;E-post\r\nAnna;anna@example.org\r\n".encode()
    with django_capture_on_commit_callbacks(execute=False) as read_task:
        batch = uploads.batch_receive(
            actor=personas.staff,
            uploaded_file=SimpleUploadedFile("lista.csv", content),
            filename="lista.csv",
        )
    assert batch.status == Status.READING
    stored_path(batch)
    with django_capture_on_commit_callbacks(execute=True):
        discard.batch_discard(actor=personas.staff, batch=batch)
    for callback in read_task:  # the reading task comes too late
        callback()
    batch.refresh_from_db()
    assert batch.status == Status.DISCARDED and not batch.file.name
    media_root = Path(settings.MEDIA_ROOT)
    assert not [p for p in media_root.rglob("*") if p.is_file()]


def test_uploads_left_unstarted_are_discarded_by_the_daily_job(
    personas: Any,
    world: Any,
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.IMPORT_ABANDONED_DAYS = 7
    path = write_csv(tmp_path, [("A", "B", "a@example.org", "", "", "")])
    old = upload(personas.staff, path)
    recent = upload(personas.staff, path)
    finished = import_file(personas.staff, path)
    old_file, recent_file, finished_file = map(stored_path, (old, recent, finished))
    long_ago = timezone.now() - dt.timedelta(days=8)
    ImportBatch.objects.filter(pk__in=[old.pk, finished.pk]).update(updated_at=long_ago)

    assert jobs["imports.discard_abandoned"].task is discard_abandoned_uploads
    with django_capture_on_commit_callbacks(execute=True):
        assert discard_abandoned_uploads.call() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    finished.refresh_from_db()
    assert old.status == Status.DISCARDED and not os.path.exists(old_file)
    assert recent.status == Status.UPLOADED and os.path.exists(recent_file)
    assert finished.status == Status.FINISHED and os.path.exists(finished_file)
    event = AuditEvent.objects.get(verb="import.discard")
    assert event.object_id == str(old.pk) and event.actor is None
    assert event.details["automatic"] is True
