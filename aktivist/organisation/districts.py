"""Aggregate reports by district: which district a person belongs to (their home unit's)
and which districts a viewer may see figures for."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, ExpressionWrapper, F, OuterRef, Subquery
from django.db.models.lookups import StartsWith

from aktivist.accounts.access import scope_for
from aktivist.accounts.models import User
from aktivist.organisation.models import Unit
from aktivist.organisation.scoping import subtree_q


def district_of_home_unit(prefix: str = "") -> Subquery:
    """The id of the district the person's home unit lies in (nearest first). ``prefix``
    leads from the queried model to the person (e.g. ``"person__"``)."""
    return Subquery(
        Unit.objects.filter(
            StartsWith(
                ExpressionWrapper(OuterRef(f"{prefix}home_unit__path"), output_field=CharField()),
                F("path"),
            ),
            kind=Unit.Kind.DISTRICT,
        )
        .order_by("-depth")
        .values("pk")[:1]
    )


def districts_in_sight(viewer: Any) -> list[int] | None:
    """None: every district (and the no-district row); else the districts in sight."""
    scope = scope_for(viewer)
    if scope.is_national or scope.role == User.AccessRole.BOARD:
        return None
    if scope.role != User.AccessRole.DISTRICT or not scope.unit_paths:
        return []
    return list(
        Unit.objects.filter(subtree_q(scope), kind=Unit.Kind.DISTRICT).values_list("pk", flat=True)
    )


def district_names(districts: list[int] | None, found: list[int | None]) -> dict[int, str]:
    """Names of the districts to show a row for: every active district in sight (a district
    with nobody is a finding too) and any other district the figures named."""
    units = Unit.objects.filter(kind=Unit.Kind.DISTRICT, is_active=True)
    if districts is not None:
        units = units.filter(pk__in=districts)
    names = dict(units.values_list("pk", "name"))
    extra = [pk for pk in found if pk and pk not in names]
    names.update(Unit.objects.filter(pk__in=extra).values_list("pk", "name"))
    return names
