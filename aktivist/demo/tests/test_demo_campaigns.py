"""manage.py demo_data's campaigns: priorities, campaigns of every sort, actions of every
kind and N participations that look like real signing."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from aktivist.campaigns.models import Action, Campaign, Participation, Priority
from aktivist.demo import campaigns as demo
from aktivist.people.models import Person


def load(**options) -> str:
    out = io.StringIO()
    options = {"people": 200, "seed": 3, "if_empty": True, **options}
    call_command("demo_data", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def loaded(db):
    return load(participations=1500)


def test_priorities_and_campaigns_of_every_sort(loaded):
    year = timezone.localdate().year
    assert {"Flyktingars rättigheter", "Yttrandefrihet", "Kvinnors rättigheter"} <= set(
        Priority.objects.filter(year=year).values_list("name", flat=True)
    )
    kinds = set(Campaign.objects.values_list("kind", flat=True))
    assert {Campaign.Kind.SUMMER, Campaign.Kind.ELECTION, Campaign.Kind.URGENT} <= kinds
    scopes = Counter(Campaign.objects.values_list("scope", flat=True))
    assert scopes[Campaign.Scope.NATIONAL] >= 5
    assert scopes[Campaign.Scope.DISTRICT] >= 1 and scopes[Campaign.Scope.LOCAL] >= 2
    proposed = Campaign.objects.get(elevation=Campaign.Elevation.PROPOSED)
    assert proposed.origin == Campaign.Origin.LOCAL_INITIATIVE and proposed.elevation_note
    elevated = Campaign.objects.get(elevation=Campaign.Elevation.ELEVATED)
    national = Campaign.objects.get(elevated_from=elevated)
    assert national.scope == Campaign.Scope.NATIONAL
    assert elevated.elevation_decided_at is not None
    for campaign in Campaign.objects.exclude(scope=Campaign.Scope.NATIONAL):
        assert campaign.unit.kind != "national"


def test_actions_of_every_kind_in_both_languages_with_targets_only_at_example_org(loaded):
    actions = list(Action.objects.all())
    assert {a.kind for a in actions} == set(Action.Kind.values)
    for action in actions:
        assert action.title_sv and action.title_en and action.text_sv and action.text_en
        if action.target_email:
            assert action.target_email.endswith("@example.org")
        if action.is_letter:
            assert action.letter_text_sv and action.letter_text_en and action.target_name
    deliveries = {a.letter_delivery for a in actions if a.is_letter}
    assert deliveries == {Action.LetterDelivery.EMAIL, Action.LetterDelivery.PDF}
    assert any(a.is_open() for a in actions) and any(not a.is_open() for a in actions)


def test_participations_count_n_and_look_like_real_signing(loaded):
    now = timezone.now()
    assert Participation.objects.count() == 1500
    rows = list(Participation.objects.select_related("action", "person"))
    assert len({(p.person_id, p.action_id) for p in rows}) == 1500
    for p in rows:
        end = min(p.action.closes_at or now, now)
        assert p.action.opens_at <= p.created_at <= end
        assert p.created_at >= end - dt.timedelta(days=demo.WINDOW_DAYS)
        if p.source == Participation.Source.API:
            assert p.channel_id is not None
        else:
            assert p.channel_id is None
        if p.person.birth_year and p.age_bracket:
            age = timezone.localdate().year - p.person.birth_year
            low = int(p.age_bracket.split("-")[0].rstrip("+"))
            assert age >= low
        if p.letter_sent_at is not None:
            assert p.action.letter_delivery == Action.LetterDelivery.EMAIL and p.action.is_letter
            assert p.letter_sent_at > p.created_at
        if p.letter_text:
            assert p.action.is_letter
    sources = Counter(p.source for p in rows)
    assert {"web", "embed", "api", "staff"} <= set(sources)
    assert sources["web"] > sources["embed"] > sources["staff"]
    named = sum(p.named for p in rows)
    assert 0.2 * len(rows) < named < 0.6 * len(rows)
    young = sum(p.age_bracket in ("13-17", "18-25") for p in rows)
    assert young > 0.15 * len(rows)
    hours = Counter(timezone.localtime(p.created_at).hour for p in rows)
    assert sum(hours[h] for h in (19, 20, 21)) > 3 * sum(hours[h] for h in (2, 3, 4))


def test_ids_follow_signing_order_within_an_action(loaded):
    action = Action.objects.get(slug="frige-journalisterna")
    times = list(
        Participation.objects.filter(action=action)
        .order_by("pk")
        .values_list("created_at", flat=True)
    )
    assert times and times == sorted(times)


def test_if_empty_loads_once(loaded):
    counts = (Campaign.objects.count(), Action.objects.count(), Participation.objects.count())
    assert "already exist" in load(participations=1500)
    assert (
        Campaign.objects.count(),
        Action.objects.count(),
        Participation.objects.count(),
    ) == counts


def test_more_participations_than_people_times_actions_are_capped_and_said(db):
    out = load(people=20, participations=10_000)
    actions = Action.objects.count()
    assert Participation.objects.count() == 20 * actions
    assert f"allow only {20 * actions:,}" in out


def test_zero_participations_still_loads_the_campaigns(db):
    load(participations=0)
    assert Action.objects.exists() and not Participation.objects.exists()


def test_the_default_gives_live_looking_numbers_for_the_default_demo():
    assert demo.default_participations(5000) == 20_000
    assert demo.default_participations(1_000_000) == demo.DEFAULT_MAX


def test_nothing_personal_is_printed(loaded):
    out = load(participations=10)  # already loaded: prints only that
    first = Person.objects.order_by("pk").first()
    assert first.last_name not in loaded + out
    assert "@" not in loaded.replace("@example.org", "")
