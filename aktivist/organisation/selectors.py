from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from aktivist.accounts.access import scope_for
from aktivist.organisation.models import PostcodePrefix, Role, Unit, UnitMembership
from aktivist.organisation.scoping import subtree_q
from aktivist.people.selectors import people_visible_to


def units_visible_to(viewer: Any) -> QuerySet[Unit]:
    """National roles see every unit; scoped accounts their units' subtrees."""
    scope = scope_for(viewer)
    if scope.is_national:
        return Unit.objects.all()
    if not scope.sees_people:
        return Unit.objects.none()
    return Unit.objects.filter(subtree_q(scope))


def access_unit(viewer: Any, pk: Any) -> Unit:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    unit = units_visible_to(viewer).select_related("parent").filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit


def home_unit_for_postcode(postcode: str) -> Unit | None:
    """The most specific unit covering the postcode: the longest matching prefix wins."""
    if not postcode:
        return None
    candidates = [postcode[:n] for n in range(1, min(len(postcode), 5) + 1)]
    match = (
        PostcodePrefix.objects.filter(prefix__in=candidates, unit__is_active=True)
        .select_related("unit")
        .order_by("-prefix")
        .first()
    )
    return match.unit if match else None


def prefix_map() -> dict[str, int]:
    """All prefixes → unit id, for bulk paths that resolve many postcodes at once."""
    return dict(
        PostcodePrefix.objects.filter(unit__is_active=True).values_list("prefix", "unit_id")
    )


def home_unit_id_from_map(postcode: str, prefixes: dict[str, int]) -> int | None:
    for n in range(min(len(postcode), 5), 0, -1):
        unit_id = prefixes.get(postcode[:n])
        if unit_id is not None:
            return unit_id
    return None


def unit_members(viewer: Any, unit: Unit, *, current: bool = True) -> QuerySet[UnitMembership]:
    qs = UnitMembership.objects.filter(unit=unit, person__in=people_visible_to(viewer))
    if current:
        qs = qs.filter(ended_on__isnull=True)
    return qs.select_related("person").order_by("person__last_name_key", "person__first_name_key")


def unit_roles(viewer: Any, unit: Unit, *, current: bool) -> QuerySet[Role]:
    qs = Role.objects.filter(unit=unit, person__in=people_visible_to(viewer)).select_related(
        "person", "role_type"
    )
    if current:
        return qs.filter(ended_on__isnull=True).order_by("role_type__name")
    return qs.filter(ended_on__isnull=False).order_by("-ended_on")


def alumni(
    viewer: Any,
    *,
    role_type_id: int | None = None,
    unit: Unit | None = None,
    ended_from_year: int | None = None,
    ended_to_year: int | None = None,
) -> QuerySet[Role]:
    """Ended roles of people the viewer may see: who used to lead, where, and when."""
    qs = Role.objects.filter(
        ended_on__isnull=False, person__in=people_visible_to(viewer)
    ).select_related("person", "unit", "role_type")
    if role_type_id:
        qs = qs.filter(role_type_id=role_type_id)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if ended_from_year:
        qs = qs.filter(ended_on__year__gte=ended_from_year)
    if ended_to_year:
        qs = qs.filter(ended_on__year__lte=ended_to_year)
    return qs.order_by("-ended_on", "person__last_name_key")


def units_for_choice(viewer: Any) -> QuerySet[Unit]:
    return units_visible_to(viewer).filter(is_active=True).order_by("path")


def unit_q_for_subtree(unit: Unit, field: str = "unit") -> Q:
    return Q(**{f"{field}__path__startswith": unit.path})


def units_with_member_counts(viewer: Any) -> QuerySet[Unit]:
    """The viewer's units in tree order, each with its number of current members: one query.
    Every current member of a unit in the viewer's subtree is someone the viewer may see
    (a current membership in the scope is itself a reason to see a person), so the count
    reveals no one outside the scope; erased people are not counted."""
    return (
        units_visible_to(viewer)
        .annotate(
            current_members=Count(
                "memberships",
                filter=Q(memberships__ended_on__isnull=True, memberships__person__is_active=True),
            )
        )
        .order_by("path")
    )
