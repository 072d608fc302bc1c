"""An action's thank-you page offers upcoming recruitment meetings and trainings near the
signer's postcode (the unit covering it and the units above it) and national ones, soonest
first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.organisation.selectors import home_unit_for_postcode
from aktivist.programmes.models import Programme
from aktivist.programmes.next_steps import events_to_take_part_in
from aktivist.programmes.tests.factories import EventFactory, ProgrammeFactory
from aktivist.public.tests.helpers import post_signature

pytestmark = pytest.mark.django_db


def _in(days: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


@pytest.fixture
def programmes():
    return {
        "meeting": ProgrammeFactory(kind=Programme.Kind.RECRUITMENT_MEETING),
        "training": ProgrammeFactory(kind=Programme.Kind.CAMPAIGN_TRAINING),
        "alumni": ProgrammeFactory(kind=Programme.Kind.ALUMNI_PROGRAMME),
    }


def test_near_and_national_meetings_and_trainings_soonest_first(world, programmes):
    meeting, training = programmes["meeting"], programmes["training"]
    EventFactory(title="Group meeting", unit=world.group_a1, programme=meeting, starts_at=_in(9))
    EventFactory(
        title="District training", unit=world.district_a, programme=training, starts_at=_in(4)
    )
    EventFactory(title="National meeting", unit=world.national, programme=meeting, starts_at=_in(6))
    EventFactory(title="Other group", unit=world.group_a2, programme=meeting, starts_at=_in(1))
    EventFactory(title="Other district", unit=world.group_b1, programme=meeting, starts_at=_in(2))
    EventFactory(
        title="Alumni", unit=world.group_a1, programme=programmes["alumni"], starts_at=_in(3)
    )
    EventFactory(title="No programme", unit=world.group_a1, starts_at=_in(3))
    EventFactory(
        title="Closed", unit=world.group_a1, programme=meeting, registration_deadline=_in(-1)
    )
    EventFactory(title="Draft", unit=world.group_a1, programme=meeting, is_published=False)
    near = [e.title for e in events_to_take_part_in(home_unit_for_postcode("21145"))]
    assert near == ["District training", "National meeting", "Group meeting"]
    assert [e.title for e in events_to_take_part_in(None)] == ["National meeting"]
    assert [e.title for e in events_to_take_part_in(world.national)] == ["National meeting"]


def test_the_action_thank_you_page_lists_them(client, world, programmes):
    EventFactory(
        title="Introduction evening",
        slug="intro",
        unit=world.group_a1,
        programme=programmes["meeting"],
        starts_at=_in(5),
    )
    response = post_signature(client, ActionFactory(), query="lang=en", postcode="211 45")
    html = client.get(response["Location"]).content.decode()
    assert "What you can do next" in html
    assert '<a href="/e/intro/?lang=en">Introduction evening</a>' in html
