"""Erasure of the organisation app's rows (registered in OrganisationConfig.ready()).

UnitMembership
    erasure: deleted. Reports count the current members of active people only, and a
    membership says what someone believes in; nothing needs it once the person is gone.
Role
    erasure: kept on the tombstone (the red-thread report counts who went on to a role);
    a current role ends on the day of the erasure, and access granted for it ends with it.
Unit.contact_person
    erasure: the unit loses its contact person.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Case, F, Value, When
from django.utils import timezone

from aktivist.accounts.models import AccessScope
from aktivist.organisation.models import Role, UnitMembership


def erase_roles(person_ids: Sequence[int]) -> None:
    today = timezone.localdate()
    current = Role.objects.filter(person_id__in=list(person_ids), ended_on__isnull=True)
    AccessScope.objects.filter(role__in=current, ends_with_role=True).delete()
    current.update(
        # A role that has not started yet ends on its first day (never before it).
        ended_on=Case(When(started_on__gt=today, then=F("started_on")), default=Value(today)),
        updated_at=timezone.now(),
    )


def merge_memberships(keep: Any, drop: Any) -> None:
    """A merge moves the dropped person's memberships to the kept one."""
    current_units = set(
        UnitMembership.objects.filter(person=keep, ended_on__isnull=True).values_list(
            "unit_id", flat=True
        )
    )
    # A current membership of a unit the kept person is already a current member of would
    # collide: the kept one wins, the other is dropped.
    UnitMembership.objects.filter(
        person=drop, ended_on__isnull=True, unit_id__in=current_units
    ).delete()
    UnitMembership.objects.filter(person=drop).update(person=keep)


def merge_roles(keep: Any, drop: Any) -> None:
    """A merge moves the dropped person's roles to the kept one."""
    current = set(
        Role.objects.filter(person=keep, ended_on__isnull=True).values_list(
            "unit_id", "role_type_id"
        )
    )
    for role in Role.objects.filter(person=drop, ended_on__isnull=True):
        if (role.unit_id, role.role_type_id) in current:
            role.delete()
    Role.objects.filter(person=drop).update(person=keep)
