"""E1: versioned identifiers `name#n` become plain identifiers before lowering.

The parser keeps `name#n` as the identifier's text (version 0 printed bare), so checks and
error messages speak the user's names. The IR and CSL need plain identifiers: `name#n` maps
to `name__n`, and to `name__n_v`, `name__n_v_v`, ... where that clashes with another name
of the kernel, so the mapping is injective.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from sluice.frontend.spada import ast
from sluice.frontend.spada.astwalk import map_fields
from sluice.frontend.spada.expand import Block, BoundKernel, BoundPhase

# The str fields of AST nodes that hold identifiers (Arg, Param and Kernel names are bare).
_ID_FIELDS = {
    ast.Name: "id",
    ast.LoopVar: "name",
    ast.Field: "name",
    ast.StreamDecl: "name",
    ast.LocalDecl: "name",
    ast.Completion: "name",
    ast.AwaitName: "name",
}


def walk_identifiers(node: object, fn: Callable[[str], str]) -> object:
    """`node` with every identifier replaced by `fn(identifier)`."""
    if isinstance(node, tuple):
        return tuple(walk_identifiers(x, fn) for x in node)
    if isinstance(node, Block | BoundPhase) or isinstance(node, ast.Node):
        id_field = _ID_FIELDS.get(type(node))
        return map_fields(node, lambda name, v: fn(v) if name == id_field and isinstance(v, str)
                          else walk_identifiers(v, fn))
    return node


def identifiers(node: object) -> set[str]:
    seen: set[str] = set()

    def note(name: str) -> str:
        seen.add(name)
        return name

    walk_identifiers(node, note)
    return seen


def unversion(bk: BoundKernel) -> BoundKernel:
    """`bk` with every `name#n` identifier renamed to a plain, unused one."""
    names = identifiers((bk.places, bk.dataflows, bk.phases))
    versioned = sorted(n for n in names if "#" in n)
    if not versioned:
        return bk
    used = names | {a.name for a in bk.args} | set(bk.params)
    rename: dict[str, str] = {}
    for n in versioned:
        base, _, v = n.partition("#")
        new = f"{base}__{v}"
        while new in used:
            new += "_v"
        used.add(new)
        rename[n] = new

    def fn(name: str) -> str:
        return rename.get(name, name)

    return dataclasses.replace(
        bk,
        places=walk_identifiers(bk.places, fn),
        dataflows=walk_identifiers(bk.dataflows, fn),
        phases=walk_identifiers(bk.phases, fn),
    )
