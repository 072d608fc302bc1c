"""Journey 9's promise: a person is erased and the campaign counts do not change.

Zelmira has a row in every store of personal data (``erasure_helpers.make_her``); others
took the same action, came to the same meeting and were in the same months' snapshots.
Every report that follows one person across rows is computed before and after her erasure
and must be equal; the log output of the erasure (every logger at DEBUG, the database's
statements included) never names her.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from aktivist.campaigns.models import Action
from aktivist.campaigns.selectors import action_audience, participation_count
from aktivist.campaigns.tests.factories import ParticipationFactory
from aktivist.engagement.models import EngagementLevel, EngagementSnapshot, Level
from aktivist.engagement.selectors import movement, snapshot_months
from aktivist.engagement.services import take_snapshot
from aktivist.mobilization.models import Delivery
from aktivist.mobilization.selectors import progress
from aktivist.people.models import Person
from aktivist.people.tests.factories import PersonFactory
from aktivist.privacy import erasure
from aktivist.privacy.tests.erasure_helpers import NEEDLES, birth_year_for_age, make_her
from aktivist.programmes.models import Event, Registration
from aktivist.programmes.reports import red_thread
from aktivist.programmes.selectors import event_counts
from aktivist.programmes.tests.factories import ProgrammeCompletionFactory, RegistrationFactory


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


@pytest.fixture
def her(world, personas, media_root):
    her = make_her(world=world, staff=personas.staff, directory=media_root)
    # Others in the same reports: a young attendee in district B who went on to the
    # training, an older one in district A who did not; another signer of her action.
    now = timezone.now()
    young_b = PersonFactory(home_unit=world.district_b, birth_year=birth_year_for_age(20))
    older_a = PersonFactory(home_unit=world.group_a2, birth_year=birth_year_for_age(50))
    for person in (young_b, older_a):
        RegistrationFactory(
            person=person,
            event=her.recruitment,
            status=Registration.Status.ATTENDED,
            attended_at=now - dt.timedelta(days=20),
        )
    ProgrammeCompletionFactory(person=young_b, programme=her.training)
    ParticipationFactory(person=older_a, action=her.action)
    for month in snapshot_months():
        EngagementSnapshot.objects.create(person=young_b, month=month, level=Level.ACTED)
    return her


def _reports(viewer: Any, her: Any) -> dict[str, Any]:
    cache.clear()  # the engagement report keeps its counts a few minutes
    today = timezone.localdate()
    report = red_thread(viewer, start=today - dt.timedelta(days=60), end=today)
    months = snapshot_months()
    audience = {a.pk: action_audience(a) for a in Action.objects.all()}
    mobilization = progress(her.mobilization)
    return {
        "participations per action": {
            a.pk: participation_count(a, fresh=True) for a in Action.objects.all()
        },
        "young signers per action": {
            pk: (counts["total"], counts["young"], counts["age_known"])
            for pk, counts in audience.items()
        },
        "registrations per event": {
            event.pk: (
                (counts := event_counts(event)).registered,
                counts.attended,
                counts.no_show,
                counts.waitlisted,
                counts.cancelled,
                counts.young,
                counts.age_known,
            )
            for event in Event.objects.all()
        },
        "red thread by district": [
            (row.name, row.attended, row.young, row.training, row.leadership, row.role)
            for row in report.rows
        ],
        "red thread total": (
            report.total.attended,
            report.total.young,
            report.total.young_share,
            report.total.training,
            report.total.role,
        ),
        "engagement per month": sorted(
            EngagementSnapshot.objects.values_list("month", "level")
            .annotate(n=Count("pk"))
            .order_by()
        ),
        "engagement movement": movement(viewer, months[-1], months[0]),
        "mobilization progress": (
            mobilization.total,
            mobilization.sent,
            mobilization.failed,
            mobilization.clicked,
            mobilization.acted,
            mobilization.percent_done,
        ),
    }


@pytest.mark.parametrize("viewer", ["admin", "board"])
def test_erasing_her_changes_none_of_the_reports(her, personas, viewer, caplog):
    viewer = getattr(personas, viewer)
    before = _reports(viewer, her)
    assert before["red thread total"][:3] == (3, 2, 67)  # she and young_b are young
    assert before["mobilization progress"][:2] == (2, 1)

    # Every logger at DEBUG, the database's statements (with their parameters) too.
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    connection.force_debug_cursor = True
    try:
        result = erasure.person_erase(actor=personas.admin, person=her.person, reason="request")
    finally:
        connection.force_debug_cursor = False
    assert result.erased == 1

    after = _reports(viewer, her)
    for name in before:
        assert after[name] == before[name], name
    logged = "\n".join(record.getMessage() for record in caplog.records).casefold()
    assert "update" in logged  # the statements were logged …
    assert [needle for needle in NEEDLES if needle.casefold() in logged] == []  # … not her


def test_her_unsent_messages_are_skipped_as_erased_and_the_sent_one_stays_sent(her, personas):
    mine = Delivery.objects.filter(person=her.person)
    sent = mine.get(status=Delivery.Status.SENT)
    unsent = mine.get(status=Delivery.Status.PENDING)

    erasure.person_erase(actor=personas.admin, person=her.person, reason="request")

    sent.refresh_from_db()
    unsent.refresh_from_db()
    assert (sent.status, sent.person_id, sent.provider_id) == (Delivery.Status.SENT, None, "")
    assert (unsent.status, unsent.reason) == (Delivery.Status.SKIPPED, Delivery.Reason.ERASED)
    assert unsent.person_id is None


def test_the_rows_reports_follow_stay_on_her_tombstone(her, personas, world):
    erasure.person_erase(actor=personas.admin, person=her.person, reason="request")

    tombstone = Person.objects.get(pk=her.person.pk)
    assert not tombstone.is_active and tombstone.erased_at is not None
    assert tombstone.participations.count() == 1
    assert tombstone.registrations.get().status == Registration.Status.ATTENDED
    assert tombstone.programme_completions.count() == 1
    assert tombstone.engagement_snapshots.count() == 2
    role = tombstone.roles.get()
    assert role.ended_on == timezone.localdate()  # her current role ended with her record
    for gone in ("consents", "interactions", "taggings", "unit_memberships", "suppressions"):
        assert not getattr(tombstone, gone).exists(), gone
    assert not EngagementLevel.objects.filter(person=tombstone).exists()  # no level now


def test_taking_a_months_snapshot_again_keeps_her_level_that_month(her, personas):
    month = snapshot_months()[0]
    level = EngagementSnapshot.objects.get(person=her.person, month=month).level
    erasure.person_erase(actor=personas.admin, person=her.person, reason="request")

    take_snapshot(month)  # the month is taken again (a rerun of the monthly job)

    assert EngagementSnapshot.objects.get(person=her.person, month=month).level == level
