"""Recompute a person's level after commit when one of their facts changes.

Saving or deleting a participation, registration, completed programme, unit membership or
role (and a person becoming inactive or active again) adds the person to the transaction's
pending set. One on-commit callback per transaction enqueues one ``recompute_people`` task
with every id collected, so a staff member checking in thirty people queues one task, not
thirty, and nothing is computed inside the request. A rolled-back transaction (or savepoint)
drops its callback with it, and the next change registers a new one.

The bulk paths send no model signals and so queue nothing: imports, public signing (a hot
path: ``campaigns.hotpath`` inserts without signals), ``bulk_create``/``update()`` calls and
the demo data. The nightly ``recompute_all`` brings those people up to date. Changes to a
fact's *context* — a programme's ``counts_as_training``, an event's start, a unit's kind —
are also left to the nightly run. Bulk writes that do tell the ladder (attendance, no-shows,
completions in the programmes app) send ``core.signals.facts_changed`` with the people's
ids; it lands in the same pending set.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from aktivist.campaigns.models import Participation
from aktivist.core.signals import facts_changed
from aktivist.organisation.models import Role, UnitMembership
from aktivist.people.models import Person
from aktivist.programmes.models import ProgrammeCompletion, Registration

logger = logging.getLogger(__name__)

TASK_BATCH = 1000  # ids per queued task


class PendingRecompute:
    """The on-commit callback of one transaction, carrying the ids changed in it. Once it
    has run it takes no more ids (tests that run callbacks inside one outer transaction
    then get a fresh callback for the next change)."""

    def __init__(self) -> None:
        self.person_ids: set[int] = set()
        self.done = False

    def __call__(self) -> None:
        # tasks imports the services that import this module: imported when called.
        from aktivist.engagement.tasks import recompute_people

        self.done = True
        ids = sorted(self.person_ids)
        for start in range(0, len(ids), TASK_BATCH):
            recompute_people.enqueue(ids[start : start + TASK_BATCH])


def _pending_callback(connection: Any) -> PendingRecompute | None:
    """This transaction's callback if one is still registered (a rolled-back savepoint
    removes it from the connection's list)."""
    for entry in connection.run_on_commit:
        callback = entry[1]
        if isinstance(callback, PendingRecompute) and not callback.done:
            return callback
    return None


def schedule_recompute(person_ids: Iterable[int | None], *, using: str | None = None) -> None:
    """Queue a recompute of these people once the current transaction commits (at once when
    there is none)."""
    ids = {int(pk) for pk in person_ids if pk is not None}
    if not ids:
        return
    connection = transaction.get_connection(using)
    pending = _pending_callback(connection) if connection.in_atomic_block else None
    if pending is None:
        pending = PendingRecompute()
        pending.person_ids |= ids
        # robust: a queue that cannot be reached must not fail a request that has committed;
        # the nightly run catches up.
        transaction.on_commit(pending, using=using, robust=True)
    else:
        pending.person_ids |= ids


def _fact_changed(sender: Any, instance: Any, using: str, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    schedule_recompute([instance.person_id], using=using)


def _person_saved(sender: Any, instance: Any, using: str, **kwargs: Any) -> None:
    if kwargs.get("raw") or kwargs.get("created"):
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "is_active" in update_fields:
        schedule_recompute([instance.pk], using=using)
    elif update_fields is None and not instance.is_active:
        # A full save of an inactive person (deactivation, erasure): drop the level. A full
        # save re-activating someone is caught by the nightly run.
        schedule_recompute([instance.pk], using=using)


def _facts_changed(sender: Any, person_ids: Iterable[int | None], **kwargs: Any) -> None:
    """A bulk write's ``facts_changed`` (it sent no model signals)."""
    schedule_recompute(person_ids)


def fact_models() -> list[type[Any]]:
    return [Participation, Registration, ProgrammeCompletion, UnitMembership, Role]


def connect() -> None:
    for model in fact_models():
        label = model._meta.label_lower
        post_save.connect(_fact_changed, sender=model, dispatch_uid=f"engagement.save.{label}")
        post_delete.connect(_fact_changed, sender=model, dispatch_uid=f"engagement.delete.{label}")
    post_save.connect(_person_saved, sender=Person, dispatch_uid="engagement.person")
    facts_changed.connect(_facts_changed, dispatch_uid="engagement.facts_changed")
