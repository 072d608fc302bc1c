"""Response tracking, the base side: signatures and sign-ups call ``responded(token)``
with the tracking reference of the link that brought the person; features that issue such
links (the mobilization engine) register a handler that resolves it. The base imports no
feature."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)

ResponseHandler = Callable[[str], object]
response_handlers: list[ResponseHandler] = []


def register_response_handler(handler: ResponseHandler) -> None:
    if handler not in response_handlers:
        response_handlers.append(handler)


def responded(token: str) -> None:
    """A person acted through a link carrying ``token``: handlers run after commit."""
    if not token or not response_handlers:
        return

    def run() -> None:
        for handler in response_handlers:
            try:
                handler(token)
            except Exception:  # a report's figure must never undo a signature
                logger.exception("tracking handler failed")

    transaction.on_commit(run)
