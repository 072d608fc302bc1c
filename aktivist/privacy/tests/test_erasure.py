"""The erasure service (aktivist/privacy/erasure.py): who may erase, what the tombstone keeps,
the audit, batches of a fixed number of statements, and erased identities held when they
come back through staff or an import but not through the person's own signature."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from aktivist.campaigns.signing import clean_signature, sign
from aktivist.campaigns.tests.factories import ActionFactory, ParticipationFactory
from aktivist.core.exceptions import ApplicationError
from aktivist.core.models import AuditEvent
from aktivist.core.registries import erasure_registry
from aktivist.engagement.models import EngagementLevel, EngagementSnapshot, Level
from aktivist.imports.matcher import _HELD_REASON
from aktivist.imports.models import ImportIssue
from aktivist.imports.tests.import_helpers import counts, import_file, write_csv
from aktivist.mobilization.tests.factories import DeliveryFactory, SuppressionFactory, hash_of
from aktivist.organisation.models import Unit
from aktivist.organisation.selectors import alumni
from aktivist.organisation.tests.factories import RoleFactory, UnitFactory, UnitMembershipFactory
from aktivist.people.follow_ups import my_open_follow_ups
from aktivist.people.models import Person, ReviewItem
from aktivist.people.selectors import filter_people
from aktivist.people.services import HeldForReview, person_create, review_apply
from aktivist.people.tests.factories import (
    ConsentFactory,
    InteractionFactory,
    PersonFactory,
    TagFactory,
)
from aktivist.privacy import erasure, identities
from aktivist.privacy.models import DataSubjectRequest, ErasedIdentity
from aktivist.privacy.tests.erasure_helpers import birth_year_for_age
from aktivist.programmes.selectors import registrations_visible_to
from aktivist.programmes.tests.factories import (
    ProgrammeCompletionFactory,
    RegistrationFactory,
)

EMAIL = "ebba.stjarnqvist@example.org"
MOBILE = "+46731234567"


def _someone(**fields: Any) -> Any:
    return PersonFactory(
        first_name="Ebba",
        last_name="Stjärnqvist",
        email=EMAIL,
        mobile=MOBILE,
        member_number="S-4242",
        **fields,
    )


def _fill(person: Person, staff: Any) -> None:
    """A row in most stores (no import files): the same for every person."""
    person.tags.add(TagFactory(name="Volontär"))
    ConsentFactory(person=person)
    InteractionFactory(person=person, follow_up_owner=staff, follow_up_due=timezone.localdate())
    UnitMembershipFactory(person=person)
    RoleFactory(person=person)
    ParticipationFactory(person=person, letter_text="Mitt brev")
    RegistrationFactory(person=person, typed_first_name="X", typed_email=person.email)
    ProgrammeCompletionFactory(person=person)
    EngagementLevel.objects.create(person=person, level=Level.ACTED, computed_at=timezone.now())
    EngagementSnapshot.objects.create(person=person, month=dt.date(2026, 1, 1), level=Level.ACTED)
    DeliveryFactory(person=person)
    SuppressionFactory(person=person, address=person.email, address_hash=hash_of(person.email))
    ReviewItem.objects.create(kind=ReviewItem.Kind.PERSON_CREATE, matched_person=person)
    AccessAttempt.objects.create(
        username=person.email,
        ip_address="10.0.0.1",
        user_agent="x",
        http_accept="*/*",
        path_info="/",
        get_data="",
        post_data="",
        failures_since_start=1,
    )


# --- Who may erase ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["district_a", "coordinator_a1", "board", "dpo"])
def test_only_the_secretariat_may_erase(personas, world, persona):
    with pytest.raises(PermissionDenied):
        erasure.person_erase(
            actor=getattr(personas, persona), person=world.member_a1, reason="request"
        )
    world.member_a1.refresh_from_db()
    assert world.member_a1.is_active and world.member_a1.first_name == "Märta"


@pytest.mark.parametrize("actor", ["admin", "staff", None])
def test_the_secretariat_and_the_retention_rules_erase(personas, world, actor):
    reason = "not_needed" if actor else "retention:people_inactive_non_members"
    erasure.people_erase(
        actor=getattr(personas, actor) if actor else None,
        person_ids=[world.member_a1.pk],
        reason=reason,
    )
    assert not Person.objects.get(pk=world.member_a1.pk).is_active


@pytest.mark.parametrize("reason", ["", "because she asked", "retention:no_such_rule"])
def test_the_reason_is_one_of_the_known_kinds(personas, world, reason):
    with pytest.raises(ApplicationError):
        erasure.person_erase(actor=personas.admin, person=world.member_a1, reason=reason)
    assert Person.objects.get(pk=world.member_a1.pk).is_active


# --- The tombstone and the audit ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "bracket"),
    [(None, ""), (12, ""), (13, "13-17"), (25, "18-25"), (26, "26-39"), (64, "40-64"), (65, "65+")],
)
def test_the_tombstone_keeps_the_age_bracket_never_the_birth_year(personas, age, bracket):
    person = _someone(birth_year=None if age is None else birth_year_for_age(age))
    erasure.person_erase(actor=personas.admin, person=person, reason="request")
    person.refresh_from_db()
    assert (person.birth_year, person.erased_age_bracket) == (None, bracket)


def test_the_tombstone_keeps_the_district_its_home_unit_lies_in(personas, world):
    in_group = _someone(home_unit=world.group_b1)
    national = PersonFactory(home_unit=world.national)
    nowhere = PersonFactory(home_unit=None)
    erasure.people_erase(
        actor=personas.admin, person_ids=[in_group.pk, national.pk, nowhere.pk], reason="request"
    )
    homes = dict(Person.objects.values_list("pk", "home_unit_id"))
    assert homes[in_group.pk] == world.district_b.pk
    assert homes[national.pk] is None and homes[nowhere.pk] is None


def test_each_erasure_is_audited_by_reason_and_request_without_personal_values(personas, world):
    person = _someone(home_unit=world.district_a)
    request = DataSubjectRequest.objects.create(
        kind=DataSubjectRequest.Kind.ERASURE,
        channel=DataSubjectRequest.Channel.LETTER,
        status=DataSubjectRequest.Status.IDENTITY_CHECKED,
        received_on=timezone.localdate(),
        due_on=timezone.localdate() + dt.timedelta(days=30),
        person=person,
        requester_name="Ebba Stjärnqvist",
    )

    erasure.person_erase(actor=personas.staff, person=person, reason="request", request=request)

    event = AuditEvent.objects.get(verb=erasure.VERB)
    assert (event.actor, event.person_id, event.object_id) == (
        personas.staff,
        person.pk,
        str(person.pk),
    )
    assert event.details == {"reason": "request", "request": request.pk}
    request.refresh_from_db()
    assert request.status == DataSubjectRequest.Status.FULFILLED
    assert request.person_id == person.pk  # the request stays linked to the tombstone


def test_an_unchecked_or_foreign_request_cannot_be_fulfilled_by_erasing(personas, world):
    person = _someone()
    received = DataSubjectRequest.objects.create(
        kind=DataSubjectRequest.Kind.ERASURE,
        channel=DataSubjectRequest.Channel.EMAIL,
        received_on=timezone.localdate(),
        due_on=timezone.localdate() + dt.timedelta(days=30),
        person=person,
    )
    with pytest.raises(ApplicationError):
        erasure.person_erase(
            actor=personas.admin, person=person, reason="request", request=received
        )
    received.person = world.member_a1
    received.status = DataSubjectRequest.Status.IDENTITY_CHECKED
    received.save()
    with pytest.raises(ApplicationError):
        erasure.person_erase(
            actor=personas.admin, person=person, reason="request", request=received
        )
    assert Person.objects.get(pk=person.pk).is_active


def test_erasing_someone_erased_before_does_nothing_again(personas):
    person = _someone()
    first = erasure.person_erase(actor=personas.admin, person=person, reason="request")
    again = erasure.person_erase(actor=personas.admin, person=person, reason="request")
    assert (first.erased, again.erased, again.skipped) == (1, 0, 1)
    assert AuditEvent.objects.filter(verb=erasure.VERB).count() == 1


# --- Set-based, in batches ------------------------------------------------------------------------


def test_a_batch_costs_as_many_statements_for_one_person_as_for_many(personas):
    one = [PersonFactory()]
    many = [PersonFactory() for _ in range(6)]
    for person in [*one, *many]:
        _fill(person, personas.staff)
    assert erasure.may_erase(personas.admin)  # (the account's scope is read once, and kept)

    with CaptureQueriesContext(connection) as for_one:
        erasure.people_erase(actor=personas.admin, person_ids=[p.pk for p in one], reason="request")
    with CaptureQueriesContext(connection) as for_many:
        erasure.people_erase(
            actor=personas.admin, person_ids=[p.pk for p in many], reason="request"
        )

    assert len(for_many) == len(for_one)
    assert not Person.objects.filter(pk__in=[p.pk for p in many], is_active=True).exists()


def test_batches_commit_one_by_one_and_a_rerun_resumes(personas, monkeypatch):
    people = [PersonFactory() for _ in range(5)]
    ids = sorted(p.pk for p in people)
    calls = {"n": 0}
    real = erasure_registry[ImportIssue]

    def fails_in_the_second_batch(person_ids: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("the database went away")
        real(person_ids)

    monkeypatch.setitem(erasure_registry, ImportIssue, fails_in_the_second_batch)
    with pytest.raises(RuntimeError):
        erasure.people_erase(actor=None, person_ids=ids, reason="request", batch_size=2)
    erased = set(Person.objects.filter(is_active=False).values_list("pk", flat=True))
    assert erased == set(ids[:2])  # the first batch is done, the second rolled back

    result = erasure.people_erase(actor=None, person_ids=ids, reason="request", batch_size=2)
    assert (result.erased, result.skipped, result.batches, result.last_id) == (3, 2, 3, ids[-1])
    assert not Person.objects.filter(pk__in=ids, is_active=True).exists()


# --- What goes --------------------------------------------------------------------------------


def test_her_follow_ups_disappear_from_their_owners_start_page(personas, world, client_for):
    person = _someone(home_unit=world.district_a)
    InteractionFactory(
        person=person,
        text="Ring tillbaka",
        follow_up_owner=personas.staff,
        follow_up_due=timezone.localdate(),
    )
    assert len(my_open_follow_ups(personas.staff)) == 1

    erasure.person_erase(actor=personas.admin, person=person, reason="request")

    assert my_open_follow_ups(personas.staff) == []
    page = client_for(personas.staff).get(reverse("staff:start")).content.decode()
    assert "Ring tillbaka" not in page and "Ebba" not in page


def test_alumni_segments_new_sends_and_event_lists_leave_the_tombstone_out(personas, world):
    person = _someone(home_unit=world.district_a, language="sv")
    RoleFactory(person=person, unit=world.group_a1)  # ends at erasure: an alumnus-to-be
    registration = RegistrationFactory(person=person, typed_first_name="Ebba", typed_email=EMAIL)
    sv = {"condition": "language", "value": "sv"}
    assert person in filter_people(personas.admin, sv)

    erasure.person_erase(actor=personas.admin, person=person, reason="request")

    assert not alumni(personas.admin).filter(person=person).exists()
    # The tombstone's language is Swedish, yet no segment (and so no mobilization) finds it.
    assert not filter_people(personas.admin, sv).filter(pk=person.pk).exists()
    assert not registrations_visible_to(personas.admin, registration.event).exists()


def test_a_school_loses_her_as_contact_and_an_unlinked_suppression_its_address(personas, world):
    person = _someone()
    school = UnitFactory(kind=Unit.Kind.SCHOOL_GROUP, contact_person=person)
    sms_stop = SuppressionFactory(
        person=None, channel="sms", address=MOBILE, address_hash=hash_of(MOBILE)
    )
    other = SuppressionFactory(person=None)

    erasure.person_erase(actor=personas.admin, person=person, reason="request")

    school.refresh_from_db()
    sms_stop.refresh_from_db()
    other.refresh_from_db()
    assert school.contact_person is None
    assert (sms_stop.address, sms_stop.address_hash) == ("", hash_of(MOBILE))
    assert other.address != ""


# --- Erased identities ------------------------------------------------------------------------


def test_only_keyed_hashes_of_her_keys_are_kept(personas, settings):
    person = _someone()
    erasure.person_erase(actor=personas.admin, person=person, reason="request")

    rows = set(ErasedIdentity.objects.values_list("kind", "digest", "erased_on"))
    today = timezone.localdate()
    assert rows == {
        ("email", identities.digest("email", EMAIL), today),
        ("mobile", identities.digest("mobile", MOBILE), today),
        ("member_number", identities.digest("member_number", "S-4242"), today),
    }
    # The address as someone types it again finds the same hash …
    assert identities.digest("email", f"  {EMAIL.upper()} ") == identities.digest("email", EMAIL)
    # … and the hash is keyed with PRIVACY_HASH_KEY: another key gives another hash.
    settings.PRIVACY_HASH_KEY = "another key"
    assert identities.digest("email", EMAIL) not in {digest for _k, digest, _d in rows}


def test_a_staff_create_of_an_erased_person_is_held_with_the_day(personas):
    erasure.person_erase(actor=personas.admin, person=_someone(), reason="request")

    with pytest.raises(HeldForReview) as held:
        person_create(actor=personas.staff, data={"first_name": "Ebba", "email": EMAIL.upper()})

    day = timezone.localdate().isoformat()
    assert held.value.message == f"Erased on {day}: held for review"
    item = held.value.review_item
    assert (item.kind, item.matched_person, item.payload["erased_on"]) == (
        ReviewItem.Kind.ERASED_IDENTITY,
        None,
        day,
    )
    assert not Person.objects.filter(email=EMAIL).exists()


def test_a_district_representative_is_told_only_that_it_is_held(personas, world):
    erasure.person_erase(actor=personas.admin, person=_someone(), reason="request")

    with pytest.raises(HeldForReview) as held:
        person_create(
            actor=personas.district_a,
            data={"first_name": "Ebba", "mobile": "073-123 45 67"},
            unit=world.group_a1,
        )

    assert held.value.message == "Held for review by the secretariat."
    assert held.value.review_item.payload["erased_on"] == timezone.localdate().isoformat()


def test_the_secretariat_applies_the_hold_and_she_is_registered_anew(personas, world):
    erasure.person_erase(actor=personas.admin, person=_someone(), reason="request")
    with pytest.raises(HeldForReview) as held:
        person_create(
            actor=personas.district_a,
            data={"first_name": "Ebba", "email": EMAIL},
            unit=world.group_a1,
        )

    review_apply(actor=personas.admin, item=held.value.review_item)

    again = Person.objects.get(email=EMAIL)
    assert again.is_active and again.unit_memberships.get().unit == world.group_a1
    item = ReviewItem.objects.get(pk=held.value.review_item.pk)
    assert (item.status, item.matched_person) == (ReviewItem.Status.APPLIED, again)


def test_the_review_queue_says_when_she_was_erased(personas, client_for):
    erasure.person_erase(actor=personas.admin, person=_someone(), reason="request")
    with pytest.raises(HeldForReview):
        person_create(actor=personas.staff, data={"first_name": "Ebba", "email": EMAIL})

    page = client_for(personas.admin).get(reverse("people:review_list")).content.decode()
    assert f"Erased on {timezone.localdate().isoformat()}: held for review" in page


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


def test_an_import_row_of_an_erased_person_is_held_with_the_day(personas, media_root):
    erasure.person_erase(actor=personas.admin, person=_someone(), reason="request")
    path = write_csv(
        media_root,
        [
            ("Ebba", "S", EMAIL, "", "", ""),
            ("Ebba", "S", "", "0731234567", "", ""),
            ("Nils", "Nyman", "nils@example.org", "", "", ""),
        ],
    )

    personas.staff.language = "en"  # the importer reads the reasons in English
    personas.staff.save(update_fields=["language"])
    with CaptureQueriesContext(connection) as queries:
        batch = import_file(personas.staff, path)

    assert counts(batch) == {"created": 1, "updated": 0, "unchanged": 0, "refused": 0, "held": 2}
    day = timezone.localdate().isoformat()
    reasons = set(
        ImportIssue.objects.filter(batch=batch, kind="held").values_list("reason", flat=True)
    )
    assert reasons == {f"Erased on {day}: held for review"}
    items = ReviewItem.objects.filter(kind=ReviewItem.Kind.ERASED_IDENTITY)
    assert [(i.matched_person_id, i.payload["erased_on"]) for i in items] == [(None, day)] * 2
    lookups = [q for q in queries if "privacy_erasedidentity" in q["sql"]]
    # For the chunk's keys: whether anyone was ever erased, then the keys themselves.
    assert len(lookups) == 2
    assert not Person.objects.filter(email=EMAIL).exists()


def test_a_scoped_importer_is_told_only_that_the_row_is_held(personas, world, media_root):
    erasure.person_erase(actor=personas.admin, person=_someone(), reason="request")
    path = write_csv(media_root, [("Ebba", "S", EMAIL, "", "", "")])
    batch = import_file(personas.district_a, path, options={"unit": world.group_a1.pk})
    issue = ImportIssue.objects.get(batch=batch)
    with translation.override("sv"):  # the batch's language
        assert (issue.kind, issue.reason) == ("held", _HELD_REASON())
    assert ReviewItem.objects.get().payload["erased_on"] == timezone.localdate().isoformat()


def test_her_own_signature_is_a_new_basis_and_creates_a_new_person(personas):
    erased = _someone()
    erasure.person_erase(actor=personas.admin, person=erased, reason="request")
    action = ActionFactory()

    result = sign(
        action=action,
        signature=clean_signature(
            {"first_name": "Ebba", "last_name": "Stjärnqvist", "email": EMAIL, "birth_year": 1990}
        ),
        source="web",
    )

    assert result.person_id != erased.pk
    again = Person.objects.get(pk=result.person_id)
    assert again.email == EMAIL and again.is_active
    assert Person.objects.get(pk=erased.pk).email is None


def test_an_address_someone_holds_again_is_matched_not_held(personas, media_root):
    erasure.person_erase(actor=personas.admin, person=_someone(), reason="request")
    returned = PersonFactory(first_name="Ebba", last_name="", email=EMAIL, mobile=None)
    path = write_csv(media_root, [("Ebba", "Stjärnqvist", EMAIL, "", "", "")])

    batch = import_file(personas.staff, path)

    assert counts(batch)["held"] == 0
    returned.refresh_from_db()
    assert returned.last_name == "Stjärnqvist"


def test_an_import_hashes_nothing_while_no_one_was_ever_erased(
    personas, tmp_path, settings, monkeypatch
):
    """The keyed lookup costs one tiny query per chunk until the first erasure."""
    from aktivist.privacy import identities

    settings.MEDIA_ROOT = str(tmp_path / "media")
    hashed: list[str] = []
    real = identities.digest

    def counting(kind: str, value: object) -> str:
        hashed.append(kind)
        return real(kind, value)

    monkeypatch.setattr(identities, "digest", counting)
    path = write_csv(tmp_path, [("Nils", "Nyman", "nils@example.org", "", "", "")])
    with CaptureQueriesContext(connection) as queries:
        batch = import_file(personas.staff, path)
    assert counts(batch)["created"] == 1
    assert hashed == []
    lookups = [q for q in queries if "privacy_erasedidentity" in q["sql"]]
    assert len(lookups) == 1
