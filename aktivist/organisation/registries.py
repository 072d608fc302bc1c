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

from django.db.models import Case, F, Value, When
from django.utils import timezone

from aktivist.accounts.models import AccessScope
from aktivist.organisation.models import Role


def erase_roles(person_ids: Sequence[int]) -> None:
    today = timezone.localdate()
    current = Role.objects.filter(person_id__in=list(person_ids), ended_on__isnull=True)
    AccessScope.objects.filter(role__in=current, ends_with_role=True).delete()
    current.update(
        # A role that has not started yet ends on its first day (never before it).
        ended_on=Case(When(started_on__gt=today, then=F("started_on")), default=Value(today)),
        updated_at=timezone.now(),
    )
