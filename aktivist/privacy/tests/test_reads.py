"""Every page that shows a person leaves one audit row per person shown, written inside the
request; the same list read again within ten minutes is not written again; a search leaves
its kind and a keyed hash, never its text."""

from __future__ import annotations

import datetime
import hashlib
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aktivist.core import reads
from aktivist.core.models import AuditEvent
from aktivist.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def people_read(actor, verb):
    return set(
        AuditEvent.objects.filter(actor=actor, verb=verb, person_id__isnull=False).values_list(
            "person_id", flat=True
        )
    )


def rows_of(actor, verb):
    return AuditEvent.objects.filter(actor=actor, verb=verb).count()


@pytest.fixture
def later(monkeypatch):
    """later(minutes): move the clock on (audit rows cannot be back-dated: they are
    immutable)."""
    real_now = timezone.now
    offset = {"minutes": 0}

    def now():
        return real_now() + datetime.timedelta(minutes=offset["minutes"])

    monkeypatch.setattr(timezone, "now", now)

    def move(minutes):
        offset["minutes"] += minutes

    return move


# --- The person page ---------------------------------------------------------------------------


def test_a_person_page_is_recorded_once_per_ten_minutes_per_account(
    world, personas, client_for, later
):
    staff = client_for(personas.staff)
    url = reverse("people:detail", args=[world.member_a1.pk])
    staff.get(url)
    row = AuditEvent.objects.get(actor=personas.staff, verb=reads.PERSON_READ)
    assert (row.person_id, row.object_type, row.object_id) == (
        world.member_a1.pk,
        "people.person",
        str(world.member_a1.pk),
    )
    staff.get(url)
    later(9)
    staff.get(url)
    assert rows_of(personas.staff, reads.PERSON_READ) == 1
    later(2)  # eleven minutes after the first read
    staff.get(url)
    assert rows_of(personas.staff, reads.PERSON_READ) == 2
    # Another account's read is its own.
    client_for(personas.admin).get(url)
    assert rows_of(personas.admin, reads.PERSON_READ) == 1


def test_the_edit_form_is_a_read_of_the_person(world, personas, client_for):
    client_for(personas.district_a).get(reverse("people:edit", args=[world.home_a.pk]))
    assert people_read(personas.district_a, reads.PERSON_READ) == {world.home_a.pk}


def test_a_page_that_answers_404_records_nothing(world, personas, client_for):
    client_for(personas.coordinator_b1).get(reverse("people:detail", args=[world.member_a1.pk]))
    assert not AuditEvent.objects.filter(person_id=world.member_a1.pk).exists()


# --- The people list and its search --------------------------------------------------------------


def test_the_people_list_records_one_row_per_person_shown(world, personas, client_for, later):
    coordinator = client_for(personas.coordinator_a1)
    coordinator.get(reverse("people:list"))
    assert people_read(personas.coordinator_a1, reads.PEOPLE_LIST) == {
        world.member_a1.pk,
        world.role_a1.pk,
    }
    coordinator.get(reverse("people:list"))
    assert rows_of(personas.coordinator_a1, reads.PEOPLE_LIST) == 2
    later(11)
    coordinator.get(reverse("people:list"))
    assert rows_of(personas.coordinator_a1, reads.PEOPLE_LIST) == 4


def test_a_list_read_of_fifty_costs_at_most_two_queries(world, personas, client_for, monkeypatch):
    PersonFactory.create_batch(60)
    staff = client_for(personas.staff)
    url = reverse("people:list")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert staff.get(url).status_code == 200
        return len(captured)

    with monkeypatch.context() as m:
        m.setattr(reads, "record_reads", lambda **kwargs: 0)
        queries()  # warm caches
        without_audit = queries()
    assert not AuditEvent.objects.filter(verb=reads.PEOPLE_LIST).exists()
    with_audit = queries()
    assert rows_of(personas.staff, reads.PEOPLE_LIST) == 50  # one page
    assert with_audit - without_audit <= 2, (with_audit, without_audit)
    # Read again within ten minutes: the same cost, and nothing is written.
    assert queries() - without_audit <= 2
    assert rows_of(personas.staff, reads.PEOPLE_LIST) == 50


def _every_value(row: dict) -> str:
    return json.dumps(row, default=str, ensure_ascii=False).lower()


@pytest.mark.parametrize(
    ("kind", "text_of"),
    [
        ("email", lambda w: w.home_a.email),
        ("name", lambda w: "Hanna Holm"),
        (
            "phone",
            lambda w: (
                "0" + w.home_a.mobile[3:5] + "-" + w.home_a.mobile[5:8] + " " + w.home_a.mobile[8:]
            ),
        ),
        ("member_number", lambda w: "4711"),
    ],
)
def test_a_search_records_its_kind_and_a_keyed_hash_never_the_text(
    kind, text_of, world, personas, client_for, settings
):
    world.home_a.member_number = "4711"
    world.home_a.save(update_fields=["member_number"])
    text = text_of(world)
    client_for(personas.staff).get(reverse("people:list"), {"q": text})

    search = AuditEvent.objects.get(actor=personas.staff, verb=reads.SEARCH)
    assert search.details["kind"] == kind
    assert search.details["hash"] == search.object_id == reads.search_digest(kind, text)
    assert search.details["in"] == reads.PEOPLE_LIST and search.details["shown"] == 1
    # Keyed: not the plain hash of the text, and another key gives another hash.
    plain = hashlib.sha256(reads.normalised_search(kind, text).encode()).hexdigest()
    assert search.object_id != plain
    settings.PRIVACY_HASH_KEY = "another-key"
    assert reads.search_digest(kind, text) != search.object_id
    # The person found carries the search's kind and hash too.
    shown = AuditEvent.objects.get(actor=personas.staff, verb=reads.PEOPLE_LIST)
    assert shown.person_id == world.home_a.pk
    assert shown.details["search"] == {"kind": kind, "hash": search.object_id}
    # The text is in no column of any audit row.
    for row in AuditEvent.objects.values():
        assert text.lower() not in _every_value(row)
        assert reads.normalised_search(kind, text) not in _every_value(row)


def test_a_search_that_finds_no_one_is_still_recorded(world, personas, client_for):
    client_for(personas.staff).get(reverse("people:list"), {"q": "Nobody Nowhere"})
    search = AuditEvent.objects.get(verb=reads.SEARCH)
    assert search.details["kind"] == "name" and search.details["shown"] == 0
    assert not AuditEvent.objects.filter(verb=reads.PEOPLE_LIST).exists()


def test_search_kinds_follow_the_people_search():
    assert reads.search_kind("Anna@Example.org ") == "email"
    assert reads.search_kind("070-123 45 67") == "phone"
    assert reads.search_kind("+46 70 123 45 67") == "phone"
    assert reads.search_kind("12345") == "member_number"
    assert reads.search_kind("Anna Svensson") == "name"
    assert reads.search_kind("   ") is None
    # The same number written two ways is one hash.
    assert reads.search_digest("phone", "070-123 45 67") == reads.search_digest(
        "phone", "+46701234567"
    )


# --- Who records nothing --------------------------------------------------------------------------


def test_system_anonymous_and_board_write_nothing(world, personas):
    from django.contrib.auth.models import AnonymousUser

    ids = [world.member_a1.pk]
    for actor in (None, AnonymousUser(), personas.board):
        assert reads.record_reads(actor=actor, verb=reads.PEOPLE_LIST, person_ids=ids) == 0
    assert not AuditEvent.objects.exists()


def test_folding_is_per_account_verb_and_person_and_exports_are_never_folded(world, personas):
    a, b = world.member_a1.pk, world.role_a1.pk
    staff = personas.staff
    assert reads.record_reads(actor=staff, verb=reads.PEOPLE_LIST, person_ids=[a, a, None]) == 1
    assert reads.record_reads(actor=staff, verb=reads.PEOPLE_LIST, person_ids=[a, b]) == 1
    assert reads.record_reads(actor=staff, verb=reads.PERSON_READ, person_ids=[a]) == 1
    assert reads.record_reads(actor=personas.admin, verb=reads.PEOPLE_LIST, person_ids=[a]) == 1
    for _ in range(2):
        assert reads.record_reads(actor=staff, verb=reads.EXPORT, person_ids=[a, b]) == 2


def test_a_queryset_is_recorded_with_one_insert_select(world, personas):
    from aktivist.people.models import Person

    everyone = Person.objects.filter(is_active=True)
    with CaptureQueriesContext(connection) as captured:
        written = reads.record_reads(
            actor=personas.staff,
            verb=reads.EXPORT,
            person_ids=everyone,
            details={"export": "people.export"},
        )
    assert written == everyone.count() == 7
    assert len(captured) == 1 and captured[0]["sql"].upper().startswith("INSERT INTO")
    row = AuditEvent.objects.filter(verb=reads.EXPORT).first()
    assert row.details == {"export": "people.export"}
    assert row.object_id == str(row.person_id)
    # Through a related model's person_id, folded for a read verb.
    from aktivist.organisation.models import UnitMembership

    memberships = UnitMembership.objects.all()
    first = reads.record_reads(actor=personas.staff, verb=reads.UNIT_READ, person_ids=memberships)
    assert first == memberships.values("person_id").distinct().count()
    assert (
        reads.record_reads(actor=personas.staff, verb=reads.UNIT_READ, person_ids=memberships) == 0
    )


# --- Every other page that shows people ----------------------------------------------------------


def test_an_events_registration_list_and_its_file_are_recorded(world, personas, client_for):
    from aktivist.programmes.tests.factories import EventFactory, RegistrationFactory

    event = EventFactory(unit=world.group_a1)
    RegistrationFactory(event=event, person=world.member_a1)
    RegistrationFactory(event=event, person=world.member_b1, typed_first_name="Björn")
    coordinator = client_for(personas.coordinator_a1)
    coordinator.get(reverse("programmes:event_detail", args=[event.pk]))
    # The organiser sees every registration as typed: both people are recorded.
    assert people_read(personas.coordinator_a1, reads.REGISTRATIONS_READ) == {
        world.member_a1.pk,
        world.member_b1.pk,
    }
    row = AuditEvent.objects.filter(verb=reads.REGISTRATIONS_READ).first()
    assert row.details == {"event": event.pk}

    coordinator.get(reverse("attendance:checkin", args=[event.pk]), {"q": "Märta"})
    assert people_read(personas.coordinator_a1, reads.CHECKIN_READ) == {world.member_a1.pk}
    assert AuditEvent.objects.get(verb=reads.SEARCH).details["in"] == reads.CHECKIN_READ

    response = coordinator.get(reverse("programmes:registrations_csv", args=[event.pk]))
    b"".join(response.streaming_content)
    assert people_read(personas.coordinator_a1, reads.EXPORT) == {
        world.member_a1.pk,
        world.member_b1.pk,
    }
    assert AuditEvent.objects.filter(verb="event.registrations_export").count() == 1


def test_signing_someone_up_records_the_search_and_who_it_found(world, personas, client_for):
    from aktivist.programmes.tests.factories import EventFactory

    event = EventFactory(unit=world.group_a1)
    client_for(personas.staff).get(
        reverse("programmes:registration_add", args=[event.pk]), {"q": "Malm"}
    )
    assert people_read(personas.staff, reads.ADD_SEARCH) == {world.member_a1.pk}
    assert AuditEvent.objects.get(verb=reads.SEARCH).details["kind"] == "name"


def test_a_segments_sample_is_recorded(world, personas, client_for):
    from aktivist.mobilization.tests.factories import SegmentFactory

    segment = SegmentFactory(
        tree={"condition": "unit_subtree", "value": {"unit": world.group_a1.pk}}
    )
    response = client_for(personas.staff).get(reverse("segments:detail", args=[segment.pk]))
    shown = {p.pk for p in response.context["sample"]}
    assert shown
    assert people_read(personas.staff, reads.SEGMENT_PREVIEW) == shown
    row = AuditEvent.objects.filter(verb=reads.SEGMENT_PREVIEW).first()
    assert row.details == {"segment": segment.pk}


def test_previewing_a_message_as_someone_is_recorded(world, personas, client_for):
    client_for(personas.staff).post(
        reverse("mobilization:message_preview"),
        {
            "name": "Höst",
            "purpose": "campaigns",
            "subject_sv": "Hej",
            "body_sv": "Hej {{ first_name }}",
            "preview_as": "Märta",
        },
    )
    assert people_read(personas.staff, reads.PREVIEW_AS) == {world.member_a1.pk}
    search = AuditEvent.objects.get(verb=reads.SEARCH)
    assert search.details["in"] == reads.PREVIEW_AS
    assert "märta" not in _every_value(AuditEvent.objects.filter(pk=search.pk).values()[0])


def test_a_people_export_writes_a_row_per_person_besides_its_count(world, personas, client_for):
    response = client_for(personas.district_a).post(
        reverse("people:export"), {"columns": ["first_name", "email"], "format": "csv"}
    )
    b"".join(response.streaming_content)
    summary = AuditEvent.objects.get(verb="people.export")
    assert summary.person_id is None and summary.details["rows"] == 5
    assert people_read(personas.district_a, reads.EXPORT) == {
        world.member_a1.pk,
        world.former_member_a1.pk,
        world.role_a1.pk,
        world.member_a2.pk,
        world.home_a.pk,
    }


def test_an_actions_participants_and_their_file_are_recorded(world, personas, client_for):
    from aktivist.campaigns.tests.factories import (
        ActionFactory,
        CampaignFactory,
        ParticipationFactory,
    )

    action = ActionFactory(campaign=CampaignFactory(scope="national", unit=world.national))
    ParticipationFactory(action=action, person=world.member_a1)
    ParticipationFactory(action=action, person=world.member_b1)
    coordinator = client_for(personas.coordinator_a1)
    coordinator.get(reverse("campaigns:action_detail", args=[action.pk]))
    assert people_read(personas.coordinator_a1, reads.PARTICIPANTS_READ) == {world.member_a1.pk}
    response = coordinator.post(reverse("campaigns:participants_export", args=[action.pk]))
    b"".join(response.streaming_content)
    assert people_read(personas.coordinator_a1, reads.EXPORT) == {world.member_a1.pk}


def test_unit_alumni_and_start_pages_are_recorded(world, personas, client_for):
    from aktivist.organisation.models import Role

    district = client_for(personas.district_a)
    district.get(reverse("organisation:unit_detail", args=[world.group_a1.pk]))
    assert people_read(personas.district_a, reads.UNIT_READ) == {
        world.member_a1.pk,
        world.role_a1.pk,
    }
    Role.objects.filter(person=world.role_a1).update(ended_on=datetime.date(2025, 1, 1))
    district.get(reverse("alumni:list"))
    assert people_read(personas.district_a, reads.ALUMNI_READ) == {world.role_a1.pk}
    district.get(reverse("staff:start"))
    # The start page's newest people in the district.
    assert world.home_a.pk in people_read(personas.district_a, reads.START_READ)
    assert world.member_b1.pk not in people_read(personas.district_a, reads.START_READ)


def test_the_secretariats_queues_are_recorded(world, personas, client_for):
    from aktivist.imports.models import DuplicateCandidate
    from aktivist.people.models import ReviewItem

    pair = DuplicateCandidate.objects.create(
        person_a=world.home_a, person_b=world.home_b, score=0.9, reason="name"
    )
    ReviewItem.objects.create(
        kind="person_create",
        matched_person=world.member_b1,
        submitted_by=personas.district_a,
        payload={"first_name": "Björn"},
    )
    staff = client_for(personas.staff)
    staff.get(reverse("imports:duplicate_list"))
    staff.get(reverse("imports:duplicate_detail", args=[pair.pk]))
    assert people_read(personas.staff, reads.DUPLICATES_READ) == {world.home_a.pk, world.home_b.pk}
    staff.get(reverse("people:review_list"))
    assert people_read(personas.staff, reads.REVIEW_READ) == {world.member_b1.pk}
