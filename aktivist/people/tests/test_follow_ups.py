"""Follow-ups pass on when their owner loses sight of the person (issue 13, item 3)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aktivist.accounts.models import AccessScope, User
from aktivist.accounts.services import user_update_access
from aktivist.accounts.tests.factories import AccessScopeFactory, UserFactory
from aktivist.core.models import AuditEvent
from aktivist.core.schedule import jobs, run_due_jobs
from aktivist.organisation.models import UnitMembership
from aktivist.organisation.services import membership_end, role_end
from aktivist.organisation.tests.factories import RoleFactory, UnitMembershipFactory
from aktivist.people.follow_ups import PASSED_VERB, follow_ups_pass_on
from aktivist.people.models import Interaction
from aktivist.people.tests.factories import InteractionFactory, PersonFactory
from aktivist.programmes.tests.factories import EventFactory, RegistrationFactory


def open_follow_up(person, owner, days=3, **extra):
    return InteractionFactory(
        person=person,
        follow_up_owner=owner,
        follow_up_due=timezone.localdate() + dt.timedelta(days=days),
        outcome="Ring tillbaka",
        **extra,
    )


def registrant(world, **fields):
    """Someone who only registered for an event of group A1: no membership, no role."""
    person = PersonFactory(**fields)
    RegistrationFactory(person=person, event=EventFactory(unit=world.group_a1))
    return person


def owner_of(item):
    return Interaction.objects.get(pk=item.pk).follow_up_owner_id


def mail_text(message):
    return message.subject + message.body + "".join(str(a[0]) for a in message.alternatives)


def test_a_registrants_follow_up_passes_to_the_representative_of_their_district(
    world, personas, mailoutbox, django_capture_on_commit_callbacks
):
    gunnel = registrant(
        world, first_name="Gwynneth", last_name="Gästerud", home_unit=world.group_a2
    )
    item = open_follow_up(gunnel, personas.coordinator_a1)

    with django_capture_on_commit_callbacks(execute=True):
        result = follow_ups_pass_on()

    assert result.total == 1
    assert owner_of(item) == personas.district_a.pk
    assert [m.to for m in mailoutbox] == [["coord-a1@example.org"]]
    text = mail_text(mailoutbox[0])  # in the owner's language: Swedish by default
    assert "Till ett distriktsombud: 1" in text
    assert "Till sekretariatet" not in text
    assert "Gwynneth" not in text and "Gästerud" not in text and "Ring tillbaka" not in text
    event = AuditEvent.objects.get(verb=PASSED_VERB)
    assert event.actor is None
    assert (event.object_type, event.object_id, event.person_id) == (
        "people.interaction",
        str(item.pk),
        gunnel.pk,
    )
    assert event.details == {
        "from_account": personas.coordinator_a1.pk,
        "to_account": personas.district_a.pk,
        "to": "district_representative",
        "reason": "out_of_sight",
    }


def test_a_registrant_no_representative_sees_goes_to_the_secretariat_and_one_email_counts_all(
    world, personas, mailoutbox, django_capture_on_commit_callbacks
):
    personas.coordinator_a1.language = "en"
    personas.coordinator_a1.save(update_fields=["language"])
    nobody_sees = registrant(world, first_name="Nadezjda", last_name="Okänd")
    in_district = registrant(
        world, first_name="Qwilla", last_name="Gästerud", home_unit=world.district_a
    )
    pool_item = open_follow_up(nobody_sees, personas.coordinator_a1)
    district_item = open_follow_up(in_district, personas.coordinator_a1)
    second = open_follow_up(nobody_sees, personas.coordinator_a1, days=9)

    with django_capture_on_commit_callbacks(execute=True):
        follow_ups_pass_on()

    assert owner_of(pool_item) is None and owner_of(second) is None
    assert owner_of(district_item) == personas.district_a.pk
    assert len(mailoutbox) == 1
    text = mail_text(mailoutbox[0])
    assert "3 of your follow-ups have passed on" in mailoutbox[0].subject
    assert "To a district representative: 1" in text and "To the secretariat: 2" in text
    for name in ("Nadezjda", "Okänd", "Qwilla", "Gästerud"):
        assert name not in text
    events = AuditEvent.objects.filter(verb=PASSED_VERB)
    assert sorted(int(e.object_id) for e in events) == sorted(
        [pool_item.pk, district_item.pk, second.pk]
    )
    assert {e.details["to"] for e in events if e.details["to_account"] is None} == {"secretariat"}


def test_follow_ups_the_owner_still_sees_stay_and_nobody_is_told(
    world, personas, mailoutbox, django_capture_on_commit_callbacks
):
    mine = open_follow_up(world.member_a1, personas.coordinator_a1)
    role_holder = open_follow_up(world.role_a1, personas.coordinator_a1)
    district = open_follow_up(world.former_member_a1, personas.district_a)
    staff = open_follow_up(world.member_b1, personas.staff)
    pool = open_follow_up(world.home_b, None)

    with django_capture_on_commit_callbacks(execute=True):
        result = follow_ups_pass_on()

    assert result.total == 0
    assert owner_of(mine) == owner_of(role_holder) == personas.coordinator_a1.pk
    assert owner_of(district) == personas.district_a.pk
    assert owner_of(staff) == personas.staff.pk
    assert owner_of(pool) is None
    assert mailoutbox == []
    assert not AuditEvent.objects.filter(verb=PASSED_VERB).exists()


def test_done_follow_ups_and_follow_ups_about_inactive_people_are_left_alone(
    world, personas, django_capture_on_commit_callbacks
):
    guest = registrant(world)
    done = open_follow_up(guest, personas.coordinator_a1, follow_up_done_at=timezone.now())
    gone = registrant(world, is_active=False)
    erased = open_follow_up(gone, personas.coordinator_a1)

    with django_capture_on_commit_callbacks(execute=True):
        assert follow_ups_pass_on().total == 0

    assert owner_of(done) == owner_of(erased) == personas.coordinator_a1.pk


def test_the_representative_of_the_persons_district_is_preferred(
    world, personas, django_capture_on_commit_callbacks
):
    district_b = UserFactory(access_role=User.AccessRole.DISTRICT, email="district-b@example.org")
    AccessScopeFactory(user=district_b, unit=world.district_b)
    # Lives in district B, was once a member in district A: both representatives see her.
    moved = registrant(world, home_unit=world.district_b)
    UnitMembershipFactory(
        person=moved, unit=world.group_a1, started_on="2023-01-01", ended_on="2024-01-01"
    )
    # Lives in district A, was once a member in district B.
    stays = registrant(world, home_unit=world.group_a2)
    UnitMembershipFactory(
        person=stays, unit=world.group_b1, started_on="2023-01-01", ended_on="2024-01-01"
    )
    to_b = open_follow_up(moved, personas.coordinator_a1)
    to_a = open_follow_up(stays, personas.coordinator_a1)

    with django_capture_on_commit_callbacks(execute=True):
        follow_ups_pass_on()

    assert owner_of(to_b) == district_b.pk
    assert owner_of(to_a) == personas.district_a.pk


def test_owner_ids_limit_the_check_to_those_accounts(
    world, personas, django_capture_on_commit_callbacks
):
    a1 = open_follow_up(registrant(world), personas.coordinator_a1)
    b1 = open_follow_up(registrant(world), personas.coordinator_b1)

    with django_capture_on_commit_callbacks(execute=True):
        follow_ups_pass_on(owner_ids=[personas.coordinator_b1.pk])

    assert owner_of(a1) == personas.coordinator_a1.pk
    assert owner_of(b1) is None


def test_ending_a_membership_passes_on_the_coordinators_follow_ups_after_commit(
    world, personas, mailoutbox, django_capture_on_commit_callbacks
):
    item = open_follow_up(world.member_a1, personas.coordinator_a1)
    staff_item = open_follow_up(world.member_a1, personas.staff)
    still_seen = open_follow_up(world.role_a1, personas.coordinator_a1)
    membership = UnitMembership.objects.get(person=world.member_a1, unit=world.group_a1)

    with django_capture_on_commit_callbacks(execute=True):
        membership_end(actor=personas.district_a, membership=membership)
        assert owner_of(item) == personas.coordinator_a1.pk  # nothing before the commit

    # Märta's past membership in A1 keeps her in district A's sight.
    assert owner_of(item) == personas.district_a.pk
    assert owner_of(staff_item) == personas.staff.pk
    assert owner_of(still_seen) == personas.coordinator_a1.pk
    assert [m.to for m in mailoutbox] == [["coord-a1@example.org"]]
    assert "Märta" not in mail_text(mailoutbox[0])


def test_a_membership_ended_in_a_transaction_that_rolls_back_passes_nothing_on(
    world, personas, django_capture_on_commit_callbacks
):
    from django.db import transaction

    item = open_follow_up(world.member_a1, personas.coordinator_a1)
    membership = UnitMembership.objects.get(person=world.member_a1, unit=world.group_a1)

    class Abort(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                membership_end(actor=personas.district_a, membership=membership)
                raise Abort
        except Abort:
            pass

    assert callbacks == []
    assert owner_of(item) == personas.coordinator_a1.pk


def test_ending_a_role_passes_on_the_follow_ups_of_the_access_that_ended_with_it(
    world, personas, django_capture_on_commit_callbacks
):
    holder = PersonFactory(first_name="Klara", last_name="Kontakt")
    role = RoleFactory(person=holder, unit=world.group_a2)
    account = UserFactory(
        access_role=User.AccessRole.COORDINATOR, email="coord-a2@example.org", person=holder
    )
    AccessScope.objects.create(user=account, unit=world.group_a2, role=role, ends_with_role=True)
    item = open_follow_up(world.member_a2, account)

    with django_capture_on_commit_callbacks(execute=True):
        role_end(actor=personas.district_a, role=role)

    assert owner_of(item) == personas.district_a.pk
    event = AuditEvent.objects.get(verb=PASSED_VERB)
    assert event.details["from_account"] == account.pk


def test_a_deactivated_accounts_follow_ups_pass_on(
    world, personas, mailoutbox, django_capture_on_commit_callbacks
):
    item = open_follow_up(world.member_a1, personas.coordinator_a1)
    pool_bound = open_follow_up(world.member_b1, personas.coordinator_b1)

    with django_capture_on_commit_callbacks(execute=True):
        user_update_access(
            actor=personas.admin,
            user=personas.coordinator_a1,
            access_role=User.AccessRole.COORDINATOR,
            scope_units=[world.group_a1],
            is_active=False,
        )
        user_update_access(
            actor=personas.admin,
            user=personas.coordinator_b1,
            access_role=User.AccessRole.COORDINATOR,
            scope_units=[world.group_b1],
            is_active=False,
        )

    assert owner_of(item) == personas.district_a.pk
    assert owner_of(pool_bound) is None  # no representative of district B
    details = AuditEvent.objects.filter(verb=PASSED_VERB).values_list("details", flat=True)
    assert {d["reason"] for d in details} == {"owner_inactive"}
    assert mailoutbox == []  # deactivated accounts are not written to


def test_a_changed_scope_passes_on_what_the_account_no_longer_sees(
    world, personas, django_capture_on_commit_callbacks
):
    item = open_follow_up(world.member_a1, personas.coordinator_a1)

    with django_capture_on_commit_callbacks(execute=True):
        user_update_access(
            actor=personas.admin,
            user=personas.coordinator_a1,
            access_role=User.AccessRole.COORDINATOR,
            scope_units=[world.group_a2],
        )

    assert owner_of(item) == personas.district_a.pk


def test_the_nightly_job_passes_follow_ups_on(world, personas, django_capture_on_commit_callbacks):
    job = jobs["people.pass_on_follow_ups"]
    assert job.period == "daily"
    item = open_follow_up(registrant(world, home_unit=world.district_a), personas.coordinator_a1)
    night = dt.datetime(2026, 2, 1, 3, 30, tzinfo=ZoneInfo("Europe/Stockholm"))

    with django_capture_on_commit_callbacks(execute=True):
        assert "people.pass_on_follow_ups" in run_due_jobs(night)

    assert owner_of(item) == personas.district_a.pk


def test_passing_on_asks_about_sight_once_per_owner_not_per_follow_up(
    world, personas, django_capture_on_commit_callbacks
):
    def queries_for(count: int) -> int:
        Interaction.objects.all().delete()
        for owner in (personas.coordinator_a1, personas.coordinator_b1, personas.district_a):
            for n in range(count):
                home = world.district_a if n % 2 else None
                open_follow_up(registrant(world, home_unit=home), owner)
        with CaptureQueriesContext(connection) as ctx:
            with django_capture_on_commit_callbacks(execute=False):
                follow_ups_pass_on()
        return len(ctx.captured_queries)

    assert queries_for(3) == queries_for(12)
