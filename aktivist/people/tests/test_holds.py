"""Unusual numbers of holds by one account alert the secretariat: once per account and
window, by an audit event and an email naming the account (never the people its requests
matched); national accounts never alert; the review queue lists such accounts (issue 13)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from freezegun import freeze_time

from aktivist.accounts.models import User
from aktivist.core.models import AuditEvent
from aktivist.people.holds import ALERT_VERB, holds_recorded, unusual_hold_volumes
from aktivist.people.models import ReviewItem
from aktivist.people.tests.factories import PersonFactory

START = dt.datetime(2030, 5, 6, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def english(personas: Any) -> Any:
    """The secretariat reads English here (the emails are rendered in their language)."""
    User.objects.update(language="en")
    return personas


def _hold(actor: Any, n: int, capture: Any) -> None:
    """n requests by actor held for review, then reported as the services do."""
    matched = PersonFactory()
    ReviewItem.objects.bulk_create(
        ReviewItem(
            kind=ReviewItem.Kind.PERSON_CREATE,
            submitted_by=actor,
            matched_person=matched,
            payload={"email": f"probe{i}@example.org"},
        )
        for i in range(n)
    )
    with capture(execute=True):
        holds_recorded(actor=actor, count=n)


def _alerts() -> Any:
    return AuditEvent.objects.filter(verb=ALERT_VERB)


def test_holds_past_the_threshold_alert_the_secretariat_once(
    english: Any, world: Any, settings: Any, mailoutbox: Any, django_capture_on_commit_callbacks
) -> None:
    settings.HOLD_ALERT_THRESHOLD = 25
    settings.HOLD_ALERT_WINDOW_HOURS = 24
    district = english.district_a
    _hold(district, 24, django_capture_on_commit_callbacks)
    assert not _alerts().exists()
    assert mailoutbox == []

    _hold(district, 1, django_capture_on_commit_callbacks)
    alert = _alerts().get()
    assert alert.object_type == "accounts.user"
    assert alert.object_id == str(district.pk)
    assert alert.person_id is None
    assert alert.details == {"count": 25, "window_hours": 24, "threshold": 25}
    assert sorted(m.to[0] for m in mailoutbox) == ["admin@example.org", "staff@example.org"]
    message = mailoutbox[0]
    body = message.body
    assert "Unusually many requests held for review" in message.subject
    assert district.name in body and district.email in body
    assert "District representative" in body
    assert world.district_a.name in body  # the account's scope
    assert "25 requests" in body
    assert settings.SITE_URL.rstrip("/") + reverse("people:review_list") in body
    assert "probe0@example.org" not in body  # never what the requests typed

    # More holds within the window: no second alert, even with the cache emptied.
    cache.clear()
    _hold(district, 5, django_capture_on_commit_callbacks)
    assert _alerts().count() == 1
    assert len(mailoutbox) == 2


def test_the_next_window_may_alert_again(
    english: Any, settings: Any, mailoutbox: Any, django_capture_on_commit_callbacks
) -> None:
    settings.HOLD_ALERT_THRESHOLD = 3
    settings.HOLD_ALERT_WINDOW_HOURS = 24
    with freeze_time(START) as clock:
        _hold(english.district_a, 3, django_capture_on_commit_callbacks)
        assert _alerts().count() == 1
        clock.move_to(START + dt.timedelta(hours=25))
        _hold(english.district_a, 1, django_capture_on_commit_callbacks)
        assert _alerts().count() == 1  # the earlier holds are outside the window now
        _hold(english.district_a, 2, django_capture_on_commit_callbacks)
        assert _alerts().count() == 2
    assert len(mailoutbox) == 4


def test_national_accounts_and_system_actors_never_alert(
    english: Any, settings: Any, mailoutbox: Any, django_capture_on_commit_callbacks
) -> None:
    settings.HOLD_ALERT_THRESHOLD = 2
    _hold(english.staff, 5, django_capture_on_commit_callbacks)
    _hold(english.admin, 5, django_capture_on_commit_callbacks)
    _hold(None, 5, django_capture_on_commit_callbacks)
    assert not _alerts().exists()
    assert mailoutbox == []
    assert unusual_hold_volumes() == []


def test_a_coordinator_alerts_too(
    english: Any, settings: Any, mailoutbox: Any, django_capture_on_commit_callbacks
) -> None:
    settings.HOLD_ALERT_THRESHOLD = 2
    _hold(english.coordinator_a1, 2, django_capture_on_commit_callbacks)
    assert _alerts().get().object_id == str(english.coordinator_a1.pk)


def test_the_alert_goes_to_the_configured_addresses_instead(
    english: Any, settings: Any, mailoutbox: Any, django_capture_on_commit_callbacks
) -> None:
    settings.HOLD_ALERT_THRESHOLD = 2
    settings.HOLD_ALERT_EMAILS = ["sakerhet@example.org"]
    _hold(english.district_a, 2, django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [["sakerhet@example.org"]]


def test_an_inactive_secretariat_account_gets_no_alert(
    english: Any, settings: Any, mailoutbox: Any, django_capture_on_commit_callbacks
) -> None:
    settings.HOLD_ALERT_THRESHOLD = 2
    User.objects.filter(pk=english.staff.pk).update(is_active=False)
    _hold(english.district_a, 2, django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [["admin@example.org"]]


def test_the_review_queue_lists_accounts_with_unusually_many_holds(
    english: Any, world: Any, settings: Any, client_for: Any, django_capture_on_commit_callbacks
) -> None:
    settings.HOLD_ALERT_THRESHOLD = 3
    _hold(english.district_a, 4, django_capture_on_commit_callbacks)
    _hold(english.coordinator_a1, 2, django_capture_on_commit_callbacks)  # below
    volumes = unusual_hold_volumes()
    assert [(v.account, v.count) for v in volumes] == [(english.district_a, 4)]
    assert volumes[0].units == [world.district_a.name]
    html = client_for(english.admin).get(reverse("people:review_list")).content.decode()
    assert "Accounts with unusually many held requests" in html
    assert str(english.district_a) in html
    assert "4 held requests in the last 24 hours" in html
    section = html.split('id="hold-volumes"')[1].split("</section>")[0]
    assert str(english.coordinator_a1) not in section


def test_the_review_queue_says_nothing_without_unusual_volumes(
    english: Any, client_for: Any
) -> None:
    html = client_for(english.admin).get(reverse("people:review_list")).content.decode()
    assert 'id="hold-volumes"' not in html
