"""How a viewer's scope becomes a filter on people.

Sight of a person comes only from DESIGN.md's table ("Who may see what"): a district
representative sees people whose home unit, or a membership or role (current or past),
lies in their district's subtree; a group coordinator those with a current membership or
role in their groups. The organisation app registers those providers. Nothing a public
form, an import of someone else's data or a check-in records is a reason: a registration
for an event is what the registrant typed, not a door to the person behind it
(docs/architecture.md, "Sight of a person"). A provider takes the scope and returns a Q
over Person, or None when it adds nothing.
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
