"""manage.py demo_data's programmes: the red thread, past and upcoming events across the
districts, registrations whose statuses make sense, completions exactly where attendance
earns them, and school groups with a school and a contact person."""

from __future__ import annotations

import io
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.utils import timezone

from aktivist.core.emails import RESERVED_DOMAINS
from aktivist.demo import programmes as demo
from aktivist.engagement.models import EngagementLevel, Level
from aktivist.organisation.models import Unit
from aktivist.people.models import Person
from aktivist.programmes.models import Event, Programme, ProgrammeCompletion, Registration
from aktivist.programmes.progression import sync_completions

S = Registration.Status
K = Programme.Kind


@pytest.fixture
def loaded(db):
    out = io.StringIO()
    call_command("demo_data", people=300, participations=300, registrations=600, seed=5, stdout=out)
    return out.getvalue()


def test_the_red_thread_of_programmes_with_next_steps(loaded):
    programmes = {p.kind: p for p in Programme.objects.prefetch_related("next_steps")}
    assert set(programmes) == set(K.values) - {K.OTHER}

    def steps(kind):
        return {p.kind for p in programmes[kind].next_steps.all()}

    assert steps(K.RECRUITMENT_MEETING) == {K.INTRODUCTION}
    assert steps(K.INTRODUCTION) == {K.CAMPAIGN_TRAINING, K.ACTIVIST_SEMINAR}
    assert steps(K.CAMPAIGN_TRAINING) == steps(K.ACTIVIST_SEMINAR) == {K.PROJECT_LEADER_TRAINING}
    assert steps(K.PROJECT_LEADER_TRAINING) == {K.LEADERSHIP_PROGRAMME}
    for kind, programme in programmes.items():
        assert programme.counts_as_training == (kind in Programme.TRAINING_KINDS), kind
    assert programmes[K.LEADERSHIP_PROGRAMME].events_to_complete == 3
    assert "programmes" in loaded and "registrations" in loaded


def test_events_past_and_upcoming_across_districts_of_every_sort(loaded):
    now = timezone.now()
    events = list(Event.objects.select_related("unit", "programme"))
    assert any(e.starts_at < now for e in events) and any(e.starts_at > now for e in events)
    districts = {
        e.unit.path[: 2 * 8] for e in events if e.unit.kind != Unit.Kind.NATIONAL
    }  # the national and district levels of the path
    assert len(districts) >= 3
    kinds = Counter(e.unit.kind for e in events)
    assert kinds[Unit.Kind.LOCAL_GROUP] and kinds[Unit.Kind.DISTRICT] and kinds[Unit.Kind.NATIONAL]
    assert any(e.for_young_people for e in events)
    assert any(e.online_url for e in events)
    assert all(e.place or e.online_url for e in events)
    assert all(e.online_url.startswith("https://meet.example.org/") for e in events if e.online_url)
    guardian = [e for e in events if e.guardian_required_under_18]
    assert len(guardian) == 1 and guardian[0].for_young_people and guardian[0].starts_at > now
    leadership = [e for e in events if e.programme.kind == K.LEADERSHIP_PROGRAMME]
    assert len(leadership) == 6  # two cohorts of three weekends
    alumni = [e for e in events if e.programme.kind == K.ALUMNI_PROGRAMME]
    assert any(e.starts_at > now for e in alumni) and any(e.starts_at < now for e in alumni)
    assert len({e.slug for e in events}) == len(events)
    assert all(e.ends_at > e.starts_at for e in events)


def test_statuses_fit_past_and_upcoming_events_and_seats(loaded):
    now = timezone.now()
    by_event = defaultdict(list)
    for registration in Registration.objects.select_related("event"):
        by_event[registration.event_id].append(registration)
    assert sum(len(rows) for rows in by_event.values()) >= 500
    full = 0
    for rows in by_event.values():
        event = rows[0].event
        statuses = Counter(r.status for r in rows)
        if event.starts_at < now:
            assert not statuses[S.REGISTERED], event.title  # the door decided
        else:
            assert not statuses[S.ATTENDED] and not statuses[S.NO_SHOW], event.title
        seated = sum(statuses[s] for s in Registration.SEATED)
        if event.capacity is not None:
            assert seated <= event.capacity, event.title
        if statuses[S.WAITLISTED]:
            assert event.capacity is not None and seated == event.capacity, event.title
            full += 1
        for r in rows:
            assert (r.attended_at is not None) == (r.status == S.ATTENDED)
            assert (r.waitlisted_at is not None) == (r.status == S.WAITLISTED)
            assert (r.cancelled_at is not None) == (r.status == S.CANCELLED)
            assert r.created_at <= now
            if r.source == Registration.Source.WALK_IN:
                assert r.status == S.ATTENDED and r.created_at >= event.starts_at
            else:
                assert r.created_at < event.starts_at
            if event.guardian_required_under_18:
                assert r.guardian_contact.endswith("@example.org") and r.guardian_name
            else:
                assert not r.guardian_contact
    assert full >= 1  # some events keep a waiting list
    assert len({(r.person_id, r.event_id) for rows in by_event.values() for r in rows}) == sum(
        len(rows) for rows in by_event.values()
    )


def test_completions_exist_exactly_where_attendance_earns_them(loaded):
    completions = list(ProgrammeCompletion.objects.select_related("programme", "event"))
    assert completions
    attended = Counter(
        Registration.objects.filter(status=S.ATTENDED).values_list(
            "person_id", "event__programme_id"
        )
    )
    for completion in completions:
        key = (completion.person_id, completion.programme_id)
        assert attended[key] >= completion.programme.events_to_complete
        assert completion.completed_on == timezone.localdate(completion.event.starts_at)
        assert completion.event.starts_at < timezone.now()
    # The progression service, run over everyone, finds nothing to add and nothing to undo.
    result = sync_completions(
        actor=None,
        person_ids=Person.objects.values_list("pk", flat=True),
        programme_ids=Programme.objects.values_list("pk", flat=True),
        audit_each=False,
    )
    assert result.created == [] and result.removed == 0


def test_people_move_along_the_red_thread(loaded):
    def attended(kind):
        return set(
            Registration.objects.filter(status=S.ATTENDED, event__programme__kind=kind).values_list(
                "person_id", flat=True
            )
        )

    meetings, introductions = attended(K.RECRUITMENT_MEETING), attended(K.INTRODUCTION)
    assert len(introductions & meetings) >= len(introductions) // 3


def test_school_groups_have_a_school_and_a_contact_and_everyone_is_rated(loaded):
    schools = list(Unit.objects.filter(kind=Unit.Kind.SCHOOL_GROUP))
    assert schools
    assert all(u.school_name for u in schools)
    assert sum(1 for u in schools if u.contact_person_id) >= len(schools) // 2
    assert EngagementLevel.objects.filter(level__gte=Level.TRAINED).exists()
    for email in Person.objects.exclude(email=None).values_list("email", flat=True):
        assert email.rsplit("@", 1)[1] in RESERVED_DOMAINS


def test_a_second_load_changes_nothing(loaded):
    before = Registration.objects.count()
    summary = demo.load_programme_demo(registrations=100, seed=5, out=lambda line: None)
    assert summary.skipped and Registration.objects.count() == before


def test_the_default_is_one_registration_per_person_up_to_a_cap():
    assert demo.default_registrations(5_000) == 5_000
    assert demo.default_registrations(1_000_000) == demo.DEFAULT_MAX
