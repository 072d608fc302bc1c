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
# Registration.Source values of sign-ups the person (or staff who saw them) made.
SIGNED_UP_SOURCES = ("web", "staff", "api")


def registration_provider(scope: Scope) -> Q | None:
    from aktivist.programmes.models import Registration

    if scope.role not in SCOPED_ROLES:
        return None
    from aktivist.programmes.models import Event

    # The scope's events as an array (aktivist/lib/lookups.py): registrations are then read
    # through their event index, never scanned whole.
    events = Event.objects.filter(unit_id__in=scope_unit_ids(scope)).values("pk")
    registrations = Registration.objects.filter(
        event_id__in_array=events, person_id__isnull=False
    ).exclude(status=Registration.Status.CANCELLED)
    # Two sets (each hashed once by PostgreSQL): sign-ups people made themselves, and the
    # few walk-ins and uploads, whose check joins the person.
    signed_up = registrations.filter(source__in=SIGNED_UP_SOURCES)
    added_at_the_door = registrations.exclude(source__in=SIGNED_UP_SOURCES).filter(
        _chosen_by_the_person()
    )
    return Q(pk__in_array=signed_up.values("person_id")) | Q(
        pk__in_array=added_at_the_door.values("person_id")
    )


def _chosen_by_the_person() -> Q:
    """A registration is a reason to see someone when the person signed up themselves (or
    staff who could already see them added them). A walk-in or an attendance upload names
    people by email or mobile: it only counts when it created the person, so typing
    someone's address at the door never reveals them."""

    return (
        Q(source__in=SIGNED_UP_SOURCES)
        | Q(person__source=Concat(Value("walk_in:"), F("event__slug")))
        | Q(person__source=Concat(Value("attendance:"), F("event__slug")))
    )


def register() -> None:
    register_scope_provider(registration_provider)
