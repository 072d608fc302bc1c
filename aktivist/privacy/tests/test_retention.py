"""Retention: the preview counts exactly whom a rule anonymises, the runs anonymise exactly
them in resumable batches, and each store of its own is purged after its days."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from freezegun import freeze_time

from aktivist.accounts.models import User
from aktivist.accounts.tests.factories import UserFactory
from aktivist.campaigns.tests.factories import ParticipationFactory
from aktivist.core import retention_rules as rules
from aktivist.core.exceptions import ApplicationError
from aktivist.core.models import AuditEvent
from aktivist.organisation.tests.factories import RoleFactory, UnitFactory, UnitMembershipFactory
from aktivist.people.models import Consent, Person, ReviewItem
from aktivist.people.tests.factories import ConsentFactory, PersonFactory
from aktivist.privacy import retention, retention_stores
from aktivist.privacy.models import DataSubjectRequest, RetentionRule, RetentionRun
from aktivist.programmes.models import Registration
from aktivist.programmes.tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def switch_on(key: str, days: int | None = None) -> RetentionRule:
    rule = retention.rule_rows()[key]
    rule.enabled = True
    if days is not None:
        rule.days = days
    rule.save()
    return rule


def old_person(days: float = 800, **fields) -> Person:
    made = PersonFactory(**fields)
    Person.objects.filter(pk=made.pk).update(created_at=ago(days))
    return Person.objects.get(pk=made.pk)


def request_about(person, status=DataSubjectRequest.Status.RECEIVED, **fields):
    return DataSubjectRequest.objects.create(
        kind="access",
        channel="email",
        received_on=timezone.localdate(),
        due_on=timezone.localdate() + dt.timedelta(days=30),
        person=person,
        status=status,
        requester_name="Någon",
        **fields,
    )


@pytest.fixture
def inactive_world(db):
    """Old non-members who fall under the rule, and one of each who must not."""
    unit = UnitFactory()
    falls = {
        "gone_quiet": old_person(),
        "old_consent": old_person(),
        "cancelled_lately": old_person(),
        "closed_request": old_person(),
    }
    ConsentFactory(
        person=falls["old_consent"], status=Consent.Status.CONFIRMED, confirmed_at=ago(900)
    )
    registration = RegistrationFactory(
        person=falls["cancelled_lately"], status=Registration.Status.CANCELLED
    )
    Registration.objects.filter(pk=registration.pk).update(created_at=ago(1))
    request_about(falls["closed_request"], status=DataSubjectRequest.Status.FULFILLED)

    stays = {
        "acted_yesterday": old_person(),
        "registered_lately": old_person(),
        "attended_lately": old_person(),
        "consented_lately": old_person(),
        "member": old_person(membership_status=Person.MembershipStatus.MEMBER),
        "former": old_person(membership_status=Person.MembershipStatus.FORMER),
        "in_a_group": old_person(),
        "holds_a_role": old_person(),
        "has_an_account": old_person(),
        "open_request": old_person(),
        "contact_person": old_person(),
        "new": old_person(days=30),
    }
    participation = ParticipationFactory(person=stays["acted_yesterday"])
    participation.created_at = ago(1)
    participation.save(update_fields=["created_at"])
    recent = RegistrationFactory(person=stays["registered_lately"])
    Registration.objects.filter(pk=recent.pk).update(created_at=ago(40))
    attended = RegistrationFactory(
        person=stays["attended_lately"], status=Registration.Status.ATTENDED
    )
    Registration.objects.filter(pk=attended.pk).update(created_at=ago(900), attended_at=ago(20))
    ConsentFactory(
        person=stays["consented_lately"], status=Consent.Status.CONFIRMED, confirmed_at=ago(30)
    )
    UnitMembershipFactory(person=stays["in_a_group"], unit=unit)
    RoleFactory(person=stays["holds_a_role"], unit=unit)
    UserFactory(person=stays["has_an_account"], access_role=User.AccessRole.COORDINATOR)
    request_about(stays["open_request"])
    UnitFactory(contact_person=stays["contact_person"])
    erased = old_person()
    Person.objects.filter(pk=erased.pk).update(is_active=False, erased_at=ago(10))
    return falls, stays


# --- People: inactive non-members ---------------------------------------------------------


def test_the_preview_counts_exactly_the_people_the_rule_anonymises(inactive_world):
    falls, stays = inactive_world
    preview = retention.preview_rule(rules.INACTIVE_NON_MEMBERS, now=NOW, names=True)
    assert preview.count == len(falls)
    assert {pk for pk, _name in preview.people} == {p.pk for p in falls.values()}

    switch_on(rules.INACTIVE_NON_MEMBERS)
    outcome = retention.run_rule(rules.INACTIVE_NON_MEMBERS, now=NOW, batch_size=3)

    assert outcome.processed == len(falls)
    erased = set(Person.objects.filter(erased_at__isnull=False).values_list("pk", flat=True))
    assert {p.pk for p in falls.values()} <= erased
    for name, person in stays.items():
        person.refresh_from_db()
        assert person.is_active and person.erased_at is None, name
    run = RetentionRun.objects.get(rule=rules.INACTIVE_NON_MEMBERS)
    assert (run.status, run.total, run.processed) == ("finished", 4, 4)
    assert retention.preview_rule(rules.INACTIVE_NON_MEMBERS, now=NOW).count == 0


def test_anonymised_people_keep_a_tombstone_and_lose_their_values(inactive_world):
    falls, _stays = inactive_world
    person = falls["gone_quiet"]
    email = person.email
    switch_on(rules.INACTIVE_NON_MEMBERS)
    retention.run_rule(rules.INACTIVE_NON_MEMBERS, now=NOW)
    person.refresh_from_db()
    assert not person.is_active and person.first_name == "" and person.email is None
    assert not Person.objects.filter(email=email).exists()
    event = AuditEvent.objects.get(verb="person.erase", person_id=person.pk)
    assert event.details["reason"] == f"retention:{rules.INACTIVE_NON_MEMBERS}"
    assert event.actor is None


def test_a_switched_off_rule_does_not_run(inactive_world):
    outcome = retention.run_rule(rules.INACTIVE_NON_MEMBERS, now=NOW)
    assert outcome.skipped == "disabled"
    assert not Person.objects.filter(erased_at__isnull=False, is_active=True).exists()
    assert Person.objects.filter(is_active=False).count() == 1  # the one erased before


def test_the_rules_days_decide(inactive_world):
    falls, _stays = inactive_world
    switch_on(rules.INACTIVE_NON_MEMBERS, days=1000)  # they were created 800 days ago
    assert retention.preview_rule(rules.INACTIVE_NON_MEMBERS, now=NOW).count == 0
    retention.run_rule(rules.INACTIVE_NON_MEMBERS, now=NOW)
    falls["gone_quiet"].refresh_from_db()
    assert falls["gone_quiet"].is_active


# --- People: former members ------------------------------------------------------------------


def test_former_members_go_when_their_membership_ended_long_ago_and_they_did_nothing(db):
    former = Person.MembershipStatus.FORMER
    long_ago = timezone.localdate() - dt.timedelta(days=2000)
    gone = old_person(days=3000, membership_status=former, membership_ended_on=long_ago)
    recent = old_person(
        days=3000,
        membership_status=former,
        membership_ended_on=timezone.localdate() - dt.timedelta(days=300),
    )
    acted = old_person(days=3000, membership_status=former, membership_ended_on=long_ago)
    participation = ParticipationFactory(person=acted)
    participation.created_at = ago(400)
    participation.save(update_fields=["created_at"])
    no_date = old_person(days=3000, membership_status=former)
    in_network = old_person(days=3000, membership_status=former, membership_ended_on=long_ago)
    UnitMembershipFactory(person=in_network)

    preview = retention.preview_rule(rules.FORMER_MEMBERS, now=NOW, names=True)
    assert [pk for pk, _name in preview.people] == [gone.pk]
    assert "1 former member has no date" in preview.note

    switch_on(rules.FORMER_MEMBERS)
    retention.run_rule(rules.FORMER_MEMBERS, now=NOW)
    gone.refresh_from_db()
    assert not gone.is_active
    for person in (recent, acted, no_date, in_network):
        person.refresh_from_db()
        assert person.is_active


# --- Resumable runs ----------------------------------------------------------------------------


def handled_review_items(count: int, *, days: float = 200) -> list[ReviewItem]:
    items = [
        ReviewItem.objects.create(
            kind=ReviewItem.Kind.IMPORT_ROW,
            status=ReviewItem.Status.APPLIED,
            payload={"email": f"held{i}@example.org"},
        )
        for i in range(count)
    ]
    ReviewItem.objects.filter(pk__in=[i.pk for i in items]).update(resolved_at=ago(days))
    return items


def test_a_killed_run_resumes_from_its_cursor_with_its_cutoff(db):
    items = handled_review_items(5)
    switch_on(rules.REVIEW_PAYLOADS)

    first = retention.run_rule(rules.REVIEW_PAYLOADS, now=NOW, batch_size=2, stop_after=1)
    run = first.run
    run.refresh_from_db()
    assert (run.status, run.cursor, run.processed) == ("running", items[1].pk, 2)
    # A row at or below the cursor that (for the test's sake) holds a payload again is not
    # looked at again: the resumed run starts after the cursor.
    ReviewItem.objects.filter(pk=items[0].pk).update(payload={"email": "again@example.org"})

    # Another runner while the first could still be alive: nothing happens.
    busy = retention.run_rule(rules.REVIEW_PAYLOADS, now=NOW, batch_size=2)
    assert busy.skipped == "busy" and busy.processed == 0

    later = timezone.now() + retention.RUN_LEASE + dt.timedelta(minutes=1)
    with freeze_time(later):  # the lease has run out: the killed run is nobody's now
        resumed = retention.run_rule(rules.REVIEW_PAYLOADS, now=later, batch_size=2)
    assert resumed.run.pk == run.pk
    run.refresh_from_db()
    assert (run.status, run.processed, run.cutoff) == ("finished", 5, first.run.cutoff)
    payloads = dict(ReviewItem.objects.values_list("pk", "payload"))
    assert payloads[items[0].pk] == {"email": "again@example.org"}
    assert all(payloads[i.pk] == {} for i in items[1:])
    assert RetentionRun.objects.filter(rule=rules.REVIEW_PAYLOADS).count() == 1
    event = AuditEvent.objects.get(verb="privacy.retention_run")
    assert event.details["processed"] == 5 and event.details["rule"] == rules.REVIEW_PAYLOADS


def test_a_killed_people_run_resumes_and_erases_everyone_once(db):
    people = [old_person() for _ in range(5)]
    switch_on(rules.INACTIVE_NON_MEMBERS)
    retention.run_rule(rules.INACTIVE_NON_MEMBERS, now=NOW, batch_size=2, stop_after=2)
    assert Person.objects.filter(is_active=False).count() == 4
    later = timezone.now() + retention.RUN_LEASE + dt.timedelta(minutes=1)
    with freeze_time(later):
        retention.run_rule(rules.INACTIVE_NON_MEMBERS, now=later, batch_size=2)
    assert Person.objects.filter(pk__in=[p.pk for p in people], is_active=False).count() == 5
    assert AuditEvent.objects.filter(verb="person.erase").count() == 5
    run = RetentionRun.objects.get(rule=rules.INACTIVE_NON_MEMBERS)
    assert (run.status, run.processed) == ("finished", 5)


def test_a_failed_batch_marks_the_run_failed_and_the_next_run_resumes_it(db, monkeypatch):
    items = handled_review_items(3)
    switch_on(rules.REVIEW_PAYLOADS)
    store = retention_stores.STORES[rules.REVIEW_PAYLOADS]
    calls = {"n": 0}

    def flaky(ids, **kw):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("database went away")
        return store.apply(ids, **kw)

    monkeypatch.setitem(
        retention_stores.STORES,
        rules.REVIEW_PAYLOADS,
        retention_stores.Store(store.key, store.unit, store.select, flaky),
    )
    failed = retention.run_rule(rules.REVIEW_PAYLOADS, now=NOW, batch_size=1)
    assert failed.errors == ["RuntimeError"]
    failed.run.refresh_from_db()
    assert (failed.run.status, failed.run.cursor) == ("failed", items[0].pk)

    resumed = retention.run_rule(rules.REVIEW_PAYLOADS, now=NOW, batch_size=1)
    assert resumed.run.pk == failed.run.pk and resumed.processed == 2
    assert not ReviewItem.objects.exclude(payload={}).exists()


# --- Stores of their own -----------------------------------------------------------------------


def test_handled_review_payloads_are_blanked_after_their_days(db):
    old_handled = handled_review_items(1, days=200)[0]
    recent_handled = handled_review_items(1, days=10)[0]
    old_open = ReviewItem.objects.create(
        kind=ReviewItem.Kind.PERSON_CREATE, payload={"first_name": "Öppen"}
    )
    ReviewItem.objects.filter(pk=old_open.pk).update(created_at=ago(400), updated_at=ago(400))
    switch_on(rules.REVIEW_PAYLOADS)
    assert retention.preview_rule(rules.REVIEW_PAYLOADS, now=NOW).count == 1
    retention.run_rule(rules.REVIEW_PAYLOADS, now=NOW)
    payloads = dict(ReviewItem.objects.values_list("pk", "payload"))
    assert payloads[old_handled.pk] == {}
    assert payloads[recent_handled.pk] != {}
    assert payloads[old_open.pk] == {"first_name": "Öppen"}


def _batch(name: str, *, days: float, status: str = "finished"):
    from aktivist.imports.models import ImportBatch

    batch = ImportBatch(original_name=name, status=status, created_count=7, refused_count=1)
    batch.file.save(f"{name}.csv", ContentFile(b"namn;e-post\nGreta;greta@example.org\n"))
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=ago(days))
    return batch


def test_uploaded_import_files_are_deleted_and_the_batches_kept(db, settings, tmp_path):
    from aktivist.imports.models import ImportBatch

    settings.MEDIA_ROOT = tmp_path
    old_done = _batch("gammal", days=100)
    old_running = _batch("pagaende", days=100, status="running")
    old_unconfirmed = _batch("obekraftad", days=100, status="analysed")
    recent = _batch("ny", days=10)
    paths = {b.pk: b.file.path for b in (old_done, old_running, old_unconfirmed, recent)}
    switch_on(rules.IMPORT_FILES)

    assert retention.preview_rule(rules.IMPORT_FILES, now=NOW).count == 2
    retention.run_rule(rules.IMPORT_FILES, now=NOW)

    batches = {b.pk: b for b in ImportBatch.objects.all()}
    for batch in (old_done, old_unconfirmed):
        assert not (tmp_path / paths[batch.pk]).exists()
        assert not batches[batch.pk].file
        assert batches[batch.pk].created_count == 7 and batches[batch.pk].refused_count == 1
    assert batches[old_unconfirmed.pk].status == "failed"
    assert batches[old_done.pk].status == "finished"
    for batch in (old_running, recent):
        assert batches[batch.pk].file and (tmp_path / paths[batch.pk]).exists()


def test_refused_row_cells_are_blanked_after_their_days(db, settings, tmp_path):
    from aktivist.imports.models import ImportIssue

    settings.MEDIA_ROOT = tmp_path
    old = ImportIssue.objects.create(
        batch=_batch("gammal", days=100),
        line=3,
        kind="refused",
        reason="Ogiltig e-post",
        data={"Namn": "Greta", "E-post": "greta@"},
    )
    recent = ImportIssue.objects.create(
        batch=_batch("ny", days=5), line=4, kind="held", reason="Utanför", data={"Namn": "Nils"}
    )
    switch_on(rules.IMPORT_REFUSED_CELLS)
    assert retention.preview_rule(rules.IMPORT_REFUSED_CELLS, now=NOW).count == 1
    retention.run_rule(rules.IMPORT_REFUSED_CELLS, now=NOW)
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.data == {} and old.reason == "Ogiltig e-post" and old.line == 3
    assert recent.data == {"Namn": "Nils"}


def test_login_records_are_deleted_after_their_days(db):
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    common = {"user_agent": "Firefox", "ip_address": "192.0.2.1", "http_accept": "*/*"}
    for when, name in ((ago(100), "old"), (ago(5), "new")):
        attempt = AccessAttempt.objects.create(
            username=f"{name}@example.org",
            path_info="/accounts/login/",
            get_data="",
            post_data="",
            failures_since_start=1,
            **common,
        )
        log = AccessLog.objects.create(username=f"{name}@example.org", path_info="/", **common)
        failure = AccessFailureLog.objects.create(
            username=f"{name}@example.org", path_info="/", **common
        )
        for model, row in ((AccessAttempt, attempt), (AccessLog, log), (AccessFailureLog, failure)):
            model.objects.filter(pk=row.pk).update(attempt_time=when)
    switch_on(rules.LOGIN_RECORDS)
    assert retention.preview_rule(rules.LOGIN_RECORDS, now=NOW).count == 3
    outcome = retention.run_rule(rules.LOGIN_RECORDS, now=NOW)
    assert outcome.processed == 3
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        assert list(model.objects.values_list("username", flat=True)) == ["new@example.org"]


def test_audit_rows_are_deleted_after_their_days_through_the_trails_purge(db):
    from aktivist.core import audit

    with freeze_time(ago(800)):
        old = audit.record(actor=None, verb="person.update", object_type="people.person")
    recent = audit.record(actor=None, verb="person.update", object_type="people.person")
    switch_on(rules.AUDIT_ROWS)
    assert retention.preview_rule(rules.AUDIT_ROWS, now=NOW).count == 1
    outcome = retention.run_rule(rules.AUDIT_ROWS, now=NOW)
    assert outcome.processed == 1
    remaining = set(AuditEvent.objects.values_list("pk", flat=True))
    assert old.pk not in remaining and recent.pk in remaining
    run_event = AuditEvent.objects.get(verb="privacy.retention_run")
    assert run_event.details == {
        "rule": rules.AUDIT_ROWS,
        "cutoff": outcome.run.cutoff.isoformat(),
        "processed": 1,
    }


def test_closed_requests_are_anonymised_after_their_days_and_keep_their_outcome(db):
    person = PersonFactory()
    closed_long_ago = request_about(
        person,
        status=DataSubjectRequest.Status.FULFILLED,
        requester_contact="greta@example.org",
        details="Allt om mig",
        identity_method="Körkort",
        outcome="Utdrag skickat",
    )
    DataSubjectRequest.objects.filter(pk=closed_long_ago.pk).update(closed_at=ago(1200))
    closed_lately = request_about(person, status=DataSubjectRequest.Status.REFUSED)
    DataSubjectRequest.objects.filter(pk=closed_lately.pk).update(closed_at=ago(100))
    still_open = request_about(person)
    DataSubjectRequest.objects.filter(pk=still_open.pk).update(created_at=ago(1500))
    switch_on(rules.DATA_SUBJECT_REQUESTS)

    retention.run_rule(rules.DATA_SUBJECT_REQUESTS, now=NOW)

    closed_long_ago.refresh_from_db()
    assert closed_long_ago.requester_name == closed_long_ago.requester_contact == ""
    assert closed_long_ago.details == closed_long_ago.identity_method == ""
    assert closed_long_ago.person is None and closed_long_ago.anonymised_at is not None
    assert closed_long_ago.outcome == "Utdrag skickat"
    assert closed_long_ago.kind == "access" and closed_long_ago.status == "fulfilled"
    for kept in (closed_lately, still_open):
        kept.refresh_from_db()
        assert kept.requester_name == "Någon" and kept.person == person


# --- The nightly job, the command ---------------------------------------------------------------


def test_the_nightly_job_runs_every_switched_on_rule_and_only_those(inactive_world):
    from aktivist.privacy.tasks import retention_nightly

    handled_review_items(2)
    switch_on(rules.REVIEW_PAYLOADS)
    result = retention_nightly.enqueue().return_value
    assert result == {
        rules.REVIEW_PAYLOADS: 2,
        **{k: 0 for k in result if k != rules.REVIEW_PAYLOADS},
    }
    assert not ReviewItem.objects.exclude(payload={}).exists()
    falls, _stays = inactive_world
    falls["gone_quiet"].refresh_from_db()
    assert falls["gone_quiet"].is_active  # the people rule is switched off


def test_the_command_previews_and_runs(inactive_world):
    out = StringIO()
    call_command("retention", "--dry-run", stdout=out)
    text = out.getvalue()
    assert f"{rules.INACTIVE_NON_MEMBERS}: 4 people" in text
    assert "switched off" in text
    assert Person.objects.filter(is_active=False).count() == 1

    out = StringIO()
    call_command("retention", "--rule", rules.INACTIVE_NON_MEMBERS, stdout=out)
    assert "switched off" in out.getvalue()
    switch_on(rules.INACTIVE_NON_MEMBERS)
    out = StringIO()
    call_command("retention", "--rule", rules.INACTIVE_NON_MEMBERS, stdout=out)
    assert f"{rules.INACTIVE_NON_MEMBERS}: 4 done" in out.getvalue()
    assert Person.objects.filter(is_active=False).count() == 5


# --- Changing a rule ---------------------------------------------------------------------------


def test_an_admin_changes_a_rule_and_the_change_is_audited(personas):
    retention.rule_update(actor=personas.admin, key=rules.LOGIN_RECORDS, days=30, enabled=True)
    rule = RetentionRule.objects.get(key=rules.LOGIN_RECORDS)
    assert (rule.days, rule.enabled, rule.updated_by) == (30, True, personas.admin)
    event = AuditEvent.objects.get(verb="privacy.retention_rule_changed")
    assert event.actor == personas.admin
    assert event.details == {
        "rule": rules.LOGIN_RECORDS,
        "days": [90, 30],
        "enabled": [False, True],
    }


@pytest.mark.parametrize("who", ["staff", "dpo", "district_a", "board"])
def test_only_an_admin_changes_a_rule(personas, who):
    with pytest.raises(ApplicationError):
        retention.rule_update(
            actor=getattr(personas, who), key=rules.LOGIN_RECORDS, days=30, enabled=True
        )
    assert RetentionRule.objects.get(key=rules.LOGIN_RECORDS).days == 90


def test_a_people_rule_needs_a_year_and_a_confirmation(personas):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        retention.rule_update(
            actor=personas.admin, key=rules.INACTIVE_NON_MEMBERS, days=30, enabled=False
        )
    with pytest.raises(ApplicationError):
        retention.rule_update(
            actor=personas.admin, key=rules.INACTIVE_NON_MEMBERS, days=730, enabled=True
        )
    assert not RetentionRule.objects.get(key=rules.INACTIVE_NON_MEMBERS).enabled
    retention.rule_update(
        actor=personas.admin,
        key=rules.INACTIVE_NON_MEMBERS,
        days=730,
        enabled=True,
        confirmed=True,
    )
    assert RetentionRule.objects.get(key=rules.INACTIVE_NON_MEMBERS).enabled
