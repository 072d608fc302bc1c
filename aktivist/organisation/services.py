"""Writes on memberships and roles: scoped, validated, audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.accounts.access import scope_for
from aktivist.accounts.models import AccessScope
from aktivist.core import audit
from aktivist.core.exceptions import ApplicationError
from aktivist.organisation.models import Role, RoleType, Unit, UnitMembership
from aktivist.organisation.selectors import home_unit_id_from_map, prefix_map
from aktivist.people import follow_ups
from aktivist.people.models import Person
from aktivist.people.selectors import people_visible_to


def require_unit_in_scope(actor: Any, unit: Unit) -> None:
    """Staff change memberships and roles only in units within their scope (system actors,
    actor=None, are commands and tasks)."""
    if actor is None:
        return
    if not scope_for(actor).covers_path(unit.path):
        raise ApplicationError(_("You can only change units within your own scope."))


def owner_unit(actor: Any) -> Unit | None:
    """The unit that owns what an account creates and shares with its scope (segments,
    messages, mobilizations): none for the secretariat (and the system), the first scope
    unit for district representatives and coordinators."""
    scope = scope_for(actor)
    if actor is None or scope.is_national:
        return None
    if not scope.unit_ids:
        raise ApplicationError(_("Your account has no unit."))
    return Unit.objects.get(pk=scope.unit_ids[0])


def _check_date(value: dt.date, *, label: str) -> None:
    if value > timezone.localdate():
        raise ApplicationError(_("%(label)s cannot be in the future.") % {"label": label})


@transaction.atomic
def membership_start(
    *, actor: Any, person: Person, unit: Unit, started_on: dt.date | None = None
) -> UnitMembership:
    require_unit_in_scope(actor, unit)
    started_on = started_on or timezone.localdate()
    _check_date(started_on, label=_("The start date"))
    if UnitMembership.objects.filter(person=person, unit=unit, ended_on__isnull=True).exists():
        raise ApplicationError(
            _("%(name)s is already a member of %(unit)s.")
            % {"name": person.full_name, "unit": unit.name}
        )
    membership = UnitMembership(person=person, unit=unit, started_on=started_on)
    membership.full_clean()
    membership.save()
    audit.record(
        actor=actor,
        verb="membership.start",
        obj=membership,
        person_id=person.pk,
        details={"unit": unit.pk},
    )
    return membership


@transaction.atomic
def membership_end(
    *, actor: Any, membership: UnitMembership, ended_on: dt.date | None = None
) -> UnitMembership:
    require_unit_in_scope(actor, membership.unit)
    ended_on = ended_on or timezone.localdate()
    if membership.ended_on is not None:
        raise ApplicationError(_("This membership has already ended."))
    _check_date(ended_on, label=_("The end date"))
    if ended_on < membership.started_on:
        raise ApplicationError(_("A membership cannot end before it started."))
    membership.ended_on = ended_on
    membership.save(update_fields=["ended_on", "updated_at"])
    audit.record(
        actor=actor,
        verb="membership.end",
        obj=membership,
        person_id=membership.person_id,
        details={"unit": membership.unit_id},
    )
    # Follow-ups about this person whose owners no longer see them pass on (after commit).
    follow_ups.pass_on_after_commit(person_id=membership.person_id)
    return membership


@transaction.atomic
def role_start(
    *,
    actor: Any,
    person: Person,
    unit: Unit,
    role_type: RoleType,
    started_on: dt.date | None = None,
) -> Role:
    require_unit_in_scope(actor, unit)
    started_on = started_on or timezone.localdate()
    _check_date(started_on, label=_("The start date"))
    if Role.objects.filter(
        person=person, unit=unit, role_type=role_type, ended_on__isnull=True
    ).exists():
        raise ApplicationError(
            _("%(name)s already holds this role in %(unit)s.")
            % {"name": person.full_name, "unit": unit.name}
        )
    role = Role(person=person, unit=unit, role_type=role_type, started_on=started_on)
    role.full_clean()
    role.save()
    audit.record(
        actor=actor,
        verb="role.start",
        obj=role,
        person_id=person.pk,
        details={"unit": unit.pk, "role_type": role_type.slug},
    )
    return role


@transaction.atomic
def role_end(*, actor: Any, role: Role, ended_on: dt.date | None = None) -> Role:
    """End a role: the holder becomes an alumnus, and access granted for it ends too."""
    require_unit_in_scope(actor, role.unit)
    ended_on = ended_on or timezone.localdate()
    if role.ended_on is not None:
        raise ApplicationError(_("This role has already ended."))
    _check_date(ended_on, label=_("The end date"))
    if ended_on < role.started_on:
        raise ApplicationError(_("A role cannot end before it started."))
    role.ended_on = ended_on
    role.save(update_fields=["ended_on", "updated_at"])
    ended_scopes = list(
        AccessScope.objects.filter(role=role, ends_with_role=True).values_list("user_id", "unit_id")
    )
    AccessScope.objects.filter(role=role, ends_with_role=True).delete()
    audit.record(
        actor=actor,
        verb="role.end",
        obj=role,
        person_id=role.person_id,
        details={
            "unit": role.unit_id,
            "role_type": role.role_type.slug,
            "access_scopes_ended": [list(s) for s in ended_scopes],
        },
    )
    # Follow-ups about the holder, and those of accounts whose access ended, may pass on.
    follow_ups.pass_on_after_commit(
        person_id=role.person_id, owner_ids=[user_id for user_id, _unit in ended_scopes]
    )
    return role


@transaction.atomic
def end_access_of_ended_roles() -> int:
    stale = AccessScope.objects.filter(ends_with_role=True, role__ended_on__isnull=False)
    rows = list(stale.values_list("pk", "user_id", "role_id"))
    if rows:
        AccessScope.objects.filter(pk__in=[r[0] for r in rows]).delete()
        audit.record(
            actor=None,
            verb="access.ended_with_roles",
            object_type="accounts.accessscope",
            details={"scopes": [[r[1], r[2]] for r in rows]},
        )
    return len(rows)


def home_units_recompute(*, batch_size: int = 5000) -> int:
    """Set every person's home unit from the current postcode prefixes (after an admin
    changed them). Works in id-ordered batches and writes only the rows that change."""
    prefixes = prefix_map()
    changed = 0
    last_id = 0
    while True:
        rows = list(
            Person.objects.filter(pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", "postcode", "home_unit_id")[:batch_size]
        )
        if not rows:
            break
        last_id = rows[-1][0]
        updates = [
            Person(pk=pk, home_unit_id=new)
            for pk, postcode, current in rows
            if (new := home_unit_id_from_map(postcode or "", prefixes)) != current
        ]
        if updates:
            with transaction.atomic():
                Person.objects.bulk_update(updates, ["home_unit"], batch_size=1000)
            changed += len(updates)
    if changed:
        audit.record(
            actor=None,
            verb="home_units.recompute",
            object_type="people.person",
            details={"changed": changed},
        )
    return changed


# --- School groups ------------------------------------------------------------------------


@transaction.atomic
def unit_school_update(
    *, actor: Any, unit: Unit, school_name: str, contact_person: Person | None
) -> Unit:
    """Set a school group's school and contact person (a teacher, a student …). The actor's
    scope must cover the unit, and the contact must be someone the actor may see."""
    require_unit_in_scope(actor, unit)
    if unit.kind != Unit.Kind.SCHOOL_GROUP:
        raise ApplicationError(_("Only school groups have a school and a contact person."))
    if (
        contact_person is not None
        and actor is not None
        and contact_person.pk != unit.contact_person_id
        and not people_visible_to(actor).filter(pk=contact_person.pk).exists()
    ):
        raise ApplicationError(_("Choose a contact person within your own scope."))
    before = (unit.school_name, unit.contact_person_id)
    unit.school_name = school_name.strip()
    unit.contact_person = contact_person
    unit.full_clean()
    if (unit.school_name, unit.contact_person_id) == before:
        return unit
    unit.save(update_fields=["school_name", "contact_person", "updated_at"])
    audit.record(
        actor=actor,
        verb="unit.school_update",
        obj=unit,
        person_id=unit.contact_person_id,
        details={
            "school_name_changed": before[0] != unit.school_name,
            "contact_person_from": before[1],
            "contact_person_to": unit.contact_person_id,
        },
    )
    return unit
