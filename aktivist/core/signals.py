"""Signals the base offers features (the base imports none of their receivers).

``facts_changed`` — sent with ``person_ids`` after a bulk write that sends no model signals
(``update()``, ``bulk_create``) changed facts about these people: attendance, no-shows,
completed programmes. The engagement app connects it to its recompute of their levels
(``engagement/signals.py``: queued once per transaction, after commit); the app that wrote
the facts does not know who listens.
"""

from __future__ import annotations

from django.dispatch import Signal

facts_changed = Signal()  # sent with person_ids: Iterable[int | None]
