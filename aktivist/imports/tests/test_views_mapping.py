"""The mapping page: the importer corrects the guessed columns, chooses the options (unit,
tags, source label, consents), may save the mapping, and lands on the dry run."""

from __future__ import annotations

from unittest import mock

from django.urls import reverse
from django.utils.html import escape

from aktivist.imports import services
from aktivist.imports.models import ColumnMapping, ImportBatch
from aktivist.imports.tests.test_views_upload import (
    karin_csv,
    mapping_data,
    run_dry_run,
    uploaded_batch,
)


def test_dry_run_lists_the_refused_row_with_its_line_and_reason(client_for, personas, world):
    client = client_for(personas.district_a)
    batch = uploaded_batch(client, karin_csv(world))
    response = run_dry_run(client, batch, unit=str(world.group_a1.pk))
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("imports:dry_run", args=[batch.pk])
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ANALYSED
    html = response.content.decode()
    refused = [i for i in batch.dry_run["rows"] if i["kind"] == "refused"]
    assert [i["line"] for i in refused] == [4]
    assert "Line 4" in html
    assert "inte-en-adress" in refused[0]["reason"]
    assert escape(refused[0]["reason"]) in html
    # Nothing written by the dry run.
    assert not world.home_a.__class__.objects.filter(email="asa.oberg@example.org").exists()


def test_dry_run_shows_counts_and_says_held_without_details(client_for, personas, world):
    client = client_for(personas.district_a)
    batch = uploaded_batch(client, karin_csv(world))
    response = run_dry_run(client, batch, unit=str(world.group_a1.pk))
    context = response.context
    assert context["dry_counts"]["create"] == 2
    assert context["dry_counts"]["refused"] == 1
    assert context["dry_counts"]["held"] == 1
    assert context["dry_counts"]["update"] + context["dry_counts"]["unchanged"] == 1
    html = response.content.decode()
    assert "Held for review" in html
    # Karin never sees anyone outside Skåne: the held row is not described.
    assert world.home_b.email not in html
    assert "Ström" not in html
    assert reverse("imports:start", args=[batch.pk]) in html


def test_options_are_kept_on_the_batch(client_for, personas, world):
    client = client_for(personas.district_a)
    batch = uploaded_batch(client, karin_csv(world))
    run_dry_run(
        client,
        batch,
        unit=str(world.group_a1.pk),
        tags="gatuaktion, Malmö 2026, gatuaktion",
        source="gatuaktion, Malmö, 2026-05",
        consents=["email:campaigns", "sms:rapid_response"],
        consent_source="namnlista på gatuaktionen",
        wording_version="lista-2026-1",
        wording="Ja, jag vill ha nyheter och SMS när någon är i fara.",
    )
    batch.refresh_from_db()
    assert batch.unit == world.group_a1
    assert batch.options["tags"] == ["gatuaktion", "Malmö 2026"]
    assert batch.options["source"] == "gatuaktion, Malmö, 2026-05"
    assert {(c["channel"], c["purpose"]) for c in batch.options["consents"]} == {
        ("email", "campaigns"),
        ("sms", "rapid_response"),
    }
    assert all(c["wording_version"] == "lista-2026-1" for c in batch.options["consents"])


def test_mapping_page_shows_the_options_chosen_before(client_for, personas, world):
    client = client_for(personas.district_a)
    batch = uploaded_batch(client, karin_csv(world))
    run_dry_run(client, batch, unit=str(world.group_a1.pk), tags="gatuaktion", source="lista")
    form = client.get(reverse("imports:mapping", args=[batch.pk])).context["form"]
    assert str(form["unit"].value()) == str(world.group_a1.pk)
    assert form["tags"].value() == "gatuaktion"
    assert form["source"].value() == "lista"


def test_corrected_column_is_used(client_for, personas, world):
    client = client_for(personas.district_a)
    batch = uploaded_batch(client, karin_csv(world))
    data = mapping_data(client, batch, unit=str(world.group_a1.pk))
    postnr = next(name for name, header in _columns(client, batch) if header == "Postnr")
    data[postnr] = ""
    client.post(reverse("imports:mapping", args=[batch.pk]), data)
    batch.refresh_from_db()
    assert batch.mapping["Postnr"] == ""
    assert batch.mapping["E-post"] == "email"


def _columns(client, batch):
    return client.get(reverse("imports:mapping", args=[batch.pk])).context["form"].column_names


def test_district_representative_must_choose_one_of_their_units(client_for, personas, world):
    client = client_for(personas.district_a)
    batch = uploaded_batch(client, karin_csv(world))
    url = reverse("imports:mapping", args=[batch.pk])
    response = client.post(url, mapping_data(client, batch))
    assert response.status_code == 200
    assert response.context["form"].errors["unit"]
    response = client.post(url, mapping_data(client, batch, unit=str(world.group_b1.pk)))
    assert response.status_code == 200
    assert response.context["form"].errors["unit"]
    html = client.get(url).content.decode()
    assert world.group_b1.name not in html
    assert world.group_a1.name in html
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UPLOADED


def test_secretariat_may_import_without_a_unit(client_for, personas, world):
    client = client_for(personas.staff)
    batch = uploaded_batch(client, karin_csv(world))
    response = run_dry_run(client, batch)
    assert response.redirect_chain
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ANALYSED
    assert batch.unit is None


def test_two_columns_to_the_same_field_is_an_error(client_for, personas, world):
    client = client_for(personas.staff)
    batch = uploaded_batch(client, karin_csv(world))
    data = mapping_data(client, batch)
    columns = dict(_columns(client, batch))
    first, last = (n for n, h in columns.items() if h in ("Förnamn", "Efternamn"))
    data[last] = data[first]
    response = client.post(reverse("imports:mapping", args=[batch.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'role="alert"' in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UPLOADED


def test_without_an_identifying_column_the_page_explains(client_for, personas, world):
    client = client_for(personas.staff)
    batch = uploaded_batch(client, karin_csv(world))
    data = mapping_data(client, batch)
    for name, header in _columns(client, batch):
        if header in ("E-post", "Mobil"):
            data[name] = ""
    response = client.post(reverse("imports:mapping", args=[batch.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_mapping_can_be_saved_under_a_name_and_is_listed(client_for, personas, world):
    client = client_for(personas.district_a)
    batch = uploaded_batch(client, karin_csv(world))
    run_dry_run(client, batch, unit=str(world.group_a1.pk), save_as="Gatuaktion Skåne")
    saved = ColumnMapping.objects.get(name="Gatuaktion Skåne")
    assert saved.mapping["E-post"] == "email"
    assert saved.created_by == personas.district_a
    html = client.get(reverse("imports:mapping_list")).content.decode()
    assert "Gatuaktion Skåne" in html
    assert personas.district_a.name in html


def test_consent_help_says_when_consent_counts_as_confirmed(client_for, personas, world):
    client = client_for(personas.staff)
    batch = uploaded_batch(client, karin_csv(world))
    html = client.get(reverse("imports:mapping", args=[batch.pk])).content.decode()
    assert "recorded as confirmed only when" in html
    assert 'name="consents" value="email:campaigns"' in html


def test_mapping_of_a_started_batch_goes_to_the_batch_page(client_for, personas, world):
    client = client_for(personas.staff)
    batch = uploaded_batch(client, karin_csv(world))
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FINISHED)
    response = client.get(reverse("imports:mapping", args=[batch.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:dry_run", args=[batch.pk])


def test_every_dry_run_runs_in_the_background_never_in_the_request(
    client_for, personas, world, django_capture_on_commit_callbacks
):
    # Issue 15: dry runs of up to 20,000 rows ran in the request. Now even five rows wait.
    client = client_for(personas.district_a)
    batch = uploaded_batch(client, karin_csv(world))
    data = mapping_data(client, batch, unit=str(world.group_a1.pk))
    with (
        mock.patch.object(services, "dry_run", side_effect=AssertionError("in the request")),
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        response = client.post(reverse("imports:mapping", args=[batch.pk]), data)
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ANALYSING
    page = client.get(reverse("imports:dry_run", args=[batch.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert reverse("imports:start", args=[batch.pk]) not in page

    for callback in callbacks:
        callback()  # the task backend runs the dry run
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ANALYSED
    partial = client.get(reverse("imports:progress", args=[batch.pk]), HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "hx-trigger" not in body
    assert reverse("imports:start", args=[batch.pk]) in body
    assert "Line 4" in body
