"""The outbox's mechanics: claims under a lease, dead workers' rows going back, urgent
work first, per-domain rates, a pause noticed in the middle of a batch."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aktivist.core.transports import DjangoBackendTransport
from aktivist.mobilization import outbox, rates, sending, services, starting
from aktivist.mobilization.models import Delivery, Mobilization
from aktivist.mobilization.tests.factories import MessageFactory, SegmentFactory
from aktivist.people.models import Consent
from aktivist.people.tests.factories import ConsentFactory, PersonFactory, TagFactory


def audience(count: int, *, tag: str = "Upprop", domain: str = "example.org") -> dict:
    label = TagFactory(name=tag)
    for i in range(count):
        person = PersonFactory(email=f"{tag.lower()}{i}@{domain}")
        person.tags.add(label)
        ConsentFactory(person=person, status=Consent.Status.CONFIRMED, confirmed_at=timezone.now())
    return {"condition": "tag", "value": {"tags": [label.pk]}}


def started(actor, tree, *, urgent: bool = False) -> Mobilization:
    """Requested and snapshotted, but no worker has run (in tests that commit, the
    immediate task backend has run one already)."""
    mobilization = services.mobilization_create(
        actor=actor,
        name="Upprop",
        message=MessageFactory(),
        segment=SegmentFactory(tree=tree),
        urgent=urgent,
    )
    services.mobilization_request_send(actor=actor, mobilization=mobilization)
    starting.mobilization_start(mobilization.pk)
    mobilization.refresh_from_db()
    assert mobilization.status != Mobilization.Status.STARTING
    return mobilization


def test_two_claims_never_take_the_same_rows(personas, settings):
    mobilization = started(personas.staff, audience(5))
    first = outbox.claim_batch(size=3)
    second = outbox.claim_batch(size=3)
    third = outbox.claim_batch(size=3)
    assert first is not None and second is not None
    assert len(first.ids) == 3 and len(second.ids) == 2
    assert not set(first.ids) & set(second.ids)
    assert third is None
    assert (
        Delivery.objects.filter(mobilization=mobilization, status=Delivery.Status.SENDING).count()
        == 5
    )


def test_a_dead_workers_rows_go_back_when_the_lease_expires(personas, mailoutbox):
    started(personas.staff, audience(4))
    batch = outbox.claim_batch(size=10)
    assert batch is not None
    # The worker dies here. Before the lease ends nobody may take its rows...
    assert outbox.requeue_expired() == 0
    assert outbox.claim_batch() is None
    # ...afterwards they are pending again and the next dispatch sends them.
    assert outbox.requeue_expired(now=batch.lease_until + dt.timedelta(seconds=1)) == 4
    assert sending.dispatch().sent == 4
    assert len(mailoutbox) == 4


def test_a_worker_that_lost_its_lease_does_not_record_another_workers_row(personas):
    started(personas.staff, audience(1))
    slow = outbox.claim_batch()
    assert slow is not None
    outbox.requeue_expired(now=slow.lease_until + dt.timedelta(seconds=1))
    fast = outbox.claim_batch()
    assert fast is not None and fast.ids == slow.ids
    assert not sending.Recorder(slow).sent(slow.ids[0], "late")
    assert sending.Recorder(fast).sent(fast.ids[0], "ok")
    assert Delivery.objects.get(pk=fast.ids[0]).provider_id == "ok"


def test_urgent_work_is_claimed_before_bulk_work(personas):
    bulk = started(personas.staff, audience(3, tag="Bulk"))
    urgent = started(personas.staff, audience(2, tag="Urgent"), urgent=True)
    batch = outbox.claim_batch(size=10)
    assert batch is not None
    assert set(
        Delivery.objects.filter(pk__in=batch.ids).values_list("mobilization_id", flat=True)
    ) == {urgent.pk}
    assert outbox.claim_batch(lane="urgent") is None  # the urgent lane takes only urgent work
    assert outbox.claim_batch(lane="default") is not None
    assert bulk.pk


def test_workers_share_themselves_between_mobilizations_of_the_same_lane(personas):
    # An urgent action's email and SMS go out side by side, not one after the other.
    first = started(personas.staff, audience(25, tag="First"), urgent=True)
    second = started(personas.staff, audience(25, tag="Second"), urgent=True)
    claimed: list[int] = []
    for _ in range(20):
        batch = outbox.claim_batch(size=1)
        assert batch is not None
        claimed += Delivery.objects.filter(pk__in=batch.ids).values_list(
            "mobilization_id", flat=True
        )
    # Either alone would be 20 of 25 (a chance of one in half a million).
    assert set(claimed) == {first.pk, second.pk}


def test_a_domain_gets_no_more_than_its_rate_a_minute(personas, settings, mailoutbox):
    settings.EMAIL_DOMAIN_RATES = {"example.net": 2}
    started(personas.staff, audience(5, tag="Net", domain="example.net"))
    started(personas.staff, audience(3, tag="Org", domain="example.org"))
    sending.dispatch()
    sent_to = [m.to[0].rsplit("@", 1)[1] for m in mailoutbox]
    assert sent_to.count("example.net") == 2
    assert sent_to.count("example.org") == 3
    waiting = Delivery.objects.filter(status=Delivery.Status.PENDING)
    assert waiting.count() == 3
    next_minute = (int(timezone.now().timestamp()) // 60 + 1) * 60
    assert all(d.due_at.timestamp() >= next_minute for d in waiting)
    assert all(d.attempts == 0 for d in waiting)  # waiting for a rate is not a failure


def test_the_rate_window_opens_again_the_next_minute(settings):
    settings.EMAIL_DOMAIN_RATES = {"example.com": 1}
    assert rates.take("example.com", clock=lambda: 120.0) is None
    assert rates.take("example.com", clock=lambda: 150.0) == dt.datetime.fromtimestamp(
        180, tz=dt.UTC
    )
    assert rates.take("example.com", clock=lambda: 181.0) is None
    assert rates.take("example.org", clock=lambda: 181.0) is None  # no limit set


class PausingTransport(DjangoBackendTransport):
    """The locmem backend; after the second message someone presses "pause"."""

    def __init__(self, mobilization: Mobilization) -> None:
        super().__init__("django.core.mail.backends.locmem.EmailBackend")
        self.mobilization = mobilization
        self.count = 0

    def send(self, email):
        result = super().send(email)
        self.count += 1
        if self.count == 2:
            Mobilization.objects.filter(pk=self.mobilization.pk).update(
                status=Mobilization.Status.PAUSED
            )
        return result


def test_a_pause_in_the_middle_of_a_batch_stops_sending_and_gives_the_rows_back(
    personas, monkeypatch, mailoutbox
):
    mobilization = started(personas.staff, audience(6))
    monkeypatch.setattr(sending, "CHECK_EVERY_SECONDS", 0)
    batch = outbox.claim_batch()
    assert batch is not None
    sent = sending.send_batch(batch, PausingTransport(mobilization))
    assert sent == 2
    statuses = list(
        Delivery.objects.filter(mobilization=mobilization).values_list("status", flat=True)
    )
    assert statuses.count(Delivery.Status.SENT) == 2
    assert statuses.count(Delivery.Status.PENDING) == 4


def test_a_person_who_withdrew_consent_after_the_snapshot_is_skipped(personas, mailoutbox):
    mobilization = started(personas.staff, audience(2))
    Consent.objects.filter(person__email="upprop0@example.org").update(
        status=Consent.Status.WITHDRAWN
    )
    sending.dispatch()
    assert [m.to[0] for m in mailoutbox] == ["upprop1@example.org"]
    skipped = Delivery.objects.get(mobilization=mobilization, person__email="upprop0@example.org")
    assert (skipped.status, skipped.reason) == (
        Delivery.Status.SKIPPED,
        Delivery.Reason.NO_CONSENT,
    )


@pytest.mark.django_db(transaction=True)
def test_when_the_server_is_down_the_batch_waits_and_nothing_is_lost(personas, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = 9  # nothing listens on the discard port
    mobilization = started(personas.staff, audience(3))
    result = sending.dispatch()
    assert result.sent == 0
    rows = Delivery.objects.filter(mobilization=mobilization)
    assert set(rows.values_list("status", flat=True)) == {Delivery.Status.PENDING}
    assert all(d.due_at > timezone.now() for d in rows)


def test_an_email_service_provider_through_anymail_gets_the_message_and_its_delivery(
    personas, settings, mailoutbox
):
    """ "Any django-anymail provider by settings": anymail's own test backend stands in for
    the provider's API; the provider's message id is recorded on the delivery, and the
    delivery travels as metadata for the provider's webhooks."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    mobilization = started(personas.staff, audience(2))
    assert sending.dispatch().sent == 2
    assert len(mailoutbox) == 2
    deliveries = {d.pk: d for d in Delivery.objects.filter(mobilization=mobilization)}
    for message in mailoutbox:
        params = message.anymail_test_params
        delivery = deliveries[int(params["metadata"]["delivery"])]
        assert delivery.status == Delivery.Status.SENT
        assert delivery.provider_id == str(message.anymail_status.message_id)
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
