"""People's segment conditions: tags, membership status, age, young, language, consent,
recently added. Registered in PeopleConfig.ready()."""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import and_
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.core.conditions import (
    Condition,
    SegmentError,
    register_condition,
    require_choice,
    require_choices,
    require_dict,
    require_ids,
    require_int,
)
from aktivist.people.models import YOUNG_MAX_AGE, Consent, Person, Tagging

AGE_ZONE = ZoneInfo("Europe/Stockholm")
MAX_AGE = 130


def current_year() -> int:
    return timezone.localdate(timezone=AGE_ZONE).year


# tag: {"tags": [ids], "match": "any" | "all"}


def validate_tag(value: Any) -> dict[str, Any]:
    value = require_dict(value, required=["tags"], optional=["match"])
    return {
        "tags": require_ids(value["tags"]),
        "match": require_choice(value.get("match", "any"), ["any", "all"]),
    }


def tag_q(value: dict[str, Any], viewer: Any) -> Q:
    if value["match"] == "any":
        return Q(pk__in=Tagging.objects.filter(tag_id__in=value["tags"]).values("person_id"))
    return reduce(
        and_,
        (Q(pk__in=Tagging.objects.filter(tag_id=t).values("person_id")) for t in value["tags"]),
    )


# membership_status: ["member", "non_member", "former"]


def validate_membership_status(value: Any) -> list[str]:
    return require_choices(value, Person.MembershipStatus.values)


def membership_status_q(value: list[str], viewer: Any) -> Q:
    return Q(membership_status__in=value)


# age: {"min": int | null, "max": int | null}, as a birth-year range so the index is used


def validate_age(value: Any) -> dict[str, int | None]:
    value = require_dict(value, required=[], optional=["min", "max"])
    low, high = value.get("min"), value.get("max")
    if low is None and high is None:
        raise SegmentError(_("Give a lowest age, a highest age or both."))
    low = None if low is None else require_int(low, maximum=MAX_AGE)
    high = None if high is None else require_int(high, maximum=MAX_AGE)
    if low is not None and high is not None and low > high:
        raise SegmentError(_("The highest age must not be below the lowest age."))
    return {"min": low, "max": high}


def age_q(value: dict[str, int | None], viewer: Any) -> Q:
    """Age is the current year minus the birth year (Person.age); people without a birth
    year have no age and match no age range."""
    year = current_year()
    q = Q()  # a comparison with a missing birth year is never true
    if value["min"] is not None:
        q &= Q(birth_year__lte=year - value["min"])
    if value["max"] is not None:
        q &= Q(birth_year__gte=year - value["max"])
    return q


# young: true → age ≤ YOUNG_MAX_AGE; false → everyone else (including unknown age)


def validate_young(value: Any) -> bool:
    if not isinstance(value, bool):
        raise SegmentError(_("Expected true or false."))
    return value


def young_q(value: bool, viewer: Any) -> Q:
    q = age_q({"min": None, "max": YOUNG_MAX_AGE}, viewer)
    return q if value else ~q


# language: "sv" | "en"


def validate_language(value: Any) -> str:
    return require_choice(value, Person.Language.values)


def language_q(value: str, viewer: Any) -> Q:
    return Q(language=value)


# consent: {"channel": ..., "purpose": ..., "status": "confirmed"}


def validate_consent(value: Any) -> dict[str, str]:
    value = require_dict(value, required=["channel", "purpose"], optional=["status"])
    return {
        "channel": require_choice(value["channel"], Consent.Channel.values),
        "purpose": require_choice(value["purpose"], Consent.Purpose.values),
        "status": require_choice(
            value.get("status", Consent.Status.CONFIRMED), Consent.Status.values
        ),
    }


def consent_q(value: dict[str, str], viewer: Any) -> Q:
    consents = Consent.objects.filter(
        channel=value["channel"], purpose=value["purpose"], status=value["status"]
    )
    return Q(pk__in=consents.values("person_id"))


# created_within: {"days": int}


def validate_created_within(value: Any) -> dict[str, int]:
    value = require_dict(value, required=["days"])
    return {"days": require_int(value["days"], minimum=1, maximum=36500)}


def created_within_q(value: dict[str, int], viewer: Any) -> Q:
    return Q(created_at__gte=timezone.now() - dt.timedelta(days=value["days"]))


CONDITIONS = [
    Condition("tag", gettext_lazy("Tags"), validate_tag, tag_q),
    Condition(
        "membership_status",
        gettext_lazy("Membership status"),
        validate_membership_status,
        membership_status_q,
    ),
    Condition("age", gettext_lazy("Age"), validate_age, age_q),
    Condition("young", gettext_lazy("Young"), validate_young, young_q),
    Condition("language", gettext_lazy("Language"), validate_language, language_q),
    Condition("consent", gettext_lazy("Consent"), validate_consent, consent_q),
    Condition(
        "created_within", gettext_lazy("Added recently"), validate_created_within, created_within_q
    ),
]


def register() -> None:
    for condition in CONDITIONS:
        register_condition(condition)
