"""How a viewer's scope becomes a filter on people.

Each app that gives a reason to see a person registers a provider: people (home unit),
organisation (memberships, roles), later programmes (registrations for a group's events).
A provider takes the scope and returns a Q over Person, or None when it adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q

from aktivist.accounts.access import Scope

ScopeProvider = Callable[[Scope], Q | None]

scope_providers: list[ScopeProvider] = []


def register_scope_provider(provider: ScopeProvider) -> ScopeProvider:
    if provider not in scope_providers:
        scope_providers.append(provider)
    return provider


def person_scope_q(scope: Scope) -> Q | None:
    """Q for the people a scoped viewer may see; None means everyone (national roles)."""
    if scope.is_national:
        return None
    if not scope.sees_people:
        return Q(pk__in=[])
    combined = Q(pk__in=[])
    for provider in scope_providers:
        q = provider(scope)
        if q is not None:
            combined |= q
    return combined
