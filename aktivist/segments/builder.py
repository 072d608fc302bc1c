"""The segment builder: a filter tree edited as a plain HTML form (htmx re-renders it).

Every node of the tree has a path — ``r`` is the root group, ``r.0`` its first child,
``r.0.1`` the second child of that — and the form carries, per node:

* ``node`` (repeated, in order): the node's path;
* ``<path>-type``: ``group`` or ``condition``; ``<path>-not``: negated;
* groups: ``<path>-op``: ``all`` or ``any``;
* conditions: ``<path>-key`` and the condition's own value fields, prefixed ``<path>-v``.

Each app registers a small form per condition (``aktivist/core/condition_forms.py``): it
turns form fields into the condition's JSON value and back, and describes a value in words.
The builder never evaluates anything itself: it makes the same JSON tree as everyone else
and hands it to the compiler (``core/conditions.compile_tree``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _

from aktivist.core.condition_forms import ConditionForm, form_for
from aktivist.core.conditions import SegmentError, get_condition

ROOT = "r"
OPS = ("all", "any")


# --- Nodes ------------------------------------------------------------------------------------


@dataclass
class Node:
    kind: str  # "group" | "condition"
    negated: bool = False
    op: str = "all"
    key: str = ""
    children: list[Node] = field(default_factory=list)
    # For conditions: the raw field values (without the prefix) or the initial value.
    data: dict[str, list[str]] | None = None
    value: Any = None
    path: str = ROOT
    form: ConditionForm | None = None

    @property
    def is_group(self) -> bool:
        return self.kind == "group"


def from_tree(tree: Any) -> Node:
    """A builder tree from a JSON tree; the root is always a group."""
    node = _from_json(tree) if tree else Node(kind="group")
    if not node.is_group:
        node = Node(kind="group", children=[node])
    return node


def _from_json(tree: dict[str, Any]) -> Node:
    if "not" in tree:
        inner = _from_json(tree["not"])
        inner.negated = not inner.negated
        return inner
    for op in OPS:
        if op in tree:
            return Node(kind="group", op=op, children=[_from_json(c) for c in tree[op]])
    return Node(kind="condition", key=str(tree.get("condition", "")), value=tree.get("value"))


def from_post(data: QueryDict) -> Node:
    """The builder tree the form describes (any order of fields, any paths)."""
    paths = [p for p in data.getlist("node") if p == ROOT or p.startswith(ROOT + ".")]
    nodes: dict[str, Node] = {}
    for path in dict.fromkeys(paths):
        kind = "group" if data.get(f"{path}-type") == "group" or path == ROOT else "condition"
        node = Node(
            kind=kind,
            negated=data.get(f"{path}-not") in ("1", "on", "true"),
            op=data.get(f"{path}-op") if data.get(f"{path}-op") in OPS else "all",  # type: ignore[arg-type]
            key=data.get(f"{path}-key", "") or "",
            path=path,
        )
        if kind == "condition":
            prefix = f"{path}-v-"
            # A condition whose kind was just changed starts with empty fields.
            if node.key and data.get(f"{path}-was", node.key) == node.key:
                node.data = {
                    k[len(prefix) :]: data.getlist(k) for k in data if k.startswith(prefix)
                }
            else:
                node.data = {}
        nodes[path] = node
    root = nodes.get(ROOT) or Node(kind="group")
    for path, node in nodes.items():
        if path == ROOT:
            continue
        parent = nodes.get(path.rsplit(".", 1)[0])
        if parent is not None and parent.is_group:
            parent.children.append(node)
    return root


def renumber(node: Node, path: str = ROOT) -> None:
    node.path = path
    for index, child in enumerate(node.children):
        renumber(child, f"{path}.{index}")


def find(node: Node, path: str) -> tuple[Node | None, Node | None]:
    """(the node at path, its parent)."""
    if node.path == path:
        return node, None
    for child in node.children:
        if child.path == path:
            return child, node
        found, parent = find(child, path)
        if found is not None:
            return found, parent
    return None, None


def apply(root: Node, op: str) -> Node:
    """A builder button: ``add:<path>`` (a condition), ``group:<path>`` (a group with one
    condition), ``remove:<path>``."""
    action, _sep, path = op.partition(":")
    target, parent = find(root, path)
    if target is None:
        return root
    if action == "add" and target.is_group:
        target.children.append(Node(kind="condition"))
    elif action == "group" and target.is_group:
        target.children.append(Node(kind="group", op="any", children=[Node(kind="condition")]))
    elif action == "remove" and parent is not None:
        parent.children.remove(target)
    return root


def bind_forms(root: Node, viewer: Any, *, validate: bool = True) -> None:
    """Give every condition node its form with the node's current path as prefix: bound
    to what was posted (``validate``), unbound with what was posted as initial data (while
    the tree is being edited: no errors yet), or unbound with the saved value."""
    for node in _walk(root):
        if node.is_group or not node.key:
            continue
        form_class = form_for(node.key)
        if form_class is None:
            continue
        prefix = f"{node.path}-v"
        if node.data is not None and validate:
            bound = QueryDict(mutable=True)
            for name, values in node.data.items():
                bound.setlist(f"{prefix}-{name}", values)
            node.form = form_class(bound, prefix=prefix, viewer=viewer)
        elif node.data is not None:
            node.form = form_class(
                prefix=prefix, initial=_initial(form_class, node.data), viewer=viewer
            )
        else:
            node.form = form_class(
                prefix=prefix, initial=form_class.initial_from(node.value), viewer=viewer
            )


def _initial(form_class: type[ConditionForm], data: dict[str, list[str]]) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for name, values in data.items():
        field = form_class.base_fields.get(name)
        if field is None:
            continue
        many = isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField)
        initial[name] = values if many else (values[0] if values else "")
    return initial


def _walk(node: Node) -> Iterable[Node]:
    yield node
    for child in node.children:
        yield from _walk(child)


@dataclass
class Built:
    tree: dict[str, Any] | None  # None: nothing chosen yet (everyone in scope)
    errors: list[str]
    incomplete: bool = False


def to_tree(root: Node) -> Built:
    """The JSON tree of the builder, or the problems that stop one."""
    errors: list[str] = []
    incomplete = [False]

    def convert(node: Node) -> dict[str, Any] | None:
        if node.is_group:
            children = [c for c in (convert(child) for child in node.children) if c is not None]
            if not children:
                return None
            built: dict[str, Any] = (
                children[0] if len(children) == 1 and not node.negated else {node.op: children}
            )
            return {"not": built} if node.negated else built
        if not node.key:
            incomplete[0] = True
            return None
        try:
            condition = get_condition(node.key)
        except SegmentError as exc:
            errors.append(exc.message)
            return None
        form = node.form
        if form is None:
            value = node.value
        elif form.is_bound:
            if not any(v for values in (node.data or {}).values() for v in values):
                incomplete[0] = True  # chosen, nothing filled in yet
                return None
            if not form.is_valid():
                errors.append(
                    _("%(condition)s: correct the fields marked.") % {"condition": condition.label}
                )
                return None
            value = form.to_value()
        else:
            value = node.value
        leaf = {"condition": node.key, "value": value}
        return {"not": leaf} if node.negated else leaf

    tree = convert(root)
    if tree is not None and "condition" in tree:
        tree = {"all": [tree]}
    if tree is not None and "not" in tree and "condition" in tree["not"]:
        tree = {"all": [tree]}
    return Built(tree=tree, errors=errors, incomplete=incomplete[0])


# --- Words ------------------------------------------------------------------------------------


def describe_leaf(leaf: dict[str, Any], viewer: Any) -> str:
    """A condition and its value in words, e.g. "Language: English"."""
    try:
        condition = get_condition(leaf.get("condition", ""))
    except SegmentError:
        return str(leaf.get("condition", ""))
    form_class = form_for(condition.key)
    detail = ""
    if form_class is not None:
        try:
            detail = form_class(viewer=viewer).describe(leaf.get("value"))
        except Exception:  # a description never breaks a page
            detail = ""
    return f"{condition.label}: {detail}" if detail else str(condition.label)


def leaves(tree: Any, *, negated: bool = False) -> list[tuple[dict[str, Any], bool]]:
    """Every leaf of a tree with whether it sits under an odd number of NOTs."""
    if not isinstance(tree, dict):
        return []
    if "not" in tree:
        return leaves(tree["not"], negated=not negated)
    for op in OPS:
        if op in tree:
            found: list[tuple[dict[str, Any], bool]] = []
            for child in tree[op]:
                found.extend(leaves(child, negated=negated))
            return found
    return [(tree, negated)]
