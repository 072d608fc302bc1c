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

import binascii
import logging
import re
import secrets
import smtplib
import ssl
import time
from dataclasses import dataclass, field
from email.charset import QP, Charset
from email.utils import formatdate, make_msgid
from functools import lru_cache
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as DjangoSmtpBackend

from aktivist.core.email_addresses import (
    ADDRESS_HEADERS,
    AddressError,
    ascii_domain,
    bare_address,
    envelope_address,
    format_address,
    header_value,
    parse_address,
    single_line_address,
)
from aktivist.core.sent_messages import keep_email
from aktivist.core.transport_errors import TransportError

logger = logging.getLogger(__name__)

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
DOT_AT_LINE_START = re.compile(rb"(?m)^\.")  # SMTP's dot-stuffing
QP_UTF8 = Charset("utf-8")
QP_UTF8.body_encoding = QP


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
        return self.envelope_from or bare_address(self.sender())


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


@lru_cache(maxsize=8)
def _message_domain(site_url: str, from_email: str) -> str:
    """The site's host name (SITE_URL), in IDNA form; when the site is reached by an IP
    address or a name without a dot (``localhost``), the From address's domain."""
    host = (urlsplit(site_url).hostname or "").rstrip(".")
    if "." in host and ":" not in host and not host.replace(".", "").isdigit():
        try:
            return ascii_domain(host)
        except AddressError:
            pass
    domain = bare_address(from_email).rpartition("@")[2]
    try:
        return ascii_domain(domain) if domain else "localhost"
    except AddressError:
        return "localhost"


def message_domain() -> str:
    """The domain every Message-ID is on (never the machine's own name)."""
    return _message_domain(settings.SITE_URL, settings.DEFAULT_FROM_EMAIL)


def message_id_for(local: str) -> str:
    return f"<{local}@{message_domain()}>"


def new_message_id() -> str:
    """A unique Message-ID on the site's domain (``make_msgid`` alone takes the machine's
    name, often ``localhost``)."""
    return make_msgid(domain=message_domain())


def _phrase(name: str) -> str:
    """A display name for a structured header: a quoted string, or UTF-8 encoded words of
    at most 75 characters each, on one line (the header is folded when written)."""
    name = " ".join(name.split())
    if name.isascii():
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return " ".join(header_value(name).split())


def bulk_headers(list_label: str, feedback_campaign: str, organisation: str) -> dict[str, str]:
    """The headers that mark bulk mail (one list per ``list_label``, e.g. a purpose):
    ``List-Id`` (RFC 2919: ``"Name" <label.site-domain>``) and ``Feedback-ID`` (Gmail's
    feedback loop: ``campaign:list:kind:sender``, nothing personal in it)."""
    return _bulk_headers(list_label, feedback_campaign, organisation, message_domain())


@lru_cache(maxsize=256)
def _bulk_headers(
    list_label: str, feedback_campaign: str, organisation: str, domain: str
) -> dict[str, str]:
    label = re.sub(r"[^a-z0-9-]+", "-", list_label.lower()).strip("-") or "list"
    return {
        "List-Id": f"{_phrase(organisation)} <{label}.{domain}>",
        "Feedback-ID": f"{feedback_campaign}:{label}:bulk:{domain}",
    }


def build_raw(email: OutgoingEmail, *, utf8: bool = False) -> bytes:
    """The whole message as bytes with CRLF line ends: multipart/alternative of a text and
    an HTML part, both UTF-8 in quoted-printable. (Attachments go through Django's
    ``EmailMultiAlternatives`` instead: transactional mail only, rare and small.)
    ``utf8``: the server offers SMTPUTF8, so a non-ASCII local part may stand in To.
    Raises ``AddressError`` for an address that cannot be written."""
    if email.attachments:
        if not parse_address(email.to).username.isascii():
            # Django would write a non-ASCII local part as an encoded word: refuse instead.
            raise AddressError("a non-ASCII local part in a message with attachments")
        return _django_message(email, connection=None).message().as_bytes(linesep="\r\n")
    boundary = "=_aktivist_" + secrets.token_hex(12)
    lines = [
        f"From: {format_address(email.sender())}",
        f"To: {format_address(email.to, utf8=utf8)}",
        f"Subject: {header_value(email.subject)}",
        f"Date: {_date_header()}",
        f"Message-ID: {email.message_id or new_message_id()}",
        "MIME-Version: 1.0",
    ]
    for name, value in email.headers.items():
        if name.title() in ADDRESS_HEADERS:
            lines.append(f"{name}: {format_address(value, utf8=utf8)}")
        else:
            lines.append(f"{name}: {header_value(value)}")
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


class _DjangoMessage(EmailMultiAlternatives):
    """Django's message with some header values written by us: Django's encoder makes
    encoded words of 76 characters, one more than RFC 2047 allows."""

    own_headers: dict[str, str] | None = None

    def message(self, *args: Any, **kwargs: Any) -> Any:
        msg = super().message(*args, **kwargs)
        for name, value in (self.own_headers or {}).items():
            if name in msg:
                msg.replace_header(name, value)  # as written: Django's encoder is bypassed
        return msg


def _own_encodings(email: OutgoingEmail) -> dict[str, str]:
    """Subject, From and every other non-ASCII header value as ``build_raw`` writes them."""
    own = {"Subject": header_value(email.subject)}
    try:
        own["From"] = format_address(email.sender())
    except AddressError:
        pass  # Django's own form then (the system check refuses such a setting anyway)
    for name, value in email.headers.items():
        if not value.isascii() and name.title() not in ADDRESS_HEADERS:
            own[name] = header_value(value)
    return own


def _django_message(email: OutgoingEmail, connection: Any) -> EmailMultiAlternatives:
    headers = {
        # Quoted names: Django splits an address header at an unquoted comma.
        name: single_line_address(value) if name.title() in ADDRESS_HEADERS else value
        for name, value in email.headers.items()
    }
    # Always ours: Django's own would be on the machine's name (DNS_NAME, often localhost).
    headers["Message-ID"] = email.message_id or new_message_id()
    message = _DjangoMessage(
        subject=email.subject,
        body=email.text,
        from_email=single_line_address(email.sender()),
        to=[single_line_address(email.to)],
        headers=headers,
        connection=connection,
    )
    if connection is None or isinstance(connection, DjangoSmtpBackend):
        # Quoted-printable parts: the message is 7-bit clean, so no server needs 8BITMIME
        # (Django's SMTP backend sends UTF-8 text as 8bit without announcing BODY=8BITMIME).
        # An email service provider's API takes the text itself: left as Django has it.
        message.encoding = QP_UTF8  # Django takes a Charset as well as a name
        message.own_headers = _own_encodings(email)
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
        message_id = email.message_id or new_message_id()
        email.message_id = message_id
        utf8 = bool(self.connection.does_esmtp and self.connection.has_extn("smtputf8"))
        try:
            sender = envelope_address(email.return_path(), utf8=utf8)
            recipient = envelope_address(email.to, utf8=utf8)
            raw = build_raw(email, utf8=utf8)
        except ValueError as exc:  # AddressError, or a header Python cannot encode
            raise unsendable_error(exc) from None
        try:
            needs_utf8 = not (sender + recipient).isascii() or not raw.isascii()
            self._sendmail(sender, recipient, raw, utf8=needs_utf8)
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
        except ValueError as exc:  # nothing of this message reached the server unencoded
            self._reset()
            raise unsendable_error(exc) from None
        keep_email(email)  # outside production only: the sent-messages page
        return message_id

    def _sendmail(self, sender: str, recipient: str, raw: bytes, *, utf8: bool = False) -> None:
        """One message. With a server that offers PIPELINING (RFC 2920) the envelope goes
        in one write and the answers are read together: two round trips, not four.
        ``utf8``: an address or header is UTF-8, announced with SMTPUTF8 (RFC 6531)."""
        connection = self.connection
        assert connection is not None  # noqa: S101 - send() opened it
        options = ["SMTPUTF8"] if utf8 else []
        if not (connection.does_esmtp and connection.has_extn("pipelining")):
            connection.sendmail(sender, [recipient], raw, mail_options=options)
            return
        mail_from = f"MAIL FROM:<{sender}>" + "".join(" " + option for option in options)
        connection.send(f"{mail_from}\r\nRCPT TO:<{recipient}>\r\nDATA\r\n".encode())
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
        try:
            message = _django_message(email, self.connection)
        except ValueError as exc:  # AddressError: no usable address
            raise unsendable_error(exc) from None
        try:
            message.send()
        except Exception as exc:
            raise _anymail_error(exc) from None
        keep_email(email)  # outside production only: the sent-messages page
        status = getattr(message, "anymail_status", None)
        provider_id = getattr(status, "message_id", None) if status is not None else None
        if provider_id is None:
            return email.message_id or ""
        return str(provider_id)


def unsendable_error(exc: Exception) -> TransportError:
    """A message that cannot be written or sent as it is: fails alone, never retried. The
    reason names what is wrong, never the address."""
    reason = str(exc) if isinstance(exc, AddressError) else type(exc).__name__
    return TransportError(
        f"cannot be sent: {reason}", permanent=True, unsendable=True, code=f"unsendable: {reason}"
    )


def _anymail_error(exc: Exception) -> TransportError:
    """Map an email backend's exception (anymail's or smtplib's) to a TransportError."""
    try:
        # Imported here: anymail (and requests, which it loads) matters only to a process
        # whose email backend failed; the SMTP transport never needs it.
        from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
    except ImportError:  # pragma: no cover - anymail is a dependency
        return TransportError(type(exc).__name__, permanent=False)
    if isinstance(exc, AnymailRecipientsRefused):
        return TransportError("recipient refused", permanent=True, recipient_refused=True)
    if isinstance(exc, AnymailAPIError):
        status = getattr(exc, "status_code", None) or 0
        permanent = 400 <= status < 500 and status not in (408, 429)
        return TransportError(f"provider answered {status}", permanent=permanent, code=str(status))
    if isinstance(exc, ValueError):  # Django could not encode an address or a header
        return unsendable_error(exc)
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
