"""The merge, export and erasure registries.

Every model with a relation to ``people.Person`` registers, in its app's ``ready()``, how a
merge moves its rows, how the access export writes them and what erasure does to them.
``aktivist/core/tests/test_registries.py`` walks all models and fails when one is missing.

The base never imports a feature: apps register into these dictionaries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models

MergeHandler = Callable[[Any, Any], None]  # (keep: Person, drop: Person)
ExportHandler = Callable[[Any], list[dict[str, Any]]]  # (person) -> rows
EraseHandler = Callable[[Any], None]  # (person)


@dataclass(frozen=True)
class PersonRelation:
    model: type[models.Model]
    merge: MergeHandler
    export: ExportHandler
    erase: EraseHandler
    export_section: str


merge_registry: dict[type[models.Model], MergeHandler] = {}
export_registry: dict[type[models.Model], tuple[str, ExportHandler]] = {}
erasure_registry: dict[type[models.Model], EraseHandler] = {}


def register_person_relation(
    model: type[models.Model],
    *,
    merge: MergeHandler,
    export: ExportHandler,
    erase: EraseHandler,
    export_section: str | None = None,
) -> None:
    merge_registry[model] = merge
    export_registry[model] = (export_section or model._meta.label_lower, export)
    erasure_registry[model] = erase


# --- Common strategies ------------------------------------------------------------------


def reassign(model: type[models.Model], field: str) -> MergeHandler:
    """Merge by pointing the dropped person's rows at the kept person."""

    def handler(keep: Any, drop: Any) -> None:
        model._default_manager.filter(**{field: drop}).update(**{field: keep})

    return handler


def export_values(model: type[models.Model], field: str, columns: Iterable[str]) -> ExportHandler:
    cols = list(columns)

    def handler(person: Any) -> list[dict[str, Any]]:
        return list(model._default_manager.filter(**{field: person}).values(*cols))

    return handler


def delete_rows(model: type[models.Model], field: str) -> EraseHandler:
    def handler(person: Any) -> None:
        model._default_manager.filter(**{field: person}).delete()

    return handler


def null_out(model: type[models.Model], field: str) -> EraseHandler:
    """Keep the rows (counts and history survive) but detach them from the person."""

    def handler(person: Any) -> None:
        model._default_manager.filter(**{field: person}).update(**{field: None})

    return handler


def register_simple(
    model: type[models.Model],
    *,
    field: str,
    export_columns: Iterable[str],
    merge: MergeHandler | None = None,
    erase: EraseHandler | None = None,
    export_section: str | None = None,
) -> None:
    """Register a model with the usual strategies: reassign on merge, export its columns,
    delete on erasure — unless other handlers are given."""
    register_person_relation(
        model,
        merge=merge or reassign(model, field),
        export=export_values(model, field, export_columns),
        erase=erase or delete_rows(model, field),
        export_section=export_section,
    )


def models_pointing_to(target: type[models.Model]) -> list[type[models.Model]]:
    """Every concrete model (auto-created through tables included) with a relation to target."""
    from django.apps import apps

    found: list[type[models.Model]] = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields(include_hidden=True):
            if field.is_relation and field.concrete and field.related_model is target:
                found.append(model)
                break
    return found
