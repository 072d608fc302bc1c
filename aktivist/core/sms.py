"""The SMS helper and its transports.

``send_sms(to=…, body=…)`` sends one message through the transport ``SMS_BACKEND`` names:

* ``ConsoleSmsTransport`` (development and tests): keeps messages in memory and logs only
  their length — never a number or a text;
* ``FortySixElksTransport``: 46elks' REST API (``POST /a1/sms``, basic auth);
* ``TwilioTransport``: Twilio's Messages resource (``POST /2010-04-01/Accounts/{sid}/
  Messages.json``, basic auth).

The HTTP transports use one ``httpx.Client`` (connection reuse) and raise ``TransportError``:
``permanent`` when the provider refused the message (an invalid number, a number that
opted out), not when it failed or did not answer. A request that may have reached the
provider without an answer (a read timeout) is ``ambiguous``: sending it again could send
it twice, so callers do not retry it. Outside production an HTTP transport only talks to a
server on this machine (the tests' fake providers).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from aktivist.core.sent_messages import keep_sms
from aktivist.core.transport_errors import TransportError

logger = logging.getLogger(__name__)

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


# --- Segments: what an SMS costs -------------------------------------------------------------

# The GSM 03.38 default alphabet (one septet each) and its extension table (two septets:
# an escape and the character).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" or "UCS-2"
    length: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int  # how many SMS the text is split into (and billed as)
    per_segment: int  # characters per segment at this length
    last_used: int = -1  # units in the last part (-1: as if nothing were padded)

    @property
    def remaining(self) -> int:
        """Characters left in the last segment."""
        if self.last_used < 0:
            return self.count * self.per_segment - self.length
        return self.per_segment - self.last_used if self.count else 0


GSM7 = "GSM-7"
UCS2 = "UCS-2"
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}  # one SMS alone; each part of a longer one


def is_gsm7(text: str) -> bool:
    """Whether every character is in the GSM 03.38 default alphabet or its extension."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _units(text: str, encoding: str) -> list[int]:
    """What each character takes: septets (an extension character two: the escape and the
    character) or UTF-16 code units (a character outside the BMP two: a surrogate pair)."""
    if encoding == GSM7:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def split(text: str, *, encoding: str = "") -> tuple[str, list[str]]:
    """The encoding and the parts a phone receives. A text that fits one SMS is one part;
    a longer one is cut into parts of at most 153 septets (GSM-7) or 67 code units (UCS-2),
    and a character never straddles two parts: an extension character (escape + character)
    or a surrogate pair that would not fit whole starts the next part. ``encoding="UCS-2"``
    splits as if a character outside the alphabet were there (a worst case)."""
    if encoding != UCS2:
        encoding = GSM7 if is_gsm7(text) else UCS2
    single, multi = LIMITS[encoding]
    units = _units(text, encoding)
    if sum(units) <= single:
        return encoding, [text] if text else []
    parts: list[str] = []
    start = used = 0
    for index, size in enumerate(units):
        if used + size > multi:
            parts.append(text[start:index])
            start, used = index, 0
        used += size
    parts.append(text[start:])
    return encoding, parts


def segments(text: str, *, encoding: str = "") -> Segments:
    """How a text is split into SMS: GSM-7 fits 160 septets in one SMS and 153 in each
    part of a longer one; any other character makes it UCS-2, 70 and 67 (UTF-16 code
    units). An extension character or a surrogate pair is never split across parts, so a
    long text may need a part more than its length alone says."""
    encoding, parts = split(text, encoding=encoding)
    single, multi = LIMITS[encoding]
    length = sum(_units(text, encoding))
    per_segment = single if len(parts) <= 1 else multi
    last_used = sum(_units(parts[-1], encoding)) if parts else 0
    return Segments(encoding, length, len(parts), per_segment, last_used)


# --- Transports --------------------------------------------------------------------------------


class SmsTransport(Protocol):
    def send(self, to: str, body: str, *, callback_url: str = "") -> str: ...
    def close(self) -> None: ...


@dataclass
class ConsoleSmsTransport:
    """Keeps messages in memory (tests read ``outbox``) and logs only their length."""

    outbox: list[tuple[str, str]] = field(default_factory=list)

    def send(self, to: str, body: str, *, callback_url: str = "") -> str:
        self.outbox.append((to, body))
        keep_sms(to, body)  # outside production only: the sent-messages page
        logger.info("sms.console sent chars=%d", len(body))
        return f"console-{len(self.outbox)}"

    def close(self) -> None:
        pass


class HttpSmsTransport:
    """A provider's REST API over one reused httpx client."""

    name = "http"

    def __init__(self, base_url: str, auth: tuple[str, str], timeout: float | None = None) -> None:
        host = urlsplit(base_url).hostname or ""
        if not settings.PRODUCTION and host not in LOOPBACK:
            raise ImproperlyConfigured(
                f"Outside production the {self.name} SMS transport only talks to this machine."
            )
        self.base_url = base_url.rstrip("/")
        self.client = httpx.Client(
            auth=auth,
            timeout=httpx.Timeout(timeout or settings.SMS_TIMEOUT, connect=5.0),
            headers={"User-Agent": "Aktivist"},
        )

    def close(self) -> None:
        self.client.close()

    def _post(self, path: str, data: dict[str, str]) -> Any:
        try:
            return self.client.post(self.base_url + path, data=data)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # Nothing reached the provider: safe to try again later.
            message = f"{self.name}: cannot connect ({type(exc).__name__})"
            raise TransportError(message, permanent=False, unreachable=True, code=message) from None
        except httpx.TimeoutException as exc:
            # Sent, but no answer: the provider may have taken it. Never send it again.
            message = f"{self.name}: no answer ({type(exc).__name__})"
            raise TransportError(message, permanent=True, ambiguous=True, code=message) from None
        except httpx.HTTPError as exc:
            message = f"{self.name}: {type(exc).__name__}"
            raise TransportError(message, permanent=False, code=message) from None

    @staticmethod
    def temporary_status(status: int) -> bool:
        """Worth trying again: the provider failed, was busy, or refused our credentials
        (a setting to mend; the messages wait for it)."""
        return status >= 500 or status in (401, 408, 429)


class FortySixElksTransport(HttpSmsTransport):
    """46elks: ``POST https://api.46elks.com/a1/sms`` with ``from``, ``to``, ``message`` and
    ``whendelivered`` (the delivery-report webhook) as form data and basic auth; the answer
    is the SMS object as JSON with its ``id`` (https://46elks.com/docs/send-sms)."""

    name = "46elks"

    def __init__(self) -> None:
        super().__init__(
            settings.SMS_46ELKS_API_URL,
            (settings.SMS_46ELKS_USERNAME, settings.SMS_46ELKS_PASSWORD),
        )

    def send(self, to: str, body: str, *, callback_url: str = "") -> str:
        data = {"from": settings.SMS_SENDER_ID, "to": to, "message": body}
        if callback_url:
            data["whendelivered"] = callback_url
        response = self._post("/sms", data)
        if response.status_code // 100 == 2:
            keep_sms(to, body)  # outside production only: the sent-messages page
            return str(response.json()["id"])
        text = response.text.strip().splitlines()[0][:120] if response.text.strip() else ""
        temporary = self.temporary_status(response.status_code)
        raise TransportError(
            f"46elks {response.status_code}",
            permanent=not temporary,
            recipient_refused=not temporary and "to" in text.lower(),
            code=f"46elks {response.status_code} {text}".strip(),
        )


# Twilio error codes that refuse the number itself (https://www.twilio.com/docs/api/errors).
TWILIO_NUMBER_REFUSED = {21211, 21610, 21612, 21614}
TWILIO_OPTED_OUT = 21610


class TwilioTransport(HttpSmsTransport):
    """Twilio: ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with ``To``, ``From``,
    ``Body`` and ``StatusCallback`` as form data and basic auth (account SID and auth
    token); the answer is the Message resource as JSON with its ``sid``; an error is JSON
    with ``code``, ``message`` and ``status``
    (https://www.twilio.com/docs/messaging/api/message-resource)."""

    name = "Twilio"

    def __init__(self) -> None:
        super().__init__(
            settings.SMS_TWILIO_API_URL,
            (settings.SMS_TWILIO_ACCOUNT_SID, settings.SMS_TWILIO_AUTH_TOKEN),
        )
        self.path = f"/Accounts/{settings.SMS_TWILIO_ACCOUNT_SID}/Messages.json"

    def send(self, to: str, body: str, *, callback_url: str = "") -> str:
        data = {"To": to, "From": settings.SMS_SENDER_ID, "Body": body}
        if callback_url:
            data["StatusCallback"] = callback_url
        response = self._post(self.path, data)
        if response.status_code // 100 == 2:
            keep_sms(to, body)  # outside production only: the sent-messages page
            return str(response.json()["sid"])
        try:
            error = response.json()
        except ValueError:
            error = {}
        code = int(error.get("code") or 0)
        temporary = self.temporary_status(response.status_code)
        raise TransportError(
            f"Twilio {response.status_code}",
            permanent=not temporary,
            recipient_refused=code in TWILIO_NUMBER_REFUSED,
            opted_out=code == TWILIO_OPTED_OUT,
            code=f"Twilio {code or response.status_code}",
        )


_console: ConsoleSmsTransport | None = None


def get_transport() -> Any:
    """The console transport of this process (the tests read its outbox), or a new
    transport of the configured provider."""
    global _console
    if settings.SMS_BACKEND.endswith("ConsoleSmsTransport"):
        if _console is None:
            _console = import_string(settings.SMS_BACKEND)()
        return _console
    return import_string(settings.SMS_BACKEND)()


def send_sms(*, to: str, body: str) -> str:
    """One message (a confirmation code, a reminder); bulk sends go through the outbox."""
    transport = get_transport()
    try:
        return str(transport.send(to, body))
    finally:
        transport.close()
