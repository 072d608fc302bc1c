"""Small counts on the board's pages (aktivist.lib.figures.protect_counts): every count
under five is hidden, and no hidden count can be worked out from what is shown — not from
a row's or a column's total, not from the grand total, not from the bounds of a "<5" or a
"×". Checked against two oracles that know nothing of the network the function searches:
exact linear algebra (is the figure a combination of the shown sums?) and, for small
tables, every table of whole numbers that agrees with what is shown."""

from __future__ import annotations

import itertools
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from aktivist.lib.figures import (
    GRAND,
    SECONDARY,
    SMALL,
    SMALL_COUNT_LIMIT,
    HiddenCount,
    cell,
    column_total,
    protect_columns,
    protect_counts,
    row_total,
    share_shown,
)

LIMIT = SMALL_COUNT_LIMIT
# Counts that are often small (the interesting case) and sometimes not.
counts = st.one_of(st.integers(0, 9), st.integers(0, 40))
GRANDS = st.sampled_from(["none", "shown", "known"])


def tables(max_rows: int, max_columns: int, values=counts, max_cells: int = 20):
    shapes = [
        (rows, columns)
        for rows in range(1, max_rows + 1)
        for columns in range(1, max_columns + 1)
        if rows * columns <= max_cells
    ]
    return st.sampled_from(shapes).flatmap(
        lambda shape: st.lists(
            st.lists(values, min_size=shape[1], max_size=shape[1]),
            min_size=shape[0],
            max_size=shape[0],
        )
    )


def figures(cells, row_totals, column_totals, grand_total):
    """Every figure of the table: key → (its cells, shown?)."""
    rows, columns = len(cells), len(cells[0])
    found = {cell(i, j): ([(i, j)], True) for i in range(rows) for j in range(columns)}
    for i in range(rows):
        found[row_total(i)] = ([(i, j) for j in range(columns)], row_totals)
    for j in range(columns):
        found[column_total(j)] = ([(i, j) for i in range(rows)], column_totals)
    everything = [(i, j) for i in range(rows) for j in range(columns)]
    found[GRAND] = (everything, grand_total != "none")
    return found


def _reduce(vector, basis):
    vector = list(vector)
    for pivot, row in basis:
        if vector[pivot]:
            factor = vector[pivot] / row[pivot]
            vector = [a - factor * b for a, b in zip(vector, row, strict=True)]
    return vector


def determined_by_sums(cells, protection, row_totals, column_totals, grand_total):
    """Hidden figures that are a linear combination of the shown figures: solvable."""
    rows, columns = len(cells), len(cells[0])
    unknown = [(i, j) for i in range(rows) for j in range(columns) if protection.hidden(cell(i, j))]
    index = {ij: n for n, ij in enumerate(unknown)}
    all_figures = figures(cells, row_totals, column_totals, grand_total)
    basis: list[tuple[int, list[Fraction]]] = []
    for key, (members, shown) in all_figures.items():
        if not shown or protection.hidden(key) or key[0] == "cell":
            continue
        vector = [Fraction(0)] * len(unknown)
        for ij in members:
            if ij in index:
                vector[index[ij]] += 1
        reduced = _reduce(vector, basis)
        pivot = next((n for n, a in enumerate(reduced) if a), None)
        if pivot is not None:
            basis.append((pivot, reduced))
    found = []
    for key, (members, _shown) in all_figures.items():
        if not protection.hidden(key):
            continue
        vector = [Fraction(0)] * len(unknown)
        for ij in members:
            if ij in index:  # a shown cell is a known constant
                vector[index[ij]] += 1
        if not any(_reduce(vector, basis)):
            found.append(key)
    return found


def value_range(protection, key, true_value):
    """What the viewer knows of a figure: exact when shown, else its interval."""
    state = protection.states.get(key)
    if state is None:
        return true_value, true_value
    if state == SMALL:
        return 0, LIMIT - 1
    return LIMIT, None


def agreeing_tables(cells, protection, row_totals, column_totals, grand_total):
    """Tables of whole numbers that show exactly what this one shows (those within one of
    it in every cell)."""
    rows, columns = len(cells), len(cells[0])
    cap = max(max(row) for row in cells) + 1
    ranges = {}
    for key, (members, shown) in figures(cells, row_totals, column_totals, grand_total).items():
        true_value = sum(cells[i][j] for i, j in members)
        if not shown:
            ranges[key] = (0, None)
        elif key == GRAND and grand_total == "known":
            ranges[key] = (true_value, true_value)
        else:
            ranges[key] = value_range(protection, key, true_value)

    def fits(key, value):
        low, high = ranges[key]
        return value >= low and (high is None or value <= high)

    per_row = []
    for i in range(rows):
        choices = []
        for j in range(columns):
            low, high = ranges[cell(i, j)]
            high = cap if high is None else high
            # Only tables within one of this one in every cell are searched: fewer tables
            # can only make the oracle stricter (each one found really agrees).
            value = cells[i][j]
            choices.append(range(max(low, value - 1), min(high, value + 1) + 1))
        per_row.append([r for r in itertools.product(*choices) if fits(row_total(i), sum(r))])
    for table in itertools.product(*per_row):
        if not all(fits(column_total(j), sum(r[j] for r in table)) for j in range(columns)):
            continue
        if fits(GRAND, sum(map(sum, table))):
            yield table


def test_a_count_under_five_in_a_column_with_its_total_takes_a_second_cell_with_it():
    protection = protect_counts([[3], [50], [60]], column_totals=True)
    assert protection.show(cell(0)) == HiddenCount(small=True)
    assert protection.show(cell(1)) == HiddenCount(small=False)  # the smallest other
    assert protection.show(cell(2)) == 60
    assert protection.show(column_total()) == 113


def test_nothing_more_is_hidden_when_no_total_is_shown():
    protection = protect_counts([[3], [50], [60]])
    assert set(protection.states) == {cell(0)}


def test_two_small_counts_in_a_line_whose_sum_is_zero_give_themselves_away_and_take_more():
    protection = protect_counts([[0, 0, 12]], row_totals=True)
    assert protection.hidden(cell(0, 0)) and protection.hidden(cell(0, 1))
    # 12 − 12 = 0 = both: the twelve (or the total) must go too.
    assert protection.hidden(cell(0, 2)) or protection.hidden(row_total(0))


def test_a_cross_table_hides_a_rectangle_not_everything():
    protection = protect_counts(
        [[3, 7, 7], [10, 10, 10]], row_totals=True, column_totals=True, grand_total="shown"
    )
    assert set(protection.states) == {cell(0, 0), cell(0, 1), cell(1, 0), cell(1, 1)}
    assert protection.show(GRAND) == 47


def test_a_total_known_elsewhere_that_pins_a_lone_cell_is_reported_as_stuck():
    protection = protect_counts([[3]], row_totals=True, grand_total="known")
    assert cell(0) in protection.stuck


def test_hidden_counts_read_as_under_five_or_as_hidden_in_text_and_markup():
    small, other = HiddenCount(small=True), HiddenCount(small=False)
    assert str(small) == "<5" and str(other) == "×"
    assert "&lt;5" in small.__html__()
    assert "cannot be worked out" in other.__html__()


def test_a_share_is_hidden_with_its_part_or_its_whole():
    hidden = HiddenCount(small=True)
    assert share_shown(hidden, 40, 5) == HiddenCount(small=False)
    assert share_shown(12, HiddenCount(small=False), 30) == HiddenCount(small=False)
    assert share_shown(12, 40, 30) == 30


def test_the_oracles_catch_a_count_hidden_alone_beside_its_total():
    from aktivist.lib.figures import Protection

    cells = [[3], [50], [60]]
    alone = Protection(values={}, states={cell(0): SMALL})  # no second cell hidden
    assert determined_by_sums(cells, alone, False, True, "none") == [cell(0)]
    found = {t[0][0] for t in agreeing_tables(cells, alone, False, True, "none")}
    assert found == {3}


@settings(max_examples=300, deadline=None)
@given(tables(5, 4), st.booleans(), st.booleans(), GRANDS)
def test_every_count_under_five_is_hidden_and_only_counts_under_five_read_so(
    cells, row_totals, column_totals, grand_total
):
    protection = protect_counts(
        cells, row_totals=row_totals, column_totals=column_totals, grand_total=grand_total
    )
    for key, (members, shown) in figures(cells, row_totals, column_totals, grand_total).items():
        value = sum(cells[i][j] for i, j in members)
        if not shown or (key == GRAND and grand_total == "known"):
            assert not protection.hidden(key)
            continue
        if value < LIMIT:
            assert protection.states[key] == SMALL
        else:
            assert protection.states.get(key) in (None, SECONDARY)
            assert protection.show(key) == value or isinstance(protection.show(key), HiddenCount)


@settings(max_examples=300, deadline=None)
@given(tables(5, 4), st.booleans(), st.booleans(), st.sampled_from(["none", "shown"]))
def test_no_hidden_count_is_a_combination_of_the_sums_shown(
    cells, row_totals, column_totals, grand_total
):
    protection = protect_counts(
        cells, row_totals=row_totals, column_totals=column_totals, grand_total=grand_total
    )
    assert not protection.stuck
    assert not determined_by_sums(cells, protection, row_totals, column_totals, grand_total)


@settings(max_examples=150, deadline=None)
@given(
    tables(3, 3, st.integers(0, 9)),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["none", "shown"]),
)
def test_no_hidden_count_has_one_value_in_every_table_that_shows_the_same(
    cells, row_totals, column_totals, grand_total
):
    protection = protect_counts(
        cells, row_totals=row_totals, column_totals=column_totals, grand_total=grand_total
    )
    seen: dict = {key: set() for key in protection.states}
    members = figures(cells, row_totals, column_totals, grand_total)
    for table in agreeing_tables(cells, protection, row_totals, column_totals, grand_total):
        for key in seen:
            seen[key].add(sum(table[i][j] for i, j in members[key][0]))
    pinned = {key: values for key, values in seen.items() if len(values) < 2}
    assert not pinned, (cells, protection.states, pinned)


@settings(max_examples=100, deadline=None)
@given(tables(3, 3, st.integers(0, 9), max_cells=9), st.booleans(), st.booleans())
def test_a_total_shown_elsewhere_never_gives_a_hidden_count_away_unless_reported(
    cells, row_totals, column_totals
):
    protection = protect_counts(
        cells, row_totals=row_totals, column_totals=column_totals, grand_total="known"
    )
    seen: dict = {key: set() for key in protection.states}
    members = figures(cells, row_totals, column_totals, "known")
    for table in agreeing_tables(cells, protection, row_totals, column_totals, "known"):
        for key in seen:
            seen[key].add(sum(table[i][j] for i, j in members[key][0]))
    pinned = {key for key, values in seen.items() if len(values) < 2}
    # What the known total gives away is told to the caller (who hides that total too).
    assert pinned <= protection.stuck


# --- Columns that do not add up across ----------------------------------------------------


@st.composite
def parts_of_a_whole(draw, parts=1, rows_max=3, value_max=9):
    """people per row, and some columns of them (the young, the trained …): never more."""
    rows = draw(st.integers(1, rows_max))
    people = draw(st.lists(st.integers(0, value_max), min_size=rows, max_size=rows))
    columns = {"people": people}
    for n in range(parts):
        columns[f"part{n}"] = [draw(st.integers(0, p)) for p in people]
    return columns


def _column_ranges(protection, name, values):
    """What the viewer knows of a column's rows and total (a "×" searched within two of
    its count: a smaller search only makes the oracle stricter)."""
    ranges = []
    for i, value in enumerate(values):
        state = protection.states[name].get(i)
        if state is None:
            ranges.append((value, value))
        elif state == SMALL:
            ranges.append((0, LIMIT - 1))
        else:
            ranges.append((max(LIMIT, value - 2), value + 2))
    state = protection.states[name].get(None)
    total = sum(values)
    if state is None:
        total_range = (total, total)
    elif state == SMALL:
        total_range = (0, LIMIT - 1)
    else:
        total_range = (LIMIT, None)
    return ranges, total_range


def _fits(value, bounds):
    low, high = bounds
    return value >= low and (high is None or value <= high)


def _assert_nothing_pinned(columns, protection):
    """Every table of whole numbers that shows the same (each part within its whole):
    every hidden figure takes more than one value among them."""
    names = list(columns)
    ranges = {name: _column_ranges(protection, name, columns[name]) for name in names}
    rows = len(columns["people"])
    per_row = []
    for i in range(rows):
        whole_low, whole_high = ranges["people"][0][i]
        options = []
        for whole in range(whole_low, whole_high + 1):
            part_choices = [
                range(ranges[name][0][i][0], min(ranges[name][0][i][1], whole) + 1)
                for name in names[1:]
            ]
            options += [(whole, *parts) for parts in itertools.product(*part_choices)]
        per_row.append(options)
    seen: dict[tuple[str, int | None], set[int]] = {
        (name, i): set() for name in names for i in [*range(rows), None]
    }
    for table in itertools.product(*per_row):
        sums = [sum(row[n] for row in table) for n in range(len(names))]
        if not all(_fits(sums[n], ranges[name][1]) for n, name in enumerate(names)):
            continue
        for n, name in enumerate(names):
            seen[(name, None)].add(sums[n])
            for i, row in enumerate(table):
                seen[(name, i)].add(row[n])
    for (name, index), found in seen.items():
        if protection.hidden(name, index):
            assert len(found) > 1, (columns, protection.states, name, index)


@settings(max_examples=200, deadline=None)
@given(parts_of_a_whole(parts=1))
def test_the_young_among_the_people_give_no_hidden_count_away(columns):
    protection = protect_columns(columns, within={"part0": "people"})
    _assert_nothing_pinned(columns, protection)


@settings(max_examples=80, deadline=None)
@given(parts_of_a_whole(parts=2, value_max=7))
def test_two_columns_of_the_same_people_give_no_hidden_count_away_together(columns):
    protection = protect_columns(columns, within={"part0": "people", "part1": "people"})
    _assert_nothing_pinned(columns, protection)


def test_a_hidden_whole_takes_the_parts_of_its_row_with_it():
    # 3 people in the first row are hidden, and 6 in the third with them (56 is shown).
    # The third row's 6 trained, shown, would say "at least 6" of the hidden 6: it goes
    # too — as would any part of a hidden whole, so that parts of different columns
    # cannot corner hidden wholes between them.
    columns = {"people": [3, 7, 6, 40], "part0": [0, 7, 0, 20], "part1": [0, 0, 6, 20]}
    protection = protect_columns(columns, within={"part0": "people", "part1": "people"})
    assert protection.show("people", 2) == HiddenCount(small=False)
    assert protection.show("part1", 2) == HiddenCount(small=False)
    assert protection.show("people") == 56
    for row in range(4):
        if protection.hidden("people", row):
            assert protection.hidden("part0", row) and protection.hidden("part1", row)
    _assert_nothing_pinned(columns, protection)


def test_a_part_hidden_under_a_whole_shown_stays_hidden_without_more():
    columns = {"people": [10, 30, 40], "young": [3, 12, 15]}
    protection = protect_columns(columns, within={"young": "people"})
    assert protection.show("young", 0) == HiddenCount(small=True)
    assert protection.hidden("young", 1)  # the young column's total would give it away
    assert protection.show("people", 0) == 10
    assert protection.show("people") == 80
