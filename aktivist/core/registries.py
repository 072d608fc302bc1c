"""The merge, export and erasure registries, and the stores of personal data.

Every model that holds personal data — with a relation to ``people.Person`` or without one
(what was typed into a registration, a review item's payload, an import's refused cells,
its kept file …) — registers, in its app's ``ready()``:

* how a **merge** moves its rows (``MergeHandler``: keep, drop);
* how the **access export** writes them (``ExportHandler``: person → rows);
* what **erasure** does to them (``EraseHandler``: a batch of person ids, see below);
* its **personal fields** and its **retention rule** (a key of ``aktivist/core/retention_rules.py``;
  ``person_record`` for rows that live as long as the person's record).

``aktivist/core/tests/test_registries.py`` walks every model, finds the fields that may
hold personal data by their kind and name, and fails when a model that has them is neither
registered here nor listed there as holding no personal data (with the reason).

Erasure (``aktivist/privacy/erasure.py``) works on batches of people, each batch in one
transaction. An erase handler receives the ids of the batch and must be set-based: a fixed
number of statements whatever the number of ids (``UPDATE … WHERE person_id IN …``,
``DELETE … WHERE …``), never one per person. Handlers run after each tombstone's district
and age bracket are set and *before* the people's own values are blanked, so a handler may
still read their email, mobile or names — in a subquery, so that no value is ever a
statement's parameter (or a log line). Rows that reports follow across one person
(participations, registrations, completions, snapshots, roles) stay attached to the
tombstone with their personal text blanked; everything else personal goes.

The base never imports a feature: apps register into these dictionaries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models

MergeHandler = Callable[[Any, Any], None]  # (keep: Person, drop: Person)
ExportHandler = Callable[[Any], list[dict[str, Any]]]  # (person) -> rows
EraseHandler = Callable[[Sequence[int]], None]  # (ids of a batch of people being erased)


@dataclass(frozen=True)
class PersonRelation:
    model: type[models.Model]
    merge: MergeHandler
    export: ExportHandler
    erase: EraseHandler
    export_section: str


@dataclass(frozen=True)
class PersonalStore:
    """A model that holds personal data: in which fields, and which retention rule decides
    how long (``aktivist/core/retention_rules.py``)."""

    model: type[models.Model]
    fields: tuple[str, ...]
    retention: str


merge_registry: dict[type[models.Model], MergeHandler] = {}
export_registry: dict[type[models.Model], tuple[str, ExportHandler]] = {}
erasure_registry: dict[type[models.Model], EraseHandler] = {}
personal_stores: dict[type[models.Model], PersonalStore] = {}


def register_person_relation(
    model: type[models.Model],
    *,
    merge: MergeHandler,
    export: ExportHandler,
    erase: EraseHandler,
    export_section: str | None = None,
    fields: Iterable[str] = (),
    retention: str | None = None,
) -> None:
    merge_registry[model] = merge
    export_registry[model] = (export_section or model._meta.label_lower, export)
    erasure_registry[model] = erase
    if retention is not None:
        personal_stores[model] = PersonalStore(model, tuple(fields), retention)


def register_personal_store(
    model: type[models.Model],
    *,
    fields: Iterable[str],
    retention: str,
    merge: MergeHandler,
    export: ExportHandler,
    erase: EraseHandler,
    export_section: str | None = None,
) -> None:
    """Register a store of personal data in every registry, with its personal fields and
    its retention rule (the key of a rule in ``aktivist/core/retention_rules.py``)."""
    register_person_relation(
        model,
        merge=merge,
        export=export,
        erase=erase,
        export_section=export_section,
        fields=fields,
        retention=retention,
    )


# --- Common strategies ------------------------------------------------------------------


def reassign(model: type[models.Model], field: str) -> MergeHandler:
    """Merge by pointing the dropped person's rows at the kept person."""

    def handler(keep: Any, drop: Any) -> None:
        model._default_manager.filter(**{field: drop}).update(**{field: keep})

    return handler


def nothing_to_merge(keep: Any, drop: Any) -> None:
    """A store whose rows follow no person record (they stay as they were)."""


def export_values(model: type[models.Model], field: str, columns: Iterable[str]) -> ExportHandler:
    cols = list(columns)

    def handler(person: Any) -> list[dict[str, Any]]:
        return list(model._default_manager.filter(**{field: person}).values(*cols))

    return handler


def nothing_to_export(person: Any) -> list[dict[str, Any]]:
    return []


def raw_delete(queryset: models.QuerySet[Any]) -> int:
    """One DELETE, without loading the rows or sending signals: for rows nothing else points
    to (a model with dependents is deleted through Django's collector instead)."""
    if queryset.model._meta.related_objects:
        return queryset.delete()[0]
    return queryset._raw_delete(queryset.db)


def delete_rows(model: type[models.Model], field: str) -> EraseHandler:
    """Erasure deletes the rows (one DELETE per batch)."""

    def handler(person_ids: Sequence[int]) -> None:
        raw_delete(model._default_manager.filter(**{f"{field}__in": list(person_ids)}))

    return handler


def null_out(model: type[models.Model], field: str, **blank: Any) -> EraseHandler:
    """Keep the rows but detach them from the person (and blank ``blank``'s fields)."""

    def handler(person_ids: Sequence[int]) -> None:
        model._default_manager.filter(**{f"{field}__in": list(person_ids)}).update(
            **{field: None}, **blank
        )

    return handler


def keep_rows(person_ids: Sequence[int]) -> None:
    """Erasure keeps the rows on the tombstone as they are: they hold no personal text, and
    the reports that follow one person across rows count them."""


def register_simple(
    model: type[models.Model],
    *,
    field: str,
    export_columns: Iterable[str],
    merge: MergeHandler | None = None,
    erase: EraseHandler | None = None,
    export_section: str | None = None,
    fields: Iterable[str] = (),
    retention: str | None = None,
) -> None:
    """Register a model with the usual strategies: reassign on merge, export its columns,
    delete on erasure — unless other handlers are given."""
    register_person_relation(
        model,
        merge=merge or reassign(model, field),
        export=export_values(model, field, export_columns),
        erase=erase or delete_rows(model, field),
        export_section=export_section,
        fields=fields,
        retention=retention,
    )


def models_pointing_to(target: type[models.Model]) -> list[type[models.Model]]:
    """Every concrete model (auto-created through tables included) with a relation to target."""
    found: list[type[models.Model]] = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields(include_hidden=True):
            if field.is_relation and field.concrete and field.related_model is target:
                found.append(model)
                break
    return found
