"""Rows held for the secretariat leave a trace in the dry run too: a review item and an
audit event per held row, written in bulk, so that dry-running a file of addresses cannot
probe the register unseen; the real run that follows adds no second review item, and
unusual numbers of holds alert the secretariat (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aktivist.core.models import AuditEvent
from aktivist.imports import dry_run, runner, services
from aktivist.imports.models import ImportIssue
from aktivist.imports.tests.import_helpers import counts, media, upload, write_csv
from aktivist.people.holds import ALERT_VERB
from aktivist.people.models import Person, ReviewItem
from aktivist.people.tests.factories import PersonFactory

__all__ = ["media"]

pytestmark = pytest.mark.usefixtures("media")


def _outsiders(n: int) -> list[Person]:
    """People no district or group holds: outside a district representative's scope."""
    return [PersonFactory(email=f"outside{i}@example.org") for i in range(n)]


def _rows(people: list[Person]) -> list[tuple[str, ...]]:
    return [("Någon", "Annan", p.email or "", "", "", "") for p in people]


def _held_events() -> Any:
    return AuditEvent.objects.filter(verb="review.held").order_by("pk")


def test_a_district_dry_run_writes_a_review_item_and_an_audit_event_per_held_row(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    outside = [world.home_b, world.member_b1]
    rows = [
        ("Ny", "Person", "ny@example.org", "", "21145", ""),
        *_rows(outside),
        (world.home_a.first_name, "", world.home_a.email, "", "", ""),  # in scope
    ]
    batch = upload(
        personas.district_a, write_csv(tmp_path, rows), options={"unit": world.group_a1.pk}
    )
    people = Person.objects.count()
    batch = services.batch_dry_run(actor=personas.district_a, batch=batch)

    assert batch.dry_run["counts"]["held"] == 2
    items = list(ReviewItem.objects.order_by("payload__line"))
    assert [i.matched_person_id for i in items] == [p.pk for p in outside]
    for item, line in zip(items, (3, 4), strict=True):
        assert item.kind == ReviewItem.Kind.IMPORT_ROW
        assert item.status == ReviewItem.Status.OPEN
        assert item.submitted_by == personas.district_a
        assert item.unit == world.group_a1
        assert item.payload["dry_run"] is True
        assert item.payload["import_batch"] == batch.pk
        assert item.payload["line"] == line
        assert item.payload["values"]["last_name"] == "Annan"

    events = list(_held_events())
    assert [e.person_id for e in events] == [p.pk for p in outside]
    for event, item, line in zip(events, items, (3, 4), strict=True):
        assert event.actor == personas.district_a
        assert event.object_type == "people.reviewitem"
        assert event.object_id == str(item.pk)
        assert event.details == {
            "kind": "import_row",
            "import_batch": batch.pk,
            "line": line,
            "dry_run": True,
        }
    # The audit trail names the matched person by id, never the row's values.
    assert "outside" not in json.dumps([e.details for e in events])
    assert "Annan" not in json.dumps([e.details for e in events])

    # The importer's summary still names nobody; nothing else was written.
    summary = json.dumps(batch.dry_run)
    for person in outside:
        assert person.email not in summary and str(person.last_name) not in summary
        assert f'"{person.pk}"' not in summary
    assert [r["kind"] for r in batch.dry_run["rows"]] == ["held", "held"]
    assert Person.objects.count() == people
    assert not ImportIssue.objects.exists()


def test_the_real_run_after_the_dry_run_adds_no_second_review_item_but_audits_its_holds(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    outside = _outsiders(2)
    path = write_csv(tmp_path, _rows(outside))
    batch = upload(personas.district_a, path, options={"unit": world.group_a1.pk})
    services.batch_dry_run(actor=personas.district_a, batch=batch)
    services.batch_dry_run(actor=personas.district_a, batch=batch)  # again: no new items
    assert ReviewItem.objects.count() == 2
    assert _held_events().count() == 4  # every hold is audited

    batch = services.batch_start(actor=personas.district_a, batch=batch, enqueue=False)
    batch = runner.run(batch)
    assert counts(batch)["held"] == 2
    assert ReviewItem.objects.count() == 2  # the dry run's items wait for the secretariat
    real = [e for e in _held_events() if e.details["dry_run"] is False]
    assert sorted(e.person_id for e in real) == sorted(p.pk for p in outside)
    item_ids = {str(pk) for pk in ReviewItem.objects.values_list("pk", flat=True)}
    assert {e.object_id for e in real} == item_ids
    assert all(e.details["import_batch"] == batch.pk for e in real)


def test_a_real_run_without_a_dry_run_writes_its_review_items_and_audit_events(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    outside = _outsiders(3)
    path = write_csv(tmp_path, _rows(outside))
    batch = upload(personas.district_a, path, options={"unit": world.group_a1.pk})
    batch = services.batch_start(actor=personas.district_a, batch=batch, enqueue=False)
    runner.run(batch)
    items = ReviewItem.objects.all()
    assert items.count() == 3
    assert not any(item.payload.get("dry_run") for item in items)
    events = _held_events()
    assert events.count() == 3
    assert {e.details["dry_run"] for e in events} == {False}
    assert {e.actor_id for e in events} == {personas.district_a.pk}


def test_holds_are_written_in_bulk_not_one_query_per_row(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    few = upload(
        personas.district_a,
        write_csv(tmp_path, _rows(_outsiders(2)), name="few.csv"),
        options={"unit": world.group_a1.pk},
    )
    many_people = [PersonFactory(email=f"many{i}@example.org") for i in range(12)]
    many = upload(
        personas.district_a,
        write_csv(tmp_path, _rows(many_people), name="many.csv"),
        options={"unit": world.group_a1.pk},
    )
    with CaptureQueriesContext(connection) as few_queries:
        dry_run.dry_run(few)
    with CaptureQueriesContext(connection) as many_queries:
        dry_run.dry_run(many)
    assert ReviewItem.objects.count() == 14
    assert len(many_queries) == len(few_queries)


def test_a_national_dry_run_holds_nothing(personas: Any, world: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path, _rows(_outsiders(2)))
    batch = upload(personas.staff, path)
    services.batch_dry_run(actor=personas.staff, batch=batch)
    assert not ReviewItem.objects.exists()
    assert not _held_events().exists()


def test_dry_run_holds_past_the_threshold_alert_the_secretariat_once(
    personas: Any,
    world: Any,
    tmp_path: Path,
    settings: Any,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.HOLD_ALERT_THRESHOLD = 3
    path = write_csv(tmp_path, _rows(_outsiders(3)))
    batch = upload(personas.district_a, path, options={"unit": world.group_a1.pk})
    with django_capture_on_commit_callbacks(execute=True):
        services.batch_dry_run(actor=personas.district_a, batch=batch)
    alerts = AuditEvent.objects.filter(verb=ALERT_VERB)
    assert alerts.count() == 1
    assert alerts.get().object_id == str(personas.district_a.pk)
    assert sorted(m.to[0] for m in mailoutbox) == ["admin@example.org", "staff@example.org"]
    # The real run of the same file adds no items (no new holds) and no second alert.
    batch = services.batch_start(actor=personas.district_a, batch=batch, enqueue=False)
    with django_capture_on_commit_callbacks(execute=True):
        runner.run(batch)
    assert alerts.count() == 1
    assert len(mailoutbox) == 2
