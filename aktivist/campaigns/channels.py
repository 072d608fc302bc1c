"""Channels: systems that sign on people's behalf through the JSON endpoint (the
organisation's website, a partner), each with its own API key.

A key looks like ``ak_<prefix>_<secret>``. It is shown once, when it is made; the database
keeps only the prefix (to find the channel) and a SHA-256 hash of the whole key (to check
it, in constant time). ``channel_for_key`` is on the signing hot path: it remembers its
answer per process for ``KEY_CACHE_SECONDS`` by the key's hash, so a signature costs no
query to authenticate. Rotating or deactivating a key therefore takes effect at once in the
process that made the change and within that time everywhere else.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.utils import timezone
from redis.exceptions import RedisError

from aktivist.campaigns.models import Channel, IdempotencyKey
from aktivist.core import audit

logger = logging.getLogger(__name__)

KEY_PREFIX = "ak"
KEY_CACHE_SECONDS = 30.0
KEY_CACHE_MAX = 1024  # distinct keys remembered per process (wrong keys included)
IDEMPOTENCY_KEEP_DAYS = 30


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _new_key() -> tuple[str, str]:
    """A fresh (key, prefix). The prefix is unique per channel (checked by the caller)."""
    prefix = secrets.token_hex(6)  # 12 characters
    return f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}", prefix


def _split_key(key: str) -> str | None:
    """The prefix of a well-formed key, else None."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[2]:
        return None
    prefix = parts[1]
    return prefix if prefix.isascii() and prefix.isalnum() and len(prefix) <= 16 else None


def _unique_key() -> tuple[str, str]:
    while True:
        key, prefix = _new_key()
        if not Channel.objects.filter(key_prefix=prefix).exists():
            return key, prefix


@transaction.atomic
def channel_create(
    *,
    actor: Any,
    name: str,
    rate_limit_per_minute: int = 60_000,
    allowed_origins: str = "",
) -> tuple[Channel, str]:
    """A new active channel and its API key in plain text (shown once, never stored)."""
    key, prefix = _unique_key()
    channel = Channel(
        name=name,
        key_prefix=prefix,
        key_hash=hash_key(key),
        rate_limit_per_minute=rate_limit_per_minute,
        allowed_origins=allowed_origins,
    )
    channel.full_clean()
    channel.save()
    audit.record(
        actor=actor,
        verb="channel.create",
        obj=channel,
        details={"key_prefix": prefix, "rate_limit_per_minute": rate_limit_per_minute},
    )
    forget_channel_cache()
    return channel, key


@transaction.atomic
def channel_update(
    *,
    actor: Any,
    channel: Channel,
    name: str,
    rate_limit_per_minute: int,
    allowed_origins: str,
    is_active: bool,
) -> Channel:
    # Compared with the stored row: an admin form has already set the new values on ``channel``.
    stored = Channel.objects.select_for_update().get(pk=channel.pk)
    changed = [
        field
        for field, value in (
            ("name", name),
            ("rate_limit_per_minute", rate_limit_per_minute),
            ("allowed_origins", allowed_origins),
            ("is_active", is_active),
        )
        if getattr(stored, field) != value
    ]
    channel.name = name
    channel.rate_limit_per_minute = rate_limit_per_minute
    channel.allowed_origins = allowed_origins
    channel.is_active = is_active
    if not changed:
        return channel
    channel.full_clean()
    channel.save(update_fields=[*changed, "updated_at"])
    audit.record(actor=actor, verb="channel.update", obj=channel, details={"fields": changed})
    forget_channel_cache()
    return channel


@transaction.atomic
def channel_rotate_key(*, actor: Any, channel: Channel) -> str:
    """A new key for the channel; the old one stops working. Returns the new key (shown
    once)."""
    key, prefix = _unique_key()
    old_prefix = channel.key_prefix
    channel.key_prefix = prefix
    channel.key_hash = hash_key(key)
    channel.save(update_fields=["key_prefix", "key_hash", "updated_at"])
    audit.record(
        actor=actor,
        verb="channel.rotate_key",
        obj=channel,
        details={"old_key_prefix": old_prefix, "key_prefix": prefix},
    )
    forget_channel_cache()
    return key


def channel_deactivate(*, actor: Any, channel: Channel) -> Channel:
    """The channel's key stops working; its participations keep pointing at it."""
    return channel_update(
        actor=actor,
        channel=channel,
        name=channel.name,
        rate_limit_per_minute=channel.rate_limit_per_minute,
        allowed_origins=channel.allowed_origins,
        is_active=False,
    )


# --- Authentication: the hot path --------------------------------------------------------

_key_cache: dict[str, tuple[float, Channel | None]] = {}


def forget_channel_cache() -> None:
    _key_cache.clear()


def channel_for_key(key: str) -> Channel | None:
    """The active channel this API key belongs to, else None. Remembered per process for
    KEY_CACHE_SECONDS (by the key's hash: the plain key is never kept)."""
    if not key or len(key) > 200:
        return None
    digest = hash_key(key)
    now = time.monotonic()
    hit = _key_cache.get(digest)
    if hit is not None and now - hit[0] < KEY_CACHE_SECONDS:
        return hit[1]
    channel = _lookup(key, digest)
    if len(_key_cache) >= KEY_CACHE_MAX:
        _key_cache.clear()  # wrong keys must not grow the process without bound
    _key_cache[digest] = (now, channel)
    return channel


def _lookup(key: str, digest: str) -> Channel | None:
    prefix = _split_key(key)
    if prefix is None:
        return None
    channel = Channel.objects.filter(key_prefix=prefix, is_active=True).first()
    if channel is None or not hmac.compare_digest(channel.key_hash, digest):
        return None
    return channel


def idempotency_keys_purge(*, older_than_days: int = IDEMPOTENCY_KEEP_DAYS) -> int:
    """Forget idempotency keys older than a retry could ever be. Returns how many."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# --- Per-key limits ----------------------------------------------------------------------

RATE_WINDOW_SECONDS = 60


def channel_throttle(channel: Channel) -> int:
    """Count one request against the channel's per-minute limit (a fixed window in the
    shared cache, per key — never per IP). Returns 0 when it may go ahead, else the seconds
    until the window ends (for Retry-After)."""
    if not settings.RATELIMIT_ENABLE:
        return 0
    now = time.time()
    window = int(now // RATE_WINDOW_SECONDS)
    try:
        count = _count(f"campaigns:channel-rate:{channel.pk}:{window}", RATE_WINDOW_SECONDS + 30)
    except RedisError:
        # The limit protects; it must not lose signatures when the cache is away.
        logger.warning("channel rate limit not counted: cache unavailable (channel=%s)", channel.pk)
        return 0
    if count <= channel.rate_limit_per_minute:
        return 0
    return max(1, math.ceil((window + 1) * RATE_WINDOW_SECONDS - now))


def _count(key: str, timeout: int) -> int:
    """Add one to a counter in the shared cache and return it. On Redis one round trip
    (INCR; the first request of a window also sets the expiry); on other caches add() and
    incr()."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full_key = backend.make_and_validate_key(key)
        client = _redis_client(backend)
        count = int(client.incr(full_key))
        if count == 1:
            client.expire(full_key, timeout)
        return count
    try:
        return int(cache.incr(key))
    except ValueError:
        # The first request of the window; a racing first request makes add() lose.
        return 1 if cache.add(key, 1, timeout) else int(cache.incr(key))


_redis_clients: dict[int, Any] = {}


def _redis_client(backend: RedisCache) -> Any:
    """RedisCache builds a client object per call (costly on a hot path); one per backend
    is enough, it is thread-safe and shares the backend's connection pool. RedisCache keeps
    its client factory in ``_cache``."""
    factory = backend._cache  # type: ignore[attr-defined]  # RedisCache's client factory
    client = _redis_clients.get(id(factory))
    if client is None:
        client = factory.get_client(None, write=True)
        _redis_clients[id(factory)] = client
    return client
