"""Email transports: how a rendered email leaves the application.

``SmtpTransport`` is our own small SMTP client: one connection, reused for every message a
worker sends, and a raw MIME message built by string assembly (the parts are encoded with
the C quoted-printable encoder), so a worker spends its time on the wire, not in the
``email`` package. ``DjangoBackendTransport`` hands the message to whatever
``EMAIL_BACKEND`` names: an email service provider through django-anymail, or the console
in development. ``get_email_transport()`` picks one by settings (``EMAIL_TRANSPORT``).

Both raise ``TransportError``: ``permanent`` when sending it again cannot help, and
``recipient_refused`` when the receiving side refused the address itself (a hard bounce:
the address is then suppressed by the caller).
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import secrets
import smtplib
import ssl
import time
from dataclasses import dataclass, field
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from functools import lru_cache
from types import TracebackType
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

logger = logging.getLogger(__name__)

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
DOT_AT_LINE_START = re.compile(rb"(?m)^\.")  # SMTP's dot-stuffing


class TransportError(Exception):
    """Sending failed. ``code`` is the server's answer (e.g. "550 5.1.1 …") without the
    address; ``permanent``: retrying cannot help; ``recipient_refused``: the address itself
    was refused (suppress it)."""

    def __init__(
        self, message: str, *, permanent: bool, recipient_refused: bool = False, code: str = ""
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.recipient_refused = recipient_refused
        self.code = code


@dataclass
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str
    from_email: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    message_id: str = ""
    envelope_from: str = ""
    attachments: list[tuple[str, bytes | str, str]] = field(default_factory=list)
    # Echoed back by email service providers in their webhooks (anymail's ``metadata``).
    metadata: dict[str, str] = field(default_factory=dict)

    def sender(self) -> str:
        return self.from_email or settings.DEFAULT_FROM_EMAIL

    def return_path(self) -> str:
        return self.envelope_from or _bare_address(self.sender())


class EmailTransport(Protocol):
    def open(self) -> None: ...
    def close(self) -> None: ...
    def send(self, email: OutgoingEmail) -> str: ...
    def __enter__(self) -> EmailTransport: ...
    def __exit__(self, *exc: object) -> None: ...


class _ContextManaged:
    def open(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __enter__(self) -> Any:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# --- Raw MIME, fast -------------------------------------------------------------------------


ENCODED_WORD_BYTES = 45  # 45 bytes → 60 base64 characters: each encoded word fits a line


def _header_value(value: str) -> str:
    """A header value on one logical line, RFC 2047-encoded (UTF-8, base64 encoded words
    on folded lines) when it is not ASCII."""
    value = " ".join(value.replace("\r", " ").replace("\n", " ").split())
    if value.isascii():
        return value
    data = value.encode("utf-8")
    words, start = [], 0
    while start < len(data):
        end = min(start + ENCODED_WORD_BYTES, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1  # never split a character between two encoded words
        words.append("=?utf-8?b?" + base64.b64encode(data[start:end]).decode() + "?=")
        start = end
    return "\n ".join(words)


@lru_cache(maxsize=1024)
def _address(value: str) -> str:
    """An address header value: a bare address as it is, a named one with the name encoded
    when it needs to be."""
    value = value.replace("\r", " ").replace("\n", " ")
    if "<" not in value and '"' not in value and " " not in value.strip():
        return value.strip()
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8") if name else address


@lru_cache(maxsize=64)
def _bare_address(value: str) -> str:
    return parseaddr(value)[1]


def _qp(text: str) -> bytes:
    return binascii.b2a_qp(
        text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8"), istext=True
    )


_date_cache: tuple[int, str] = (0, "")


def _date_header() -> str:
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, localtime=False, usegmt=True))
    return _date_cache[1]


def message_id_for(local: str) -> str:
    domain = _bare_address(settings.DEFAULT_FROM_EMAIL).rpartition("@")[2] or "localhost"
    return f"<{local}@{domain}>"


def build_raw(email: OutgoingEmail) -> bytes:
    """The whole message as bytes with CRLF line ends: multipart/alternative of a text and
    an HTML part, both UTF-8 in quoted-printable. (Attachments go through Django's
    ``EmailMultiAlternatives`` instead: transactional mail only, rare and small.)"""
    if email.attachments:
        return _django_message(email, connection=None).message().as_bytes(linesep="\r\n")
    boundary = "=_aktivist_" + secrets.token_hex(12)
    lines = [
        f"From: {_address(email.sender())}",
        f"To: {_address(email.to)}",
        f"Subject: {_header_value(email.subject)}",
        f"Date: {_date_header()}",
        f"Message-ID: {email.message_id or make_msgid()}",
        "MIME-Version: 1.0",
    ]
    for name, value in email.headers.items():
        lines.append(f"{name}: {_header_value(value)}")
    lines.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
    head = "\n".join(lines).encode("utf-8")
    part_head = "Content-Type: {}; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
    raw = b"".join(
        (
            head,
            b"\n\n",
            f"--{boundary}\n".encode(),
            part_head.format("text/plain").encode(),
            _qp(email.text),
            f"\n--{boundary}\n".encode(),
            part_head.format("text/html").encode(),
            _qp(email.html),
            f"\n--{boundary}--\n".encode(),
        )
    )
    return raw.replace(b"\n", b"\r\n")


def _django_message(email: OutgoingEmail, connection: Any) -> EmailMultiAlternatives:
    headers = dict(email.headers)
    if email.message_id:
        headers["Message-ID"] = email.message_id
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text,
        from_email=email.sender(),
        to=[email.to],
        headers=headers,
        connection=connection,
    )
    message.attach_alternative(email.html, "text/html")
    for filename, content, mimetype in email.attachments:
        message.attach(filename, content, mimetype)
    if email.metadata:
        message.metadata = dict(email.metadata)  # type: ignore[attr-defined]  # anymail's
    return message


# --- SMTP -------------------------------------------------------------------------------------


def _code_text(code: int, text: bytes | str) -> str:
    """The server's answer without anything after the first line (often the address)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    first = text.splitlines()[0] if text else ""
    # Servers quote the refused address in angle brackets: keep it out of our records.
    if "<" in first:
        first = first.split("<", 1)[0].strip()
    return f"{code} {first}"[:200]


class SmtpTransport(_ContextManaged):
    """One SMTP connection, reused for every message until closed."""

    def __init__(
        self,
        *,
        host: str | None = None,
        port: int | None = None,
        username: str | None = None,
        password: str | None = None,
        use_tls: bool | None = None,
        timeout: float | None = None,
    ) -> None:
        self.host = host or settings.EMAIL_HOST
        self.port = port or settings.EMAIL_PORT
        self.username = settings.EMAIL_HOST_USER if username is None else username
        self.password = settings.EMAIL_HOST_PASSWORD if password is None else password
        self.use_tls = settings.EMAIL_USE_TLS if use_tls is None else use_tls
        self.timeout = timeout or settings.EMAIL_TIMEOUT
        self.connection: smtplib.SMTP | None = None

    def open(self) -> None:
        if self.connection is not None:
            return
        try:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            connection.ehlo()
            if self.use_tls:
                connection.starttls(context=ssl.create_default_context())
                connection.ehlo()
            if self.username:
                connection.login(self.username, self.password)
        except (OSError, smtplib.SMTPException) as exc:
            raise TransportError(
                f"cannot connect to the SMTP server: {type(exc).__name__}", permanent=False
            ) from None
        self.connection = connection

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()

    def _drop(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            connection.close()

    def send(self, email: OutgoingEmail) -> str:
        self.open()
        assert self.connection is not None  # noqa: S101 - open() set it or raised
        message_id = email.message_id or make_msgid()
        email.message_id = message_id
        raw = build_raw(email)
        try:
            self._sendmail(email.return_path(), email.to, raw)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (0, b""))
            permanent = 500 <= code < 600
            raise TransportError(
                "recipient refused",
                permanent=permanent,
                recipient_refused=permanent,
                code=_code_text(code, text),
            ) from None
        except smtplib.SMTPResponseException as exc:
            # Refused sender or content: the address is not to blame.
            permanent = 500 <= exc.smtp_code < 600 and not isinstance(
                exc, smtplib.SMTPSenderRefused
            )
            self._reset()
            raise TransportError(
                "message refused",
                permanent=permanent,
                code=_code_text(exc.smtp_code, exc.smtp_error),
            ) from None
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise TransportError(
                f"connection lost: {type(exc).__name__}", permanent=False
            ) from None
        return message_id

    def _sendmail(self, sender: str, recipient: str, raw: bytes) -> None:
        """One message. With a server that offers PIPELINING (RFC 2920) the envelope goes
        in one write and the answers are read together: two round trips, not four."""
        connection = self.connection
        assert connection is not None  # noqa: S101 - send() opened it
        if not (connection.does_esmtp and connection.has_extn("pipelining")):
            connection.sendmail(sender, [recipient], raw)
            return
        connection.send(f"MAIL FROM:<{sender}>\r\nRCPT TO:<{recipient}>\r\nDATA\r\n")
        mail, rcpt, data = connection.getreply(), connection.getreply(), connection.getreply()
        if mail[0] != 250:
            self._reset()
            raise smtplib.SMTPSenderRefused(mail[0], mail[1], sender)
        if rcpt[0] not in (250, 251):
            self._reset()
            raise smtplib.SMTPRecipientsRefused({recipient: rcpt})
        if data[0] != 354:
            self._reset()
            raise smtplib.SMTPDataError(data[0], data[1])
        body = DOT_AT_LINE_START.sub(b"..", raw)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        connection.send(body + b".\r\n")
        code, reply = connection.getreply()
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)

    def _reset(self) -> None:
        try:
            if self.connection is not None:
                self.connection.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()


# --- Django's email backends (anymail, console, locmem) ---------------------------------------


class DjangoBackendTransport(_ContextManaged):
    """Whatever EMAIL_BACKEND names, with its connection opened once for many messages."""

    def __init__(self, backend: str | None = None) -> None:
        self.backend = backend or settings.EMAIL_BACKEND
        self.connection: Any = None

    def open(self) -> None:
        if self.connection is None:
            self.connection = get_connection(self.backend)
            try:
                self.connection.open()
            except Exception as exc:
                self.connection = None
                raise TransportError(
                    f"cannot open the email backend: {type(exc).__name__}", permanent=False
                ) from None

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # noqa: S110 - closing a connection that is gone already
                pass

    def send(self, email: OutgoingEmail) -> str:
        self.open()
        message = _django_message(email, self.connection)
        try:
            message.send()
        except Exception as exc:
            raise _anymail_error(exc) from None
        status = getattr(message, "anymail_status", None)
        provider_id = getattr(status, "message_id", None) if status is not None else None
        if provider_id is None:
            return email.message_id or ""
        return str(provider_id)


def _anymail_error(exc: Exception) -> TransportError:
    """Map an email backend's exception (anymail's or smtplib's) to a TransportError."""
    try:
        from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
    except ImportError:  # pragma: no cover - anymail is a dependency
        return TransportError(type(exc).__name__, permanent=False)
    if isinstance(exc, AnymailRecipientsRefused):
        return TransportError("recipient refused", permanent=True, recipient_refused=True)
    if isinstance(exc, AnymailAPIError):
        status = getattr(exc, "status_code", None) or 0
        permanent = 400 <= status < 500 and status not in (408, 429)
        return TransportError(f"provider answered {status}", permanent=permanent, code=str(status))
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code = next(iter(exc.recipients.values()), (0, b""))[0]
        permanent = 500 <= code < 600
        return TransportError(
            "recipient refused", permanent=permanent, recipient_refused=permanent, code=str(code)
        )
    return TransportError(type(exc).__name__, permanent=False)


def transport_name() -> str:
    chosen = settings.EMAIL_TRANSPORT
    if chosen == "auto":
        return "smtp" if settings.EMAIL_BACKEND == SMTP_BACKEND else "django"
    if chosen not in ("smtp", "django"):
        raise ValueError(f"EMAIL_TRANSPORT must be smtp, django or auto, not {chosen!r}")
    return chosen


def get_email_transport() -> SmtpTransport | DjangoBackendTransport:
    """A fresh transport as settings say; use it as a context manager."""
    return SmtpTransport() if transport_name() == "smtp" else DjangoBackendTransport()
