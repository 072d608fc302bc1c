"""Attendance from a file: every row checked first; a malformed file changes nothing; a
clean one marks people attended (creating registrations and people as needed), audited
once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aktivist.core.exceptions import ApplicationError
from aktivist.core.models import AuditEvent
from aktivist.core.signals import facts_changed
from aktivist.people.models import Person, ReviewItem
from aktivist.people.services import review_apply
from aktivist.programmes.attendance_upload import upload_attendance
from aktivist.programmes.models import ProgrammeCompletion, Registration
from aktivist.programmes.tests.factories import (
    EventFactory,
    ProgrammeFactory,
    RegistrationFactory,
)

S = Registration.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def event(world):
    starts = timezone.now() - dt.timedelta(days=1)
    return EventFactory(
        unit=world.group_a1, starts_at=starts, ends_at=starts + dt.timedelta(hours=2)
    )


def _file(tmp_path, text: str, encoding: str = "utf-8", name: str = "närvaro.csv") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_a_swedish_excel_file_marks_everyone_attended(world, personas, event, tmp_path):
    signed_up = RegistrationFactory(event=event, person=world.member_a1)
    world.role_a1.mobile = "+46701112233"
    world.role_a1.save()
    path = _file(
        tmp_path,
        "Förnamn;Efternamn;E-post;Mobil\r\n"
        f"Märta;Malm;{world.member_a1.email.upper()};\r\n"
        "Rut;Roos;;701112233\r\n"  # Excel dropped the leading zero
        "Örjan;Ödmark;orjan@example.org;\r\n",
        encoding="cp1252",
    )

    result = upload_attendance(actor=personas.coordinator_a1, event=event, path=path)

    assert result.ok
    assert (result.rows, result.people, result.marked, result.signed_up) == (3, 3, 3, 1)
    signed_up.refresh_from_db()
    assert signed_up.status == S.ATTENDED
    rut = Registration.objects.get(event=event, person=world.role_a1)
    assert rut.source == "import"
    assert (rut.typed_name, rut.typed_mobile) == ("Rut Roos", "+46701112233")
    new = Person.objects.get(email="orjan@example.org")
    assert (new.first_name, new.last_name) == ("Örjan", "Ödmark")
    assert new.membership_status == Person.MembershipStatus.NON_MEMBER
    assert Registration.objects.get(event=event, person=new).status == S.ATTENDED
    world.role_a1.refresh_from_db()
    assert world.role_a1.first_name == "Rut"
    audits = AuditEvent.objects.filter(verb="event.attendance_upload")
    assert audits.count() == 1
    assert audits[0].details["marked"] == 3
    assert audits[0].details["new_people"] == 1


def test_english_headers_commas_and_one_name_column(world, personas, event, tmp_path):
    path = _file(tmp_path, "Name,Email\nAnna Andersson,anna@example.org\n")
    result = upload_attendance(actor=personas.coordinator_a1, event=event, path=path)
    assert result.ok
    person = Person.objects.get(email="anna@example.org")
    assert (person.first_name, person.last_name) == ("Anna", "Andersson")


def test_uploading_the_same_file_twice_changes_nothing_the_second_time(
    world, personas, event, tmp_path
):
    path = _file(tmp_path, "Förnamn;E-post\nAnna;anna@example.org\n")
    upload_attendance(actor=personas.coordinator_a1, event=event, path=path)
    again = upload_attendance(actor=personas.coordinator_a1, event=event, path=path)
    assert (again.marked, again.already) == (0, 1)
    assert Person.objects.filter(email="anna@example.org").count() == 1
    assert Registration.objects.filter(event=event).count() == 1


def test_one_malformed_row_refuses_the_file_and_changes_nothing(world, personas, event, tmp_path):
    registration = RegistrationFactory(event=event, person=world.member_a1)
    people = Person.objects.count()
    path = _file(
        tmp_path,
        "Förnamn;Efternamn;E-post;Mobil\n"
        f"Märta;Malm;{world.member_a1.email};\n"
        ";Utan förnamn;utan@example.org;\n"
        "Bo;Bad;inte-en-adress;\n"
        "\n"
        "Ca;Fast;;08-123 456 78\n"
        "Di;Ingen;;\n",
    )

    result = upload_attendance(actor=personas.coordinator_a1, event=event, path=path)

    assert not result.ok
    assert [(r.line, r.reason) for r in result.refused] == [
        (3, "No first name."),
        (4, "“inte-en-adress” is not a valid email address."),
        (6, "“08-123 456 78” is not a mobile number."),
        (7, "No email address or mobile number."),
    ]
    registration.refresh_from_db()
    assert registration.status == S.REGISTERED
    assert Person.objects.count() == people
    assert not AuditEvent.objects.filter(verb="event.attendance_upload").exists()


def test_the_same_mobile_with_two_emails_is_refused(world, personas, event, tmp_path):
    path = _file(
        tmp_path,
        "Förnamn;E-post;Mobil\nA;a@example.org;0701234567\nB;b@example.org;070-123 45 67\n",
    )
    result = upload_attendance(actor=personas.coordinator_a1, event=event, path=path)
    assert [r.line for r in result.refused] == [3]
    assert "line 2" in result.refused[0].reason
    assert not Person.objects.filter(email__in=["a@example.org", "b@example.org"]).exists()


def test_rows_naming_one_person_twice_mark_them_once(world, personas, event, tmp_path):
    path = _file(
        tmp_path,
        "Förnamn;E-post;Mobil\nA;a@example.org;0701234567\nA;;0701234567\nA;A@example.org;\n",
    )
    result = upload_attendance(actor=personas.coordinator_a1, event=event, path=path)
    assert result.ok
    assert (result.rows, result.people, result.marked) == (3, 1, 1)
    assert Person.objects.get(email="a@example.org").mobile == "+46701234567"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Förnamn;Efternamn\nA;B\n", "email addresses or mobile numbers"),
        ("Efternamn;E-post\nB;b@example.org\n", "first names"),
        ("Förnamn;E-post\n", "no rows of data"),
        ("", "empty"),
    ],
)
def test_a_file_without_the_needed_columns_is_refused(personas, event, tmp_path, text, message):
    result = upload_attendance(
        actor=personas.coordinator_a1, event=event, path=_file(tmp_path, text)
    )
    assert message in result.file_error
    assert not Registration.objects.filter(event=event).exists()


def test_people_outside_scope_are_held_for_review_and_only_counted(
    world, personas, event, tmp_path
):
    outsider = world.member_b1
    path = _file(tmp_path, f"Förnamn;E-post\nNågon;{outsider.email}\n")
    result = upload_attendance(actor=personas.coordinator_a1, event=event, path=path)
    assert result.ok and result.marked == 1
    # Nothing is written onto him: the row's attendance waits for the secretariat.
    assert not Registration.objects.filter(person=outsider).exists()
    stand_in = Registration.objects.get(event=event, person__isnull=True)
    assert (stand_in.status, stand_in.typed_name) == (S.ATTENDED, "Någon")
    item = ReviewItem.objects.get(kind=ReviewItem.Kind.ATTENDANCE_ROW)
    assert item.matched_person == outsider
    assert item.payload["registration"] == stand_in.pk
    assert AuditEvent.objects.filter(verb="review.held", person_id=outsider.pk).count() == 1
    outsider.refresh_from_db()
    assert outsider.first_name == "Björn"

    review_apply(actor=personas.staff, item=item)
    assert Registration.objects.get(event=event, person=outsider).status == S.ATTENDED


def test_an_upload_row_with_someone_elses_mobile_makes_a_new_person(
    world, personas, event, tmp_path
):
    owner = world.member_a1
    owner.mobile = "+46701234567"
    owner.save()
    path = _file(
        tmp_path, "Förnamn;Efternamn;E-post;Mobil\nStina;Svensson;stina@example.org;0701234567\n"
    )
    result = upload_attendance(actor=personas.coordinator_a1, event=event, path=path)
    assert result.ok
    assert not Registration.objects.filter(person=owner).exists()
    stina = Person.objects.get(email="stina@example.org")
    assert stina.mobile is None
    assert Registration.objects.get(event=event, person=stina).status == S.ATTENDED


def test_a_registrant_in_the_file_is_found_by_what_they_typed(world, personas, event, tmp_path):
    outsider = world.member_b1
    theirs = RegistrationFactory(event=event, person=outsider, typed_email="bjorn@example.net")
    path = _file(tmp_path, "Förnamn;E-post\nBjörn;bjorn@example.net\n")
    result = upload_attendance(actor=personas.coordinator_a1, event=event, path=path)
    assert result.ok and result.marked == 1 and result.signed_up == 1
    theirs.refresh_from_db()
    assert theirs.status == S.ATTENDED
    assert not ReviewItem.objects.exists()


def test_only_organisers_upload_and_only_after_the_start(world, personas, tmp_path):
    path = _file(tmp_path, "Förnamn;E-post\nA;a@example.org\n")
    started = timezone.now() - dt.timedelta(hours=1)
    national = EventFactory(
        unit=world.national, starts_at=started, ends_at=started + dt.timedelta(hours=2)
    )
    with pytest.raises(ApplicationError):
        upload_attendance(actor=personas.coordinator_a1, event=national, path=path)
    upcoming = EventFactory(unit=world.group_a1)
    with pytest.raises(ApplicationError):
        upload_attendance(actor=personas.coordinator_a1, event=upcoming, path=path)
    assert not Registration.objects.exists()


def test_an_upload_completes_programmes(world, personas, tmp_path):
    programme = ProgrammeFactory(events_to_complete=1)
    started = timezone.now() - dt.timedelta(days=2)
    event = EventFactory(
        unit=world.group_a1,
        programme=programme,
        starts_at=started,
        ends_at=started + dt.timedelta(hours=2),
    )
    path = _file(tmp_path, f"Förnamn;E-post\nMärta;{world.member_a1.email}\n")
    upload_attendance(actor=personas.coordinator_a1, event=event, path=path)
    completion = ProgrammeCompletion.objects.get(person=world.member_a1, programme=programme)
    assert completion.completed_on == timezone.localdate(started)
    assert completion.event == event


def test_an_upload_is_passed_on_to_the_engagement_ladder(
    world, personas, event, tmp_path, monkeypatch
):
    """The bulk writes send no signals; the upload tells the ladder itself."""
    told: list[int] = []
    monkeypatch.setattr(facts_changed, "send", lambda sender, person_ids: told.extend(person_ids))
    path = _file(tmp_path, f"Förnamn;E-post\nAnna;anna@example.org\nM;{world.member_a1.email}\n")
    upload_attendance(actor=personas.coordinator_a1, event=event, path=path)
    anna = Person.objects.get(email="anna@example.org")
    assert sorted(told) == sorted([anna.pk, world.member_a1.pk])
