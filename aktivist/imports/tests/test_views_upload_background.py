"""The upload request only stores the file; a task reads it, and the batch page says
"Reading the file…" until it is done (issue 15, item 1). Files that cannot be read are
explained on that page — never a 500, never a server path."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from aktivist.core import retention_rules as rules
from aktivist.core import tables
from aktivist.core.registries import erasure_registry
from aktivist.core.schedule import jobs, run_due_jobs
from aktivist.core.tests.test_tables_xlsx_caps import SHEET, header_row, sheet_xml, workbook
from aktivist.core.uploads import CappedUploadHandler
from aktivist.imports import uploads
from aktivist.imports.models import ImportBatch
from aktivist.imports.tests.test_views_upload import karin_csv, upload_file
from aktivist.privacy import retention

pytestmark = pytest.mark.usefixtures("media")
TMP = tempfile.gettempdir()


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    """Stored uploads and kept copies go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


def never_in_the_request() -> Any:
    """Reading the table fails the test: the service's reader, and the reader's own steps
    (patched where they are looked up at call time, so no module keeps the fake)."""
    fail = AssertionError("the upload was read in the request")
    return (
        mock.patch.object(uploads, "open_table", side_effect=fail),
        mock.patch.object(tables, "_open_text", side_effect=fail),
        mock.patch.object(tables, "_open_zip", side_effect=fail),
    )


def test_the_upload_request_stores_the_file_and_a_task_reads_it(
    client_for, personas, world, django_capture_on_commit_callbacks
):
    client = client_for(personas.district_a)
    payload = {
        "file": SimpleUploadedFile("gatuaktion.csv", karin_csv(world), content_type="text/csv"),
        "kind": "people",
    }
    services_patch, text_patch, zip_patch = never_in_the_request()
    with (
        services_patch,
        text_patch,
        zip_patch,
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        response = client.post(reverse("imports:upload"), payload)
        assert response.status_code == 302
        batch = ImportBatch.objects.get()
        assert response["Location"] == reverse("imports:dry_run", args=[batch.pk])
        assert batch.status == ImportBatch.Status.READING
        assert batch.headers == [] and batch.total_rows == 0

        page = client.get(response["Location"])
        html = page.content.decode()
        assert page.status_code == 200
        assert "Reading the file…" in html
        assert 'hx-trigger="every 2s"' in html
        # While it is read, the mapping page waits too.
        mapping = client.get(reverse("imports:mapping", args=[batch.pk]))
        assert mapping["Location"] == reverse("imports:dry_run", args=[batch.pk])

    assert len(callbacks) == 1
    callbacks[0]()  # the worker reads the file
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UPLOADED
    assert batch.headers[:3] == ["Förnamn", "Efternamn", "E-post"]
    assert batch.total_rows == 5
    assert batch.file.name.endswith(".csv")  # the sanitised copy; the upload itself is gone
    # The polling section takes the user on to the mapping.
    partial = client.get(reverse("imports:progress", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert partial["HX-Redirect"] == reverse("imports:mapping", args=[batch.pk])


def test_the_upload_as_it_came_is_deleted_once_read(client_for, personas, world, media):
    client = client_for(personas.staff)
    upload_file(client, karin_csv(world))
    files = [p.name for p in (media / "media").rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].startswith("batch-")


def wide_workbook(directory: Path) -> bytes:
    rows = header_row() + "".join(
        f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>' for n in range(2, 402)
    )
    return workbook(directory / "wide.xlsx", replace={SHEET: sheet_xml(rows)}).read_bytes()


def truncated_workbook(directory: Path) -> bytes:
    data = workbook(directory / "whole.xlsx").read_bytes()
    return data[: len(data) // 2]


def crc_damaged_workbook(directory: Path) -> bytes:
    rows = header_row() + '<row r="2"><c r="A2" t="inlineStr"><is><t>Åsa</t></is></c></row>'
    data = bytearray(
        workbook(directory / "crc.xlsx", replace={SHEET: sheet_xml(rows)}, stored=True).read_bytes()
    )
    data[data.index("Åsa".encode()) + 2] ^= 0x01
    return bytes(data)


def not_xml_workbook(directory: Path) -> bytes:
    return workbook(directory / "text.xlsx", replace={SHEET: b"no XML here"}).read_bytes()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (wide_workbook, "The Excel file has more than 5 000 000 cells."),
        (truncated_workbook, "The Excel file is damaged or incomplete."),
        (crc_damaged_workbook, "The Excel file is damaged or incomplete."),
        (not_xml_workbook, "The Excel file is damaged or incomplete."),
    ],
)
def test_a_refused_workbook_is_explained_on_the_batch_page_without_paths(
    client_for, personas, world, media, settings, build, message
):
    client = client_for(personas.staff)
    response = upload_file(client, build(media), "medlemmar.xlsx")
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.REFUSED
    assert batch.error.startswith(message)
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert message in html
    for server_path in (TMP, str(settings.MEDIA_ROOT), str(media), "aktivist-"):
        assert server_path not in batch.error
        assert server_path not in html
    assert not re.search(r"upload-[0-9a-f]{32}", batch.error + html)  # the stored file's name
    assert not [p for p in (media / "media").rglob("*") if p.is_file()]  # nothing kept
    # The polling section says the same, and stops polling.
    partial = client.get(reverse("imports:progress", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert message in partial.content.decode()
    assert "hx-trigger" not in partial.content.decode()


def test_an_unforeseen_failure_of_the_reader_is_shown_not_left_waiting(client_for, personas, world):
    client = client_for(personas.staff)
    with mock.patch.object(uploads, "open_table", side_effect=KeyError(f"{TMP}/x")):
        response = upload_file(client, karin_csv(world))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.REFUSED
    html = client.get(response["Location"]).content.decode()
    assert "The file cannot be read." in html
    assert TMP not in html


# --- Streamed to disk, capped -------------------------------------------------------------------


def test_an_upload_over_the_limit_is_not_written_past_it(settings):
    handler = CappedUploadHandler(limit=1000)
    handler.new_file("file", "big.csv", "text/csv", None)
    for start in range(0, 10_000, 500):
        handler.receive_data_chunk(b"x" * 500, start)
    uploaded = handler.file_complete(10_000)
    assert uploaded is not None
    assert uploaded.size == 10_000  # what the form judges
    assert Path(uploaded.temporary_file_path()).stat().st_size == 0  # what the disk holds


def test_the_upload_page_streams_files_to_disk_and_refuses_one_over_the_limit(
    client_for, personas, world, settings
):
    settings.IMPORT_MAX_FILE_BYTES = 100
    seen: list[Any] = []
    original = CappedUploadHandler.file_complete

    def spy(self: CappedUploadHandler, file_size: int) -> Any:
        uploaded = original(self, file_size)
        seen.append((type(uploaded).__name__, Path(uploaded.temporary_file_path()).read_bytes()))
        return uploaded

    client = client_for(personas.staff)
    with mock.patch.object(CappedUploadHandler, "file_complete", spy):
        response = upload_file(client, karin_csv(world))
    assert response.status_code == 200
    assert "The file is larger than" in response.context["form"].errors["file"][0]
    assert ImportBatch.objects.count() == 0
    assert seen == [("TemporaryUploadedFile", b"")]


def test_the_upload_page_still_checks_the_csrf_token(client_for, personas, world):
    client = client_for(personas.staff)
    client.handler.enforce_csrf_checks = True
    response = upload_file(client, karin_csv(world))
    assert response.status_code == 403
    assert ImportBatch.objects.count() == 0


# --- An upload whose task never ran -------------------------------------------------------------


def _received_never_read(client: Any, world: Any, callbacks: Any) -> ImportBatch:
    payload = {
        "file": SimpleUploadedFile("gatuaktion.csv", karin_csv(world), content_type="text/csv"),
        "kind": "people",
    }
    with callbacks(execute=False):  # the worker is stopped: the task never runs
        response = client.post(reverse("imports:upload"), payload)
    assert response.status_code == 302
    return ImportBatch.objects.order_by("-pk").first()  # type: ignore[return-value]


def test_an_upload_never_read_is_refused_after_a_day_and_its_file_deleted(
    client_for, personas, world, media, django_capture_on_commit_callbacks
):
    assert jobs["imports.refuse_unread_uploads"].period == "hourly"
    client = client_for(personas.staff)
    start = timezone.now()
    stuck = _received_never_read(client, world, django_capture_on_commit_callbacks)
    with freeze_time(start + dt.timedelta(hours=20)):
        again = client_for(personas.staff)  # (the first session has timed out by then)
        recent = _received_never_read(again, world, django_capture_on_commit_callbacks)
    assert recent.pk != stuck.pk
    assert len([p for p in (media / "media").rglob("*") if p.is_file()]) == 2

    with freeze_time(start + dt.timedelta(hours=25)):
        with django_capture_on_commit_callbacks(execute=True):
            assert "imports.refuse_unread_uploads" in run_due_jobs()

    stuck.refresh_from_db()
    recent.refresh_from_db()
    assert (stuck.status, stuck.file.name) == (ImportBatch.Status.REFUSED, "")
    assert stuck.error == "The file was never read; upload it again."
    assert recent.status == ImportBatch.Status.READING
    assert [p.name for p in (media / "media").rglob("*") if p.is_file()] == [
        Path(recent.file.name).name
    ]
    # The page says so and stops polling.
    client = client_for(personas.staff)
    page = client.get(reverse("imports:dry_run", args=[stuck.pk])).content.decode()
    assert "The file was never read; upload it again." in page
    partial = client.get(reverse("imports:progress", args=[stuck.pk]), HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in partial.content.decode()


def test_an_upload_whose_file_the_retention_rule_took_is_refused_too(
    client_for, personas, world, media, django_capture_on_commit_callbacks
):
    start = timezone.now()
    stuck = _received_never_read(
        client_for(personas.staff), world, django_capture_on_commit_callbacks
    )
    later = start + dt.timedelta(days=91)
    # The nightly rule deletes the file, and leaves the batch reading.
    retention.run_rule(rules.IMPORT_FILES, now=later, require_enabled=False)
    stuck.refresh_from_db()
    assert (stuck.status, stuck.file.name) == (ImportBatch.Status.READING, "")

    with freeze_time(later), django_capture_on_commit_callbacks(execute=True):
        assert "imports.refuse_unread_uploads" in run_due_jobs()

    stuck.refresh_from_db()
    assert stuck.status == ImportBatch.Status.REFUSED


def test_erasure_removes_an_upload_waiting_to_be_read_that_holds_her_row(
    client_for, personas, world, media, django_capture_on_commit_callbacks
):
    client = client_for(personas.staff)
    hers = _received_never_read(client, world, django_capture_on_commit_callbacks)
    others = _received_never_read(client, world, django_capture_on_commit_callbacks)
    others.file.storage.delete(others.file.name)  # someone else's list instead of Karin's
    ImportBatch.objects.filter(pk=others.pk).update(
        file=others.file.storage.save("imports/others.csv", ContentFile(b"Namn;E-post\nA;a@x.se\n"))
    )
    her = world.home_a  # a row of Karin's semicolon-separated sheet, in Windows encoding

    erasure_registry[ImportBatch]([her.pk])

    hers.refresh_from_db()
    others.refresh_from_db()
    assert (hers.status, hers.file.name) == (ImportBatch.Status.REFUSED, "")
    assert hers.error == "The file was removed before it was read; upload it again."
    assert others.status == ImportBatch.Status.READING
    stored = [p for p in (media / "media").rglob("*") if p.is_file()]
    assert [p.name for p in stored] == ["others.csv"]
    assert not any(her.email.encode() in p.read_bytes() for p in stored)
