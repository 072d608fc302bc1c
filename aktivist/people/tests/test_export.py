"""The people export: CSV and XLSX round trips, formula escaping, chosen columns, scope,
audit and a bounded number of queries."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from aktivist.core.conditions import compile_tree
from aktivist.core.exceptions import ApplicationError
from aktivist.core.models import AuditEvent
from aktivist.core.spreadsheets import FORMULA_TRIGGERS
from aktivist.people import export
from aktivist.people.models import Person
from aktivist.people.selectors import people_search, people_visible_to
from aktivist.people.tests.factories import PersonFactory, TagFactory

ALL_COLUMNS = list(export.EXPORT_COLUMNS)


def run(actor, columns=None, fmt="csv", queryset=None, description="everyone in scope"):
    return export.export_people(
        actor=actor,
        queryset=people_visible_to(actor) if queryset is None else queryset,
        columns=columns or ALL_COLUMNS,
        fmt=fmt,
        description=description,
    )


def read_csv(result) -> tuple[bytes, list[dict[str, str]]]:
    data = b"".join(result.stream)
    text = data.decode("utf-8-sig")
    return data, list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def read_xlsx(result):
    workbook = openpyxl.load_workbook(result.file)
    sheet = workbook.active
    rows = list(sheet.iter_rows())
    headers = [cell.value for cell in rows[0]]
    return headers, [dict(zip(headers, row, strict=True)) for row in rows[1:]]


@pytest.fixture
def tricky(world):
    """Someone whose values would run as formulas if written raw."""
    person = PersonFactory(
        first_name='=HYPERLINK("http://x")',
        last_name="@SUM(A1)",
        mobile="+46701234567",
        other_phone="-2+3",
        city="Malmö",
        source="\tvalue",
        email="tricky@example.org",
    )
    from aktivist.organisation.tests.factories import UnitMembershipFactory

    UnitMembershipFactory(person=person, unit=world.group_a1)
    return person


# --- CSV ------------------------------------------------------------------------------------


def test_csv_has_bom_semicolons_swedish_headers_and_intact_letters(personas, world):
    world.member_a1.tags.add(TagFactory(name="volontär"), TagFactory(name="aktivist"))
    with translation.override("sv"):
        result = run(personas.staff, columns=["first_name", "last_name", "home_unit", "tags"])
    data, rows = read_csv(result)
    assert data.startswith(b"\xef\xbb\xbf")
    first_line = data[3:].split(b"\r\n")[0].decode()
    assert first_line == '"Förnamn";"Efternamn";"Hemenhet";"Taggar"'
    assert result.filename.startswith("aktivist-personer-") and result.filename.endswith(".csv")
    assert result.content_type == "text/csv; charset=utf-8"
    by_name = {row["Förnamn"]: row for row in rows}
    assert by_name["Märta"]["Efternamn"] == "Malm"
    assert by_name["Märta"]["Taggar"] == "aktivist, volontär"
    assert by_name["Hanna"]["Hemenhet"] == "Distrikt Skåne"
    assert {"Åke", "Björn", "Ylva"} <= set(by_name)
    assert result.rows == len(rows) == Person.objects.count()


def test_csv_escapes_formula_cells_but_not_phones(personas, tricky):
    result = run(personas.staff, columns=["first_name", "last_name", "mobile", "other_phone"])
    _data, rows = read_csv(result)
    row = next(r for r in rows if "HYPERLINK" in r["First name"])
    assert row["First name"] == '\'=HYPERLINK("http://x")'
    assert row["Last name"] == "'@SUM(A1)"
    assert row["Mobile"] == "070-123 45 67"  # a phone is no formula: dialable text
    assert row["Other phone"] == "'-2+3"
    for value in (v for r in rows for v in r.values()):
        assert not value.startswith(FORMULA_TRIGGERS), value


def test_csv_values_are_raw(personas, world):
    person = PersonFactory(
        first_name="Greta",
        membership_status=Person.MembershipStatus.MEMBER,
        member_since=datetime.date(2020, 3, 1),
        language="en",
        birth_year=2001,
        member_number="00123",
    )
    columns = ["id", "membership_status", "member_since", "language", "birth_year"]
    _data, rows = read_csv(run(personas.staff, columns=columns + ["member_number", "created_at"]))
    row = next(r for r in rows if r["ID"] == str(person.pk))
    assert row["Membership status"] == "member"
    assert row["Member since"] == "2020-03-01"
    assert row["Language"] == "en"
    assert row["Birth year"] == "2001"
    assert row["Member number"] == "00123"
    assert datetime.datetime.fromisoformat(row["Added"])


def test_only_the_chosen_columns_in_the_given_order(personas, world):
    _data, rows = read_csv(run(personas.staff, columns=["email", "first_name"]))
    assert list(rows[0]) == ["Email", "First name"]


def test_unknown_or_no_columns_and_unknown_format_are_refused(personas, world):
    with pytest.raises(ApplicationError):
        run(personas.staff, columns=["first_name", "password"])
    with pytest.raises(ApplicationError):
        export.export_people(
            actor=personas.staff,
            queryset=people_visible_to(personas.staff),
            columns=[],
            fmt="csv",
            description="",
        )
    with pytest.raises(ApplicationError):
        run(personas.staff, fmt="pdf")
    assert not AuditEvent.objects.filter(verb="people.export").exists()


# --- XLSX -----------------------------------------------------------------------------------


def test_xlsx_round_trip_keeps_letters_and_types(personas, world):
    world.member_a1.member_since = datetime.date(2019, 5, 17)
    world.member_a1.save()
    with translation.override("sv"):
        result = run(
            personas.staff,
            columns=["id", "first_name", "last_name", "member_since", "birth_year"],
            fmt="xlsx",
        )
    assert result.filename.endswith(".xlsx")
    headers, rows = read_xlsx(result)
    assert headers == ["ID", "Förnamn", "Efternamn", "Medlem sedan", "Födelseår"]
    row = next(r for r in rows if r["ID"].value == world.member_a1.pk)
    assert row["Förnamn"].value == "Märta"
    assert row["Medlem sedan"].value.date() == datetime.date(2019, 5, 17)
    assert row["Födelseår"].value == 1990
    assert {r["Förnamn"].value for r in rows} >= {"Åke", "Björn", "Ylva", "Hanna"}


def test_xlsx_writes_formula_like_values_as_strings_never_formulas(personas, tricky):
    result = run(
        personas.staff,
        columns=["first_name", "last_name", "mobile", "other_phone", "source", "city"],
        fmt="xlsx",
    )
    headers, rows = read_xlsx(result)
    row = next(r for r in rows if r["First name"].value.startswith("="))
    assert row["First name"].value == '=HYPERLINK("http://x")'
    assert row["Last name"].value == "@SUM(A1)"
    assert row["Mobile"].value == "+46701234567"
    assert row["Other phone"].value == "-2+3"
    for name in ("First name", "Last name", "Mobile", "Other phone", "Source"):
        assert row[name].data_type == "s", name
        assert row[name].quotePrefix, name
    assert row["City"].value == "Malmö" and not row["City"].quotePrefix
    for r in rows:
        for cell in r.values():
            assert cell.data_type != "f"


def test_xlsx_refuses_more_rows_than_a_sheet_holds(personas, world, monkeypatch):
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 3)
    with pytest.raises(ApplicationError, match="CSV"):
        run(personas.staff, fmt="xlsx")
    assert not AuditEvent.objects.filter(verb="people.export").exists()


# --- Scope ----------------------------------------------------------------------------------


def exported_ids(actor, queryset=None) -> set[int]:
    _data, rows = read_csv(run(actor, columns=["id"], queryset=queryset))
    return {int(row["ID"]) for row in rows}


def test_district_export_excludes_the_other_district(personas, world):
    ids = exported_ids(personas.district_a)
    a_side = {world.home_a, world.member_a1, world.former_member_a1, world.role_a1, world.member_a2}
    assert ids == {p.pk for p in a_side}
    assert world.member_b1.pk not in ids and world.home_b.pk not in ids


def test_coordinator_export_of_everything_holds_only_their_group(personas, world):
    ids = exported_ids(personas.coordinator_a1)
    assert ids == {world.member_a1.pk, world.role_a1.pk}
    ids_b = exported_ids(personas.coordinator_b1)
    assert ids_b == {world.member_b1.pk}


def test_a_queryset_wider_than_the_scope_is_cut_to_the_scope(personas, world):
    ids = exported_ids(personas.coordinator_a1, queryset=Person.objects.all())
    assert ids == {world.member_a1.pk, world.role_a1.pk}


def test_search_and_filters_narrow_the_export(personas, world):
    tag = TagFactory(name="volontär")
    world.member_a1.tags.add(tag)
    world.member_b1.tags.add(tag)
    tree = {"all": [{"condition": "tag", "value": {"tags": [tag.pk], "match": "any"}}]}
    viewer = personas.district_a
    qs = people_search(viewer, "").filter(compile_tree(tree, viewer))
    assert exported_ids(viewer, qs) == {world.member_a1.pk}
    assert exported_ids(viewer, people_search(viewer, "Ek")) == {world.member_a2.pk}


def test_board_viewer_cannot_export(personas, world):
    with pytest.raises(ApplicationError):
        run(personas.board, queryset=Person.objects.all())
    assert not AuditEvent.objects.filter(verb="people.export").exists()


def test_erased_people_are_not_exported(personas, world):
    world.member_a1.is_active = False
    world.member_a1.save()
    assert world.member_a1.pk not in exported_ids(personas.staff, Person.objects.all())


# --- Audit ----------------------------------------------------------------------------------


def test_one_audit_event_with_count_columns_and_format_and_no_personal_data(personas, world):
    tree = {"all": [{"condition": "membership_status", "value": ["non_member"]}]}
    result = export.export_people(
        actor=personas.district_a,
        queryset=people_visible_to(personas.district_a),
        columns=["first_name", "email", "mobile"],
        fmt="xlsx",
        description="Membership status: Non-member",
        filters=tree,
    )
    event = AuditEvent.objects.get(verb="people.export")
    assert event.actor == personas.district_a
    assert event.person_id is None
    assert event.details == {
        "rows": result.rows,
        "columns": ["first_name", "email", "mobile"],
        "format": "xlsx",
        "description": "Membership status: Non-member",
        "filters": tree,
    }
    assert result.rows == 5
    recorded = str(event.details) + event.object_id
    for person in Person.objects.all():
        for value in (person.first_name, person.last_name, person.email, person.mobile):
            assert not value or value not in recorded


def test_the_audit_is_written_before_a_byte_is_streamed(personas, world):
    result = run(personas.staff)
    assert AuditEvent.objects.filter(verb="people.export").count() == 1
    b"".join(result.stream)
    assert AuditEvent.objects.filter(verb="people.export").count() == 1


# --- Queries --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_query_count_is_bounded_for_200_people(personas, world, fmt, django_assert_max_num_queries):
    tags = [TagFactory(name=f"tagg {n}") for n in range(3)]
    people = PersonFactory.create_batch(200, home_unit=world.district_a)
    for n, person in enumerate(people):
        person.tags.add(tags[n % 3])
    viewer = personas.district_a
    qs = people_search(viewer, "")
    with django_assert_max_num_queries(8):
        result = export.export_people(
            actor=viewer, queryset=qs, columns=ALL_COLUMNS, fmt=fmt, description=""
        )
        if fmt == "csv":
            _data, rows = read_csv(result)
            assert len(rows) == 205
            assert sum(1 for row in rows if row["Tags"]) == 200
        else:
            _headers, rows = read_xlsx(result)
            assert len(rows) == 205


def test_rows_are_read_in_chunks_with_one_tag_query_per_chunk(personas, world, monkeypatch):
    monkeypatch.setattr(export, "CHUNK_SIZE", 50)
    tag = TagFactory(name="många")
    for person in PersonFactory.create_batch(200):
        person.tags.add(tag)
    with CaptureQueriesContext(connection) as queries:
        _data, rows = read_csv(run(personas.staff, columns=["id", "tags"]))
    assert len(rows) == 207
    tag_queries = [q for q in queries.captured_queries if '"people_tagging"' in q["sql"]]
    assert len(tag_queries) == 5  # 207 rows in chunks of 50
    # (On PostgreSQL the one SELECT runs as a server-side cursor: DECLARE … FOR SELECT.)
    person_selects = [
        q for q in queries.captured_queries if 'SELECT "people_person"."id"' in q["sql"]
    ]
    assert len(person_selects) == 1
