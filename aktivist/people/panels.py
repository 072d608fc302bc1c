"""Panels other apps add to the person page (campaigns' actions, programmes' events and
next steps, the engagement level …). The people app never imports those features: each
registers a panel in its AppConfig.ready().

A panel is a template (a ``<section class="card">``) and a function building its context
from the viewer and the person; it must read through the feature's scoped selectors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PersonPanel:
    key: str
    template: str
    context: Callable[[Any, Any], dict[str, Any]]  # (viewer, person) -> context
    column: str = "side"  # "main" (left, under the facts) or "side" (right)
    order: int = 100


_panels: dict[str, PersonPanel] = {}


def register_person_panel(panel: PersonPanel) -> None:
    _panels[panel.key] = panel


def panels_for(viewer: Any, person: Any) -> dict[str, list[dict[str, Any]]]:
    """{"main": [...], "side": [...]}: each item {"template": …, "context": …}."""
    columns: dict[str, list[dict[str, Any]]] = {"main": [], "side": []}
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        columns[panel.column].append(
            {"template": panel.template, "context": panel.context(viewer, person)}
        )
    return columns
