"""Campaigns' segment condition "took_action". Registered in CampaignsConfig.ready().

Value (every field optional; all that are given must hold)::

    {"actions": [ids], "campaigns": [ids], "kinds": ["petition", ...],
     "since": "YYYY-MM-DD", "until": "YYYY-MM-DD", "within_days": 90}

``{}`` is anyone who took any action. ``since``/``until`` bound the participation's time
by whole days in Europe/Stockholm, both days included; ``within_days`` is the last N days
counted back from now (a saved segment that never goes stale). An action or a campaign the
viewer cannot see is refused as unknown, exactly like one that does not exist; and only
participations in actions the viewer can see count, so a filter never reveals what
someone did in another district's local campaign.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.accounts.access import scope_for
from aktivist.campaigns.models import Action, Participation
from aktivist.campaigns.selectors import actions_visible_to, campaigns_visible_to
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

ZONE = ZoneInfo("Europe/Stockholm")
FIELDS = ["actions", "campaigns", "kinds", "since", "until", "within_days"]


def validate_took_action(value: Any) -> dict[str, Any]:
    value = require_dict(value, required=[], optional=FIELDS)
    out: dict[str, Any] = {}
    if "actions" in value:
        out["actions"] = require_ids(value["actions"])
    if "campaigns" in value:
        out["campaigns"] = require_ids(value["campaigns"])
    if "kinds" in value:
        out["kinds"] = require_choices(value["kinds"], Action.Kind.values)
    out.update(require_period(value))
    return out


def took_action_q(value: dict[str, Any], viewer: Any) -> Q:
    actions = actions_visible_to(viewer)
    if "actions" in value:
        wanted = value["actions"]
        if actions.filter(pk__in=wanted).count() != len(wanted):
            raise SegmentError(_("Unknown action."))
        actions = actions.filter(pk__in=wanted)
    if "campaigns" in value:
        wanted = value["campaigns"]
        if campaigns_visible_to(viewer).filter(pk__in=wanted).count() != len(wanted):
            raise SegmentError(_("Unknown campaign."))
        actions = actions.filter(campaign_id__in=wanted)
    if "kinds" in value:
        actions = actions.filter(kind__in=value["kinds"])
    # person_id is never null here: a NULL in the subquery would make NOT IN match nobody.
    participations = Participation.objects.filter(person__isnull=False)
    if value.keys() & {"actions", "campaigns", "kinds"} or not scope_for(viewer).is_national:
        # The actions as a list of ids (actions are few): the participations' index is then
        # read directly, which PostgreSQL can share between parallel workers.
        participations = participations.filter(
            action_id__in=list(actions.values_list("pk", flat=True))
        )
    start, end = period_bounds(value)
    if start is not None:
        participations = participations.filter(created_at__gte=start)
    if end is not None:
        participations = participations.filter(created_at__lt=end)
    return Q(pk__in=participations.values("person_id"))


CONDITIONS = [
    Condition("took_action", gettext_lazy("Took an action"), validate_took_action, took_action_q),
]


def register() -> None:
    for condition in CONDITIONS:
        register_condition(condition)
