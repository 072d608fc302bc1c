"""Membership columns (issue 16, item 4): taken from a file only in the secretariat's imports;
anyone else's import creates non-members and holds the membership values for the
secretariat's review. Birth dates in a personnummer column still give the birth year, and the
column is never stored nor kept.

The IdrottOnline file is laid out as docs/peer-exports.md section 9a describes it (RF-SISU's
person list export, "ExportedPersons*.csv"): that header order, semicolon-separated, UTF-8 with
a BOM, "Födelsedat./Personnr." holding either a full personnummer (YYYYMMDD-XXXX) or only the
birth date (YYYY-MM-DD), postcodes "211 45", dates YYYY-MM-DD, "Medlem t.o.m." a date or
"Ständig medlem", "Typ" P for prova-på (trial).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from aktivist.core.exceptions import ApplicationError
from aktivist.core.table_columns import guess_mapping
from aktivist.imports import matcher, runner, services
from aktivist.imports.membership import membership_held_reason
from aktivist.imports.models import ImportIssue
from aktivist.imports.tests.import_helpers import import_file, media, upload, write_csv
from aktivist.imports.tests.peer_helpers import IDROTTONLINE_HEADER, write_export
from aktivist.lib.personnummer import luhn_check_digit
from aktivist.people import services as people_services
from aktivist.people.models import Person, ReviewItem
from aktivist.people.tests.factories import PersonFactory

__all__ = ["media"]

pytestmark = pytest.mark.usefixtures("media")

MEMBER = Person.MembershipStatus.MEMBER
FORMER = Person.MembershipStatus.FORMER
NON_MEMBER = Person.MembershipStatus.NON_MEMBER


def held_reason(user: Any) -> str:
    """What the importer reads for a row whose membership was held, in their language."""
    with translation.override(user.language or "en"):
        return membership_held_reason()


ANNA_PNR = "19850312-123" + luhn_check_digit("850312123")  # a full personnummer


def _io_row(**cells: str) -> list[str]:
    row = dict.fromkeys(IDROTTONLINE_HEADER, "")
    row.update({"Kön": "Kvinna", "Nationalitet": "SE", "Kontaktadress - Land": "Sverige"})
    row.update(cells)
    return [row[h] for h in IDROTTONLINE_HEADER]


def idrottonline_file(directory: Path) -> Path:
    rows = [
        _io_row(
            **{
                "Förnamn": "Anna",
                "Efternamn": "Alm",
                "IdrottsID": "IID1001",
                "Födelsedat./Personnr.": ANNA_PNR,
                "Telefon mobil": "0701112233",
                "E-post kontakt": "anna.alm@example.org",
                "Kontaktadress - Gatuadress": "Storgatan 1",
                "Kontaktadress - Postnummer": "211 45",
                "Kontaktadress - Postort": "Malmö",
                "Grupp/Lag/Arbetsrum/Familj": "Styrelsen, Aktivister",
                "Medlemsnr.": "1001",
                "Medlem sedan": "2019-03-01",
                "Medlem t.o.m.": "2027-12-31",
                "Registreringsdatum": "2019-02-20",
            }
        ),
        _io_row(
            **{
                "Förnamn": "Bo",
                "Efternamn": "Björk",
                "Kön": "Man",
                "IdrottsID": "IID1002",
                "Födelsedat./Personnr.": "2003-01-01",  # the birth date only
                "Telefon mobil": "0702223344",
                "E-post kontakt": "bo.bjork@example.org",
                "Kontaktadress - Postnummer": "211 46",
                "Medlemsnr.": "1002",
                "Medlem sedan": "2021-05-10",
                "Medlem t.o.m.": "Ständig medlem",
                "Registreringsdatum": "2021-05-01",
            }
        ),
        _io_row(
            **{
                "Förnamn": "Cecilia",
                "Efternamn": "Ceder",
                "IdrottsID": "IID1003",
                "Födelsedat./Personnr.": "1970-06-15",
                "E-post kontakt": "cecilia.ceder@example.org",
                "Kontaktadress - Postnummer": "211 47",
                "Medlemsnr.": "1003",
                "Medlem sedan": "2010-01-01",
                "Medlem t.o.m.": "2024-06-30",
                "Registreringsdatum": "2009-12-01",
                "Avslutningsdatum": "2024-06-30",  # left: a former member
            }
        ),
        _io_row(
            **{
                "Typ": "P",  # prova-på: tried, never joined
                "Förnamn": "Dag",
                "Efternamn": "Dahl",
                "Kön": "Man",
                "IdrottsID": "IID1004",
                "Födelsedat./Personnr.": "2010-09-09",
                "E-post kontakt": "dag.dahl@example.org",
                "Registreringsdatum": "2025-09-01",
            }
        ),
    ]
    path = directory / "ExportedPersons_20261207.csv"
    return write_export(path, IDROTTONLINE_HEADER, rows, delimiter=";", bom=True)


def person(email: str) -> Person:
    return Person.objects.get(email=email)


def test_the_header_guess_knows_the_membership_columns_of_real_exports() -> None:
    mapping = guess_mapping(IDROTTONLINE_HEADER, [])
    assert mapping["Medlemsnr."] == "member_number"
    assert mapping["Medlem sedan"] == "member_since"
    assert mapping["Avslutningsdatum"] == "membership_ended_on"
    assert mapping["Födelsedat./Personnr."] == "personnummer"
    assert mapping["Typ"] == ""  # only "P" is a known value (docs/peer-exports.md 9a)
    assert mapping["Medlem t.o.m."] == ""  # paid until, not the end of the membership
    others = {
        "Medlemstyp": "membership_status",
        "Medlemsstatus": "membership_status",
        "Membership Status": "membership_status",  # CiviCRM
        "membership_status": "membership_status",  # NationBuilder's membership export
        "Medlem från": "member_since",
        "Inträdesdatum": "member_since",
        "Member Since": "member_since",  # CiviCRM
        "membership_started_at": "member_since",  # NationBuilder's import fields
        "Utträdesdatum": "membership_ended_on",
    }
    for header, field in others.items():
        assert guess_mapping([header], [])[header] == field, header


@pytest.mark.parametrize(
    ("typed", "status"),
    [
        ("Medlem", MEMBER),
        ("Aktiv", MEMBER),
        ("Betalande", MEMBER),
        ("Ordinarie", MEMBER),
        ("Ja", MEMBER),
        ("Member", MEMBER),
        ("Active", MEMBER),
        ("Current", MEMBER),  # CiviCRM
        ("Grace", MEMBER),
        ("Utträdd", FORMER),
        ("Former", FORMER),
        ("Avslutad", FORMER),
        ("Expired", FORMER),
        ("Ej medlem", NON_MEMBER),
        ("Non-member", NON_MEMBER),
        ("Prova på", NON_MEMBER),
    ],
)
def test_status_words_in_both_languages(
    personas: Any, world: Any, tmp_path: Path, typed: str, status: str
) -> None:
    path = write_csv(
        tmp_path, [("Eva", "eva@example.org", typed)], header=("Förnamn", "E-post", "Medlemstyp")
    )
    import_file(personas.staff, path)
    assert person("eva@example.org").membership_status == status


def test_an_unknown_status_refuses_the_row_naming_column_and_value(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path,
        [("Eva", "eva@example.org", "Kanske")],
        header=("Förnamn", "E-post", "Medlemsstatus"),
    )
    batch = import_file(personas.staff, path)
    assert batch.refused_count == 1 and not Person.objects.filter(email="eva@example.org").exists()
    [issue] = ImportIssue.objects.filter(batch=batch)
    assert issue.reason.startswith("Medlemsstatus: ") and "Kanske" in issue.reason


def test_an_idrottonline_file_imported_by_the_secretariat_makes_members_with_birth_years(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    known = PersonFactory(
        first_name="Bo",
        last_name="Björk",
        email="bo.bjork@example.org",
        member_number=None,
        birth_year=None,
    )
    assert known.membership_status == NON_MEMBER
    batch = import_file(personas.staff, idrottonline_file(tmp_path))
    assert (batch.created_count, batch.updated_count, batch.refused_count) == (3, 1, 0)

    anna = person("anna.alm@example.org")
    assert anna.membership_status == MEMBER
    assert anna.member_since == dt.date(2019, 3, 1) and anna.member_number == "1001"
    assert anna.birth_year == 1985  # from the full personnummer
    known.refresh_from_db()  # an existing non-member becomes a member
    assert known.membership_status == MEMBER and known.member_since == dt.date(2021, 5, 10)
    assert known.member_number == "1002" and known.birth_year == 2003  # from the birth date
    cecilia = person("cecilia.ceder@example.org")
    assert cecilia.membership_status == FORMER
    assert cecilia.membership_ended_on == dt.date(2024, 6, 30) and cecilia.birth_year == 1970
    dag = person("dag.dahl@example.org")
    assert dag.membership_status == NON_MEMBER and dag.member_since is None
    assert dag.birth_year == 2010
    assert not ReviewItem.objects.filter(kind=ReviewItem.Kind.IMPORT_MEMBERSHIP).exists()
    kept = Path(batch.file.path).read_text(encoding="utf-8")
    assert ANNA_PNR not in kept and ANNA_PNR.replace("-", "") not in kept
    assert "2003-01-01" not in kept and "Födelsedat./Personnr." not in kept.splitlines()[0]


@pytest.mark.parametrize("importer", ["district_a"])
def test_the_same_file_by_a_district_representative_holds_membership_for_review(
    personas: Any, world: Any, tmp_path: Path, importer: str
) -> None:
    actor = getattr(personas, importer)
    batch = upload(actor, idrottonline_file(tmp_path), options={"unit": world.district_a.pk})
    batch = services.batch_dry_run(actor=actor, batch=batch)
    reason = held_reason(actor)
    held_lines = [r["line"] for r in batch.dry_run["rows"] if r["reason"] == reason]
    assert held_lines == [2, 3, 4]  # the members' rows; Dag's trial row gives no membership
    summary = json.dumps(batch.dry_run, ensure_ascii=False)
    assert "1001" not in summary and "2019-03-01" not in summary  # never more than that
    assert not ReviewItem.objects.exists()  # a dry run writes no membership hold

    batch = services.batch_start(actor=actor, batch=batch, enqueue=False)

    batch = runner.run(batch)
    assert (batch.created_count, batch.refused_count, batch.held_count) == (4, 0, 0)
    for email in ("anna.alm@example.org", "bo.bjork@example.org", "cecilia.ceder@example.org"):
        created = person(email)
        assert created.membership_status == NON_MEMBER
        assert created.member_number is None and created.member_since is None
        assert created.membership_ended_on is None
    assert person("anna.alm@example.org").birth_year == 1985  # the rest of the row applies
    issues = ImportIssue.objects.filter(batch=batch, kind=ImportIssue.Kind.HELD)
    assert sorted((i.line, i.reason) for i in issues) == [(n, reason) for n in (2, 3, 4)]

    items = ReviewItem.objects.filter(kind=ReviewItem.Kind.IMPORT_MEMBERSHIP)
    assert items.count() == 3
    anna_item = items.get(matched_person__email="anna.alm@example.org")
    assert anna_item.submitted_by == actor
    people_services.review_apply(actor=personas.staff, item=anna_item)
    anna = person("anna.alm@example.org")
    assert anna.membership_status == MEMBER
    assert anna.member_since == dt.date(2019, 3, 1) and anna.member_number == "1001"
    cecilia_item = items.get(matched_person__email="cecilia.ceder@example.org")
    people_services.review_apply(actor=personas.admin, item=cecilia_item)
    cecilia = person("cecilia.ceder@example.org")
    assert cecilia.membership_status == FORMER
    assert cecilia.membership_ended_on == dt.date(2024, 6, 30)

    # The same file again adds no second review item for the same values.
    again = import_file(actor, idrottonline_file(tmp_path), options={"unit": world.district_a.pk})
    assert again.refused_count == 0
    assert (
        ReviewItem.objects.filter(
            kind=ReviewItem.Kind.IMPORT_MEMBERSHIP, status=ReviewItem.Status.OPEN
        ).count()
        == 1
    )  # Bo's, still open; Anna's was applied, Cecilia's and the rest unchanged


def test_the_pages_list_the_rows_whose_membership_waits_apart_from_held_rows(
    client_for: Any, personas: Any, world: Any, tmp_path: Path
) -> None:
    """The dry run and the result name the lines whose membership waits for the
    secretariat under their own heading, not as rows "held for review" (which are
    counted apart and whose rest is not imported), and say nothing more about them."""
    actor = personas.district_a
    batch = upload(actor, idrottonline_file(tmp_path), options={"unit": world.district_a.pk})
    batch = services.batch_dry_run(actor=actor, batch=batch)
    url = reverse("imports:dry_run", args=[batch.pk])
    with translation.override("sv"):
        heading = str(translation.gettext("Membership held for the secretariat's review"))
        held_row = str(translation.gettext("Held for review by the secretariat"))

    def section(html: str) -> str:
        assert heading in html
        return html.split(heading, 1)[1].split("</ul>", 1)[0]

    dry = client_for(actor).get(url, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert held_row not in dry  # no whole row is held: these rows are imported
    listed = section(dry)
    assert [f"Rad {n}" in listed for n in (2, 3, 4, 5)] == [True, True, True, False]
    assert "1001" not in listed and "2019" not in listed

    batch = services.batch_start(actor=actor, batch=batch, enqueue=False)

    runner.run(batch)
    result = client_for(actor).get(url, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    listed = section(result)
    assert [f"Rad {n}" in listed for n in (2, 3, 4, 5)] == [True, True, True, False]
    assert held_row not in result


def test_a_coordinator_cannot_import_the_file_at_all(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    with pytest.raises(ApplicationError):
        upload(personas.coordinator_a1, idrottonline_file(tmp_path))
    assert not Person.objects.filter(email__endswith="@example.org", member_number__isnull=False)
    assert not Person.objects.filter(email="anna.alm@example.org").exists()


@pytest.mark.parametrize(
    "values",
    [
        ["19850312", "850312", "1985-03-12", "19850312-XXXX"],
        ["850312-xxxx", "19850312-****", ANNA_PNR, ANNA_PNR.replace("-", "")],
    ],
)
def test_a_personnummer_column_of_birth_dates_gives_the_year_and_stores_nothing(
    personas: Any, world: Any, tmp_path: Path, values: list[str]
) -> None:
    rows = [(f"P{i}", f"p{i}@example.org", value) for i, value in enumerate(values)]
    path = write_csv(tmp_path, rows, header=("Förnamn", "E-post", "Personnummer"))
    batch = import_file(personas.staff, path)
    assert batch.created_count == len(values)
    assert batch.dropped_columns == ["Personnummer"]
    kept = Path(batch.file.path).read_text(encoding="utf-8")
    for i, value in enumerate(values):
        created = person(f"p{i}@example.org")
        assert created.birth_year == 1985
        stored = json.dumps(
            {f.attname: getattr(created, f.attname) for f in Person._meta.concrete_fields},
            default=str,
        )
        assert value not in stored and "0312" not in stored
        assert value not in kept
    assert "0312" not in kept


def test_a_district_representative_cannot_change_anyones_membership_by_any_column_name(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    member = PersonFactory(
        first_name="Maja",
        email="maja@example.org",
        home_unit=world.district_a,
        membership_status=MEMBER,
        member_number="500",
        member_since=dt.date(2015, 1, 1),
    )
    other = PersonFactory(first_name="Nils", email="nils@example.org", home_unit=world.district_a)
    header = ("Förnamn", "E-post", "Kolumn A", "Kolumn B", "Kolumn C", "Kolumn D")
    rows = [
        ("Maja", "maja@example.org", "Utträdd", "", "2000-01-01", "2025-01-01"),
        ("Nils", "nils@example.org", "Medlem", "777", "2020-02-02", ""),
        ("Ny", "ny@example.org", "Medlem", "778", "2020-02-02", ""),
        ("Nolla", "", "Medlem", "779", "", ""),  # the member number its only key
    ]
    # Columns named anything, mapped onto the membership fields by the importer.
    mapping = {
        "Förnamn": "first_name",
        "E-post": "email",
        "Kolumn A": "membership_status",
        "Kolumn B": "member_number",
        "Kolumn C": "member_since",
        "Kolumn D": "membership_ended_on",
    }
    path = write_csv(tmp_path, rows, header=header)
    batch = import_file(
        personas.district_a, path, mapping=mapping, options={"unit": world.district_a.pk}
    )
    member.refresh_from_db()
    other.refresh_from_db()
    assert (member.membership_status, member.member_number) == (MEMBER, "500")
    assert (member.member_since, member.membership_ended_on) == (dt.date(2015, 1, 1), None)
    assert (other.membership_status, other.member_number, other.member_since) == (
        NON_MEMBER,
        None,
        None,
    )
    new = person("ny@example.org")
    assert (new.membership_status, new.member_number, new.member_since) == (NON_MEMBER, None, None)
    assert not Person.objects.filter(member_number__in=["777", "778", "779"]).exists()
    [refused] = ImportIssue.objects.filter(batch=batch, kind=ImportIssue.Kind.REFUSED)
    with translation.override(personas.district_a.language):
        assert (refused.line, refused.reason) == (5, matcher._ONLY_MEMBER_NUMBER_REASON())

    # Dismissed by the secretariat, nothing changes; nothing but review applies it.
    for item in ReviewItem.objects.filter(kind=ReviewItem.Kind.IMPORT_MEMBERSHIP):
        people_services.review_dismiss(actor=personas.staff, item=item)
    member.refresh_from_db()
    assert member.membership_status == MEMBER


def test_the_secretariat_applies_a_held_membership_from_the_review_queue(
    client_for: Any, personas: Any, world: Any, tmp_path: Path
) -> None:
    import_file(
        personas.district_a, idrottonline_file(tmp_path), options={"unit": world.district_a.pk}
    )
    item = ReviewItem.objects.get(
        kind=ReviewItem.Kind.IMPORT_MEMBERSHIP, matched_person__email="bo.bjork@example.org"
    )
    staff = client_for(personas.staff)
    page = staff.get(reverse("people:review_list"))
    assert page.status_code == 200
    assert item.get_kind_display() in page.content.decode()
    # The district representative cannot apply it.
    url = reverse("people:review_apply", args=[item.pk])
    assert client_for(personas.district_a).post(url).status_code == 404
    assert person("bo.bjork@example.org").membership_status == NON_MEMBER
    staff.post(url)
    bo = person("bo.bjork@example.org")
    assert (bo.membership_status, bo.member_since) == (MEMBER, dt.date(2021, 5, 10))
