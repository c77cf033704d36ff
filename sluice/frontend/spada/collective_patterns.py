"""The routing patterns of collective multistreams (SPADA-EXTENSIONS.md E2): which
neighbours each PE of the participants' rectangle receives from and sends to.

* reduce, `grid`: row chains toward the root's column, then that column toward the root;
* reduce, `snake`: one boustrophedon path through the rectangle ending at a corner root;
* broadcast: the root's row fans out from the root, every PE of that row down its column.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from sluice.frontend.spada import ast
from sluice.frontend.spada.expand import PE, Block

DIRS: dict[str, tuple[int, int]] = {"e": (1, 0), "w": (-1, 0), "s": (0, 1), "n": (0, -1)}


@dataclass(frozen=True)
class Role:
    """What one PE does in a collective: receive from `children` (the directions their
    data travels to reach this PE), then send towards `parent` (None at the root). For a
    broadcast, `children` holds at most the one direction data arrives from and `sends`
    the directions it forwards to."""

    children: tuple[str, ...] = ()
    parent: str | None = None
    sends: tuple[str, ...] = ()


@dataclass(frozen=True)
class Multistream:
    name: str
    kind: str  # "reduce" | "broadcast"
    elem: str
    root: PE
    rect: tuple[int, int, int, int]  # x0, x1, y0, y1 (stop excluded)
    pes: frozenset[PE]
    algorithm: str  # "grid" | "snake" (reduce)
    op: str  # "sum" | "product" | "max" | "min" (reduce)
    pipelined: bool
    block: Block
    decl: ast.StreamDecl
    streams: dict[tuple[str, int], str]  # (direction, parity or 0) -> stream name

    def roles(self) -> dict[PE, Role]:
        if self.kind == "broadcast":
            return broadcast_roles(self.rect, self.root)
        if self.algorithm == "snake":
            return snake_roles(self.rect, self.root)
        return grid_roles(self.rect, self.root)


def _step(p: PE, d: str) -> PE:
    return (p[0] + DIRS[d][0], p[1] + DIRS[d][1])


def _invert(parents: dict[PE, str | None]) -> dict[PE, Role]:
    """Roles from each PE's parent direction; children ordered by direction name."""
    kids: dict[PE, list[str]] = {p: [] for p in parents}
    for p, d in parents.items():
        if d is not None:
            kids[_step(p, d)].append(d)
    return {p: Role(tuple(sorted(kids[p])), parents[p]) for p in parents}


def grid_roles(rect: tuple[int, int, int, int], root: PE) -> dict[PE, Role]:
    x0, x1, y0, y1 = rect
    rx, ry = root
    parents: dict[PE, str | None] = {}
    for x, y in itertools.product(range(x0, x1), range(y0, y1)):
        if x != rx:
            parents[(x, y)] = "e" if x < rx else "w"
        elif y != ry:
            parents[(x, y)] = "s" if y < ry else "n"
        else:
            parents[(x, y)] = None
    return _invert(parents)


def snake_roles(rect: tuple[int, int, int, int], root: PE) -> dict[PE, Role]:
    """The boustrophedon path ending at a corner root: row d (distance from the root's row)
    flows toward the root's column when d is even, away from it when d is odd; a row ends
    with one vertical hop into row d - 1."""
    x0, x1, y0, y1 = rect
    rx, ry = root
    far_x = x1 - 1 if rx == x0 else x0
    toward = "w" if far_x > rx else "e"  # horizontal direction toward the root's column
    away = "e" if toward == "w" else "w"
    up = "n" if ry == y0 else "s"  # vertical direction toward the root's row
    parents: dict[PE, str | None] = {}
    for x, y in itertools.product(range(x0, x1), range(y0, y1)):
        d = abs(y - ry)
        end = rx if d % 2 == 0 else far_x
        if x != end:
            parents[(x, y)] = toward if d % 2 == 0 else away
        elif d == 0:
            parents[(x, y)] = None
        else:
            parents[(x, y)] = up
    return _invert(parents)


def broadcast_roles(rect: tuple[int, int, int, int], root: PE) -> dict[PE, Role]:
    x0, x1, y0, y1 = rect
    rx, ry = root
    roles: dict[PE, Role] = {}
    for x, y in itertools.product(range(x0, x1), range(y0, y1)):
        src: tuple[str, ...] = ()
        sends: list[str] = []
        if y == ry:
            if x < rx:
                src = ("w",)
            elif x > rx:
                src = ("e",)
            if x <= rx and x > x0:
                sends.append("w")
            if x >= rx and x < x1 - 1:
                sends.append("e")
            if y > y0:
                sends.append("n")
            if y < y1 - 1:
                sends.append("s")
        elif y < ry:
            src = ("n",)
            if y > y0:
                sends.append("n")
        else:
            src = ("s",)
            if y < y1 - 1:
                sends.append("s")
        roles[(x, y)] = Role(src, None, tuple(sends))
    return roles
