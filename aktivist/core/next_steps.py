"""What a thank-you page offers next: a hook of the base. Features register providers in
their ready() (the programmes app adds upcoming trainings, the public app the campaign's
other actions); the public thank-you page asks ``next_steps`` and never imports them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NextStep:
    title: str
    url: str
    when: Any = None  # a datetime, shown when given
    place: str = ""


# (action, unit) -> next steps. ``unit`` is the unit covering the postcode the signer typed
# (an organisation Unit, or None): the thank-you page knows no more of the signer, and a
# provider must not reveal anything about them.
Provider = Callable[[Any, Any], list[NextStep]]
_providers: list[Provider] = []


def register_next_step_provider(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def next_steps(action: Any, unit: Any, *, limit: int = 5) -> list[NextStep]:
    steps: list[NextStep] = []
    for provider in _providers:
        steps.extend(provider(action, unit))
    return steps[:limit]
