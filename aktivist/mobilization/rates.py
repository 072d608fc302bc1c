"""Per-domain send rates: at most N messages a minute to a receiving domain, for all
workers together (``EMAIL_DOMAIN_RATES``). Counted in the cache, one fixed window a
minute; with several workers the cache must be shared (``CACHE_URL`` to Redis)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()


def limit_for(domain: str) -> int | None:
    limit = settings.EMAIL_DOMAIN_RATES.get(domain)
    return int(limit) if limit else None


def take(domain: str, *, clock: Callable[[], float] = time.time) -> dt.datetime | None:
    """Take one message from the domain's allowance. None when it may be sent now; else
    the time the next window opens (when it may be tried again)."""
    limit = limit_for(domain)
    if limit is None:
        return None
    now = clock()
    window = int(now // WINDOW_SECONDS)
    key = f"mobilization:rate:{domain}:{window}"
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=WINDOW_SECONDS * 2)
        used = 1
    if used <= limit:
        return None
    opens = (window + 1) * WINDOW_SECONDS
    return dt.datetime.fromtimestamp(opens, tz=dt.UTC)
