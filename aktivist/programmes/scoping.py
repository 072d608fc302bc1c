"""Programmes' reason to see a person (DESIGN.md, "Who may see what"): a group
coordinator sees the people registered for their groups' events, and a district
representative those registered for events in their district's subtree. A cancelled
registration is no reason, nor is a walk-in or upload that matched someone who already
existed; a registration for a national event is none either (the
national unit lies outside every scoped account's subtree)."""

from __future__ import annotations

from django.db.models import F, Q, Value
from django.db.models.functions import Concat

from aktivist.accounts.access import Scope
from aktivist.accounts.models import User
from aktivist.organisation.scoping import scope_unit_ids
from aktivist.people.scoping import register_scope_provider

SCOPED_ROLES = (User.AccessRole.COORDINATOR, User.AccessRole.DISTRICT)


def registration_provider(scope: Scope) -> Q | None:
    from aktivist.programmes.models import Registration

    if scope.role not in SCOPED_ROLES:
        return None
    registrations = (
        Registration.objects.filter(
            event__unit_id__in=scope_unit_ids(scope), person_id__isnull=False
        )
        .exclude(status=Registration.Status.CANCELLED)
        .filter(_chosen_by_the_person())
    )
    return Q(pk__in=registrations.values("person_id"))


def _chosen_by_the_person() -> Q:
    """A registration is a reason to see someone when the person signed up themselves (or
    staff who could already see them added them). A walk-in or an attendance upload names
    people by email or mobile: it only counts when it created the person, so typing
    someone's address at the door never reveals them."""
    from aktivist.programmes.models import Registration

    return (
        Q(source__in=[Registration.Source.WEB, Registration.Source.STAFF, Registration.Source.API])
        | Q(person__source=Concat(Value("walk_in:"), F("event__slug")))
        | Q(person__source=Concat(Value("attendance:"), F("event__slug")))
    )


def register() -> None:
    register_scope_provider(registration_provider)
