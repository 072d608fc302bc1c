"""Reads on urgent templates and cases: the secretariat's (everyone else gets a 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from aktivist.accounts.access import scope_for
from aktivist.urgent.models import UrgentCase, UrgentTemplate


def _national(viewer: Any) -> bool:
    return viewer is not None and scope_for(viewer).is_national


def templates_visible_to(viewer: Any) -> QuerySet[UrgentTemplate]:
    qs = UrgentTemplate.objects.select_related("approved_by", "created_by").filter(
        is_archived=False
    )
    return qs if _national(viewer) else qs.none()


def approved_templates(viewer: Any) -> QuerySet[UrgentTemplate]:
    return templates_visible_to(viewer).filter(status=UrgentTemplate.Status.APPROVED)


def cases_visible_to(viewer: Any) -> QuerySet[UrgentCase]:
    qs = UrgentCase.objects.select_related(
        "action",
        "template",
        "created_by",
        "email_mobilization",
        "sms_mobilization",
        "follow_up_mobilization",
    )
    return qs if _national(viewer) else qs.none()


def _get(qs: QuerySet[Any], pk: Any) -> Any:
    try:
        found = qs.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise Http404
    return found


def access_template(viewer: Any, pk: Any) -> UrgentTemplate:
    return _get(templates_visible_to(viewer), pk)


def access_case(viewer: Any, pk: Any) -> UrgentCase:
    return _get(cases_visible_to(viewer), pk)
