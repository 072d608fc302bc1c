"""Programmes' segment condition "registered_for". Registered in ProgrammesConfig.ready().

Value (every field optional; all that are given must hold)::

    {"events": [ids], "programmes": [ids], "kinds": ["campaign_training", ...],
     "statuses": ["attended", ...], "since": "YYYY-MM-DD", "until": "YYYY-MM-DD",
     "within_days": 90}

``{}`` is anyone signed up for any event (any status but cancelled); ``{"statuses":
["attended"]}`` is anyone who came. ``kinds`` are programme kinds. ``since``/``until``
bound the event's start by whole days in Europe/Stockholm, both days included (as the
campaigns' "took_action" does, whose helpers this reuses). An event the viewer cannot see
is refused as unknown, exactly like one that does not exist, and only registrations for
events the viewer can see count: a filter never reveals who went to another district's
local event.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.core.conditions import (
    Condition,
    SegmentError,
    period_bounds,
    register_condition,
    require_choices,
    require_dict,
    require_ids,
    require_period,
)
from aktivist.programmes.models import Programme, Registration
from aktivist.programmes.selectors import events_visible_to

FIELDS = ["events", "programmes", "kinds", "statuses", "since", "until", "within_days"]
SIGNED_UP = [s for s in Registration.Status.values if s != Registration.Status.CANCELLED]


def validate_registered_for(value: Any) -> dict[str, Any]:
    value = require_dict(value, required=[], optional=FIELDS)
    out: dict[str, Any] = {}
    if "events" in value:
        out["events"] = require_ids(value["events"])
    if "programmes" in value:
        out["programmes"] = require_ids(value["programmes"])
    if "kinds" in value:
        out["kinds"] = require_choices(value["kinds"], Programme.Kind.values)
    if "statuses" in value:
        out["statuses"] = require_choices(value["statuses"], Registration.Status.values)
    out.update(require_period(value))
    return out


def registered_for_q(value: dict[str, Any], viewer: Any) -> Q:
    events = events_visible_to(viewer)
    if "events" in value:
        wanted = value["events"]
        if events.filter(pk__in=wanted).count() != len(wanted):
            raise SegmentError(_("Unknown event."))
        events = events.filter(pk__in=wanted)
    if "programmes" in value:
        wanted = value["programmes"]
        # Programmes belong to the whole organisation: every staff member may name them.
        if Programme.objects.filter(pk__in=wanted).count() != len(wanted):
            raise SegmentError(_("Unknown programme."))
        events = events.filter(programme_id__in=wanted)
    if "kinds" in value:
        events = events.filter(programme__kind__in=value["kinds"])
    start, end = period_bounds(value)
    if start is not None:
        events = events.filter(starts_at__gte=start)
    if end is not None:
        events = events.filter(starts_at__lt=end)
    # person_id is never null here: a NULL in the subquery would make NOT IN match nobody.
    registrations = Registration.objects.filter(
        event_id__in=events.values("pk"),
        status__in=value.get("statuses", SIGNED_UP),
        person__isnull=False,
    )
    return Q(pk__in=registrations.values("person_id"))


CONDITIONS = [
    Condition(
        "registered_for",
        gettext_lazy("Registered for an event"),
        validate_registered_for,
        registered_for_q,
    ),
]


def register() -> None:
    for condition in CONDITIONS:
        register_condition(condition)
