"""The SMS helper. Until the SMS issue adds providers, the console transport only logs
that a message was sent (never its recipient or body)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class TransportError(Exception):
    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass
class ConsoleSmsTransport:
    """Keeps messages in memory (tests read ``outbox``) and logs only their length."""

    outbox: list[tuple[str, str]] = field(default_factory=list)

    def send(self, to: str, body: str) -> str:
        self.outbox.append((to, body))
        logger.info("sms.console sent chars=%d", len(body))
        return f"console-{len(self.outbox)}"


_transport: ConsoleSmsTransport | None = None


def get_transport() -> ConsoleSmsTransport:
    global _transport
    if _transport is None:
        _transport = import_string(settings.SMS_BACKEND)()
    return _transport


def send_sms(*, to: str, body: str) -> str:
    return get_transport().send(to, body)
