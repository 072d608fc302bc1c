"""The rounding of figures anonymous visitors see (aktivist.lib.figures.public_floor)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aktivist.lib.figures import public_floor

counts = st.integers(min_value=0, max_value=10**9)


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        (0, 0),
        (1, 0),
        (7, 0),
        (9, 0),
        (10, 10),
        (19, 10),
        (87, 80),
        (99, 90),
        (100, 100),
        (109, 100),
        (110, 110),
        (999, 990),
        (1_000, 1_000),
        (1_234, 1_200),
        (9_999, 9_900),
        (56_789, 56_000),
        (123_456, 120_000),
        (1_000_001, 1_000_000),
    ],
)
def test_figures_are_rounded_down_to_two_significant_digits_in_steps_of_ten(n, shown):
    assert public_floor(n) == shown


@given(counts)
def test_the_figure_is_never_more_than_the_count_and_less_than_ten_reads_as_zero(n):
    shown = public_floor(n)
    assert 0 <= shown <= n
    assert (shown == 0) == (n < 10)


@given(counts.filter(lambda n: n >= 10))
def test_the_figure_has_two_significant_digits_and_is_within_a_step(n):
    shown = public_floor(n)
    assert shown % 10 == 0
    assert len(str(shown).rstrip("0")) <= 2
    step = max(10, 10 ** (len(str(n)) - 2))
    assert n - shown < step  # within 10 % of the count from 100 on


@given(counts, counts)
def test_more_signatures_never_show_a_smaller_figure(a, b):
    low, high = sorted((a, b))
    assert public_floor(low) <= public_floor(high)


@given(counts)
def test_one_more_signature_shows_only_when_it_reaches_a_round_figure(n):
    # The figure moves only when the count itself is a round figure: one signature
    # changes what is shown at most once in every ten (far less often for large counts).
    if public_floor(n + 1) != public_floor(n):
        assert public_floor(n + 1) == n + 1
