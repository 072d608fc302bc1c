"""Reads of staff accounts. Only admins see accounts other than their own."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django_otp.plugins.otp_totp.models import TOTPDevice

from aktivist.accounts.access import scope_for
from aktivist.accounts.models import AccessScope, User


def staff_accounts_visible_to(viewer: Any) -> QuerySet[User]:
    """Every staff account, for admins; nothing for anyone else."""
    if not scope_for(viewer).is_admin:
        return User.objects.none()
    return User.objects.all()


def staff_list(viewer: Any) -> QuerySet[User]:
    """The staff list: scopes and their units prefetched, ``has_two_factor`` annotated."""
    return (
        staff_accounts_visible_to(viewer)
        .select_related("person")
        .prefetch_related(
            Prefetch(
                "scopes",
                queryset=AccessScope.objects.select_related("unit").order_by("unit__path"),
            )
        )
        .annotate(
            has_two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
        )
        .order_by("-is_active", "name", "email")
    )


def staff_get(viewer: Any, pk: Any) -> User:
    """One account for an admin, else 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    user = staff_list(viewer).filter(pk=pk).first()
    if user is None:
        raise Http404
    return user


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def coordinators_in_district_of(viewer: Any) -> QuerySet[User]:
    """The active coordinator accounts a district representative may help (reset their
    second factor): each of their scope units lies in the representative's district
    subtree. Nothing for anyone else."""
    scope = scope_for(viewer)
    if scope.role != User.AccessRole.DISTRICT or not scope.unit_paths:
        return User.objects.none()
    inside = Q()
    for path in scope.unit_paths:
        inside |= Q(unit__path__startswith=path)
    scopes = AccessScope.objects.filter(user=OuterRef("pk"))
    return (
        User.objects.filter(access_role=User.AccessRole.COORDINATOR, is_active=True)
        .filter(Exists(scopes))
        .exclude(Exists(scopes.exclude(inside)))
    )


def coordinator_list(viewer: Any) -> QuerySet[User]:
    """The district representative's page of coordinators: scopes prefetched,
    ``has_two_factor`` annotated."""
    return (
        coordinators_in_district_of(viewer)
        .prefetch_related(
            Prefetch(
                "scopes",
                queryset=AccessScope.objects.select_related("unit").order_by("unit__path"),
            )
        )
        .annotate(
            has_two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
        )
        .order_by("name", "email")
    )


def coordinator_get(viewer: Any, pk: Any) -> User:
    """One coordinator of the representative's district, else 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    user = coordinator_list(viewer).filter(pk=pk).first()
    if user is None:
        raise Http404
    return user


def secretariat_alert_recipients(configured: list[str]) -> list[tuple[str, str]]:
    """(address, language) for an alert to the secretariat: the configured addresses, else
    every active secretariat admin and staff account."""
    from django.conf import settings

    if configured:
        return [(address, settings.LANGUAGE_CODE) for address in configured]
    return list(
        User.objects.filter(
            is_active=True, access_role__in=(User.AccessRole.ADMIN, User.AccessRole.STAFF)
        )
        .exclude(email="")
        .order_by("pk")
        .values_list("email", "language")
    )
