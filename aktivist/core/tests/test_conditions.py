from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from aktivist.core import conditions
from aktivist.core.conditions import (
    Condition,
    SegmentError,
    get_condition,
    register_condition,
    require_choices,
    require_dict,
    require_ids,
    require_int,
)


@pytest.fixture
def clean_registry(monkeypatch):
    monkeypatch.setattr(conditions, "_conditions", dict(conditions._conditions))


def _condition(key: str) -> Condition:
    return Condition(key, "Test", lambda v: v, lambda v, viewer: Q())


def test_apps_register_their_conditions_at_start():
    keys = {c.key for c in conditions.registered_conditions()}
    assert {
        "tag",
        "membership_status",
        "age",
        "young",
        "language",
        "consent",
        "created_within",
        "unit_subtree",
        "role",
    } <= keys


def test_registering_the_same_condition_twice_is_harmless(clean_registry):
    condition = _condition("test_same")
    register_condition(condition)
    register_condition(condition)
    assert get_condition("test_same") is condition


def test_two_conditions_with_one_key_are_refused(clean_registry):
    register_condition(_condition("test_clash"))
    with pytest.raises(ImproperlyConfigured, match="test_clash"):
        register_condition(_condition("test_clash"))


def test_unknown_condition_is_a_segment_error_naming_the_key():
    with pytest.raises(SegmentError, match="Unknown condition “no_such”"):
        get_condition("no_such")


def test_unhashable_condition_key_is_a_segment_error():
    with pytest.raises(SegmentError, match="Unknown condition"):
        get_condition(["tag"])


def test_numbers_refuse_booleans_strings_and_out_of_range_values():
    assert require_int(5, minimum=1, maximum=10) == 5
    for bad in (True, "5", 5.0, None, 0, 11):
        with pytest.raises(SegmentError):
            require_int(bad, minimum=1, maximum=10)


def test_id_lists_are_deduplicated_and_must_not_be_empty_unless_allowed():
    assert require_ids([3, 1, 3]) == [1, 3]
    assert require_ids([], allow_empty=True) == []
    with pytest.raises(SegmentError, match="at least one"):
        require_ids([])
    with pytest.raises(SegmentError, match="list of ids"):
        require_ids("1,2")


def test_objects_name_missing_and_unexpected_fields():
    with pytest.raises(SegmentError, match="Missing field: unit"):
        require_dict({}, required=["unit"])
    with pytest.raises(SegmentError, match="Unexpected field: colour"):
        require_dict({"unit": 1, "colour": "red"}, required=["unit"])


def test_choice_lists_name_the_allowed_values():
    with pytest.raises(SegmentError, match="member, former"):
        require_choices(["gold"], ["member", "former"])
