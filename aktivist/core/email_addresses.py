"""Addresses in email: a From/Reply-To setting or a recipient parsed (a display name with
commas or any letters, unquoted), the domain in IDNA, the bare address for SMTP's envelope
(``MAIL FROM``/``RCPT TO``), the header value with its display name quoted or as RFC 2047
encoded words, and the start-up check's reason a setting cannot be used. The transports
(``core/transports.py``) write every address through these."""

from __future__ import annotations

import base64
from email.headerregistry import Address
from functools import lru_cache

import idna

ENCODED_WORD_BYTES = 45  # 45 bytes → 60 base64 characters: each encoded word fits a line


def header_value(value: str) -> str:
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


# --- Addresses ----------------------------------------------------------------------------------

ADDRESS_HEADERS = ("From", "To", "Cc", "Reply-To", "Sender")
_NOT_IN_ADDRESS = frozenset(' \t<>()[],;:"\\')


class AddressError(ValueError):
    """An address that cannot be used (no ``@``, an empty or malformed part, a domain that
    has no IDNA form) or cannot be written for this server (a non-ASCII local part where
    the server does not offer SMTPUTF8)."""


@lru_cache(maxsize=1024)
def parse_address(value: str) -> Address:
    """A From/Reply-To setting or a recipient as the standard library's ``Address``.

    Everything before the last ``<`` is the display name, as it stands: unquoted commas and
    any letters are accepted (``Människorättsorganisationen, svenska sektionen <a@b.se>``);
    surrounding quotes are dropped. Without ``<`` the whole value is the address. Raises
    ``AddressError`` when there is no usable address."""
    value = " ".join(value.replace("\r", " ").replace("\n", " ").split())
    name = ""
    if "<" in value:
        name, _, rest = value.rpartition("<")
        addr, closed, tail = rest.partition(">")
        if not closed or tail.strip():
            raise AddressError("an address in <…> must end with > and nothing after it")
        name = name.strip()
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    else:
        addr = value
    local, at, domain = addr.strip().rpartition("@")
    if not at or not local or not domain:
        raise AddressError("no address of the form name@domain")
    if _NOT_IN_ADDRESS.intersection(local + domain) or not local.isprintable():
        raise AddressError("the address holds spaces or characters an address cannot hold")
    ascii_domain(domain)  # raises AddressError when the domain has no IDNA form
    return Address(display_name=name, username=local, domain=domain)


@lru_cache(maxsize=1024)
def ascii_domain(domain: str) -> str:
    """The domain as it goes on the wire: IDNA (``åäö.se`` → ``xn--4cab6c.se``)."""
    if domain.isascii():
        if ".." in domain or domain.startswith(".") or domain.endswith("."):
            raise AddressError("the domain is malformed")
        return domain
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        raise AddressError("the domain has no IDNA form") from None


@lru_cache(maxsize=1024)
def envelope_address(value: str, *, utf8: bool = False) -> str:
    """The bare address for SMTP's MAIL FROM / RCPT TO: the domain in IDNA; a non-ASCII
    local part only when the server offers SMTPUTF8 (``utf8``), else ``AddressError``."""
    address = parse_address(value)
    if not address.username.isascii() and not utf8:
        raise AddressError("a non-ASCII local part, and the server does not offer SMTPUTF8")
    return f"{address.username}@{ascii_domain(address.domain)}"


@lru_cache(maxsize=1024)
def format_address(value: str, *, utf8: bool = False) -> str:
    """An address header value: the display name quoted as RFC 5322 wants when it is ASCII
    (``"Amnesty, Sweden" <a@b.se>``), as RFC 2047 encoded words when it is not; the
    address as ``envelope_address`` writes it."""
    address = parse_address(value)
    bare = envelope_address(value, utf8=utf8)
    name = address.display_name
    if not name:
        return bare
    if name.isascii():
        local, _, domain = bare.rpartition("@")
        return str(Address(display_name=name, username=local, domain=domain))
    return f"{_encoded_phrase(name)} <{bare}>"


_PHRASE_SPECIALS = frozenset('()<>@,;:\\".[]')


def _encoded_phrase(name: str) -> str:
    """A non-ASCII display name as RFC 2047 encoded words, where only the words that need
    it are encoded: plain words stay atoms, so the spaces beside them mean the same to
    every reader (some join adjacent encoded words with a space, as RFC 2047 says not to)."""
    out: list[str] = []
    run: list[str] = []
    for word in name.split(" "):
        if word and word.isascii() and not _PHRASE_SPECIALS.intersection(word):
            if run:
                out.append(header_value(" ".join(run)))
                run = []
            out.append(word)
        else:
            run.append(word)
    if run:
        out.append(header_value(" ".join(run)))
    return " ".join(out)


def bare_address(value: str) -> str:
    """The address alone ("" when there is none), as written in the setting."""
    try:
        return parse_address(value).addr_spec
    except AddressError:
        return ""


def single_line_address(value: str) -> str:
    """The address in one line with its name quoted (Unicode kept): the form Django's
    ``EmailMessage`` parses back without splitting at a comma in the name."""
    address = parse_address(value)
    return str(address) if address.display_name else address.addr_spec


def from_address_problem(value: str) -> str:
    """Why a From/Reply-To setting cannot be used, or "" (the start-up system check)."""
    try:
        parse_address(value)
    except AddressError as exc:
        return str(exc)
    return ""
