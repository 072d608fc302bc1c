"""A full export of the membership register: authoritative for the membership fields;
members missing from it become former, never deleted; a guard against a file that would
make more than 10 % of members former."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from aktivist.core.exceptions import ApplicationError
from aktivist.imports import runner, services, uploads
from aktivist.imports.models import ImportBatch
from aktivist.imports.tests.import_helpers import import_file, media, upload, write_csv
from aktivist.people.models import Person
from aktivist.people.tests.factories import PersonFactory

__all__ = ["media"]

pytestmark = pytest.mark.usefixtures("media")

REGISTER = ImportBatch.Kind.REGISTER_FULL
HEADER = ("Medlemsnummer", "Förnamn", "Efternamn", "E-post", "Medlem sedan", "Status")


def members(n: int) -> list[Person]:
    return [
        PersonFactory(
            first_name=f"Medlem{i}",
            email=f"m{i}@example.org",
            member_number=str(100 + i),
            membership_status=Person.MembershipStatus.MEMBER,
            member_since=dt.date(2020, 1, 1),
        )
        for i in range(n)
    ]


def register_file(
    tmp_path: Path, people: list[Person], extra: tuple[tuple[str, ...], ...] = ()
) -> Path:
    rows = [
        (p.member_number, p.first_name, p.last_name, p.email, "2019-05-01", "Medlem")
        for p in people
    ]
    return write_csv(tmp_path, [*rows, *extra], header=HEADER, name="register.csv")


def test_the_register_updates_membership_fields_and_makes_missing_members_former(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    group = members(10)
    former = PersonFactory.create(
        member_number="900",
        email="f@example.org",
        membership_status=Person.MembershipStatus.FORMER,
        membership_ended_on=dt.date(2023, 1, 1),
    )
    path = register_file(
        tmp_path,
        [*group[:9], former],
        extra=(("111", "Ny", "Medlem", "ny@example.org", "2026-11-01", ""),),
    )
    batch = import_file(personas.admin, path, kind=REGISTER)
    assert batch.status == ImportBatch.Status.FINISHED
    assert batch.formered_count == 1
    assert batch.created_count == 1
    missing = Person.objects.get(pk=group[9].pk)  # still there, never deleted
    assert missing.membership_status == Person.MembershipStatus.FORMER
    assert missing.membership_ended_on == timezone.localdate()
    kept = Person.objects.get(pk=group[0].pk)
    assert kept.membership_status == Person.MembershipStatus.MEMBER
    assert kept.member_since == dt.date(2019, 5, 1)  # the register wins for its fields
    back = Person.objects.get(pk=former.pk)  # a former member in the file is a member again
    assert back.membership_status == Person.MembershipStatus.MEMBER
    assert back.membership_ended_on is None
    new = Person.objects.get(member_number="111")
    assert new.membership_status == Person.MembershipStatus.MEMBER
    # The same file again changes nothing.
    again = import_file(personas.admin, path, kind=REGISTER)
    assert (again.created_count, again.updated_count, again.formered_count) == (0, 0, 0)


def test_a_file_that_would_make_more_than_ten_percent_former_needs_an_admins_confirmation(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    group = members(10)
    path = register_file(tmp_path, group[:8])  # 2 of 10 would become former: 20 %
    batch = upload(personas.staff, path, kind=REGISTER)
    with pytest.raises(ApplicationError) as refused:
        services.batch_start(actor=personas.staff, batch=batch, enqueue=False)
    assert refused.value.extra == {"members": 10, "would_be_former": 2}
    with pytest.raises(ApplicationError):
        services.batch_start(
            actor=personas.staff, batch=batch, confirm_register_guard=True, enqueue=False
        )
    with pytest.raises(ApplicationError):
        services.batch_start(actor=personas.admin, batch=batch, enqueue=False)
    assert Person.objects.filter(membership_status="member").count() == 10

    batch = services.batch_start(
        actor=personas.admin, batch=batch, confirm_register_guard=True, enqueue=False
    )
    assert batch.confirmed_by == personas.admin
    batch = runner.run(batch)
    assert batch.formered_count == 2
    assert Person.objects.filter(membership_status="former").count() == 2
    assert Person.objects.filter(pk__in=[p.pk for p in group]).count() == 10


def test_a_row_refused_for_another_reason_still_names_its_member(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    group = members(3)
    path = write_csv(
        tmp_path,
        [
            (group[0].member_number, "A", "", group[0].email, "", ""),
            (group[1].member_number, "B", "", "inte en adress", "", ""),
            (group[2].member_number, "C", "", group[2].email, "", ""),
        ],
        header=HEADER,
    )
    batch = import_file(personas.admin, path, kind=REGISTER)
    assert batch.refused_count == 1
    assert batch.formered_count == 0


def test_only_the_secretariat_syncs_the_register(personas: Any, world: Any, tmp_path: Path) -> None:
    path = register_file(tmp_path, members(1))
    with pytest.raises(ApplicationError):
        uploads.batch_create(
            actor=personas.district_a, uploaded_file=str(path), filename="r.csv", kind=REGISTER
        )


def test_a_register_file_needs_a_member_number_column(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [("A", "a@example.org")], header=("Förnamn", "E-post"))
    batch = uploads.batch_create(
        actor=personas.admin, uploaded_file=str(path), filename="r.csv", kind=REGISTER
    )
    with pytest.raises(ApplicationError):
        services.batch_update_mapping(
            actor=personas.admin, batch=batch, mapping=dict(batch.mapping), options={}
        )


def test_the_dry_run_of_a_register_file_counts_who_would_become_former(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    group = members(4)
    batch = upload(personas.admin, register_file(tmp_path, group[:3]), kind=REGISTER)
    batch = services.batch_dry_run(actor=personas.admin, batch=batch)
    assert batch.dry_run["counts"]["former"] == 1
    assert Person.objects.filter(membership_status="member").count() == 4
