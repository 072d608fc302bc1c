"""Who may use the import pages: the secretariat and district representatives. Group
coordinators and the board get the 404 page, anonymous visitors the login page, and a
district representative never reaches another district's batch."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aktivist.imports.models import ColumnMapping, ImportBatch
from aktivist.imports.tests.test_views_upload import karin_csv, upload_file

PAGES = ("batch_list", "upload", "mapping_list")
BATCH_PAGES = ("dry_run", "mapping", "progress", "undo", "refused_csv")
BATCH_POSTS = ("start", "resume", "undo", "mapping")


@pytest.fixture
def norr_batch(personas, world) -> ImportBatch:
    """A batch the secretariat imported for district Norr."""
    return ImportBatch.objects.create(
        created_by=personas.staff,
        original_name="norr.csv",
        unit=world.district_b,
        headers=["E-post"],
        mapping={"E-post": "email"},
        status=ImportBatch.Status.FINISHED,
        total_rows=1,
        processed_rows=1,
        created_count=1,
    )


@pytest.fixture
def skane_batch(personas, world) -> ImportBatch:
    return ImportBatch.objects.create(
        created_by=personas.district_a,
        original_name="skane.csv",
        unit=world.group_a1,
        headers=["E-post"],
        mapping={"E-post": "email"},
        status=ImportBatch.Status.FINISHED,
        total_rows=1,
        processed_rows=1,
        created_count=1,
    )


@pytest.mark.parametrize("persona", ["coordinator_a1", "coordinator_b1", "board"])
def test_coordinators_and_the_board_get_404_everywhere(client_for, personas, persona, skane_batch):
    client = client_for(getattr(personas, persona))
    for name in PAGES:
        assert client.get(reverse(f"imports:{name}")).status_code == 404, name
    for name in BATCH_PAGES:
        url = reverse(f"imports:{name}", args=[skane_batch.pk])
        assert client.get(url).status_code == 404, name
    for name in BATCH_POSTS:
        url = reverse(f"imports:{name}", args=[skane_batch.pk])
        assert client.post(url).status_code == 404, name
    assert upload_file(client, b"E-post\r\na@example.org\r\n").status_code == 404
    assert ImportBatch.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client_for, skane_batch):
    client = client_for(None)
    urls = [reverse(f"imports:{name}") for name in PAGES] + [
        reverse(f"imports:{name}", args=[skane_batch.pk]) for name in BATCH_PAGES
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


@pytest.mark.parametrize("persona", ["admin", "staff", "district_a"])
def test_importers_reach_the_pages(client_for, personas, persona, skane_batch):
    client = client_for(getattr(personas, persona))
    for name in PAGES:
        assert client.get(reverse(f"imports:{name}")).status_code == 200, name
    response = client.get(reverse("imports:dry_run", args=[skane_batch.pk]))
    assert response.status_code == 200


def test_district_representative_cannot_open_another_districts_batch(
    client_for, personas, norr_batch, skane_batch
):
    client = client_for(personas.district_a)
    for name in BATCH_PAGES:
        url = reverse(f"imports:{name}", args=[norr_batch.pk])
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 404, name
    for name in BATCH_POSTS:
        url = reverse(f"imports:{name}", args=[norr_batch.pk])
        assert client.post(url).status_code == 404, name
    norr_batch.refresh_from_db()
    assert norr_batch.status == ImportBatch.Status.FINISHED

    html = client.get(reverse("imports:batch_list")).content.decode()
    assert "skane.csv" in html
    assert "norr.csv" not in html


def test_secretariat_sees_every_batch(client_for, personas, norr_batch, skane_batch):
    html = client_for(personas.staff).get(reverse("imports:batch_list")).content.decode()
    assert "skane.csv" in html and "norr.csv" in html


def test_unknown_batch_is_404(client_for, personas):
    client = client_for(personas.staff)
    assert client.get(reverse("imports:dry_run", args=[999999])).status_code == 404


def test_district_representatives_upload_lands_in_their_list(client_for, personas, world):
    client = client_for(personas.district_a)
    upload_file(client, karin_csv(world))
    batch = ImportBatch.objects.get()
    assert client.get(reverse("imports:mapping", args=[batch.pk])).status_code == 200
    # Another district's representative (none exists in the world): a coordinator of the
    # same district still may not.
    assert (
        client_for(personas.coordinator_a1)
        .get(reverse("imports:mapping", args=[batch.pk]))
        .status_code
        == 404
    )


def test_saved_mappings_hold_no_personal_data_and_are_shared_among_importers(client_for, personas):
    ColumnMapping.objects.create(name="Facebook lead form", mapping={"Email": "email"})
    for persona in ("staff", "district_a"):
        html = client_for(getattr(personas, persona)).get(reverse("imports:mapping_list"))
        assert "Facebook lead form" in html.content.decode()
