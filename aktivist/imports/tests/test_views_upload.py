"""The upload page: Karin's Excel sheet (semicolons, Windows encoding, phones without the
leading zero) is accepted and its columns are guessed; files that cannot be read are a clear
form error, never a 500, and nothing is created."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse

from aktivist.imports.models import ColumnMapping, ImportBatch

HEADER = "Förnamn;Efternamn;E-post;Mobil;Postnr"


def karin_rows(world: Any) -> list[str]:
    """Line 2 and 3 are new, line 4 has an address that is no email address, line 5 is
    someone in Skåne already known, line 6 someone in another district (held for review)."""
    return [
        "Åsa;Öberg;asa.oberg@example.org;701112233;21145",
        "Jörgen;Ärlig;jorgen.arlig@example.org;702223344;22100",
        "Nils;Fel;inte-en-adress;;21100",
        f"{world.home_a.first_name};{world.home_a.last_name};{world.home_a.email};;22100",
        f"Ylva;Ström;{world.home_b.email};;90325",
    ]


def karin_csv(world: Any, rows: list[str] | None = None) -> bytes:
    lines = [HEADER, *(rows if rows is not None else karin_rows(world))]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def settled() -> Any:
    """Run the tasks a request enqueued (after its commit) before going on, as a user waits
    for the page that polls: the upload is read, and the dry run done, in a task."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def upload_file(client: Client, content: bytes, name: str = "gatuaktion.csv", **data: Any) -> Any:
    payload = {"file": SimpleUploadedFile(name, content, content_type="text/csv"), "kind": "people"}
    payload.update(data)
    with settled():
        return client.post(reverse("imports:upload"), payload)


def uploaded_batch(client: Client, content: bytes, name: str = "gatuaktion.csv") -> ImportBatch:
    response = upload_file(client, content, name)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportBatch.objects.order_by("-pk").first()  # type: ignore[return-value]


def mapping_data(client: Client, batch: ImportBatch, **options: Any) -> dict[str, Any]:
    """The mapping page's own preselected choices, plus the given options."""
    response = client.get(reverse("imports:mapping", args=[batch.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    data: dict[str, Any] = {name: form[name].value() or "" for name, _header in form.column_names}
    data.update(options)
    return data


def run_dry_run(client: Client, batch: ImportBatch, **options: Any) -> Any:
    """Post the mapping; once the dry run's task is done, the page the user then sees."""
    data = mapping_data(client, batch, **options)
    with settled():
        response = client.post(reverse("imports:mapping", args=[batch.pk]), data)
    if response.status_code != 302:
        return response
    page = client.get(response["Location"], follow=True)
    page.redirect_chain.insert(0, (response["Location"], response.status_code))
    return page


def test_cp1252_semicolon_file_is_read_and_its_columns_guessed(client_for, personas, world):
    client = client_for(personas.district_a)
    response = upload_file(client, karin_csv(world))
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    # The batch page ("Reading the file…") hands over to the mapping once the file is read.
    assert response["Location"] == reverse("imports:dry_run", args=[batch.pk])
    mapping_url = reverse("imports:mapping", args=[batch.pk])
    assert client.get(response["Location"])["Location"] == mapping_url
    assert batch.created_by == personas.district_a
    assert batch.headers[:5] == ["Förnamn", "Efternamn", "E-post", "Mobil", "Postnr"]

    page = client.get(mapping_url)
    html = page.content.decode()
    form = page.context["form"]
    chosen = {header: form[name].value() for name, header in form.column_names}
    assert chosen == {
        "Förnamn": "first_name",
        "Efternamn": "last_name",
        "E-post": "email",
        "Mobil": "mobile",
        "Postnr": "postcode",
    }
    # Sample values, decoded from Windows-1252.
    assert "Åsa" in html and "Öberg" in html and "Jörgen" in html
    assert '<option value="first_name" selected>' in html
    assert "Ignore this column" in html


def test_personal_identity_number_column_is_announced_as_dropped(client_for, personas, world):
    content = (
        "Förnamn;Efternamn;Personnummer;E-post\r\n"
        "Åsa;Öberg;19900101-0017;asa@example.org\r\n"
        "Bo;Ek;19851231-0005;bo@example.org\r\n"
    ).encode("cp1252")
    client = client_for(personas.staff)
    batch = uploaded_batch(client, content)
    html = client.get(reverse("imports:mapping", args=[batch.pk])).content.decode()
    assert "will be dropped" in html
    assert "birth year" in html
    # The numbers themselves are never shown.
    assert "19900101" not in html and "0017" not in html


def refused_page(client: Client, response: Any) -> str:
    """The batch page the upload led to, once the file has been read: why it was refused."""
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.REFUSED
    assert not batch.file  # the upload as it came is not kept
    return page.content.decode()


def test_binary_file_renamed_csv_is_refused_on_the_batch_page(client_for, personas, world):
    client = client_for(personas.district_a)
    binary = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
    html = refused_page(client, upload_file(client, binary, "lista.csv"))
    assert 'role="alert"' in html
    assert "This is not a CSV or Excel file (it contains binary data)." in html
    assert reverse("imports:upload") in html  # and a way to try another file


def test_empty_file_is_a_form_error(client_for, personas, world):
    client = client_for(personas.staff)
    response = upload_file(client, b"", "tom.csv")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert ImportBatch.objects.count() == 0


def test_file_with_only_a_header_is_refused_on_the_batch_page(client_for, personas, world):
    client = client_for(personas.staff)
    response = upload_file(client, (HEADER + "\r\n").encode("cp1252"), "rubrik.csv")
    assert "The file has a header row but no rows of data." in refused_page(client, response)


def test_too_large_file_is_a_form_error(client_for, personas, world, settings):
    settings.IMPORT_MAX_FILE_BYTES = 100
    client = client_for(personas.staff)
    response = upload_file(client, karin_csv(world))
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert ImportBatch.objects.count() == 0


def test_other_file_types_are_refused_by_the_form(client_for, personas, world):
    client = client_for(personas.staff)
    response = upload_file(client, b"%PDF-1.4", "lista.pdf")
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert ImportBatch.objects.count() == 0


def test_upload_page_offers_the_file_types_and_no_register_sync_to_districts(
    client_for, personas, world
):
    html = client_for(personas.district_a).get(reverse("imports:upload")).content.decode()
    assert 'accept=".csv,.txt,.xlsx"' in html
    assert 'enctype="multipart/form-data"' in html
    assert "register_full" not in html
    assert (
        "register_full"
        in client_for(personas.staff).get(reverse("imports:upload")).content.decode()
    )


def test_district_representative_cannot_upload_a_register_sync(client_for, personas, world):
    client = client_for(personas.district_a)
    response = upload_file(client, karin_csv(world), kind="register_full")
    assert response.status_code == 200
    assert response.context["form"].errors["kind"]
    assert ImportBatch.objects.count() == 0


def test_saved_mapping_is_applied_to_the_upload(client_for, personas, world):
    ColumnMapping.objects.create(
        name="Gatuaktion",
        mapping={"Förnamn": "first_name", "Efternamn": "", "E-post": "email", "Mobil": "mobile"},
        created_by=personas.staff,
    )
    mapping = ColumnMapping.objects.get()
    client = client_for(personas.district_a)
    response = upload_file(client, karin_csv(world), mapping=str(mapping.pk))
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    form = client.get(reverse("imports:mapping", args=[batch.pk])).context["form"]
    chosen = {header: form[name].value() for name, header in form.column_names}
    assert chosen["Efternamn"] == ""
    assert chosen["E-post"] == "email"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_other_encodings_are_read_too(client_for, personas, world, encoding):
    text = "\r\n".join([HEADER.replace(";", ","), "Åsa,Öberg,asa@example.org,701112233,21145"])
    client = client_for(personas.staff)
    batch = uploaded_batch(client, text.encode(encoding))
    assert batch.headers[0] == "Förnamn"
    assert "Öberg" in client.get(reverse("imports:mapping", args=[batch.pk])).content.decode()
