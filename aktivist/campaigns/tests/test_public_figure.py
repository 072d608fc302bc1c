"""The figure anonymous visitors see (campaigns.selectors.public_participation_figure):
counted up to the start of the current interval, rounded down, the same in every process."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from freezegun import freeze_time

from aktivist.campaigns import selectors
from aktivist.campaigns.tests.factories import ActionFactory, ParticipationFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2030, 5, 6, 10, 0, tzinfo=dt.UTC)  # an interval starts here


def test_a_signature_counts_only_from_the_next_interval_on(settings):
    settings.PUBLIC_COUNT_INTERVAL_SECONDS = 300
    with freeze_time(START - dt.timedelta(minutes=1)) as clock:
        action = ActionFactory()
        ParticipationFactory.create_batch(19, action=action)  # before the interval
        clock.move_to(START + dt.timedelta(seconds=30))
        assert selectors.public_participation_figure(action) == 10
        ParticipationFactory(action=action)  # the 20th, within the interval
        assert selectors.public_participation_figure(action) == 10
        clock.move_to(START + dt.timedelta(minutes=4, seconds=59))
        assert selectors.public_participation_figure(action) == 10
        clock.move_to(START + dt.timedelta(minutes=5))
        assert selectors.public_participation_figure(action) == 20


def test_another_process_computes_the_same_figure_within_an_interval(settings):
    # Each web process has its own cache in development: a process that counts later in the
    # interval (here: after the cache is emptied) must not see the signatures made meanwhile.
    settings.PUBLIC_COUNT_INTERVAL_SECONDS = 300
    with freeze_time(START - dt.timedelta(minutes=1)) as clock:
        action = ActionFactory()
        ParticipationFactory.create_batch(19, action=action)
        clock.move_to(START + dt.timedelta(seconds=10))
        first = selectors.public_participation_figure(action)
        ParticipationFactory.create_batch(5, action=action)
        cache.clear()
        clock.move_to(START + dt.timedelta(minutes=3))
        assert selectors.public_participation_figure(action) == first == 10


def test_the_interval_is_a_setting_and_aligned_to_the_clock(settings):
    settings.PUBLIC_COUNT_INTERVAL_SECONDS = 60
    with freeze_time(START + dt.timedelta(seconds=75)):
        assert selectors.public_count_cutoff() == START + dt.timedelta(seconds=60)
        assert selectors.seconds_until_recount() == 45


def test_staff_counts_stay_exact_and_fresh():
    action = ActionFactory()
    ParticipationFactory.create_batch(3, action=action)
    assert selectors.participation_count(action, fresh=True) == 3
    assert selectors.public_participation_figure(action) == 0  # "fewer than 10"
