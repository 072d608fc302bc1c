"""What anonymous visitors see of the number of signatures never tells whether one more
person signed: signing with an email that had signed and with one that had not shows the
same figure on every public page and partial right after, and the figure moves only when
the next interval starts (issue 13)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from freezegun import freeze_time

from aktivist.campaigns.models import Participation
from aktivist.campaigns.tests.factories import ActionFactory, ParticipationFactory
from aktivist.people.tests.factories import PersonFactory
from aktivist.public.tests.helpers import post_signature

pytestmark = pytest.mark.django_db

START = dt.datetime(2030, 5, 6, 10, 0, tzinfo=dt.UTC)  # an interval starts here
COUNT_RE = re.compile(r'<div id="action-count".*?</div>', re.S)


def _count_blocks(client, action, thanks_url: str) -> dict[str, str]:
    """The count as every public page and partial of the action shows it."""
    slug = action.slug
    pages = {
        "action": reverse("public:action", args=[slug]) + "?lang=en",
        "embed": reverse("public:action_embed", args=[slug]) + "?lang=en",
        "partial": reverse("public:action_count", args=[slug]) + "?lang=en",
        "thanks": thanks_url,
        "embed_thanks": thanks_url.replace("/thanks/", "/embed/thanks/"),
    }
    blocks = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        found = COUNT_RE.search(response.content.decode())
        assert found is not None, name
        blocks[name] = found.group(0)
    return blocks


def _sign(client, action, email: str) -> str:
    response = post_signature(client, action, query="lang=en", email=email)
    assert response.status_code == 303
    return response["Location"]


def test_a_repeat_and_a_first_signature_show_the_same_figure_everywhere(settings):
    from django.test import Client

    settings.PUBLIC_COUNT_INTERVAL_SECONDS = 300
    with freeze_time(START - dt.timedelta(minutes=2)) as clock:
        action = ActionFactory(goal=100, slug="stoppa-tortyren")  # no digits to mistake
        signed = PersonFactory(email="signed@example.org")
        ParticipationFactory(action=action, person=signed)
        ParticipationFactory.create_batch(18, action=action)  # 19 before the interval
        clock.move_to(START + dt.timedelta(minutes=1))

        # Someone types the address of a person who had signed: nothing new is stored.
        repeat = Client()
        repeat_blocks = _count_blocks(repeat, action, _sign(repeat, action, "signed@example.org"))
        assert Participation.objects.filter(action=action).count() == 19

        # Someone types an address that had not signed: the 20th signature.
        first = Client()
        first_blocks = _count_blocks(first, action, _sign(first, action, "new@example.org"))
        assert Participation.objects.filter(action=action).count() == 20

        assert first_blocks == repeat_blocks
        for block in first_blocks.values():
            assert "At least <strong>10</strong> people have taken part" in block
            assert 'value="10"' in block  # the progress bar uses the shown figure too
            assert "19" not in block and "20" not in block

        # The figure moves when the next interval starts, for everyone at once.
        clock.move_to(START + dt.timedelta(minutes=5))
        later = _count_blocks(Client(), action, _sign(Client(), action, "third@example.org"))
        for block in later.values():
            assert "At least <strong>20</strong> people have taken part" in block


def test_the_count_partial_may_be_cached_until_the_next_interval(client, settings):
    settings.PUBLIC_COUNT_INTERVAL_SECONDS = 300
    action = ActionFactory()
    with freeze_time(START + dt.timedelta(minutes=3, seconds=20)):
        response = client.get(reverse("public:action_count", args=[action.slug]))
    assert response["Cache-Control"] == "public, max-age=100"


def test_a_few_signatures_read_fewer_than_ten(client, settings):
    settings.PUBLIC_COUNT_INTERVAL_SECONDS = 300
    with freeze_time(START - dt.timedelta(minutes=1)) as clock:
        action = ActionFactory(goal=50)
        ParticipationFactory.create_batch(7, action=action)
        clock.move_to(START)
        html = client.get(reverse("public:action", args=[action.slug]) + "?lang=en")
    text = html.content.decode()
    assert "Fewer than <strong>10</strong> people have taken part" in text
    assert 'max="50" value="0"' in text
    assert ">7<" not in text


def test_large_figures_are_grouped_in_the_page_language(client, settings):
    settings.PUBLIC_COUNT_INTERVAL_SECONDS = 300
    with freeze_time(START - dt.timedelta(minutes=1)) as clock:
        action = ActionFactory()
        Participation.objects.bulk_create(
            Participation(action=action, source=Participation.Source.IMPORT) for _ in range(1_234)
        )
        clock.move_to(START)
        english = client.get(reverse("public:action", args=[action.slug]) + "?lang=en")
        swedish = client.get(reverse("public:action", args=[action.slug]) + "?lang=sv")
    assert "<strong>1,200</strong>" in english.content.decode()
    assert "<strong>1\xa0200</strong>" in swedish.content.decode()
