"""The client's address: the one helper every limit and the login throttle count by.

Without a proxy the client is the peer (``REMOTE_ADDR``). Behind proxies the peer is the
proxy, and ``X-Forwarded-For`` lists the hops each proxy saw, the nearest last. Only hops
our own proxies added can be believed (anything to their left the client may have typed),
so the list is read from the right, skipping ``TRUSTED_PROXIES``; the first address that
is not a trusted proxy is the client. A peer that is not a trusted proxy is the client
itself, whatever header it sends.

``USE_X_FORWARDED_FOR`` without ``TRUSTED_PROXIES`` trusts exactly one proxy, whoever
connects: the client is the last hop. Prefer naming the proxies.

IPv6 clients count per /64 (one client usually holds a whole /64); an IPv4 address mapped
into IPv6 counts as the IPv4 address.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from django.conf import settings

IPV6_PREFIX = 64

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_address(request: Any) -> str | None:
    """The client's address as text, or None when the request carries no usable one."""
    meta = getattr(request, "META", {})
    peer = _parse(meta.get("REMOTE_ADDR", ""))
    if peer is None:
        return None
    trusted = _trusted_networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    hops = [h.strip() for h in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    hops = [h for h in hops if h]
    client = peer
    if trusted:
        if _in(peer, trusted):
            for hop in reversed(hops):
                address = _parse(hop)
                if address is None:
                    break  # only the client itself writes garbage: keep the last proxy seen
                client = address
                if not _in(address, trusted):
                    break
    elif getattr(settings, "USE_X_FORWARDED_FOR", False) and hops:
        client = _parse(hops[-1]) or peer
    return _grouped(client)


def _parse(value: str) -> Address | None:
    value = (value or "").strip()
    if not value:
        return None
    if value.startswith("["):  # "[2001:db8::1]:443"
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:  # "192.0.2.1:5678"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _grouped(address: Address) -> str:
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False).network_address)
    return str(address)


def _in(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == n.version and address in n for n in networks)


@lru_cache(maxsize=8)
def _trusted_networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    """TRUSTED_PROXIES as networks ("10.0.0.5", "10.0.0.0/8", "fd00::/8")."""
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip())
