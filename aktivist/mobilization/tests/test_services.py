"""The life of a mobilization: request, approval by a second staff member whose scope holds
the author's, sending now or later, pause, resume, cancel; the segment in the author's
scope; what was approved is what is sent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from aktivist.accounts.models import User
from aktivist.accounts.tests.factories import AccessScopeFactory, UserFactory
from aktivist.core.exceptions import ApplicationError
from aktivist.core.models import AuditEvent
from aktivist.mobilization import services, starting
from aktivist.mobilization.models import Delivery, Mobilization
from aktivist.mobilization.tests.factories import MessageFactory, SegmentFactory
from aktivist.people.models import Consent
from aktivist.people.tests.factories import ConsentFactory

S = Mobilization.Status
MEMBERS_AND_OTHERS = {"condition": "created_within", "value": {"days": 365}}


@pytest.fixture
def consented(world):
    """Everyone in the world consents to campaign email."""
    people = [
        world.home_a,
        world.member_a1,
        world.former_member_a1,
        world.role_a1,
        world.member_a2,
        world.member_b1,
        world.home_b,
    ]
    for person in people:
        ConsentFactory(person=person, status=Consent.Status.CONFIRMED, confirmed_at=timezone.now())
    return people


def draft(actor, *, tree=None, urgent=False, send_at=None):
    return services.mobilization_create(
        actor=actor,
        name="Upprop",
        message=MessageFactory(created_by=actor),
        segment=SegmentFactory(tree=tree or MEMBERS_AND_OTHERS, created_by=actor),
        urgent=urgent,
        send_at=send_at,
    )


def recipients(mobilization):
    return set(
        Delivery.objects.filter(mobilization=mobilization).values_list(
            "person__first_name", flat=True
        )
    )


def test_a_small_send_starts_at_once_and_reaches_everyone_in_scope(
    personas, consented, django_capture_on_commit_callbacks, mailoutbox
):
    mobilization = draft(personas.staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.mobilization_request_send(actor=personas.staff, mobilization=mobilization)
    mobilization.refresh_from_db()
    assert mobilization.status == S.DONE
    assert mobilization.estimated_count == 7
    assert len(mailoutbox) == 7
    assert AuditEvent.objects.filter(verb="mobilization.start", object_id=mobilization.pk).exists()
    assert AuditEvent.objects.filter(verb="mobilization.finish", object_id=mobilization.pk).exists()


def test_the_segment_is_evaluated_in_the_authors_scope(
    personas, consented, django_capture_on_commit_callbacks, mailoutbox
):
    mobilization = draft(personas.coordinator_a1)  # "everyone", as group A1's coordinator
    with django_capture_on_commit_callbacks(execute=True):
        services.mobilization_request_send(actor=personas.coordinator_a1, mobilization=mobilization)
    assert recipients(mobilization) == {"Märta", "Rut"}
    assert {m.to[0] for m in mailoutbox} == {
        consented[1].email,
        consented[3].email,
    }


def test_a_large_send_waits_for_a_second_staff_member(
    personas, consented, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.MOBILIZATION_APPROVAL_THRESHOLD = 5
    mobilization = draft(personas.staff)
    services.mobilization_request_send(actor=personas.staff, mobilization=mobilization)
    mobilization.refresh_from_db()
    assert mobilization.status == S.AWAITING_APPROVAL
    assert not Delivery.objects.filter(mobilization=mobilization).exists()

    with pytest.raises(ApplicationError, match="second staff member"):
        services.mobilization_approve(actor=personas.staff, mobilization=mobilization)
    with django_capture_on_commit_callbacks(execute=True):
        services.mobilization_approve(actor=personas.admin, mobilization=mobilization)
    mobilization.refresh_from_db()
    assert mobilization.approved_by == personas.admin
    assert mobilization.status == S.DONE
    assert len(mailoutbox) == 7


def test_the_approver_must_hold_the_authors_scope(personas, consented, settings, world):
    settings.MOBILIZATION_APPROVAL_THRESHOLD = 1
    mobilization = draft(personas.district_a)  # district A: five people
    services.mobilization_request_send(actor=personas.district_a, mobilization=mobilization)
    mobilization.refresh_from_db()
    assert mobilization.status == S.AWAITING_APPROVAL

    # A coordinator of one group in the district sees the mobilization? No: it is the
    # district's. And even if shown, a group's scope does not hold the district's.
    with pytest.raises(Http404):
        services.mobilization_approve(actor=personas.coordinator_a1, mobilization=mobilization)
    other_rep = UserFactory(access_role=User.AccessRole.DISTRICT)
    AccessScopeFactory(user=other_rep, unit=world.district_b)
    with pytest.raises(Http404):
        services.mobilization_approve(actor=other_rep, mobilization=mobilization)
    second_rep = UserFactory(access_role=User.AccessRole.DISTRICT)
    AccessScopeFactory(user=second_rep, unit=world.district_a)
    assert services.can_approve(second_rep, mobilization)
    services.mobilization_approve(actor=second_rep, mobilization=mobilization)
    mobilization.refresh_from_db()
    assert mobilization.status in (S.STARTING, S.SCHEDULED)


def test_a_district_representative_cannot_approve_a_national_send(personas, consented, settings):
    settings.MOBILIZATION_APPROVAL_THRESHOLD = 1
    mobilization = draft(personas.staff)
    services.mobilization_request_send(actor=personas.staff, mobilization=mobilization)
    with pytest.raises(Http404):  # they cannot even see the secretariat's mobilization
        services.mobilization_approve(actor=personas.district_a, mobilization=mobilization)
    assert not services.can_approve(personas.district_a, mobilization)


def test_what_was_approved_is_what_is_sent(
    personas, consented, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.MOBILIZATION_APPROVAL_THRESHOLD = 1
    mobilization = draft(personas.staff)
    services.mobilization_request_send(actor=personas.staff, mobilization=mobilization)
    message = mobilization.message
    message.subject_sv = "Ändrat efteråt"
    message.save()
    segment = mobilization.segment
    segment.tree = {"condition": "language", "value": "en"}
    segment.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.mobilization_approve(actor=personas.admin, mobilization=mobilization)
    assert len(mailoutbox) == 7
    assert all("Ändrat" not in m.subject for m in mailoutbox)


def test_a_send_that_grew_past_the_threshold_before_the_snapshot_is_held(
    personas, consented, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.MOBILIZATION_APPROVAL_THRESHOLD = 10
    later = timezone.now() + dt.timedelta(hours=2)
    mobilization = draft(personas.staff, send_at=later)
    services.mobilization_request_send(
        actor=personas.staff, mobilization=mobilization, send_at=later
    )
    mobilization.refresh_from_db()
    assert mobilization.status == S.SCHEDULED
    settings.MOBILIZATION_APPROVAL_THRESHOLD = 3  # as if the segment had grown meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        starting.sweep(now=later + dt.timedelta(minutes=1))
    mobilization.refresh_from_db()
    assert mobilization.status == S.AWAITING_APPROVAL
    assert not Delivery.objects.filter(mobilization=mobilization).exists()
    assert mailoutbox == []


def test_send_later_starts_when_its_time_comes(
    personas, consented, django_capture_on_commit_callbacks, mailoutbox
):
    later = timezone.now() + dt.timedelta(hours=2)
    mobilization = draft(personas.staff)
    services.mobilization_request_send(
        actor=personas.staff, mobilization=mobilization, send_at=later
    )
    with django_capture_on_commit_callbacks(execute=True):
        starting.sweep(now=later - dt.timedelta(minutes=1))
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        starting.sweep(now=later + dt.timedelta(seconds=30))
    mobilization.refresh_from_db()
    assert mobilization.status == S.DONE
    assert len(mailoutbox) == 7


def test_a_second_start_sends_nothing_twice(personas, consented, mailoutbox):
    mobilization = draft(personas.staff)
    services.mobilization_request_send(actor=personas.staff, mobilization=mobilization)
    assert starting.mobilization_start(mobilization.pk)
    assert not starting.mobilization_start(mobilization.pk)
    assert Delivery.objects.filter(mobilization=mobilization).count() == 7


def test_only_the_secretariat_sends_in_the_urgent_lane(personas):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        draft(personas.district_a, urgent=True)
    assert draft(personas.staff, urgent=True).lane == "urgent"


def test_pause_keeps_pending_rows_resume_sends_them_cancel_cancels_them(
    personas, consented, django_capture_on_commit_callbacks, mailoutbox
):
    mobilization = draft(personas.staff)
    services.mobilization_request_send(actor=personas.staff, mobilization=mobilization)
    starting.mobilization_start(mobilization.pk)  # snapshot only: no worker has run yet
    mobilization.refresh_from_db()
    assert mobilization.status == S.SENDING

    services.mobilization_pause(actor=personas.staff, mobilization=mobilization)
    from aktivist.mobilization.sending import dispatch

    dispatch()
    assert mailoutbox == []  # a paused mobilization is not claimed
    with django_capture_on_commit_callbacks(execute=True):
        services.mobilization_resume(actor=personas.staff, mobilization=mobilization)
    assert len(mailoutbox) == 7

    other = draft(personas.staff)
    services.mobilization_request_send(actor=personas.staff, mobilization=other)
    starting.mobilization_start(other.pk)
    services.mobilization_cancel(actor=personas.staff, mobilization=other)
    assert set(Delivery.objects.filter(mobilization=other).values_list("status", flat=True)) == {
        Delivery.Status.CANCELLED
    }
    dispatch()
    assert len(mailoutbox) == 7


def test_a_mobilization_outside_the_viewers_scope_does_not_exist_for_them(personas, consented):
    mobilization = draft(personas.coordinator_a1)
    for outsider in (personas.coordinator_b1, personas.board):
        with pytest.raises(Http404):
            services.mobilization_cancel(actor=outsider, mobilization=mobilization)
    services.mobilization_cancel(actor=personas.district_a, mobilization=mobilization)
