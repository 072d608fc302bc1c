"""The engagement app's segment condition ``engagement_level``. Registered in
EngagementConfig.ready().

Value: ``{"min": 0-5, "max": 0-5}`` (either may be left out; both bounds included). People
with no level row are at level 0 (contact), so a range that starts at 0 includes them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.core.conditions import (
    Condition,
    SegmentError,
    register_condition,
    require_dict,
    require_int,
)
from aktivist.engagement.models import EngagementLevel, Level

LOWEST, HIGHEST = min(Level.values), max(Level.values)


def validate_engagement_level(value: Any) -> dict[str, int]:
    value = require_dict(value, required=[], optional=["min", "max"])
    low, high = value.get("min"), value.get("max")
    if low is None and high is None:
        raise SegmentError(_("Give a lowest level, a highest level or both."))
    low = LOWEST if low is None else require_int(low, minimum=LOWEST, maximum=HIGHEST)
    high = HIGHEST if high is None else require_int(high, minimum=LOWEST, maximum=HIGHEST)
    if high < low:
        raise SegmentError(_("The highest level must not be below the lowest level."))
    return {"min": low, "max": high}


def engagement_level_q(value: dict[str, int], viewer: Any) -> Q:
    low, high = value["min"], value["max"]
    if low <= LOWEST:
        # Level 0 has no rows: everyone except those above the range.
        above = EngagementLevel.objects.filter(level__gt=high, person_id=OuterRef("pk"))
        return ~Q(Exists(above))  # NOT EXISTS: an anti-join (see core/conditions.py)
    rows = EngagementLevel.objects.filter(level__gte=low, level__lte=high).values("person_id")
    return Q(pk__in=rows)


CONDITIONS = [
    Condition(
        "engagement_level",
        gettext_lazy("Engagement level"),
        validate_engagement_level,
        engagement_level_q,
    ),
]


def register() -> None:
    for condition in CONDITIONS:
        register_condition(condition)
