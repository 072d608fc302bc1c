"""A mobilization never hangs in "starting": the snapshot holds its plan on tables that were
never analysed, runs under a statement timeout, and the start runs under a lease that the
sweeper takes back from a dead worker; a start that fails or is slow is shown and alerted."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from aktivist.conftest import login
from aktivist.mobilization import services, starting
from aktivist.mobilization.models import Delivery, Mobilization
from aktivist.mobilization.tests.factories import MessageFactory
from aktivist.people.models import Consent, Person

S = Mobilization.Status
NETWORK_EMAIL = {"condition": "consent", "value": {"channel": "email", "purpose": "rapid_response"}}
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="planner statistics are PostgreSQL's"
)


def network(size: int) -> None:
    """``size`` people in the rapid-response network by email, written in bulk."""
    now = timezone.now()
    people = Person.objects.bulk_create(
        Person(first_name=f"Namn{i}", last_name="Blixtsson", email=f"n{i}@example.org")
        for i in range(size)
    )
    Consent.objects.bulk_create(
        Consent(
            person=person,
            channel=Consent.Channel.EMAIL,
            purpose=Consent.Purpose.RAPID_RESPONSE,
            status=Consent.Status.CONFIRMED,
            confirmed_at=now,
            confirmed_by=Consent.ConfirmedBy.DOUBLE_OPT_IN,
        )
        for person in people
    )


def forget_statistics(*models: type) -> None:
    """Make the tables look as on a fresh database after a bulk load: never analysed."""
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE relname = ANY(%s)", [tables]
        )
        cursor.execute(
            "DELETE FROM pg_statistic WHERE starelid IN "
            "(SELECT oid FROM pg_class WHERE relname = ANY(%s))",
            [tables],
        )


def urgent_send(actor: object) -> Mobilization:
    message = MessageFactory(created_by=actor, purpose="rapid_response")
    return services.mobilization_send_preapproved(
        actor=actor,
        name="Blixtaktion",
        message=message,
        tree=NETWORK_EMAIL,
        audience="Nätverket",
        basis="test",
        urgent=True,
        approved_by=actor,
    )


@postgres_only
@pytest.mark.django_db
def test_a_start_on_tables_never_analysed_reaches_sending_in_seconds(personas, settings):
    from aktivist.mobilization.models import Suppression

    size = 10_000
    network(size)
    forget_statistics(Person, Consent, Suppression, Delivery)
    mobilization = urgent_send(personas.staff)  # the task waits for the commit: not yet run
    assert Mobilization.objects.get(pk=mobilization.pk).status == S.STARTING

    started = time.monotonic()
    assert starting.mobilization_start(mobilization.pk)
    seconds = time.monotonic() - started

    mobilization.refresh_from_db()
    assert mobilization.status == S.SENDING
    assert Delivery.objects.filter(mobilization=mobilization).count() == size
    # A nested loop over people × consents takes tens of seconds here; a hash join, well
    # under one.
    assert seconds < 3, f"the snapshot of {size:,} took {seconds:.1f} s"


class WorkerKilled(BaseException):
    """The worker process died in the middle of the snapshot (not an error it could catch)."""


def small_network(size: int = 5) -> None:
    network(size)


def dead_start(monkeypatch, mobilization: Mobilization) -> None:
    """A start task took the lease and its worker died during the snapshot: the task stays
    RUNNING, nothing was written, nobody records anything."""
    from aktivist.mobilization import outbox

    def killed(*args, **kwargs):
        raise WorkerKilled

    with monkeypatch.context() as patch:
        patch.setattr(outbox, "insert_deliveries", killed)
        with pytest.raises(WorkerKilled):
            starting.mobilization_start(mobilization.pk)


@pytest.mark.django_db
def test_a_start_whose_worker_died_is_taken_up_by_the_sweeper_and_sends_once(
    personas, monkeypatch, django_capture_on_commit_callbacks, mailoutbox
):
    from freezegun import freeze_time

    from aktivist.core.models import AuditEvent

    small_network(5)
    mobilization = urgent_send(personas.staff)
    dead_start(monkeypatch, mobilization)
    mobilization.refresh_from_db()
    assert mobilization.status == S.STARTING

    # Within the lease, the sweeper leaves the start alone (the worker may be alive).
    with django_capture_on_commit_callbacks(execute=True):
        starting.sweep(now=timezone.now())
    assert Mobilization.objects.get(pk=mobilization.pk).status == S.STARTING

    later = timezone.now() + dt.timedelta(minutes=30)  # past the lease (7 minutes)
    with freeze_time(later), django_capture_on_commit_callbacks(execute=True):
        summary = starting.sweep(now=later)
    assert summary["started"] == 1
    mobilization.refresh_from_db()
    assert mobilization.status in (S.SENDING, S.DONE)
    people = list(Delivery.objects.filter(mobilization=mobilization).values_list("person_id"))
    assert len(people) == len(set(people)) == 5
    network_mail = [m for m in mailoutbox if m.to[0].startswith("n")]
    assert sorted(m.to[0] for m in network_mail) == [f"n{i}@example.org" for i in range(5)]
    # The dead worker was noticed: recorded and alerted.
    assert AuditEvent.objects.filter(
        verb="mobilization.start_failed", object_id=mobilization.pk
    ).exists()
    assert AuditEvent.objects.filter(
        verb="mobilization.start_alert", object_id=mobilization.pk
    ).exists()


@pytest.mark.django_db
def test_a_second_attempt_never_writes_the_outbox_twice(personas, monkeypatch):
    """A worker whose lease ran out and that finishes after all must not add a second
    snapshot to the one its successor wrote."""
    small_network(3)
    mobilization = urgent_send(personas.staff)
    dead_start(monkeypatch, mobilization)
    later = timezone.now() + starting.start_lease_length() + dt.timedelta(seconds=5)
    starting.retry_starts(later)  # the task it queues runs at once (and sends)
    mobilization.refresh_from_db()
    assert mobilization.status in (S.SENDING, S.DONE)
    assert not starting.mobilization_start(mobilization.pk)
    assert starting._snapshot(mobilization.pk, attempt=1) is False  # the dead one's attempt
    assert Delivery.objects.filter(mobilization=mobilization).count() == 3


def broken_snapshot(monkeypatch) -> None:
    from django.db import OperationalError

    from aktivist.mobilization import outbox

    def fails(*args, **kwargs):
        raise OperationalError("canceling statement due to statement timeout")

    monkeypatch.setattr(outbox, "insert_deliveries", fails)


@pytest.mark.django_db
def test_a_failed_start_is_shown_on_its_page_and_alerts_the_secretariat(
    personas, monkeypatch, settings, django_capture_on_commit_callbacks, mailoutbox, client
):
    from aktivist.core.models import AuditEvent

    settings.MOBILIZATION_ALERT_EMAILS = ["duty@example.org"]
    small_network(2)
    mobilization = urgent_send(personas.staff)
    broken_snapshot(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        assert not starting.mobilization_start(mobilization.pk)
    mobilization.refresh_from_db()
    assert mobilization.status == S.STARTING
    assert mobilization.start_error == "OperationalError"
    assert AuditEvent.objects.filter(
        verb="mobilization.start_alert", object_id=mobilization.pk
    ).exists()
    assert [m.to for m in mailoutbox] == [["duty@example.org"]]
    assert mobilization.name in mailoutbox[0].subject

    login(client, personas.staff)
    page = client.get(reverse("mobilization:detail", args=[mobilization.pk])).content.decode()
    assert "Starting failed (attempt 1 of 3)" in page

    # A second failure alerts no more; the last one says it is not tried again.
    settings.MOBILIZATION_START_ATTEMPTS = 2
    later = timezone.now() + dt.timedelta(minutes=3)
    with django_capture_on_commit_callbacks(execute=True):
        starting.sweep(now=later)
    mobilization.refresh_from_db()
    assert mobilization.start_attempts == 2
    assert len(mailoutbox) == 1
    page = client.get(reverse("mobilization:detail", args=[mobilization.pk])).content.decode()
    assert "Starting failed 2 times and is not tried again" in page


@pytest.mark.django_db
def test_a_slow_start_is_shown_and_alerted_once(
    personas, settings, django_capture_on_commit_callbacks, mailoutbox, client
):
    from freezegun import freeze_time

    settings.MOBILIZATION_START_ALERT_MINUTES = 5
    settings.MOBILIZATION_ALERT_EMAILS = ["duty@example.org"]
    small_network(2)
    mobilization = urgent_send(personas.staff)
    # Its start task is still waiting (or its snapshot still running): no lease expired yet.
    starting._take_start_lease(mobilization.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert starting.sweep(now=timezone.now() + dt.timedelta(minutes=4))["alerted"] == 0
    assert mailoutbox == []
    later = timezone.now() + dt.timedelta(minutes=6)
    with freeze_time(later), django_capture_on_commit_callbacks(execute=True):
        assert starting.sweep(now=later)["alerted"] == 1
        assert starting.sweep(now=later)["alerted"] == 0
        login(client, personas.staff)
        page = client.get(reverse("mobilization:detail", args=[mobilization.pk])).content.decode()
    assert len(mailoutbox) == 1
    assert "Starting has taken 6 minutes" in page


@pytest.mark.django_db
def test_a_failed_start_is_shown_on_the_urgent_case_page(
    personas, monkeypatch, settings, django_capture_on_commit_callbacks, mailoutbox, client
):
    from django.urls import reverse

    from aktivist.core.models import AuditEvent
    from aktivist.urgent.services import case_open_and_send
    from aktivist.urgent.tests.factories import UrgentTemplateFactory, network_member
    from aktivist.urgent.tests.test_cases import case_text

    settings.SMS_QUIET_HOURS = ()
    network_member(email="both@example.org", mobile="+46701000001")
    broken_snapshot(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        case = case_open_and_send(
            actor=personas.staff,
            template=UrgentTemplateFactory(approved_by=personas.admin),
            case=case_text(),
            follow_up=False,
        )
    assert case.email_mobilization is not None
    alerts = AuditEvent.objects.filter(verb="mobilization.start_alert")
    assert alerts.count() == 2  # the email and the SMS
    login(client, personas.staff)
    for url in (
        reverse("urgent:case", args=[case.pk]),
        reverse("urgent:case_progress", args=[case.pk]),
    ):
        page = client.get(url).content.decode()
        assert page.count("Starting failed (attempt 1 of 3)") == 2, url
