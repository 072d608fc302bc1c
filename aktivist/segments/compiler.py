"""Compile a segment tree to one ``Q`` over people.

A tree is JSON: ``{"all": [node, ...]}`` (and), ``{"any": [node, ...]}`` (or),
``{"not": node}`` and leaves ``{"condition": "<key>", "value": <json>}``. The whole tree is
validated before anything is compiled. The result is always applied to
``people_visible_to(viewer)``: a segment can narrow the viewer's scope, never widen it.
"""

from __future__ import annotations

from functools import reduce
from operator import and_, or_
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from aktivist.people.models import Person
from aktivist.people.selectors import people_visible_to
from aktivist.segments.registry import SegmentError, get_condition

MAX_DEPTH = 8
MAX_LEAVES = 100

Tree = dict[str, Any]


def validate_tree(tree: Any) -> Tree:
    """The tree with every value in its normal form; SegmentError for anything wrong."""
    leaves = [0]
    return _validate(tree, depth=1, leaves=leaves)


def _validate(node: Any, *, depth: int, leaves: list[int]) -> Tree:
    if depth > MAX_DEPTH:
        raise SegmentError(
            _("The segment is nested too deeply (at most %(depth)s levels).") % {"depth": MAX_DEPTH}
        )
    if not isinstance(node, dict):
        raise SegmentError(_("Each part of a segment must be an object."))
    keys = set(node)
    if keys == {"all"} or keys == {"any"}:
        (op,) = keys
        children = node[op]
        if not isinstance(children, list) or not children:
            raise SegmentError(_("“%(op)s” needs a list of at least one condition.") % {"op": op})
        return {op: [_validate(c, depth=depth + 1, leaves=leaves) for c in children]}
    if keys == {"not"}:
        return {"not": _validate(node["not"], depth=depth + 1, leaves=leaves)}
    if keys == {"condition", "value"}:
        leaves[0] += 1
        if leaves[0] > MAX_LEAVES:
            raise SegmentError(
                _("A segment may hold at most %(count)s conditions.") % {"count": MAX_LEAVES}
            )
        condition = get_condition(node["condition"])
        try:
            value = condition.validate(node["value"])
        except SegmentError as exc:
            raise SegmentError(f"{condition.label}: {exc.message}") from None
        return {"condition": condition.key, "value": value}
    raise SegmentError(
        _(
            "Each part of a segment must be {“all”: […]}, {“any”: […]}, {“not”: …} "
            "or {“condition”: …, “value”: …}."
        )
    )


def _to_q(node: Tree, viewer: Any, negate: bool = False) -> Q:
    """The Q of a node. Negations are pushed down to the leaves (De Morgan), where a
    membership test becomes NOT EXISTS: PostgreSQL runs that as an anti-join, whereas a
    NOT IN it can only hash when the subquery fits in work_mem (else it runs once per
    person: seconds on a million people)."""
    if "all" in node:
        parts = (_to_q(c, viewer, negate) for c in node["all"])
        return reduce(or_ if negate else and_, parts)
    if "any" in node:
        parts = (_to_q(c, viewer, negate) for c in node["any"])
        return reduce(and_ if negate else or_, parts)
    if "not" in node:
        return _to_q(node["not"], viewer, not negate)
    condition = get_condition(node["condition"])
    try:
        q = condition.to_q(node["value"], viewer)
    except SegmentError as exc:
        raise SegmentError(f"{condition.label}: {exc.message}") from None
    return _negated(q) if negate else q


def _negated(q: Q) -> Q:
    """~q; a plain ``pk__in=<subquery of one column>`` becomes NOT EXISTS."""
    if len(q.children) == 1 and not q.negated and isinstance(q.children[0], tuple):
        lookup, value = q.children[0]
        if lookup == "pk__in" and isinstance(value, QuerySet):
            columns = list(value.query.values_select)
            if len(columns) == 1:
                rows = value.filter(**{columns[0]: OuterRef("pk")})
                return ~Q(Exists(rows))
    return ~q


def compile_tree(tree: Any, viewer: Any) -> Q:
    """One Q over Person for the tree; SegmentError (nothing compiled) if anything is wrong.
    Apply it to a queryset that is already scoped to the viewer."""
    return _to_q(validate_tree(tree), viewer)


def filter_people(viewer: Any, tree: Any) -> QuerySet[Person]:
    """The people in the viewer's scope who match the tree: one queryset."""
    return people_visible_to(viewer).filter(compile_tree(tree, viewer))
