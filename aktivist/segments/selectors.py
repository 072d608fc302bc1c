"""Reads on saved segments, scoped by the viewer: the secretariat sees every segment;
district representatives and coordinators those owned by a unit in their subtree."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from aktivist.accounts.access import scope_for
from aktivist.organisation.scoping import subtree_q
from aktivist.segments.models import Segment


def segments_visible_to(viewer: Any) -> QuerySet[Segment]:
    scope = scope_for(viewer)
    qs = Segment.objects.select_related("unit", "created_by").filter(is_archived=False)
    if scope.is_national:
        return qs
    if not scope.sees_people:
        return qs.none()
    return qs.filter(subtree_q(scope, field="unit__path") | Q(created_by=viewer))


def access_segment(viewer: Any, pk: Any) -> Segment:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    segment = segments_visible_to(viewer).filter(pk=pk).first()
    if segment is None:
        raise Http404
    return segment
