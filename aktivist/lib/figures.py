"""Figures shown to anonymous visitors: rounded down, so that one more signature (or one
fewer) does not show.

A public page that printed the exact number of signatures would tell anyone who signs with
someone else's email whether that person had signed already (the number goes up or not).

Figures shown to the board viewer: counts under five hidden, and whatever else it takes
so that none of them can be worked out from the rest (``protect_counts``, below).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import format_html
from django.utils.translation import gettext

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


# --- Small counts on the board's pages ------------------------------------------------------
#
# The board viewer sees counts only, and a count under SMALL_COUNT_LIMIT could point at
# someone ("the one young person in Norrbotten who went on to a role"): it reads "<5".
# A hidden count must not come back from what is shown beside it either — a total minus
# the other cells of its row, a share, another total — so more figures are hidden until
# none of the hidden ones can be worked out ("secondary suppression", shown as "×").
#
# A table and its totals are the edges of a small network: row totals flow into rows,
# cells from rows into columns, column totals out of columns and the grand total back, so
# that every total is the sum of what flows through it. The viewer knows every figure
# shown, that a "<5" lies in 0…4 and that a "×" is at least 5; figures that are part of
# the sums but not printed (the people who are not young, beside the young) are free. A
# hidden figure can be worked out exactly when every table that agrees with all that has
# the same value there. Counts are whole numbers and flows totally unimodular, so that is
# the case exactly when no cycle of changes by one passes through the figure in the
# residual network — a search of a graph with a few dozen edges.

SMALL_COUNT_LIMIT = 5

SMALL = "small"  # under the limit: "<5"
SECONDARY = "secondary"  # at least the limit, hidden so that a small one stays hidden: "×"

# A figure of a table: ("cell", row, column), ("row", row), ("column", column), ("grand",).
Key = tuple[Any, ...]


class HiddenCount:
    """What a page shows instead of a hidden count. ``str()`` is the plain text (CSV, PDF);
    templates get it marked up, with words for screen readers."""

    hidden = True  # templates: {% if value.hidden %}

    def __init__(self, small: bool, limit: int = SMALL_COUNT_LIMIT) -> None:
        self.small = small
        self.limit = limit

    def __str__(self) -> str:
        return f"<{self.limit}" if self.small else "×"

    def __repr__(self) -> str:
        return f"HiddenCount({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HiddenCount) and (other.small, other.limit) == (
            self.small,
            self.limit,
        )

    def __hash__(self) -> int:
        return hash((self.small, self.limit))

    def __html__(self) -> str:
        if self.small:
            return format_html(
                '<span class="hidden-count" title="{}">&lt;{}</span>',
                gettext("Fewer than %(limit)s") % {"limit": self.limit},
                self.limit,
            )
        words = gettext("Hidden, so that a count under %(limit)s cannot be worked out") % {
            "limit": self.limit
        }
        return format_html(
            '<span class="hidden-count" title="{}"><span aria-hidden="true">×</span>'
            '<span class="visually-hidden">{}</span></span>',
            words,
            words,
        )


Shown = int | HiddenCount


def cell(row: int, column: int = 0) -> Key:
    return ("cell", row, column)


def row_total(row: int) -> Key:
    return ("row", row)


def column_total(column: int = 0) -> Key:
    return ("column", column)


GRAND: Key = ("grand",)


@dataclass
class Protection:
    """Which figures of a table are hidden and why; ``show()`` gives what a page prints."""

    values: dict[Key, int]
    states: dict[Key, str] = field(default_factory=dict)  # the hidden figures only
    # Hidden figures that a total known from elsewhere still gives away (the caller must
    # hide that total too); empty unless ``grand_total="known"``.
    stuck: set[Key] = field(default_factory=set)
    limit: int = SMALL_COUNT_LIMIT

    def hidden(self, key: Key) -> bool:
        return key in self.states

    def show(self, key: Key) -> Shown:
        state = self.states.get(key)
        if state is None:
            return self.values[key]
        return HiddenCount(small=state == SMALL, limit=self.limit)

    @property
    def any_hidden(self) -> bool:
        return bool(self.states)


_FIGURE, _FREE, _KNOWN = "figure", "free", "known"
_KIND_ORDER = {"cell": 0, "row": 1, "column": 1, "grand": 2}


@dataclass(frozen=True)
class _Edge:
    tail: Any
    head: Any
    value: int
    kind: str  # _FIGURE (shown or hidden), _FREE (not printed), _KNOWN (printed elsewhere)


def _network(
    cells: Sequence[Sequence[int | None]],
    row_totals: bool,
    column_totals: bool,
    grand_total: str,
    unshown: set[Key],
) -> dict[Key, _Edge]:
    if grand_total not in ("none", "shown", "known"):
        raise ValueError(f"grand_total must be none, shown or known, not {grand_total!r}")
    edges: dict[Key, _Edge] = {}
    n_columns = max((len(row) for row in cells), default=0)
    column_sums = [0] * n_columns

    def kind(key: Key, shown: bool) -> str:
        return _FIGURE if shown and key not in unshown else _FREE

    for i, row in enumerate(cells):
        row_sum = 0
        for j, value in enumerate(row):
            if value is None:  # a cell that cannot occur: no figure at all
                continue
            if value < 0:
                raise ValueError("counts are never negative")
            edges[cell(i, j)] = _Edge(("r", i), ("c", j), value, kind(cell(i, j), True))
            row_sum += value
            column_sums[j] += value
        edges[row_total(i)] = _Edge("S", ("r", i), row_sum, kind(row_total(i), row_totals))
    for j, column_sum in enumerate(column_sums):
        key = column_total(j)
        edges[key] = _Edge(("c", j), "T", column_sum, kind(key, column_totals))
    grand_kind = {"none": _FREE, "shown": kind(GRAND, True), "known": _KNOWN}[grand_total]
    edges[GRAND] = _Edge("T", "S", sum(column_sums), grand_kind)
    return edges


def protect_counts(
    cells: Sequence[Sequence[int | None]],
    *,
    row_totals: bool = False,
    column_totals: bool = False,
    grand_total: str = "none",
    unshown: Iterable[Key] = (),
    hide: Iterable[Key] = (),
    limit: int = SMALL_COUNT_LIMIT,
) -> Protection:
    """Hide the counts under ``limit`` in a table, and as few more as it takes so that no
    hidden count can be worked out from what is shown.

    ``cells``: the table's counts (``None``: a cell that cannot occur). ``row_totals`` and
    ``column_totals``: the sums of each row and column are shown too (computed here; they
    are figures like any other, and one under the limit is hidden). ``grand_total``:
    "none", "shown" (a figure of the table) or "known" (printed elsewhere on the page:
    never hidden here, but the viewer can use it). ``unshown``: figures that take part in
    the sums but are not printed. ``hide``: figures the caller hides anyway.

    When a hidden figure could be worked out, the figures shown around it that open a
    cycle of changes through it at the smallest total count (cells before totals) are
    hidden too, and so on until none can be worked out."""
    edges = _network(cells, row_totals, column_totals, grand_total, set(unshown))
    states: dict[Key, str] = {}
    for key in (*hide, *(k for k, e in edges.items() if e.value < limit)):
        edge = edges.get(key)
        if edge is not None and edge.kind == _FIGURE:
            states[key] = SMALL if edge.value < limit else SECONDARY
    stuck: set[Key] = set()
    while True:
        ranges = {key: _range(edge, states.get(key), limit) for key, edge in edges.items()}
        pinned = next(
            (
                key
                for key in sorted(states, key=_order)
                if key not in stuck and _pinned(key, edges, ranges)
            ),
            None,
        )
        if pinned is None:
            break
        way = _cheapest_way(pinned, edges, states, ranges, limit)
        if not way:
            stuck.add(pinned)  # no cycle can pass through it: a known total pins it
            continue
        for key in way:
            states[key] = SECONDARY
    values = {key: edge.value for key, edge in edges.items()}
    return Protection(values=values, states=states, stuck=stuck, limit=limit)


def _order(key: Key) -> tuple[Any, ...]:
    return (_KIND_ORDER[key[0]], key)


def _range(edge: _Edge, state: str | None, limit: int) -> tuple[int, int | None]:
    """What the viewer knows of a figure: its value when shown, else an interval."""
    if edge.kind == _FREE:
        return 0, None
    if edge.kind == _KNOWN or state is None:
        return edge.value, edge.value
    return (0, limit - 1) if state == SMALL else (limit, None)


def _arcs(
    edges: Mapping[Key, _Edge], ranges: Mapping[Key, tuple[int, int | None]], without: Key
) -> dict[Any, list[Any]]:
    """The residual network: one more along an edge below its top, one less against an
    edge above its bottom."""
    onward: dict[Any, list[Any]] = {}
    for key, edge in edges.items():
        if key == without:
            continue
        low, high = ranges[key]
        if high is None or edge.value < high:
            onward.setdefault(edge.tail, []).append(edge.head)
        if edge.value > low:
            onward.setdefault(edge.head, []).append(edge.tail)
    return onward


def _pinned(
    key: Key, edges: Mapping[Key, _Edge], ranges: Mapping[Key, tuple[int, int | None]]
) -> bool:
    """True when every table agreeing with what is shown has this figure's value."""
    edge = edges[key]
    low, high = ranges[key]
    onward = _arcs(edges, ranges, key)
    # One more here and one less somewhere on a way back: a cycle through the edge.
    if (high is None or edge.value < high) and _reaches(onward, edge.head, edge.tail):
        return False
    return not (edge.value > low and _reaches(onward, edge.tail, edge.head))


def _reaches(onward: Mapping[Any, list[Any]], start: Any, goal: Any) -> bool:
    seen = {start}
    todo = [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        for nxt in onward.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def _cheapest_way(
    key: Key,
    edges: Mapping[Key, _Edge],
    states: Mapping[Key, str],
    ranges: Mapping[Key, tuple[int, int | None]],
    limit: int,
) -> list[Key] | None:
    """The figures still shown whose hiding opens the cheapest cycle through ``key`` (the
    smallest counts, cells before totals), or None when no cycle can exist."""
    arcs: dict[Any, list[tuple[Any, int, Key | None]]] = {}
    for k, edge in edges.items():
        if k == key:
            continue
        shown = edge.kind == _FIGURE and k not in states
        low, high = _range(edge, SECONDARY, limit) if shown else ranges[k]
        cost = edge.value * 3 + _KIND_ORDER[k[0]] + 1 if shown else 0
        if high is None or edge.value < high:
            arcs.setdefault(edge.tail, []).append((edge.head, cost, k if shown else None))
        if edge.value > low:
            arcs.setdefault(edge.head, []).append((edge.tail, cost, k if shown else None))

    def path(start: Any, goal: Any) -> tuple[int, list[Key]] | None:
        done: set[Any] = set()
        queue: list[tuple[int, int, Any, list[Key]]] = [(0, 0, start, [])]
        tie = 0
        while queue:
            cost, _tie, node, hidden = heapq.heappop(queue)
            if node == goal:
                return cost, hidden
            if node in done:
                continue
            done.add(node)
            for nxt, step, k in arcs.get(node, ()):
                if nxt not in done:
                    tie += 1
                    more = hidden if k is None or k in hidden else [*hidden, k]
                    heapq.heappush(queue, (cost + step, tie, nxt, more))
        return None

    edge = edges[key]
    low, high = ranges[key]
    options = []
    if high is None or edge.value < high:
        options.append(path(edge.head, edge.tail))
    if edge.value > low:
        options.append(path(edge.tail, edge.head))
    found = [option for option in options if option is not None]
    if not found:
        return None
    return min(found, key=lambda option: option[0])[1]


@dataclass
class ColumnsProtection:
    """``protect_columns()``: per column, which of its rows and whether its total are
    hidden (key: the row's index, or None for the total)."""

    values: dict[str, list[int]]
    states: dict[str, dict[int | None, str]]
    limit: int = SMALL_COUNT_LIMIT

    def hidden(self, column: str, row: int | None = None) -> bool:
        return row in self.states[column]

    def show(self, column: str, row: int | None = None) -> Shown:
        state = self.states[column].get(row)
        if state is not None:
            return HiddenCount(small=state == SMALL, limit=self.limit)
        values = self.values[column]
        return sum(values) if row is None else values[row]

    @property
    def any_hidden(self) -> bool:
        return any(self.states.values())


def protect_columns(
    columns: Mapping[str, Sequence[int]],
    *,
    total: bool = True,
    within: Mapping[str, str] | None = None,
    limit: int = SMALL_COUNT_LIMIT,
) -> ColumnsProtection:
    """A table whose columns each count people once per row (they do not add up across),
    each with its total under the rows when ``total``.

    ``within``: column → the column it is part of, row by row (the young among the people,
    those who went on to a training among those at a meeting). The viewer knows a part is
    never more than its whole: each pair is protected as the table "part | the rest of the
    whole (not printed)", whose row totals are the whole, so that neither gives the other
    away. Wherever a whole is hidden, its parts are hidden too: a part shown would bound
    the hidden whole from below, and several parts together (the young here, the trained
    there) could pin it where no one pair does."""
    within = dict(within or {})
    sizes = {len(values) for values in columns.values()}
    if len(sizes) > 1:
        raise ValueError("every column needs one value per row")
    table = _Columns(
        {name: list(v) for name, v in columns.items()},
        rows=sizes.pop() if sizes else 0,
        total=total,
        limit=limit,
    )
    wholes = set(within.values())
    while True:
        grown = False
        for name in columns:
            if name in within:
                grown |= table.protect_part(name, within[name])
            elif name not in wholes:
                grown |= table.protect_alone(name)
        for part_name, whole_name in within.items():
            for row in list(table.states[whole_name]):
                grown |= table.merge(part_name, row)
        if not grown:
            return ColumnsProtection(values=table.values, states=table.states, limit=limit)


class _Columns:
    """``protect_columns``' work in progress: each column's values and what is hidden of it
    so far (row → state; ``None`` is the column's total)."""

    def __init__(self, values: dict[str, list[int]], *, rows: int, total: bool, limit: int):
        self.values = values
        self.rows = rows
        self.total = total
        self.limit = limit
        self.states: dict[str, dict[int | None, str]] = {name: {} for name in values}

    def merge(self, name: str, row: int | None, state: str | None = None) -> bool:
        """Hide a cell (or the column's total); False when it was hidden already."""
        if row in self.states[name]:
            return False
        if state is None:
            value = sum(self.values[name]) if row is None else self.values[name][row]
            state = SMALL if value < self.limit else SECONDARY
        self.states[name][row] = state
        return True

    def protect_alone(self, name: str) -> bool:
        """A column on its own, with its total."""
        hide = [cell(i) if i is not None else column_total() for i in self.states[name]]
        protection = protect_counts(
            [[v] for v in self.values[name]], column_totals=self.total, hide=hide, limit=self.limit
        )
        grown = False
        for key, state in protection.states.items():
            grown |= self.merge(name, key[1] if key[0] == "cell" else None, state)
        return grown

    def protect_part(self, name: str, whole: str) -> bool:
        """A part and the rest of its whole, as a table whose row totals are the whole."""
        part = self.values[name]
        rest = [w - p for w, p in zip(self.values[whole], part, strict=True)]
        if any(r < 0 for r in rest):
            raise ValueError(f"{name} is more than {whole} in a row")
        hide = [cell(i) for i in self.states[name] if i is not None]
        hide += [row_total(i) for i in self.states[whole] if i is not None]
        if None in self.states[name]:
            hide.append(column_total(0))
        if None in self.states[whole]:
            hide.append(GRAND)
        protection = protect_counts(
            [[p, r] for p, r in zip(part, rest, strict=True)],
            row_totals=True,
            column_totals=self.total,
            grand_total="shown" if self.total else "none",
            unshown=[cell(i, 1) for i in range(self.rows)] + [column_total(1)],
            hide=hide,
            limit=self.limit,
        )
        grown = False
        for key, state in protection.states.items():
            if key[0] == "cell":
                grown |= self.merge(name, key[1], state)
            elif key[0] == "row":
                grown |= self.merge(whole, key[1], state)
            elif key == column_total(0):
                grown |= self.merge(name, None, state)
            elif key == GRAND:
                grown |= self.merge(whole, None, state)
        return grown


def share_shown(part: Shown, whole: Shown, share: int | None) -> int | HiddenCount | None:
    """A share (per cent) is hidden with its part or its whole: it would give them back."""
    if isinstance(part, HiddenCount) or isinstance(whole, HiddenCount):
        return HiddenCount(small=False)
    return share
