"""Requests held for review: unusual volumes of holds by one account alert the secretariat.

A hold (an import row, a new or edited person, a walk-in or an attendance row that matched
someone outside the requester's scope) tells the requester that *someone* holds the
address they typed. One is ordinary; many from one account look like probing the register.
"""

from __future__ import annotations

from typing import Any


def holds_recorded(*, actor: Any, count: int) -> None:
    """Call after ``count`` review items were written for ``actor``'s requests (inside or
    after the transaction that wrote them)."""
    # Implemented with the alerting (issue 13, item 6).
    return None
