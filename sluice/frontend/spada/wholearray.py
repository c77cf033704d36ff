"""E11f: whole-array assignment, `acc = acc * 0.5 + fresh` with `f32[N] acc, fresh`.

`NAME = expr` where NAME is an array field assigns `expr` element-wise: every bare array
field in `expr` is indexed by the same tuple (it must have NAME's shape), scalars, constants
and explicitly subscripted arrays stay as written. It is blocking: the binder rewrites it to
`await map i32 _e0#n, ... in [0:d0, ...] { NAME[_e0#n, ...] = expr' }`, so the checks, the
interpreter and the CSL lowering (a DSD operation or a loop) see ordinary code.
"""

from __future__ import annotations

import dataclasses
import itertools

from sluice.errors import SluiceTypeError
from sluice.frontend.spada import ast
from sluice.frontend.spada.diagnostics import Reporter
from sluice.frontend.spada.expand import Block, BoundKernel, BoundPhase

Shapes = dict[str, tuple[int, ...]]


def _shapes(places: tuple[Block, ...], pe) -> Shapes:
    """Array fields placed on `pe` and their shapes."""
    out: Shapes = {}
    for b in places:
        if pe in b.pes:
            for f in b.node.fields:
                if isinstance(f.type, ast.ArrayType):
                    out[f.name] = tuple(d.value for d in f.type.dims)  # type: ignore[union-attr]
    return out


class _Expander:
    def __init__(self, rep: Reporter) -> None:
        self.rep = rep
        self.ids = itertools.count(1)

    def value(self, e: object, shapes: Shapes, idx: tuple, target: str) -> object:
        if isinstance(e, ast.Name) and e.id in shapes:
            if shapes[e.id] != shapes[target]:
                raise self.rep.error(
                    SluiceTypeError,
                    f"'{e.id}' has shape {list(shapes[e.id])} but '{target}' has "
                    f"{list(shapes[target])}",
                    e,
                    "a whole-array assignment combines arrays of one shape: index the "
                    "other one explicitly",
                )
            return ast.Subscript(e, idx, pos=e.pos)
        if isinstance(e, ast.Subscript):
            return e  # explicitly indexed: stays as written
        if isinstance(e, tuple):
            return tuple(self.value(x, shapes, idx, target) for x in e)
        if isinstance(e, ast.Node):
            changes = {
                f.name: self.value(getattr(e, f.name), shapes, idx, target)
                for f in dataclasses.fields(e)
                if f.name != "pos" and f.init
            }
            return dataclasses.replace(e, **changes)
        return e

    def stmt(self, s: object, shapes: Shapes) -> object:
        if isinstance(s, tuple):
            return tuple(self.stmt(x, shapes) for x in s)
        if isinstance(s, ast.Assign) and isinstance(s.target, ast.Name) and (s.target.id in shapes):
            name, n = s.target.id, next(self.ids)
            p = s.pos
            vars_ = tuple(
                ast.LoopVar(ast.ScalarType("i32", pos=p), f"_e{d}#{n}", pos=p)
                for d in range(len(shapes[name]))
            )
            idx = tuple(ast.Name(v.name, pos=p) for v in vars_)
            ranges = tuple(
                ast.Range(ast.IntLit(0, pos=p), ast.IntLit(d, pos=p), None, pos=p)
                for d in shapes[name]
            )
            value = self.value(s.value, shapes, idx, name)
            body = (ast.Assign(ast.Subscript(s.target, idx, pos=p), s.op, value, pos=p),)
            return ast.Await(ast.Map(vars_, ranges, body, pos=p), pos=p)
        if isinstance(s, ast.Node) and not isinstance(s, ast.Expr):
            changes = {
                f.name: self.stmt(getattr(s, f.name), shapes)
                for f in dataclasses.fields(s)
                if f.name != "pos" and f.init
            }
            return dataclasses.replace(s, **changes)
        return s

    def phase(self, ph: BoundPhase, places: tuple[Block, ...]) -> BoundPhase:
        computes = []
        for b in ph.computes:
            shapes = _shapes(places + ph.places, b.pes[0])
            body = self.stmt(b.node.body, shapes) if shapes else b.node.body
            if body != b.node.body:
                b = dataclasses.replace(b, node=dataclasses.replace(b.node, body=body))
            computes.append(b)
        return dataclasses.replace(ph, computes=tuple(computes))


def expand_whole_arrays(bk: BoundKernel) -> BoundKernel:
    """`bk` with every whole-array assignment made an awaited element-wise map."""
    x = _Expander(bk.reporter)
    return dataclasses.replace(bk, phases=tuple(x.phase(ph, bk.places) for ph in bk.phases))
