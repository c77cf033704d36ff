"""Integer-array indexing: gathers `x[i, j]` and scatters `x[i, j] = v`, `x[i, j] += v`.

NumPy's rules: the index arrays broadcast together to one shape B; where they stand next to
each other in the subscript (integer scalars count as index arrays there), B takes their
place among the result's dimensions, otherwise it comes first; the dimensions that slices
keep follow. Negative indices count from the end, and an index outside [-n, n) stops the
program with an ExecutionError (NumPy's IndexError). Both directions are loops over B in C
order that move one element (or one sliced block) per position, so a repeated index in a
scatter keeps the last value, as in NumPy."""

from __future__ import annotations

import ast
from contextlib import ExitStack
from typing import Any

import sympy

from sluice.errors import ShapeError, SluiceTypeError, UnsupportedError
from sluice.frontend.python import masks, setitem
from sluice.frontend.python.emit import align, broadcast
from sluice.frontend.python.values import Rng, View, placeholder, to_elem
from sluice.ir.memlet import Index, Memlet
from sluice.ir.nodes import Tasklet
from sluice.ir.symbolic import Expr, Select
from sluice.ir.symbolic import value as value_symbol


class _Plan:
    """Where the gathered dimensions go, for one subscript."""

    def __init__(self, tr: Any, v: View, gathers: list, node: ast.AST) -> None:
        self.v = v
        self.at = [p for p, _ in gathers]
        for _, idx in gathers:
            if not idx.dtype.is_integer:
                raise SluiceTypeError(f"arrays used as indices must be of integer type, got "
                                      f"{idx.dtype}", tr.loc(node),
                                      hint="convert them with .astype(np.int64)")
        self.index = [idx if isinstance(idx, View) else tr.em.plain(idx) for _, idx in gathers]
        shape = broadcast([i.shape for i in self.index])
        if shape is None:
            raise ShapeError("shape mismatch: indexing arrays could not be broadcast together "
                             "with shapes " + " ".join(str(tuple(i.shape))
                                                        for i in self.index), tr.loc(node))
        self.b_shape = shape
        self.kept = [k for k in range(len(v.axes)) if k not in self.at]
        together = getattr(gathers, "together", True) and \
            self.at == list(range(self.at[0], self.at[0] + len(self.at)))
        first = self.at[0] if together else 0
        before = [k for k in self.kept if k < first]
        # each result dimension: ("b", k) of the broadcast shape, or ("v", k) of the view
        self.slots = [("v", k) for k in before] + [("b", k) for k in range(len(shape))] + \
            [("v", k) for k in self.kept if k not in before]

    @property
    def shape(self) -> tuple[Expr, ...]:
        vs = self.v.shape
        return tuple(self.b_shape[k] if kind == "b" else vs[k] for kind, k in self.slots)

    def source(self, tr: Any, ks: list[sympy.Symbol]) -> View:
        """The part of the view that the broadcast position `ks` selects (index checked)."""
        v, em = self.v, tr.em
        dims = list(v.dims)
        for p, iv in zip(self.at, self.index, strict=True):
            e = align(to_elem(iv), self.b_shape)
            (data, idx), = e.reads.values()
            sub = {placeholder(k): s for k, s in enumerate(ks)}
            cell = em.temp(iv.dtype, (), "index")
            with em.b.state() as s:
                src = Memlet(data, tuple(Index(sympy.sympify(i).xreplace(sub)) for i in idx))
                s.node(Tasklet(["a"], ["_out"], [("_out", value_symbol("a"))]), {"a": src},
                       {"_out": Memlet(cell.data, ())})
            j = em.symbol("j")
            em.b.assign(**{j.name: value_symbol(cell.data)})
            d = dims[v.axes[p]]
            em.require_that(sympy.And(j >= -d.size, j < d.size), "index_out_of_range")
            dims[v.axes[p]] = d.start + d.step * Select(sympy.StrictLessThan(j, 0),
                                                        j + d.size, j)
        return View(v.data, v.dtype, tuple(dims), tuple(v.axes[k] for k in self.kept))

    def block(self, whole: View, ks: list[sympy.Symbol]) -> View:
        """The part of a result-shaped array at the broadcast position `ks`."""
        dims = list(whole.dims)
        axes = []
        for pos, (kind, k) in enumerate(self.slots):
            if kind == "b":
                dims[pos] = ks[k]
            else:
                axes.append(pos)
        return View(whole.data, whole.dtype, tuple(dims), tuple(axes))


def _whole(em: Any, dtype: Any, shape: tuple, hint: str) -> View:
    t = em.temp(dtype, shape, hint)
    return View(t.data, t.dtype, tuple(Rng(sympy.Integer(0), sympy.Integer(1), d)
                                       for d in shape), tuple(range(len(shape))))


def _loops(em: Any, shape: tuple, stack: ExitStack) -> list[sympy.Symbol]:
    ks = []
    for d in shape:
        k = em.symbol("k")
        stack.enter_context(em.b.loop(k.name, 0, d, 1))
        ks.append(k)
    return ks


class GatherLowering:
    """Mixin of the Tracer."""

    def gather(self, v: View, gathers: list, node: ast.AST) -> View:
        """`x[i, j]`: a loop of checked element (or block) copies."""
        plan = _Plan(self, v, gathers, node)
        em = self.em
        em.flush_checks()
        out = _whole(em, v.dtype, plan.shape, "gathered")
        with ExitStack() as stack:
            ks = _loops(em, plan.b_shape, stack)
            em.store(to_elem(plan.source(self, ks)), plan.block(out, ks), "gather")
        return View(out.data, out.dtype, out.dims, out.axes, owned=True)

    def scatter(self, v: View, gathers: list, val: Any, node: ast.AST) -> None:
        """`x[i, j] = val`: the value is evaluated (and broadcast to the indexed shape)
        first, then stored position by position in order."""
        if self.in_map:
            raise UnsupportedError("integer-array stores are not supported in a sluice.map",
                                   self.loc(node))
        plan = _Plan(self, v, gathers, node)
        em = self.em
        val = masks.array(self, val)  # Z_[Xi[I], Yi[I]] = Z[I]
        try:  # the value becomes an array first: only a Python number is checked
            setitem.check_scalar_store(val, v.dtype, em.arrays0d, numpy_scalars=False)
        except SluiceTypeError as e:
            raise SluiceTypeError(e.message, self.loc(node), hint=e.hint) from None
        vals = _whole(em, v.dtype, plan.shape, "scattered")
        em.store(to_elem(val), vals)
        with ExitStack() as stack:
            ks = _loops(em, plan.b_shape, stack)
            em.store(to_elem(plan.block(vals, ks)), plan.source(self, ks), "scatter")
