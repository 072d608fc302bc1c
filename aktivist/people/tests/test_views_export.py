"""The people export page: who may use it, the form, and downloads that hold exactly the
people of the list's search and filters within the viewer's scope."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import urlencode

import openpyxl
import pytest
from django.urls import reverse

from aktivist.core.models import AuditEvent
from aktivist.people.export import DEFAULT_COLUMNS, EXPORT_COLUMNS
from aktivist.people.models import Person
from aktivist.people.tests.factories import PersonFactory, TagFactory

URL = reverse("people:export")


def url_with(params: dict) -> str:
    return f"{URL}?{urlencode(params, doseq=True)}" if params else URL


def download(client, params=None, columns=("id", "first_name"), fmt="csv"):
    return client.post(url_with(params or {}), {"columns": list(columns), "format": fmt})


def csv_rows(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def exported_ids(response) -> set[int]:
    return {int(row["ID"]) for row in csv_rows(response)}


# --- Access ---------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_login(client, world):
    for response in (client.get(URL), download(client)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert not AuditEvent.objects.filter(verb="people.export").exists()


def test_board_viewer_gets_not_found(client_for, personas):
    client = client_for(personas.board)
    assert client.get(URL).status_code == 404
    assert download(client).status_code == 404
    assert not AuditEvent.objects.filter(verb="people.export").exists()


def test_account_without_scope_units_gets_not_found(client_for, personas):
    from aktivist.accounts.models import User
    from aktivist.accounts.tests.factories import UserFactory

    unscoped = UserFactory(access_role=User.AccessRole.COORDINATOR, email="none@example.org")
    assert client_for(unscoped).get(URL).status_code == 404


# --- The form -------------------------------------------------------------------------------


def test_form_offers_columns_with_the_defaults_checked_and_both_formats(client_for, personas):
    response = client_for(personas.staff).get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    boxes = dict(re.findall(r'<input type="checkbox" name="columns" value="(\w+)"([^>]*)>', html))
    assert list(boxes) == list(EXPORT_COLUMNS)
    assert [key for key, attrs in boxes.items() if "checked" in attrs] == DEFAULT_COLUMNS
    assert 'value="csv"' in html and 'value="xlsx"' in html
    assert "Everyone in your scope." in html


def test_form_describes_the_search_and_filters_in_words_without_counting(
    client_for, personas, world, django_assert_max_num_queries
):
    tag = TagFactory(name="volontär")
    params = {"q": "Malm", "tag": [tag.pk], "status": ["member"], "young": "on", "unit": ""}
    client = client_for(personas.district_a)
    with django_assert_max_num_queries(12) as queries:
        response = client.get(url_with(params))
    assert not any("COUNT(" in q["sql"] for q in queries.captured_queries)
    html = response.content.decode()
    assert "“Malm”" in html
    assert "volontär" in html
    assert "Membership status" in html and "Member" in html
    assert "Young people only" in html
    assert "Any unit" not in html
    # The way back keeps the list's query string.
    assert 'href="/people/?q=Malm&amp;tag=' in html


def test_form_in_swedish(client_for, personas, settings):
    settings.LANGUAGE_CODE = "sv"
    html = client_for(personas.staff).get(URL, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Förnamn" in html and "E-post" in html


def test_invalid_filters_offer_no_download(client_for, personas, world):
    client = client_for(personas.staff)
    params = {"age_min": "40", "age_max": "20"}
    response = client.get(url_with(params))
    assert response.status_code == 200
    assert "filters are not valid" in response.content.decode()
    assert 'name="columns"' not in response.content.decode()
    assert download(client, params).status_code == 400
    assert not AuditEvent.objects.filter(verb="people.export").exists()


def test_no_column_chosen_shows_the_form_again(client_for, personas, world):
    response = client_for(personas.staff).post(URL, {"format": "csv"})
    assert response.status_code == 400
    assert "Choose at least one column." in response.content.decode()
    assert not AuditEvent.objects.filter(verb="people.export").exists()


# --- Downloads ------------------------------------------------------------------------------


def test_csv_download_is_an_attachment_with_a_dated_name(client_for, personas, world):
    response = download(client_for(personas.staff))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="aktivist-personer-')
    assert disposition.endswith('.csv"')
    assert "no-store" in response["Cache-Control"]
    assert exported_ids(response) == set(Person.objects.values_list("pk", flat=True))


def test_xlsx_download(client_for, personas, world):
    response = download(client_for(personas.staff), columns=["first_name", "last_name"], fmt="xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = [[c.value for c in row] for row in workbook.active.iter_rows()]
    assert values[0] == ["First name", "Last name"]
    assert ["Åke", "Ek"] in values


def test_coordinator_export_of_everything_holds_only_their_group(client_for, personas, world):
    ids = exported_ids(download(client_for(personas.coordinator_a1)))
    assert ids == {world.member_a1.pk, world.role_a1.pk}
    others = {world.member_b1.pk, world.home_b.pk, world.home_a.pk, world.member_a2.pk}
    assert not ids & others


def test_district_export_never_holds_the_other_district(client_for, personas, world):
    ids = exported_ids(download(client_for(personas.district_a)))
    assert world.member_b1.pk not in ids and world.home_b.pk not in ids
    assert {world.home_a.pk, world.member_a1.pk, world.member_a2.pk} <= ids


def test_search_for_someone_outside_the_scope_exports_no_one(client_for, personas, world):
    client = client_for(personas.coordinator_a1)
    assert exported_ids(download(client, {"q": "Berg"})) == set()
    assert exported_ids(download(client, {"q": world.member_b1.email})) == set()


def test_export_holds_exactly_the_people_of_the_list_filter(client_for, personas, world):
    tag = TagFactory(name="volontär")
    world.member_a1.tags.add(tag)
    world.member_b1.tags.add(tag)
    client = client_for(personas.district_a)
    assert exported_ids(download(client, {"tag": [tag.pk]})) == {world.member_a1.pk}
    assert exported_ids(download(client, {"q": "Ek"})) == {world.member_a2.pk}
    # The same as the list shows for the same query string.
    listed = client.get(reverse("people:list"), {"tag": [tag.pk]}).context["people"]
    assert {p.pk for p in listed} == {world.member_a1.pk}


def test_the_export_is_audited_without_the_search_text(client_for, personas, world):
    tag = TagFactory(name="volontär")
    world.member_a1.tags.add(tag)
    download(client_for(personas.district_a), {"q": "Märta", "tag": [tag.pk]})
    event = AuditEvent.objects.get(verb="people.export")
    assert event.actor == personas.district_a
    assert event.details["rows"] == 1
    assert event.details["columns"] == ["id", "first_name"]
    assert event.details["format"] == "csv"
    assert "volontär" in event.details["description"]
    assert event.details["filters"] == {
        "all": [{"condition": "tag", "value": {"tags": [tag.pk], "match": "any"}}]
    }
    assert "Märta" not in str(event.details)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_query_count_of_a_download_is_bounded_for_200_people(
    client_for, personas, world, fmt, django_assert_max_num_queries
):
    tag = TagFactory(name="massor")
    for person in PersonFactory.create_batch(200, home_unit=world.district_a):
        person.tags.add(tag)
    client = client_for(personas.district_a)
    with django_assert_max_num_queries(16):
        response = download(client, {"tag": [tag.pk]}, columns=list(DEFAULT_COLUMNS), fmt=fmt)
        content = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert len(content) > 1000


# --- The list links here ------------------------------------------------------------------


def test_people_list_links_to_the_export_with_its_query_string(client_for, personas, world):
    client = client_for(personas.staff)
    html = client.get(reverse("people:list"), {"q": "Malm", "page": "1"}).content.decode()
    assert f'href="{URL}?q=Malm"' in html
    partial = client.get(
        reverse("people:list"),
        {"q": "Malm", "status": "non_member"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert f'href="{URL}?q=Malm&amp;status=non_member"' in partial


# --- In a browser -----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_district_representative_exports_the_filtered_list_in_a_browser(
    phone_page, world, personas
):
    from aktivist.conftest import assert_accessible, browser_log_in

    page = phone_page
    page.goto("/accounts/login/")
    browser_log_in(page, personas.district_a)
    page.wait_for_url(re.compile(r"/$"))

    page.goto("/people/")
    page.fill("input[name=q]", "Ek")
    page.press("input[name=q]", "Enter")
    # The results (and their export link) are swapped in by htmx: wait for the searched ones.
    page.locator("#results a[href^='/people/export/?q=Ek']").click()
    page.wait_for_url("**/people/export/?q=Ek*")
    assert page.get_by_text("“Ek”").count() == 1
    assert_accessible(page)

    page.locator("input[name=format][value=xlsx]").check()
    with page.expect_download() as info:
        page.locator("main form button[type=submit]").click()
    download = info.value
    assert re.fullmatch(r"aktivist-personer-\d{4}-\d\d-\d\d\.xlsx", download.suggested_filename)
    with open(download.path(), "rb") as handle:
        workbook = openpyxl.load_workbook(io.BytesIO(handle.read()))
    rows = [[c.value for c in row] for row in workbook.active.iter_rows()]
    assert rows[0][:2] == ["Förnamn", "Efternamn"]
    assert [row[:2] for row in rows[1:]] == [["Åke", "Ek"]]
    assert AuditEvent.objects.filter(verb="people.export", actor=personas.district_a).count() == 1
