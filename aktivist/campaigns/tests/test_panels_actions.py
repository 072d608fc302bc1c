"""The person page's "Actions taken" card: the person's participations, newest first, with a
count, only in actions the viewer may see."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from aktivist.campaigns.models import Campaign, Participation
from aktivist.campaigns.panels import LIMIT, actions_taken_context
from aktivist.campaigns.tests.factories import (
    ActionFactory,
    CampaignFactory,
    ParticipationFactory,
)


def card(html):
    return html.split('id="actions-taken"', 1)[1].split("</section>", 1)[0]


def took(person, action, days_ago):
    participation = ParticipationFactory(person=person, action=action)
    Participation.objects.filter(pk=participation.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    return participation


def test_the_card_lists_actions_newest_first_with_a_count(client_for, personas, world):
    national = CampaignFactory(unit=world.national, name="Sommarkampanjen")
    old = ActionFactory(campaign=national, title_en="Protect asylum", title_sv="Värna asylrätten")
    new = ActionFactory(campaign=national, title_en="Free the journalist", title_sv="Frige")
    took(world.member_a1, old, days_ago=40)
    took(world.member_a1, new, days_ago=2)
    ParticipationFactory(action=new)  # someone else
    url = reverse("people:detail", args=[world.member_a1.pk])
    html = card(client_for(personas.staff).get(url).content.decode())
    assert "Actions taken" in html and "(2)" in html
    assert html.index("Free the journalist") < html.index("Protect asylum")
    assert reverse("campaigns:action_detail", args=[new.pk]) in html
    assert "Sommarkampanjen" in html


def test_actions_outside_the_viewers_scope_are_neither_listed_nor_counted(
    client_for, personas, world
):
    local_b1 = CampaignFactory(
        unit=world.group_b1,
        scope=Campaign.Scope.LOCAL,
        origin=Campaign.Origin.LOCAL_INITIATIVE,
        name="Umeås lokala kampanj",
    )
    national = CampaignFactory(unit=world.national)
    took(world.home_a, ActionFactory(campaign=local_b1, title_en="Umeå petition"), days_ago=1)
    took(world.home_a, ActionFactory(campaign=national, title_en="National petition"), 3)
    url = reverse("people:detail", args=[world.home_a.pk])
    district = card(client_for(personas.district_a).get(url).content.decode())
    assert "National petition" in district and "(1)" in district
    assert "Umeå" not in district
    staff = card(client_for(personas.staff).get(url).content.decode())
    assert "Umeå petition" in staff and "(2)" in staff


def test_the_card_shows_the_latest_and_counts_them_all(personas, world):
    national = CampaignFactory(unit=world.national)
    for n in range(LIMIT + 3):
        took(world.member_a1, ActionFactory(campaign=national), days_ago=n)
    context = actions_taken_context(personas.staff, world.member_a1)
    assert len(context["participations"]) == LIMIT and context["count"] == LIMIT + 3


def test_someone_who_took_no_action(client_for, personas, world):
    url = reverse("people:detail", args=[world.home_b.pk])
    html = card(client_for(personas.staff).get(url).content.decode())
    assert "(0)" in html and "No actions taken that you can see." in html
