"""Figures shown to anonymous visitors: rounded down, so that one more signature (or one
fewer) does not show.

A public page that printed the exact number of signatures would tell anyone who signs with
someone else's email whether that person had signed already (the number goes up or not).
"""

from __future__ import annotations

PUBLIC_MIN_STEP = 10  # below this everything reads "fewer than 10"
PUBLIC_SIGNIFICANT_DIGITS = 2


def public_floor(n: int) -> int:
    """``n`` rounded down to two significant digits, in steps of at least ten:
    7 → 0 (shown as "fewer than 10"), 87 → 80, 1 234 → 1 200, 56 789 → 56 000.
    Never more than ``n``; never negative."""
    if n < PUBLIC_MIN_STEP:
        return 0
    step = max(PUBLIC_MIN_STEP, 10 ** (len(str(n)) - PUBLIC_SIGNIFICANT_DIGITS))
    return n // step * step
