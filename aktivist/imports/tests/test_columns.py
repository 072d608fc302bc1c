"""The fields an import takes and the checks of a corrected mapping (imports/columns.py); the
guess itself is tested in core/tests/test_table_columns.py."""

from __future__ import annotations

from aktivist.core.table_columns import OPT_OUT_HEADERS, PERSONNUMMER, guess_mapping
from aktivist.core.tests.test_table_columns import HEADERS
from aktivist.imports.columns import IMPORT_FIELDS, mapping_problems, personnummer_columns
from aktivist.imports.optouts import OPT_OUT_FIELDS


def test_every_import_field_has_a_label_and_a_header_it_is_guessed_from():
    # A tag column is known by its values, not its header (core/tests/test_table_columns.py).
    assert set(HEADERS) == set(IMPORT_FIELDS) - {"tag_flag"}


def test_every_opt_out_field_is_guessed_from_its_headers():
    assert set(OPT_OUT_HEADERS) == set(OPT_OUT_FIELDS)


def test_several_personnummer_columns_are_all_dropped():
    mapping = guess_mapping(["Personnummer", "Namn", "Pnr"], [])
    assert mapping == {"Personnummer": PERSONNUMMER, "Namn": "full_name", "Pnr": PERSONNUMMER}
    assert personnummer_columns(list(mapping), mapping) == [0, 2]


def test_mapping_problems_name_unknown_and_repeated_fields():
    headers = ["A", "B", "C", "D", "E"]
    mapping = {"A": "email", "B": "email", "C": "shoe_size", "D": PERSONNUMMER, "E": PERSONNUMMER}
    problems = mapping_problems(headers, mapping)
    assert len(problems) == 2
    assert "Email is chosen for both A and B." in problems
    assert any("shoe_size" in p and p.startswith("C:") for p in problems)
    assert mapping_problems(headers, {"A": "email", "Gone": "mobile"}) == []
    assert mapping_problems(headers, {"A": "tags", "B": "tags"}) == []
