"""Organisation's reasons to see a person: a membership or role in the viewer's subtree
(district representatives: current or past; coordinators: current only)."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q

from aktivist.accounts.access import Scope
from aktivist.accounts.models import User
from aktivist.organisation.models import Role, Unit, UnitMembership


def subtree_q(scope: Scope, field: str = "path") -> Q:
    return reduce(or_, (Q(**{f"{field}__startswith": p}) for p in scope.unit_paths), Q(pk__in=[]))


def scope_unit_ids(scope: Scope):
    return Unit.objects.filter(subtree_q(scope)).values("pk")


# Scope providers test membership with ``__in_array`` (aktivist/lib/lookups.py): the
# reasons to see someone become index conditions PostgreSQL can OR together and AND with a
# segment's conditions, instead of sets probed for each of a million people.


def home_unit_provider(scope: Scope) -> Q | None:
    if scope.role != User.AccessRole.DISTRICT:
        return None
    return Q(home_unit_id__in_array=scope_unit_ids(scope))


def membership_and_role_provider(scope: Scope) -> Q | None:
    units = scope_unit_ids(scope)
    memberships = UnitMembership.objects.filter(unit_id__in=units)
    roles = Role.objects.filter(unit_id__in=units)
    if scope.role != User.AccessRole.DISTRICT:
        memberships = memberships.filter(ended_on__isnull=True)
        roles = roles.filter(ended_on__isnull=True)
    return Q(pk__in_array=memberships.values("person_id")) | Q(
        pk__in_array=roles.values("person_id")
    )
