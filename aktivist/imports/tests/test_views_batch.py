"""The batch page after the dry run: start the import (the test task backend runs it at
once), its progress, the finished counts, the refused rows to fix and upload again, undo
and resume."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils.html import escape

from aktivist.core.models import AuditEvent
from aktivist.imports.models import ImportBatch
from aktivist.imports.tests.test_views_upload import (
    karin_csv,
    run_dry_run,
    upload_file,
    uploaded_batch,
)
from aktivist.people.models import Person
from aktivist.people.tests.factories import InteractionFactory


@pytest.fixture
def analysed(client_for, personas, world) -> tuple[Any, ImportBatch]:
    """Karin's file, dry run done, by the district representative of Skåne."""
    client = client_for(personas.district_a)
    batch = uploaded_batch(client, karin_csv(world))
    run_dry_run(
        client,
        batch,
        unit=str(world.group_a1.pk),
        tags="gatuaktion",
        source="gatuaktion, Malmö, 2026-05",
    )
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ANALYSED
    return client, batch


def start(client: Any, batch: ImportBatch, capture: Any, **data: Any) -> Any:
    with capture(execute=True):
        response = client.post(reverse("imports:start", args=[batch.pk]), data)
    return response


@pytest.fixture
def finished(analysed, django_capture_on_commit_callbacks) -> tuple[Any, ImportBatch]:
    client, batch = analysed
    response = start(client, batch, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FINISHED, batch.error
    return client, batch


def test_import_runs_and_the_page_shows_the_finished_counts(finished, world):
    client, batch = finished
    assert batch.created_count == 2
    assert batch.refused_count == 1
    assert batch.held_count == 1
    asa = Person.objects.get(email="asa.oberg@example.org")
    assert asa.mobile == "+46701112233"  # the lost leading zero is back
    assert asa.source == "gatuaktion, Malmö, 2026-05"
    assert asa.tags.filter(name="gatuaktion").exists()
    html = client.get(reverse("imports:dry_run", args=[batch.pk])).content.decode()
    assert "Import finished" in html
    assert reverse("imports:refused_csv", args=[batch.pk]) in html
    assert reverse("imports:undo", args=[batch.pk]) in html
    assert "hx-trigger" not in html  # nothing left to poll
    assert world.home_b.email not in html


def test_finished_page_lists_the_refused_row(finished):
    client, batch = finished
    response = client.get(reverse("imports:dry_run", args=[batch.pk]))
    html = response.content.decode()
    issue = batch.issues.get(kind="refused")
    assert issue.line == 4
    assert "Line 4" in html and escape(issue.reason) in html


def test_refused_rows_download_holds_the_row_and_its_reason(finished):
    client, batch = finished
    response = client.get(reverse("imports:refused_csv", args=[batch.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert "refused.csv" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:5] == ["Förnamn", "Efternamn", "E-post", "Mobil", "Postnr"]
    assert len(rows) == 2
    assert rows[1][:3] == ["Nils", "Fel", "inte-en-adress"]
    assert rows[1][-1] == batch.issues.get(kind="refused").reason
    # The rows hold personal data: the download is audited like an export.
    event = AuditEvent.objects.get(verb="import.refused_rows_download")
    assert event.object_id == str(batch.pk) and event.details == {"rows": 1}


def test_fixed_refused_rows_upload_again_without_duplicates(
    finished, world, django_capture_on_commit_callbacks
):
    """Journey 3: Karin fixes the row in the downloaded file and uploads it again."""
    client, batch = finished
    download = client.get(reverse("imports:refused_csv", args=[batch.pk]))
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    fixed = text.replace("inte-en-adress", "nils.fel@example.org")
    people_before = Person.objects.count()

    again = uploaded_batch(client, fixed.encode("utf-8"), "gatuaktion-refused.csv")
    response = run_dry_run(client, again, unit=str(world.group_a1.pk))
    assert response.context["dry_counts"]["create"] == 1
    assert response.context["dry_counts"]["refused"] == 0
    start(client, again, django_capture_on_commit_callbacks)
    again.refresh_from_db()
    assert again.status == ImportBatch.Status.FINISHED
    assert Person.objects.count() == people_before + 1

    # The whole original file once more: nothing new.
    whole = uploaded_batch(client, karin_csv(world), "gatuaktion.csv")
    response = run_dry_run(client, whole, unit=str(world.group_a1.pk))
    assert response.context["dry_counts"]["create"] == 0
    start(client, whole, django_capture_on_commit_callbacks)
    assert Person.objects.count() == people_before + 1


def test_undo_asks_first_then_removes_the_created_people(finished):
    client, batch = finished
    url = reverse("imports:undo", args=[batch.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Undo this import?" in confirm.content.decode()
    assert Person.objects.filter(import_batch=batch).count() == 2

    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert not Person.objects.filter(email="asa.oberg@example.org").exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNDONE
    html = response.content.decode()
    assert "Import undone: 2 people removed." in html
    assert "kept" not in html
    assert "Import undone" in html


def test_undo_is_only_a_post(finished):
    client, batch = finished
    client.get(reverse("imports:undo", args=[batch.pk]))
    assert Person.objects.filter(import_batch=batch).count() == 2


def test_page_polls_while_the_import_runs_and_the_partial_is_the_section(analysed):
    client, batch = analysed
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.RUNNING, total_rows=5, processed_rows=2
    )
    url = reverse("imports:progress", args=[batch.pk])
    page = client.get(reverse("imports:dry_run", args=[batch.pk])).content.decode()
    assert f'hx-get="{url}"' in page
    assert 'hx-trigger="every 2s"' in page
    assert '<progress id="import-progress" max="100" value="40">' in page
    assert '<label for="import-progress">' in page

    partial = client.get(url, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    body = partial.content.decode()
    assert body.lstrip().startswith('<div id="batch-status"')
    assert "<html" not in body
    assert 'hx-trigger="every 2s"' in body

    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.FINISHED, processed_rows=5, created_count=2
    )
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in body  # polling stops
    assert "Import finished" in body

    # Without htmx the progress address leads to the page.
    assert client.get(url).status_code == 302


def test_failed_import_offers_resume(analysed, django_capture_on_commit_callbacks):
    client, batch = analysed
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.FAILED, error="The worker stopped."
    )
    html = client.get(reverse("imports:dry_run", args=[batch.pk])).content.decode()
    resume_url = reverse("imports:resume", args=[batch.pk])
    assert resume_url in html and "The worker stopped." in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resume_url)
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FINISHED
    assert Person.objects.filter(email="asa.oberg@example.org").count() == 1


def test_start_twice_is_refused_with_a_message(finished, django_capture_on_commit_callbacks):
    client, batch = finished
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:start", args=[batch.pk]), follow=True)
    assert response.status_code == 200
    assert "message--error" in response.content.decode()


def test_start_is_only_a_post(analysed):
    client, batch = analysed
    assert client.get(reverse("imports:start", args=[batch.pk])).status_code == 405


def test_list_shows_the_batch_with_who_status_and_counts(
    finished, personas, django_assert_max_num_queries
):
    client, batch = finished
    with django_assert_max_num_queries(12):
        response = client.get(reverse("imports:batch_list"))
    html = response.content.decode()
    assert batch.original_name in html
    assert personas.district_a.name in html
    assert "2 new, 0 updated, 1 refused, 1 held" in html or "2 new" in html
    assert reverse("imports:upload") in html
    assert reverse("imports:mapping_list") in html


def test_register_sync_guard_asks_an_admin_to_confirm(
    client_for, personas, world, django_capture_on_commit_callbacks
):
    """A full register file that would make most members former: refused, and an admin
    may confirm it with the box on the page."""
    for person in (world.member_a1, world.member_a2, world.member_b1, world.home_a):
        person.membership_status = Person.MembershipStatus.MEMBER
        person.member_number = f"M{person.pk:05d}"
        person.save(update_fields=["membership_status", "member_number"])
    content = (
        "Medlemsnummer;Förnamn;Efternamn;E-post\r\n"
        f"M{world.member_a1.pk:05d};{world.member_a1.first_name};"
        f"{world.member_a1.last_name};{world.member_a1.email}\r\n"
    ).encode("cp1252")
    client = client_for(personas.admin)
    response = upload_file(client, content, "register.csv", kind="register_full")
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    run_dry_run(client, batch)
    response = start(client, batch, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="confirm_register_guard"' in html
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ANALYSED

    start(client, batch, django_capture_on_commit_callbacks, confirm_register_guard="1")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FINISHED
    assert batch.confirmed_by == personas.admin


def test_staff_cannot_confirm_the_register_guard(
    client_for, personas, world, django_capture_on_commit_callbacks
):
    for person in (world.member_a1, world.member_a2, world.member_b1):
        person.membership_status = Person.MembershipStatus.MEMBER
        person.member_number = f"M{person.pk:05d}"
        person.save(update_fields=["membership_status", "member_number"])
    content = (f"Medlemsnummer;Förnamn\r\nM{world.member_a1.pk:05d};Märta\r\n").encode("cp1252")
    client = client_for(personas.staff)
    upload_file(client, content, "register.csv", kind="register_full")
    batch = ImportBatch.objects.get()
    run_dry_run(client, batch)
    response = start(client, batch, django_capture_on_commit_callbacks, confirm_register_guard="1")
    assert response.status_code == 200
    assert 'name="confirm_register_guard"' not in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ANALYSED


def test_failed_import_can_also_be_undone(finished):
    client, batch = finished
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED)
    html = client.get(reverse("imports:dry_run", args=[batch.pk])).content.decode()
    assert reverse("imports:undo", args=[batch.pk]) in html
    client.post(reverse("imports:undo", args=[batch.pk]))
    assert not Person.objects.filter(import_batch=batch).exists()


def test_undo_of_an_unfinished_import_goes_back_to_the_batch(analysed):
    client, batch = analysed
    response = client.post(reverse("imports:undo", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ANALYSED


def test_undo_keeps_people_something_happened_to_and_says_so(finished, personas):
    client, batch = finished
    asa = Person.objects.get(email="asa.oberg@example.org")
    InteractionFactory(person=asa, author=personas.district_a, text="Ringde efter aktionen")
    response = client.post(reverse("imports:undo", args=[batch.pk]), follow=True)
    html = response.content.decode()
    assert "Import undone: 1 person removed." in html
    assert "1 kept" in html
    assert Person.objects.filter(pk=asa.pk).exists()
