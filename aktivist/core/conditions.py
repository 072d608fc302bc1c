"""The filter language of segments: the registry of conditions, and trees of them.

A condition is one leaf of the filter language: ``{"condition": "<key>", "value": ...}``.
Each app registers its own conditions in its ``AppConfig.ready()``; this module never
imports a feature.

``validate(value)`` checks the JSON value without touching the database and returns it in
its normal form (or raises ``SegmentError``); ``to_q(value, viewer)`` turns a validated
value into a ``Q`` over ``people.Person``. It may read the database to check what the
viewer may name (a unit outside the viewer's scope is an unknown unit), but it must return
subqueries, never lists of person ids.

A tree is JSON: ``{"all": [node, ...]}`` (and), ``{"any": [node, ...]}`` (or),
``{"not": node}`` and leaves. ``compile_tree()`` validates the whole tree before anything
is compiled and returns one ``Q``, to be applied to ``people_visible_to(viewer)``
(``people.selectors.filter_people``): a segment can narrow the viewer's scope, never widen
it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from aktivist.core.exceptions import ApplicationError


class SegmentError(ApplicationError):
    """A segment tree or condition value was refused; the message is safe to show."""


@dataclass(frozen=True)
class Condition:
    key: str
    label: str | Promise
    validate: Callable[[Any], Any]
    to_q: Callable[[Any, Any], Q]


_conditions: dict[str, Condition] = {}


def register_condition(condition: Condition) -> Condition:
    existing = _conditions.get(condition.key)
    if existing is not None and existing != condition:
        raise ImproperlyConfigured(f"Segment condition {condition.key!r} is registered twice.")
    _conditions[condition.key] = condition
    return condition


def get_condition(key: str) -> Condition:
    try:
        return _conditions[key]
    except (KeyError, TypeError):
        raise SegmentError(_("Unknown condition “%(key)s”.") % {"key": str(key)[:50]}) from None


def registered_conditions() -> list[Condition]:
    return sorted(_conditions.values(), key=lambda c: c.key)


# Small helpers for conditions' validate(): each raises SegmentError with a clear message.


def require_dict(value: Any, *, required: Iterable[str], optional: Iterable[str] = ()) -> dict:
    required, optional = set(required), set(optional)
    if not isinstance(value, dict):
        raise SegmentError(_("Expected an object."))
    missing = sorted(required - value.keys())
    if missing:
        raise SegmentError(_("Missing field: %(fields)s.") % {"fields": ", ".join(missing)})
    unexpected = sorted(value.keys() - required - optional)
    if unexpected:
        raise SegmentError(_("Unexpected field: %(fields)s.") % {"fields": ", ".join(unexpected)})
    return value


def require_int(value: Any, *, minimum: int = 0, maximum: int = 2**31 - 1) -> int:
    # bool is an int in Python, but never a meaningful number here.
    if isinstance(value, bool) or not isinstance(value, int):
        raise SegmentError(_("Expected a whole number."))
    if not minimum <= value <= maximum:
        raise SegmentError(
            _("Expected a number between %(low)s and %(high)s.") % {"low": minimum, "high": maximum}
        )
    return value


def require_ids(value: Any, *, allow_empty: bool = False, max_items: int = 100) -> list[int]:
    if not isinstance(value, list):
        raise SegmentError(_("Expected a list of ids."))
    if not value and not allow_empty:
        raise SegmentError(_("Choose at least one."))
    if len(value) > max_items:
        raise SegmentError(_("Choose at most %(count)s.") % {"count": max_items})
    return sorted({require_int(v, minimum=1) for v in value})


def require_choice(value: Any, choices: Iterable[str]) -> str:
    allowed = list(choices)
    if value not in allowed:
        raise SegmentError(_("Expected one of: %(choices)s.") % {"choices": ", ".join(allowed)})
    return str(value)


def require_choices(value: Any, choices: Iterable[str]) -> list[str]:
    allowed = list(choices)
    if not isinstance(value, list) or not value:
        raise SegmentError(
            _("Choose at least one of: %(choices)s.") % {"choices": ", ".join(allowed)}
        )
    return sorted({require_choice(v, allowed) for v in value})


# A period of whole local days: {"since": "YYYY-MM-DD", "until": "YYYY-MM-DD"}, both optional
# and inclusive, for conditions on when something happened; and/or {"within_days": N}, the
# last N days counted back from now (what a saved segment usually wants: it never goes stale).

PERIOD_FIELDS = ["since", "until", "within_days"]

PERIOD_ZONE_NAME = "Europe/Stockholm"


def _require_date(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise SegmentError(_("Expected a date (YYYY-MM-DD)."))
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise SegmentError(_("Expected a date (YYYY-MM-DD).")) from None


def require_period(value: dict[str, Any]) -> dict[str, Any]:
    """The normal form of a condition's optional "since"/"until" dates."""
    since = None if value.get("since") is None else _require_date(value["since"])
    until = None if value.get("until") is None else _require_date(value["until"])
    if since is not None and until is not None and since > until:
        raise SegmentError(_("The period must not end before it starts."))
    out: dict[str, Any] = {}
    if since is not None:
        out["since"] = since.isoformat()
    if until is not None:
        out["until"] = until.isoformat()
    if value.get("within_days") is not None:
        out["within_days"] = require_int(value["within_days"], minimum=1, maximum=36500)
    return out


def period_bounds(value: dict[str, Any]) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(start, end) datetimes of a validated period: from the start of "since" up to, not
    including, the start of the day after "until", in local time."""
    zone = ZoneInfo(PERIOD_ZONE_NAME)

    def day_start(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.min, tzinfo=zone)

    start = day_start(dt.date.fromisoformat(value["since"])) if "since" in value else None
    end = (
        day_start(dt.date.fromisoformat(value["until"]) + dt.timedelta(days=1))
        if "until" in value
        else None
    )
    if "within_days" in value:
        recent = timezone.now() - dt.timedelta(days=value["within_days"])
        start = recent if start is None else max(start, recent)
    return start, end


# --- Trees ----------------------------------------------------------------------------------------

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
