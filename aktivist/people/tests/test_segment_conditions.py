from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aktivist.core.conditions import SegmentError
from aktivist.people.models import YOUNG_MAX_AGE, Consent, Person, Tagging
from aktivist.people.segment_conditions import current_year
from aktivist.people.selectors import filter_people
from aktivist.people.tests.factories import ConsentFactory, PersonFactory, TagFactory


def leaf(key, value):
    return {"condition": key, "value": value}


def names(qs):
    return set(qs.values_list("first_name", flat=True))


def matching(viewer, key, value):
    return names(filter_people(viewer, leaf(key, value)))


@pytest.fixture
def staff(personas):
    return personas.staff


def test_tag_any_selects_people_with_one_of_the_tags(world, staff):
    red, blue = TagFactory(name="röd"), TagFactory(name="blå")
    Tagging.objects.create(person=world.home_a, tag=red)
    Tagging.objects.create(person=world.member_a1, tag=blue)
    Tagging.objects.create(person=world.member_a2, tag=red)
    Tagging.objects.create(person=world.member_a2, tag=blue)
    value = {"tags": [red.pk, blue.pk], "match": "any"}
    assert matching(staff, "tag", value) == {"Hanna", "Märta", "Åke"}
    assert filter_people(staff, leaf("tag", value)).count() == 3  # no duplicates


def test_tag_all_selects_only_people_with_every_tag(world, staff):
    red, blue = TagFactory(name="röd"), TagFactory(name="blå")
    Tagging.objects.create(person=world.home_a, tag=red)
    Tagging.objects.create(person=world.member_a2, tag=red)
    Tagging.objects.create(person=world.member_a2, tag=blue)
    assert matching(staff, "tag", {"tags": [red.pk, blue.pk], "match": "all"}) == {"Åke"}


def test_tag_match_defaults_to_any(world, staff):
    red = TagFactory(name="röd")
    Tagging.objects.create(person=world.home_b, tag=red)
    assert matching(staff, "tag", {"tags": [red.pk]}) == {"Ylva"}


def test_membership_status_selects_the_listed_statuses(world, staff):
    Person.objects.filter(pk=world.member_a1.pk).update(membership_status="member")
    Person.objects.filter(pk=world.former_member_a1.pk).update(membership_status="former")
    assert matching(staff, "membership_status", ["member"]) == {"Märta"}
    assert matching(staff, "membership_status", ["member", "former"]) == {"Märta", "Folke"}
    assert len(matching(staff, "membership_status", ["non_member"])) == 5


def test_age_range_uses_the_current_year_and_skips_unknown_birth_years(world, staff):
    year = current_year()
    Person.objects.filter(pk=world.home_a.pk).update(birth_year=year - 30)
    Person.objects.filter(pk=world.member_a1.pk).update(birth_year=year - 31)
    Person.objects.filter(pk=world.role_a1.pk).update(birth_year=year - 20)
    Person.objects.filter(pk=world.member_a2.pk).update(birth_year=None)
    assert matching(staff, "age", {"min": 30, "max": 30}) == {"Hanna"}
    assert matching(staff, "age", {"min": None, "max": 30}) == {"Hanna", "Rut"}
    assert "Åke" not in matching(staff, "age", {"min": 0})
    assert "Åke" not in matching(staff, "age", {"max": 130})


def test_age_filters_on_birth_year_so_the_index_is_used(world, staff):
    sql = str(filter_people(staff, leaf("age", {"min": 18, "max": 30})).query)
    assert "birth_year" in sql
    assert "EXTRACT" not in sql.upper() and "django_date_extract" not in sql


def test_young_means_at_most_young_max_age_and_unknown_age_is_not_young(world, staff):
    year = current_year()
    Person.objects.filter(pk=world.home_a.pk).update(birth_year=year - YOUNG_MAX_AGE)
    Person.objects.filter(pk=world.member_a1.pk).update(birth_year=year - YOUNG_MAX_AGE - 1)
    Person.objects.filter(pk=world.role_a1.pk).update(birth_year=None)
    assert matching(staff, "young", True) == {"Hanna"}
    not_young = matching(staff, "young", False)
    assert {"Märta", "Rut"} <= not_young
    assert "Hanna" not in not_young


def test_language_selects_people_by_preferred_language(world, staff):
    Person.objects.filter(pk=world.home_b.pk).update(language="en")
    assert matching(staff, "language", "en") == {"Ylva"}
    assert "Ylva" not in matching(staff, "language", "sv")


def test_consent_defaults_to_confirmed_for_the_channel_and_purpose(world, staff):
    now = timezone.now()
    ConsentFactory(person=world.home_a, status="confirmed", confirmed_at=now)
    ConsentFactory(person=world.member_a1, status="pending")
    ConsentFactory(person=world.member_a2, channel="sms", status="confirmed", confirmed_at=now)
    ConsentFactory(
        person=world.home_b, purpose="rapid_response", status="confirmed", confirmed_at=now
    )
    email_campaigns = {"channel": "email", "purpose": "campaigns"}
    assert matching(staff, "consent", email_campaigns) == {"Hanna"}
    assert matching(staff, "consent", {**email_campaigns, "status": "pending"}) == {"Märta"}
    assert matching(staff, "consent", {"channel": "sms", "purpose": "campaigns"}) == {"Åke"}
    rapid = {"channel": "email", "purpose": Consent.Purpose.RAPID_RESPONSE}
    assert matching(staff, "consent", rapid) == {"Ylva"}


def test_created_within_selects_people_added_in_the_last_days(world, staff):
    long_ago = timezone.now() - dt.timedelta(days=40)
    Person.objects.exclude(pk=world.home_a.pk).update(created_at=long_ago)
    assert matching(staff, "created_within", {"days": 30}) == {"Hanna"}
    assert len(matching(staff, "created_within", {"days": 90})) == 7


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("tag", {"tags": []}, "at least one"),
        ("tag", {"tags": [1], "match": "most"}, "any, all"),
        ("tag", [1, 2], "Expected an object"),
        ("membership_status", ["gold"], "member, non_member, former"),
        ("membership_status", "member", "Choose at least one"),
        ("age", {}, "lowest age, a highest age or both"),
        ("age", {"min": 40, "max": 30}, "must not be below"),
        ("age", {"min": -1}, "between 0 and 130"),
        ("age", {"min": "18"}, "whole number"),
        ("young", "yes", "true or false"),
        ("language", "de", "sv, en"),
        ("consent", {"channel": "fax", "purpose": "campaigns"}, "email, sms"),
        ("consent", {"channel": "email"}, "Missing field: purpose"),
        ("consent", {"channel": "email", "purpose": "campaigns", "status": "yes"}, "pending"),
        ("created_within", {"days": 0}, "between 1 and"),
        ("created_within", {"weeks": 2}, "Missing field: days"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(world, staff, key, value, message):
    with pytest.raises(SegmentError, match=message):
        filter_people(staff, leaf(key, value))


def test_people_conditions_never_widen_the_viewers_scope(world, personas):
    PersonFactory(first_name="Utanför", language="en")
    Person.objects.update(language="en")
    assert matching(personas.coordinator_a1, "language", "en") == {"Märta", "Rut"}
