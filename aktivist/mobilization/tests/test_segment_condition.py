"""The segment condition "messaged": sent a message within N days (by any mobilization,
or by the named ones the viewer can see)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aktivist.core.conditions import SegmentError
from aktivist.mobilization.models import Delivery
from aktivist.mobilization.tests.factories import DeliveryFactory, MobilizationFactory
from aktivist.people.selectors import filter_people


def names(qs):
    return set(qs.values_list("first_name", flat=True))


def test_messaged_within_days_and_its_negation(personas, world):
    recent = MobilizationFactory(unit=world.district_a)
    DeliveryFactory(mobilization=recent, person=world.member_a1)
    DeliveryFactory(
        mobilization=recent,
        person=world.member_a2,
        sent_at=timezone.now() - dt.timedelta(days=40),
    )
    DeliveryFactory(
        mobilization=recent, person=world.home_a, status=Delivery.Status.SKIPPED, sent_at=None
    )
    messaged = {"condition": "messaged", "value": {"days": 30}}
    assert names(filter_people(personas.staff, messaged)) == {"Märta"}
    not_messaged = filter_people(personas.district_a, {"not": messaged})
    assert names(not_messaged) == {"Hanna", "Folke", "Rut", "Åke"}


def test_messaged_by_a_named_mobilization_outside_scope_is_unknown(personas, world):
    theirs = MobilizationFactory(unit=world.group_b1)
    tree = {"condition": "messaged", "value": {"days": 30, "mobilizations": [theirs.pk]}}
    with pytest.raises(SegmentError, match="Unknown mobilization"):
        list(filter_people(personas.district_a, tree))
    DeliveryFactory(mobilization=theirs, person=world.member_b1)
    assert names(filter_people(personas.staff, tree)) == {"Björn"}


def test_messaged_queued_also_counts_messages_still_waiting_in_the_outbox(personas, world):
    """An invitation's "not already invited": a message that is pending counts too."""
    earlier = MobilizationFactory(unit=world.district_a)
    DeliveryFactory(mobilization=earlier, person=world.member_a1)
    DeliveryFactory(
        mobilization=earlier, person=world.member_a2, status=Delivery.Status.PENDING, sent_at=None
    )
    DeliveryFactory(
        mobilization=earlier, person=world.home_a, status=Delivery.Status.SKIPPED, sent_at=None
    )
    value = {"days": 30, "mobilizations": [earlier.pk]}
    sent = {"condition": "messaged", "value": value}
    queued = {"condition": "messaged", "value": {**value, "queued": True}}
    assert names(filter_people(personas.staff, sent)) == {"Märta"}
    assert names(filter_people(personas.staff, queued)) == {"Märta", "Åke"}
