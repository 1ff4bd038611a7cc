"""Generic traversal of AST nodes (compiler/nodes.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields

from . import nodes as n

_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def children(node: n.Node) -> Iterator[n.Node]:
    """Direct child nodes, in source order (type expressions and spans excluded)."""
    cls = type(node)
    names = _CHILD_FIELDS.get(cls)
    if names is None:
        names = tuple(f.name for f in fields(cls) if f.name != "span")
        _CHILD_FIELDS[cls] = names
    for name in names:
        yield from _nodes_in(getattr(node, name))


def _nodes_in(value) -> Iterator[n.Node]:
    if isinstance(value, n.Node) and not isinstance(value, (n.TypeName, n.RecordTypeExpr, n.FunctionTypeExpr)):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _nodes_in(item)


def walk(node: n.Node) -> Iterator[n.Node]:
    """The node and all its descendants, depth first, in source order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(children(current))))
