"""Fixtures for the mobilization tests: a real SMTP server on loopback that refuses some
addresses, and helpers that read what it received."""

from __future__ import annotations

import email
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from email.message import Message as EmailMessage
from pathlib import Path
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Sink:
    port: int
    directory: Path

    def files(self) -> list[Path]:
        return sorted(self.directory.glob("*.eml"))

    def recipients(self) -> Counter[str]:
        """Envelope recipients of everything received, counted."""
        counts: Counter[str] = Counter()
        for path in self.files():
            with open(path, "rb") as f:
                for address in f.readline().decode().strip().split(","):
                    if address:
                        counts[address.lower()] += 1
        return counts

    def messages(self) -> list[EmailMessage]:
        out = []
        for path in self.files():
            raw = path.read_bytes()
            out.append(email.message_from_bytes(raw.split(b"\n", 1)[1]))
        return out

    def wait_for(self, count: int, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = len(self.files())
            if found >= count:
                return found
            time.sleep(0.05)
        return len(self.files())


def start_sink(directory: Path, *, smtputf8: bool = False) -> tuple[subprocess.Popen[bytes], Sink]:
    port = free_port()
    extra = ["smtputf8"] if smtputf8 else []
    proc = subprocess.Popen(  # our own interpreter and module
        [
            sys.executable,
            "-m",
            "aktivist.mobilization.tests.smtp_sink",
            str(port),
            str(directory),
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, Sink(port=port, directory=directory)


@pytest.fixture
def sink(tmp_path: Path, settings: Any) -> Any:
    """A loopback SMTP server; Django's settings point the SMTP transport at it."""
    proc, found = start_sink(tmp_path / "sink")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = found.port
    try:
        yield found
    finally:
        proc.terminate()
        proc.wait(timeout=5)


@pytest.fixture
def sink_smtputf8(tmp_path: Path, settings: Any) -> Any:
    """The loopback SMTP server offering SMTPUTF8 (non-ASCII addresses, RFC 6531)."""
    proc, found = start_sink(tmp_path / "sink-utf8", smtputf8=True)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = found.port
    try:
        yield found
    finally:
        proc.terminate()
        proc.wait(timeout=5)
