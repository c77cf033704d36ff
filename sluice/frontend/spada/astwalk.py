"""Generic walks over the `.sptl` AST (positions skipped)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import fields

from sluice.frontend.spada import ast


def nodes(node: object) -> Iterator[ast.Node]:
    """Every AST node under `node` (a node, or tuples and lists of them), parents first."""
    if isinstance(node, ast.Node):
        yield node
        for f in fields(node):
            if f.name != "pos":
                yield from nodes(getattr(node, f.name))
    elif isinstance(node, tuple | list):
        for x in node:
            yield from nodes(x)


def strings(node: object) -> set[str]:
    """Every string held anywhere under `node`: a superset of the names a kernel uses (for
    making up names that clash with none)."""
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, str):
            out.add(n)
        elif isinstance(n, list | tuple):
            stack.extend(n)
        elif isinstance(n, dict):
            stack.extend(n.keys())
            stack.extend(n.values())
        elif isinstance(n, ast.Node):
            stack.extend(getattr(n, f.name) for f in fields(n) if f.name != "pos")
    return out


def map_fields(node: object, fn: Callable[[str, object], object]) -> object:
    """`node` (a frozen dataclass) with each constructor field but `pos` replaced by
    `fn(name, value)`; the same object where nothing changed (rewrites share what they
    leave alone)."""
    changes = {}
    for f in fields(node):  # type: ignore[arg-type]
        if f.name == "pos" or not f.init:
            continue
        v = getattr(node, f.name)
        nv = fn(f.name, v)
        if nv is not v:
            changes[f.name] = nv
    return dataclasses.replace(node, **changes) if changes else node  # type: ignore[type-var]
