"""Journey 3 on a phone: Karin, district representative in Skåne, uploads her group's Excel
sheet, checks the columns, reads the dry run, imports, and sees the result — in a real
Chromium at 375 px, with axe-core on every page."""

from __future__ import annotations

import re

import pytest

from aktivist.conftest import assert_accessible, browser_log_in
from aktivist.imports.models import ImportBatch
from aktivist.imports.tests.test_views_upload import karin_csv
from aktivist.people.models import Person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

SUBMIT = "#main form button.button[type=submit]"


def test_district_representative_imports_a_sheet_on_a_phone(phone_page, world, personas):
    page = phone_page

    page.goto("/imports/")
    assert "/accounts/login/" in page.url
    browser_log_in(page, personas.district_a)
    page.wait_for_url(re.compile(r"/imports/$"))
    assert_accessible(page)

    page.click("a[href='/imports/new/']")
    page.wait_for_url("**/imports/new/")
    assert_accessible(page)
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "gatuaktion.csv", "mimeType": "text/csv", "buffer": karin_csv(world)}],
    )
    page.click(SUBMIT)
    page.wait_for_url(re.compile(r"/imports/\d+/mapping/$"))
    batch = ImportBatch.objects.get()
    assert page.locator("table.mapping-table").get_by_text("Öberg").count() == 1
    assert_accessible(page)

    page.select_option("select[name=unit]", str(world.group_a1.pk))
    page.fill("input[name=tags]", "gatuaktion")
    page.fill("input[name=source]", "gatuaktion, Malmö, 2026-05")
    page.click(SUBMIT)
    page.wait_for_url(f"**/imports/{batch.pk}/")
    page.locator("#dry-run").wait_for()
    assert page.locator("#dry-run").get_by_text("inte-en-adress").count() == 1
    assert page.get_by_text(world.home_b.email).count() == 0
    assert_accessible(page)

    page.click("form.import-start button[type=submit]")
    page.wait_for_url(f"**/imports/{batch.pk}/")
    page.locator(f"a[href='/imports/{batch.pk}/refused.csv']").wait_for(timeout=30_000)
    assert_accessible(page)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FINISHED
    assert batch.created_count == 2
    assert Person.objects.filter(import_batch=batch).count() == 2

    page.click(f"a[href='/imports/{batch.pk}/undo/']")
    page.wait_for_url(f"**/imports/{batch.pk}/undo/")
    assert_accessible(page)

    page.goto("/imports/mappings/")
    assert_accessible(page)


def test_progress_bar_refreshes_itself_until_the_import_is_finished(phone_page, world, personas):
    batch = ImportBatch.objects.create(
        created_by=personas.district_a,
        original_name="stor-lista.csv",
        unit=world.group_a1,
        headers=["E-post"],
        mapping={"E-post": "email"},
        status=ImportBatch.Status.RUNNING,
        total_rows=1000,
        processed_rows=250,
    )
    page = phone_page
    page.goto(f"/imports/{batch.pk}/")
    browser_log_in(page, personas.district_a)
    page.wait_for_url(f"**/imports/{batch.pk}/")
    progress = page.locator("progress#import-progress")
    assert progress.get_attribute("value") == "25"
    assert_accessible(page)

    ImportBatch.objects.filter(pk=batch.pk).update(processed_rows=600)
    page.locator("progress#import-progress[value='60']").wait_for()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.FINISHED, processed_rows=1000, created_count=990, refused_count=10
    )
    page.locator(f"a[href='/imports/{batch.pk}/refused.csv']").wait_for()
    assert page.locator("progress").count() == 0
    assert page.locator("[hx-trigger]").count() == 0  # polling has stopped
    assert_accessible(page)
