"""Strided views of containers: what a copy, library node or call sees through a memlet.

A subset `A[a:b:s, k, c:d]` is a view with an offset and one (size, stride) pair per range
dimension (index dimensions are dropped, as NumPy drops them). Sizes and strides stay SymPy
expressions until printed, so a unit stride prints as the literal `1` and vectorises.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from sluice.backends.cpu.emit import FnCtx, Scope, ident
from sluice.ir.data import Scalar
from sluice.ir.memlet import Index, Range
from sluice.ir.symbolic import simplified


@dataclass
class View:
    name: str
    offset: sympy.Expr
    sizes: list[sympy.Expr]
    strides: list[sympy.Expr]
    scalar: bool  # a Scalar container: addressed by name, not by pointer

    @property
    def rank(self) -> int:
        return len(self.sizes)

    def size(self) -> sympy.Expr:
        out = sympy.Integer(1)
        for s in self.sizes:
            out = out * s
        return out

    def contiguous(self) -> bool:
        """True when the elements are consecutive in memory in row-major order."""
        expect = sympy.Integer(1)
        for size, stride in zip(reversed(self.sizes), reversed(self.strides), strict=True):
            if size != 1 and simplified(stride - expect) != 0:
                return False
            expect = expect * size
        return True


def view_of(fn: FnCtx, name: str, subset: tuple | None) -> View:
    c = fn.container(name)
    if isinstance(c, Scalar):
        return View(name, sympy.Integer(0), [], [], True)
    shape = c.shape
    strides = fn.strides(name)
    sub = list(subset or ())
    sub += [Range(0, d) for d in shape[len(sub):]]
    offset = sympy.Integer(0)
    sizes, out_strides = [], []
    for d, st in zip(sub, strides, strict=True):
        if isinstance(d, Index):
            offset = offset + d.index * st
        else:
            offset = offset + d.start * st
            sizes.append(d.size())
            out_strides.append(d.step * st)
    return View(name, offset, sizes, out_strides, False)


def element(fn: FnCtx, v: View, idx: list[object], scope: Scope) -> str:
    """The lvalue of the view's element at `idx` (one index expression per dimension)."""
    if v.scalar:
        return scope.redirect.get(v.name, ident(v.name))
    flat = v.offset
    for i, st in zip(idx, v.strides, strict=True):
        flat = flat + sympy.sympify(i) * st
    return f"{ident(v.name)}[{fn.idx(flat, scope)}]"


def pointer(fn: FnCtx, v: View, scope: Scope) -> str:
    """A pointer to the view's first element."""
    if v.scalar:
        return f"&{ident(v.name)}"
    off = fn.idx(v.offset, scope)
    return ident(v.name) if off == "0" else f"({ident(v.name)} + {off})"


def same_shape(a: list[sympy.Expr], b: list[sympy.Expr]) -> bool:
    return len(a) == len(b) and all(simplified(x - y) == 0 for x, y in zip(a, b,
                                                                             strict=True))


def loops(fn: FnCtx, sizes: list[sympy.Expr], scope: Scope, prefix: str = "i"
          ) -> tuple[list[str], list[str]]:
    """Loop heads over `sizes` and their (fresh) variable names."""
    names = [fn.tmp(prefix) for _ in sizes]
    heads = [f"for (int64_t {n} = 0; {n} < {fn.idx(s, scope)}; ++{n})"
             for n, s in zip(names, sizes, strict=True)]
    return heads, names


def syms(names: list[str]) -> list[sympy.Symbol]:
    return [sympy.Symbol(n, integer=True) for n in names]
