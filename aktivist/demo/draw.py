"""Random draws the demo loaders share: weighted picks by rank and dates in a range, each
from the caller's own seeded ``random.Random`` (so the demo stays deterministic)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence


def cumulative(weights: Iterable[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def weighted(names: Sequence[str], offset: float = 4.0) -> tuple[tuple[str, ...], list[float]]:
    """Zipf-like weights by rank: the lists hold the most frequent names first."""
    return tuple(names), cumulative(1.0 / (rank + offset) for rank in range(len(names)))


def rand_date(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    lo_o, hi_o = lo.toordinal(), hi.toordinal()
    if hi_o <= lo_o:
        return lo
    return dt.date.fromordinal(lo_o + int(rng.random() * (hi_o - lo_o + 1)))


def rand_dt(rng: random.Random, lo: dt.datetime, hi: dt.datetime) -> dt.datetime:
    lo_s, hi_s = int(lo.timestamp()), int(hi.timestamp())
    return dt.datetime.fromtimestamp(lo_s + int(rng.random() * max(hi_s - lo_s, 1)), tz=dt.UTC)
