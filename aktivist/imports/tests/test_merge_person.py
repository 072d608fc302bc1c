"""person_merge: every row that points to the dropped person moves to the kept one (each
model's rule settles unique collisions), the chosen values are kept, the merge is recorded
and audited, and the dropped person is gone. The first test builds every kind of related
row there is: a new model pointing to Person fails it until the test is taught about it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from aktivist.accounts.models import User
from aktivist.accounts.tests.factories import UserFactory
from aktivist.campaigns.models import Participation
from aktivist.campaigns.tests.factories import ActionFactory, ParticipationFactory
from aktivist.core.exceptions import ApplicationError
from aktivist.core.models import AuditEvent
from aktivist.core.registries import merge_registry, models_pointing_to
from aktivist.engagement.models import EngagementLevel, EngagementSnapshot, Level
from aktivist.imports.duplicate_review import person_merge
from aktivist.imports.models import DuplicateCandidate, PersonMerge
from aktivist.mobilization.models import Delivery
from aktivist.mobilization.tests.factories import (
    DeliveryFactory,
    MobilizationFactory,
    SuppressionFactory,
)
from aktivist.organisation.models import Role, Unit, UnitMembership
from aktivist.organisation.tests.factories import (
    RoleFactory,
    UnitFactory,
    UnitMembershipFactory,
)
from aktivist.people.models import Consent, Interaction, Person, ReviewItem, Tagging
from aktivist.people.tests.factories import (
    ConsentFactory,
    InteractionFactory,
    PersonFactory,
    TagFactory,
)
from aktivist.privacy.models import DataSubjectRequest
from aktivist.programmes.models import ProgrammeCompletion, Registration
from aktivist.programmes.tests.factories import (
    EventFactory,
    ProgrammeCompletionFactory,
    ProgrammeFactory,
    RegistrationFactory,
)

EARLY = dt.date(2012, 3, 1)


def _person_fields(model: type) -> list[str]:
    return [
        f.name
        for f in model._meta.get_fields(include_hidden=True)
        if f.is_relation and f.concrete and f.related_model is Person
    ]


def _rows(model: type, person: Person) -> int:
    return sum(
        model._default_manager.filter(**{name: person}).count() for name in _person_fields(model)
    )


def _pair(a: Person, b: Person, reason: str = "similar_name") -> DuplicateCandidate:
    low, high = sorted((a, b), key=lambda p: p.pk)
    return DuplicateCandidate.objects.create(person_a=low, person_b=high, reason=reason, score=80)


@pytest.fixture
def two(world):
    """Two records of one woman, each with every kind of related row, some of which collide."""
    keep = PersonFactory(
        first_name="Lina",
        last_name="Sjöberg",
        email="lina.sjoberg@example.org",
        mobile=None,
        postcode="21145",
        membership_status=Person.MembershipStatus.NON_MEMBER,
    )
    drop = PersonFactory(
        first_name="Linnea",
        last_name="Sjöberg",
        email="linnea.sjoberg@example.org",
        mobile="+46701112233",
        postcode="",
        birth_year=1991,
        membership_status=Person.MembershipStatus.MEMBER,
        member_since=EARLY,
        member_number="7001234",
    )
    shared_tag, own_tag = TagFactory(name="Volontär"), TagFactory(name="Skolkontakt")
    # people.Tagging: the same tag on both collides → one tagging.
    Tagging.objects.create(person=keep, tag=shared_tag)
    Tagging.objects.create(person=drop, tag=shared_tag)
    Tagging.objects.create(person=drop, tag=own_tag)
    # people.Consent: email/campaigns on both collides → the withdrawal wins.
    ConsentFactory(person=keep, status=Consent.Status.CONFIRMED, confirmed_at=timezone.now())
    ConsentFactory(person=drop, status=Consent.Status.WITHDRAWN, withdrawn_at=timezone.now())
    ConsentFactory(
        person=drop,
        channel=Consent.Channel.SMS,
        purpose=Consent.Purpose.RAPID_RESPONSE,
        status=Consent.Status.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    # people.Interaction
    InteractionFactory(person=keep)
    InteractionFactory(person=drop)
    InteractionFactory(person=drop, kind=Interaction.Kind.CALL)
    # organisation.UnitMembership: a current membership of the same unit on both → one.
    UnitMembershipFactory(person=keep, unit=world.group_a1)
    UnitMembershipFactory(person=drop, unit=world.group_a1)
    UnitMembershipFactory(
        person=drop, unit=world.group_a2, started_on=dt.date(2010, 1, 1), ended_on=EARLY
    )
    # organisation.Role: the same current role on both → one; an ended one moves.
    role = RoleFactory(person=keep, unit=world.group_a1)
    RoleFactory(person=drop, unit=world.group_a1, role_type=role.role_type)
    RoleFactory(person=drop, unit=world.group_a2, ended_on=dt.date(2024, 6, 30))
    # people.ReviewItem
    ReviewItem.objects.create(kind=ReviewItem.Kind.PERSON_CREATE, matched_person=drop, payload={})
    # accounts.User: drop's staff account moves (keep has none).
    UserFactory(person=drop, access_role=User.AccessRole.COORDINATOR)
    # imports.DuplicateCandidate: the pair itself goes; drop's pair with a third is re-pointed.
    third = PersonFactory(first_name="Lina", last_name="Sjöberg-Ek")
    pair = _pair(keep, drop)
    _pair(drop, third)
    # imports.PersonMerge: drop was kept in an earlier merge; that record moves.
    PersonMerge.objects.create(kept=drop, dropped_person_id=999_999, fields_from_dropped=[])
    # campaigns.Participation: both signed one petition → the earlier signature stays; drop's
    # other participation moves.
    petition = ActionFactory(slug="gemensam-namninsamling")
    ParticipationFactory(person=keep, action=petition, source=Participation.Source.WEB)
    earlier = ParticipationFactory(person=drop, action=petition, source=Participation.Source.EMBED)
    Participation.objects.filter(pk=earlier.pk).update(
        created_at=timezone.now() - dt.timedelta(days=3)
    )
    ParticipationFactory(person=drop)
    # programmes.Registration: both signed up for one training → the better status
    # (drop attended) stays; drop's other registration moves.
    training = EventFactory(slug="gemensam-utbildning", unit=world.district_a)
    RegistrationFactory(person=keep, event=training, status=Registration.Status.REGISTERED)
    RegistrationFactory(person=drop, event=training, status=Registration.Status.ATTENDED)
    RegistrationFactory(person=drop, status=Registration.Status.NO_SHOW)
    # programmes.ProgrammeCompletion: both completed one programme → the earlier stays.
    leadership = ProgrammeFactory(name="Ledarskapsprogrammet")
    ProgrammeCompletionFactory(person=keep, programme=leadership, completed_on=EARLY)
    ProgrammeCompletionFactory(person=drop, programme=leadership, completed_on=dt.date(2020, 1, 1))
    ProgrammeCompletionFactory(person=drop)
    # organisation.Unit (contact_person): drop is a school group's contact → keep is.
    UnitFactory(
        name="Skolgrupp Katedralskolan",
        kind=Unit.Kind.SCHOOL_GROUP,
        parent=world.district_a,
        school_name="Katedralskolan",
        contact_person=drop,
    )
    # engagement.EngagementLevel: one per person → one stays (recomputed after commit).
    now = timezone.now()
    EngagementLevel.objects.create(person=keep, level=Level.ACTED, computed_at=now)
    EngagementLevel.objects.create(person=drop, level=Level.HOLDS_ROLE, computed_at=now)
    # engagement.EngagementSnapshot: one per person and month → one for the shared month.
    month = dt.date(2026, 1, 1)
    EngagementSnapshot.objects.create(person=keep, month=month, level=Level.ACTED)
    EngagementSnapshot.objects.create(person=drop, month=month, level=Level.HOLDS_ROLE)
    EngagementSnapshot.objects.create(person=drop, month=dt.date(2025, 12, 1), level=Level.TRAINED)
    # mobilization.Delivery: one per person and mobilization → the one that got further
    # stays (drop's sent one); the other is kept for the counts, detached.
    shared = MobilizationFactory(name="Gemensamt utskick")
    DeliveryFactory(mobilization=shared, person=keep, status="pending", sent_at=None)
    DeliveryFactory(mobilization=shared, person=drop, status="sent")
    DeliveryFactory(person=drop, status="sent")
    # mobilization.Suppression: moved to the kept person.
    SuppressionFactory(person=drop, address=drop.email, reason="unsubscribed")
    # privacy.DataSubjectRequest: drop's request moves to the kept person.
    DataSubjectRequest.objects.create(
        kind=DataSubjectRequest.Kind.ACCESS,
        channel=DataSubjectRequest.Channel.EMAIL,
        received_on=dt.date(2026, 11, 2),
        due_on=dt.date(2026, 12, 2),
        person=drop,
    )
    return keep, drop, third, pair


# Rows lost by design when both people have the same thing: model label → rows.
COLLISIONS = {
    "people.Tagging": 1,
    "people.Consent": 1,
    "organisation.UnitMembership": 1,
    "organisation.Role": 1,
    "imports.DuplicateCandidate": 2,  # the merged pair itself, counted once for each person
    "campaigns.Participation": 1,
    "programmes.Registration": 1,
    "programmes.ProgrammeCompletion": 1,
    "engagement.EngagementLevel": 1,
    "engagement.EngagementSnapshot": 1,
    "mobilization.Delivery": 1,
}
# Rows the merge adds: its own record.
ADDED = {"imports.PersonMerge": 1}


def test_merge_moves_every_related_row_and_loses_nothing(personas, two):
    keep, drop, third, pair = two
    pointing = models_pointing_to(Person)
    missing = [m._meta.label for m in pointing if _rows(m, drop) == 0]
    assert not missing, f"teach this test to build rows of {missing} (and check their rule)"
    assert set(pointing) <= set(merge_registry)
    before = {m._meta.label: _rows(m, keep) + _rows(m, drop) for m in pointing}
    drop_id = drop.pk

    kept = person_merge(
        actor=personas.staff,
        keep=keep,
        drop=drop,
        values={"first_name": drop.first_name, "email": drop.email},
    )

    assert not Person.objects.filter(pk=drop_id).exists()
    for model in pointing:
        label = model._meta.label
        expected = before[label] - COLLISIONS.get(label, 0) + ADDED.get(label, 0)
        assert _rows(model, kept) == expected, label
    # Each model's collision rule
    assert set(kept.tags.values_list("name", flat=True)) == {"Volontär", "Skolkontakt"}
    email_consent = kept.consents.get(channel=Consent.Channel.EMAIL)
    assert email_consent.status == Consent.Status.WITHDRAWN  # never contact against a "no"
    assert kept.consents.filter(channel=Consent.Channel.SMS).exists()
    assert UnitMembership.objects.filter(person=kept, ended_on__isnull=True).count() == 1
    assert Role.objects.filter(person=kept, ended_on__isnull=True).count() == 1
    assert User.objects.get(person=kept).access_role == User.AccessRole.COORDINATOR
    assert ReviewItem.objects.get().matched_person == kept
    shared = Participation.objects.get(action__slug="gemensam-namninsamling")
    assert shared.person == kept and shared.source == Participation.Source.EMBED  # the earlier
    registration = Registration.objects.get(event__slug="gemensam-utbildning")
    assert registration.person == kept
    assert registration.status == Registration.Status.ATTENDED  # the better status
    completion = ProgrammeCompletion.objects.get(programme__name="Ledarskapsprogrammet")
    assert (completion.person, completion.completed_on) == (kept, EARLY)  # the earlier
    assert Unit.objects.get(school_name="Katedralskolan").contact_person == kept
    shared_delivery = Delivery.objects.get(mobilization__name="Gemensamt utskick", person=kept)
    assert shared_delivery.status == Delivery.Status.SENT  # what was sent is never forgotten
    detached = Delivery.objects.get(mobilization__name="Gemensamt utskick", person=None)
    assert detached.status == Delivery.Status.CANCELLED  # and it will not be sent again
    assert not DuplicateCandidate.objects.filter(pk=pair.pk).exists()
    moved = DuplicateCandidate.objects.get()
    assert {moved.person_a_id, moved.person_b_id} == {kept.pk, third.pk}
    assert moved.person_a_id < moved.person_b_id
    # Chosen values, filled gaps and the stronger membership with the earlier date
    assert kept.first_name == "Linnea"
    assert kept.email == "linnea.sjoberg@example.org"
    assert kept.mobile == "+46701112233"
    assert kept.birth_year == 1990  # both had one: the kept person's stays
    assert kept.postcode == "21145"  # drop had none
    assert kept.membership_status == Person.MembershipStatus.MEMBER
    assert kept.member_since == EARLY
    assert kept.member_number == "7001234"
    # Recorded and audited, with ids and field names only
    record = PersonMerge.objects.get(dropped_person_id=drop_id)
    assert record.kept == kept and record.actor == personas.staff
    assert set(record.fields_from_dropped) == {
        "first_name",
        "email",
        "mobile",
        "membership_status",
        "member_since",
        "member_number",
    }
    event = AuditEvent.objects.get(verb="person.merge")
    assert event.actor == personas.staff and event.person_id == kept.pk
    assert event.details["dropped_person_id"] == drop_id
    assert event.details["candidate_ids"] == [pair.pk]
    text = json.dumps(event.details)
    assert "linnea" not in text.lower() and "+4670" not in text


def test_identity_values_change_hands_without_a_unique_collision(personas, world):
    keep = PersonFactory(email="a@example.org", mobile="+46701000001", member_number="1")
    drop = PersonFactory(email="b@example.org", mobile="+46701000002", member_number="2")
    kept = person_merge(
        actor=personas.admin,
        keep=keep,
        drop=drop,
        values={"email": "b@example.org", "mobile": "+46701000002", "member_number": "2"},
    )
    assert (kept.email, kept.mobile, kept.member_number) == ("b@example.org", "+46701000002", "2")


def test_kept_values_win_by_default_and_empty_ones_are_filled(personas, world):
    keep = PersonFactory(first_name="Ida", city="", street_address="Storgatan 1", email=None)
    drop = PersonFactory(first_name="Ida", city="Lund", street_address="Lillgatan 2")
    drop_email = drop.email
    kept = person_merge(actor=personas.staff, keep=keep, drop=drop)
    assert kept.street_address == "Storgatan 1"
    assert kept.city == "Lund"
    assert kept.email == drop_email


def test_membership_stronger_status_wins_with_the_earlier_member_since(personas, world):
    keep = PersonFactory(
        membership_status=Person.MembershipStatus.FORMER,
        member_since=dt.date(2005, 1, 1),
        membership_ended_on=dt.date(2015, 1, 1),
    )
    drop = PersonFactory(
        membership_status=Person.MembershipStatus.MEMBER, member_since=dt.date(2020, 5, 1)
    )
    kept = person_merge(actor=personas.staff, keep=keep, drop=drop)
    assert kept.membership_status == Person.MembershipStatus.MEMBER
    assert kept.member_since == dt.date(2005, 1, 1)
    assert kept.membership_ended_on is None


def test_the_home_unit_follows_a_postcode_taken_from_the_dropped_person(personas, world):
    keep = PersonFactory(postcode="90325", home_unit=world.district_b)
    drop = PersonFactory(postcode="21150")
    kept = person_merge(actor=personas.staff, keep=keep, drop=drop, values={"postcode": "21150"})
    assert kept.home_unit == world.group_a1


def test_a_value_neither_person_has_is_refused(personas, world):
    keep, drop = PersonFactory(), PersonFactory()
    with pytest.raises(ApplicationError):
        person_merge(actor=personas.staff, keep=keep, drop=drop, values={"city": "Narnia"})
    assert Person.objects.filter(pk=drop.pk).exists()


@pytest.mark.parametrize("persona", ["district_a", "coordinator_a1", "board"])
def test_only_national_roles_may_merge(personas, world, persona):
    with pytest.raises(ApplicationError):
        person_merge(
            actor=getattr(personas, persona), keep=world.member_a1, drop=world.former_member_a1
        )
    assert Person.objects.filter(pk=world.former_member_a1.pk).exists()
    assert not PersonMerge.objects.exists()


def test_an_erased_person_cannot_be_merged(personas, world):
    keep, drop = PersonFactory(), PersonFactory(is_active=False)
    with pytest.raises(ApplicationError):
        person_merge(actor=personas.staff, keep=keep, drop=drop)


def test_a_handler_that_leaves_rows_behind_stops_the_merge_and_changes_nothing(
    personas, world, monkeypatch
):
    keep, drop = PersonFactory(city=""), PersonFactory(city="Umeå")
    InteractionFactory(person=drop)
    monkeypatch.setitem(merge_registry, Interaction, lambda keep, drop: None)
    with pytest.raises(ApplicationError):
        person_merge(actor=personas.staff, keep=keep, drop=drop)
    keep.refresh_from_db()
    assert keep.city == ""
    assert Interaction.objects.filter(person=drop).count() == 1
    assert not PersonMerge.objects.exists()
