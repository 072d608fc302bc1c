"""The client's address behind our trusted proxies (aktivist/lib/client_address.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from aktivist.lib.client_address import client_address


def address(peer: str, forwarded: str | None = None) -> str | None:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=peer, **extra))


@pytest.fixture
def proxies(settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/24", "fd00::/8"]
    settings.USE_X_FORWARDED_FOR = False


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("10.0.0.2", "203.0.113.7", "203.0.113.7"),  # our proxy says who connected
        ("10.0.0.2", "1.2.3.4, 203.0.113.7", "203.0.113.7"),  # the client's own claim: ignored
        ("10.0.0.2", "203.0.113.7, 10.0.0.9", "203.0.113.7"),  # two of our proxies
        ("fd00::1", "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::"),  # IPv6 counts per /64
        ("10.0.0.2", "[2001:db8::1]:443", "2001:db8::"),
        ("10.0.0.2", "203.0.113.7:5678", "203.0.113.7"),
        ("10.0.0.2", "::ffff:203.0.113.7", "203.0.113.7"),
        ("10.0.0.2", "not-an-address", "10.0.0.2"),
        ("10.0.0.2", "", "10.0.0.2"),
        ("203.0.113.7", "198.51.100.20", "203.0.113.7"),  # not from our proxy: the peer
        ("203.0.113.7", "10.0.0.9", "203.0.113.7"),
    ],
)
def test_forwarded_hops_are_believed_only_from_our_proxies(
    proxies: None, peer: str, forwarded: str, client: str
) -> None:
    assert address(peer, forwarded) == client


def test_without_trusted_proxies_the_peer_is_the_client(settings: Any) -> None:
    settings.TRUSTED_PROXIES = []
    settings.USE_X_FORWARDED_FOR = False
    assert address("203.0.113.7", "198.51.100.20") == "203.0.113.7"


def test_use_x_forwarded_for_alone_trusts_one_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXIES = []
    settings.USE_X_FORWARDED_FOR = True
    assert address("10.0.0.2", "1.2.3.4, 198.51.100.20") == "198.51.100.20"


def test_a_request_without_a_usable_peer_has_no_address() -> None:
    assert address("") is None
    assert address("garbage") is None
