"""Organisation's segment conditions: unit subtree and role. Registered in
OrganisationConfig.ready().

A unit the viewer cannot see is refused as an unknown unit, exactly like one that does
not exist: an error never reveals what lies outside the viewer's scope.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q, QuerySet
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
from aktivist.organisation.models import Role, Unit, UnitMembership
from aktivist.organisation.selectors import units_visible_to

VIA_CHOICES = ["home", "membership", "role"]
ROLE_STATES = ["current", "former", "any"]


def subtree_units(viewer: Any, unit_id: int) -> QuerySet[Unit, Any]:
    """The ids of the unit's subtree, as a subquery; SegmentError when the viewer cannot
    see the unit (whether or not it exists)."""
    path = units_visible_to(viewer).filter(pk=unit_id).values_list("path", flat=True).first()
    if not path:
        raise SegmentError(_("Unknown unit."))
    return Unit.objects.filter(path__startswith=path).values("pk")


# unit_subtree: {"unit": id, "via": ["home", "membership", "role"]}


def validate_unit_subtree(value: Any) -> dict[str, Any]:
    value = require_dict(value, required=["unit"], optional=["via"])
    return {
        "unit": require_int(value["unit"], minimum=1),
        "via": require_choices(value.get("via", VIA_CHOICES), VIA_CHOICES),
    }


def unit_subtree_q(value: dict[str, Any], viewer: Any) -> Q:
    """Home unit, current membership or current role in the unit's subtree."""
    units = subtree_units(viewer, value["unit"])
    parts = []
    # Index conditions PostgreSQL can OR and AND with the rest (aktivist/lib/lookups.py):
    # a subtree's members are a set of moderate size.
    if "home" in value["via"]:
        parts.append(Q(home_unit_id__in_array=units))
    if "membership" in value["via"]:
        memberships = UnitMembership.objects.filter(unit_id__in=units, ended_on__isnull=True)
        parts.append(Q(pk__in_array=memberships.values("person_id")))
    if "role" in value["via"]:
        roles = Role.objects.filter(unit_id__in=units, ended_on__isnull=True)
        parts.append(Q(pk__in_array=roles.values("person_id")))
    return reduce(or_, parts)


# role: {"role_types": [ids] or [] for any, "state": "current" | "former" | "any",
#        "unit": optional id (subtree), "ended_from"/"ended_to": optional years (the
#        alumni list's filter: a role that ended in these years, both included)}

ENDED_YEARS = ("ended_from", "ended_to")


def validate_role(value: Any) -> dict[str, Any]:
    value = require_dict(value, required=[], optional=["role_types", "state", "unit", *ENDED_YEARS])
    unit = value.get("unit")
    out = {
        "role_types": require_ids(value.get("role_types", []), allow_empty=True),
        "state": require_choice(value.get("state", "current"), ROLE_STATES),
        "unit": None if unit is None else require_int(unit, minimum=1),
    }
    for key in ENDED_YEARS:  # only when given: stored trees keep their form
        if value.get(key) is not None:
            out[key] = require_int(value[key], minimum=1900, maximum=2200)
    return out


def role_q(value: dict[str, Any], viewer: Any) -> Q:
    """People who hold (current), held (former: an ended role, i.e. alumni) or either."""
    roles = Role.objects.all()
    if value["role_types"]:
        roles = roles.filter(role_type_id__in=value["role_types"])
    if value["state"] == "current":
        roles = roles.filter(ended_on__isnull=True)
    elif value["state"] == "former":
        roles = roles.filter(ended_on__isnull=False)
    if value["unit"] is not None:
        roles = roles.filter(unit_id__in=subtree_units(viewer, value["unit"]))
    if value.get("ended_from") is not None:
        roles = roles.filter(ended_on__year__gte=value["ended_from"])
    if value.get("ended_to") is not None:
        roles = roles.filter(ended_on__year__lte=value["ended_to"])
    return Q(pk__in=roles.values("person_id"))


CONDITIONS = [
    Condition("unit_subtree", gettext_lazy("Unit"), validate_unit_subtree, unit_subtree_q),
    Condition("role", gettext_lazy("Role"), validate_role, role_q),
]


def register() -> None:
    for condition in CONDITIONS:
        register_condition(condition)
