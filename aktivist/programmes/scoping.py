"""Programmes' reason to see a person (DESIGN.md, "Who may see what"): a group
coordinator sees the people registered for their groups' events, and a district
representative those registered for events in their district's subtree. A cancelled
registration is no reason; a registration for a national event is none either (the
national unit lies outside every scoped account's subtree)."""

from __future__ import annotations

from django.db.models import Q

from aktivist.accounts.access import Scope
from aktivist.accounts.models import User
from aktivist.organisation.scoping import scope_unit_ids
from aktivist.people.scoping import register_scope_provider

SCOPED_ROLES = (User.AccessRole.COORDINATOR, User.AccessRole.DISTRICT)


def registration_provider(scope: Scope) -> Q | None:
    from aktivist.programmes.models import Registration

    if scope.role not in SCOPED_ROLES:
        return None
    registrations = Registration.objects.filter(
        event__unit_id__in=scope_unit_ids(scope), person_id__isnull=False
    ).exclude(status=Registration.Status.CANCELLED)
    return Q(pk__in=registrations.values("person_id"))


def register() -> None:
    register_scope_provider(registration_provider)
