from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from aktivist.accounts.access import scope_for
from aktivist.accounts.capabilities import Capability, can
from aktivist.organisation.models import PostcodePrefix, Role, Unit, UnitMembership
from aktivist.organisation.scoping import subtree_q
from aktivist.people.models import Person
from aktivist.people.selectors import people_search, people_visible_to


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


def young_born_from() -> int:
    """People born in this year or later are young: aged settings.YOUTH_MAX_AGE or younger
    this year (age = this year − birth year, as the segments' age condition counts it)."""
    return timezone.localdate().year - settings.YOUTH_MAX_AGE


def units_with_member_counts(viewer: Any) -> QuerySet[Unit]:
    """The viewer's units in tree order, each with its number of current members and of
    young ones among them: one query. Every current member of a unit in the viewer's
    subtree is someone the viewer may see (a current membership in the scope is itself a
    reason to see a person), so the counts reveal no one outside the scope; erased people
    are not counted."""
    current = Q(memberships__ended_on__isnull=True, memberships__person__is_active=True)
    young = Q(memberships__person__birth_year__gte=young_born_from())
    return (
        units_visible_to(viewer)
        .annotate(
            current_members=Count("memberships", filter=current),
            young_members=Count("memberships", filter=current & young),
        )
        .order_by("path")
    )


def school_groups(viewer: Any) -> QuerySet[Unit]:
    """The viewer's school groups with their counts (as above), district, school name and
    contact person; ``contact_visible`` tells whether the viewer may see the contact."""
    return (
        units_with_member_counts(viewer)
        .filter(kind=Unit.Kind.SCHOOL_GROUP)
        .select_related("parent", "contact_person")
        .annotate(
            contact_visible=Exists(
                people_visible_to(viewer).filter(pk=OuterRef("contact_person_id"))
            )
        )
        .order_by("parent__name", "name", "pk")
    )


def can_edit_unit(viewer: Any, unit: Unit) -> bool:
    """Whoever's scope covers the unit (the secretariat: every unit) edits its details."""
    return can(viewer, Capability.PEOPLE_VIEW) and scope_for(viewer).covers_path(unit.path)


def visible_contact(viewer: Any, unit: Unit) -> Person | None:
    """The unit's contact person when the viewer may see them, else None."""
    if unit.contact_person_id is None:
        return None
    return people_visible_to(viewer).filter(pk=unit.contact_person_id).first()


def contact_candidates(viewer: Any, query: str, *, limit: int = 10) -> list[Person]:
    """People within the viewer's scope matching a search, to choose a contact from."""
    if not query.strip():
        return []
    return list(people_search(viewer, query).order_by("last_name_key", "first_name_key")[:limit])


@dataclass(frozen=True)
class YouthShare:
    members: int  # distinct people with a current membership in the unit or below
    age_known: int
    young: int  # aged settings.YOUTH_MAX_AGE or younger

    @property
    def percent(self) -> int | None:
        """Young people among the members whose age is known, in per cent."""
        return round(self.young * 100 / self.age_known) if self.age_known else None


def unit_youth_share(unit: Unit) -> YouthShare:
    """Counts (never people) of the current members of the unit and its subtree: one query.
    Every current member of a unit in the viewer's subtree is someone the viewer may see."""
    person = "person"
    row = UnitMembership.objects.filter(
        unit__path__startswith=unit.path, ended_on__isnull=True, person__is_active=True
    ).aggregate(
        members=Count(person, distinct=True),
        age_known=Count(person, distinct=True, filter=Q(person__birth_year__isnull=False)),
        young=Count(
            person,
            distinct=True,
            filter=Q(person__birth_year__gte=young_born_from()),
        ),
    )
    return YouthShare(**row)
