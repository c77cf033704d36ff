"""Integer-array indexing of 1-D arrays: gathers `x[idx]` and scatters `x[idx] = v`,
`x[idx] += v`, with NumPy's index rules: negative indices count from the end, and an index
outside [-n, n) stops the program with an ExecutionError (NumPy's IndexError)."""

from __future__ import annotations

import ast
from typing import Any

import sympy

from sluice.errors import SluiceTypeError, UnsupportedError
from sluice.frontend.python import setitem
from sluice.frontend.python.values import View, to_elem
from sluice.ir.memlet import Index, Memlet
from sluice.ir.nodes import Tasklet
from sluice.ir.symbolic import Expr, Select
from sluice.ir.symbolic import value as value_symbol


def _move(em: Any, src: Memlet, dst: Memlet) -> None:
    """One element from `src` to `dst` (a tasklet: the destination's type wins)."""
    with em.b.state() as s:
        s.node(Tasklet(["a"], ["_out"], [("_out", value_symbol("a"))]), {"a": src},
               {"_out": dst})


class GatherLowering:
    """Mixin of the Tracer."""

    def _index_array(self, v: View, gathers: list, node: ast.AST) -> View:
        if len(gathers) != 1 or len(v.shape) != 1:
            raise UnsupportedError("integer-array indexing is supported only as x[idx] with "
                                   "1-D x and idx", self.loc(node))
        idx = gathers[0][1]
        if not idx.dtype.is_integer:
            raise SluiceTypeError(f"arrays used as indices must be of integer type, got "
                                  f"{idx.dtype}", self.loc(node),
                                  hint="convert them with .astype(np.int64)")
        iv = idx if isinstance(idx, View) else self.em.plain(idx)
        if len(iv.shape) != 1:
            raise UnsupportedError("the index array must be 1-D", self.loc(node))
        return iv

    def _element(self, v: View, iv: View, cell: View, k: Expr) -> tuple[Expr, ...]:
        """Base indices of `v[iv[k]]`, after checking the index at run time."""
        em = self.em
        _move(em, Memlet(iv.data, tuple(Index(i) for i in iv.index_exprs([k]))),
              Memlet(cell.data, ()))
        j = em.symbol("j")
        em.b.assign(**{j.name: value_symbol(cell.data)})
        a = v.axes[0]
        d = v.dims[a]
        em.require_that(sympy.And(j >= -d.size, j < d.size), "index_out_of_range")
        dims = list(v.dims)
        dims[a] = d.start + d.step * Select(sympy.StrictLessThan(j, 0), j + d.size, j)
        return tuple(dims)

    def gather(self, v: View, gathers: list, node: ast.AST) -> View:
        """`x[idx]`: a loop of checked element copies."""
        iv = self._index_array(v, gathers, node)
        n = iv.shape[0]
        em = self.em
        out = em.temp(v.dtype, (n,), "gathered")
        cell = em.temp(iv.dtype, (), "index")
        k = em.symbol("k")
        with em.b.loop(k.name, 0, n, 1):
            src = self._element(v, iv, cell, k)
            _move(em, Memlet(v.data, tuple(Index(i) for i in src)),
                  Memlet(out.data, (Index(k),)))
        return out

    def scatter(self, v: View, gathers: list, val: Any, node: ast.AST) -> None:
        """`x[idx] = val`: the value is evaluated (and broadcast to idx's length) first,
        then stored element by element in order, so a repeated index keeps the last value
        as in NumPy."""
        if self.in_map:
            raise UnsupportedError("integer-array stores are not supported in a sluice.map",
                                   self.loc(node))
        iv = self._index_array(v, gathers, node)
        n = iv.shape[0]
        em = self.em
        try:  # the value becomes an array first: only a Python number is checked
            setitem.check_scalar_store(val, v.dtype, em.arrays0d, numpy_scalars=False)
        except SluiceTypeError as e:
            raise SluiceTypeError(e.message, self.loc(node), hint=e.hint) from None
        vals = em.temp(v.dtype, (n,), "scattered")
        em.store(to_elem(val), vals)
        cell = em.temp(iv.dtype, (), "index")
        k = em.symbol("k")
        with em.b.loop(k.name, 0, n, 1):
            dst = self._element(v, iv, cell, k)
            _move(em, Memlet(vals.data, (Index(k),)),
                  Memlet(v.data, tuple(Index(i) for i in dst)))
