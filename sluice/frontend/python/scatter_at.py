"""Unbuffered scatters: `np.add.at(a, i, b)` (and `maximum`, `minimum`, `multiply`,
`subtract` ... `.at`) and `np.bincount(i, weights, minlength)`.

`ufunc.at` applies the ufunc once per index position, in C order, so a repeated index sees
the previous result (`a[i] += b` would keep only the last one). It lowers like a scatter
(gathers.py): the value is broadcast to the indexed shape first, then a loop stores
`ufunc(a[i_k], b_k)` at each checked position. The edge-wise operations of graph networks
are plain NumPy this way: gather `X[src]`, scatter-add `np.add.at(out, dst, msg)`, segment
max `np.maximum.at(m, dst, e)`, so a softmax over the edges into each node is too.
"""

from __future__ import annotations

import ast
from contextlib import ExitStack
from typing import Any

import numpy as np
import sympy

from sluice.errors import SluiceTypeError, UnsupportedError
from sluice.frontend.python.gathers import _loops, _Plan, _whole
from sluice.frontend.python.values import Elem, Sym, View, placeholder, to_elem
from sluice.ir.dtypes import DType
from sluice.ir.memlet import Index, Memlet
from sluice.ir.nodes import Tasklet
from sluice.ir.symbolic import value as value_symbol


def _index_list(tr: Any, node: ast.AST, indices: Any) -> list[tuple[int, View]]:
    members = indices if isinstance(indices, tuple) else (indices,)
    out = []
    for k, m in enumerate(members):
        if not isinstance(m, View | Elem) or not m.shape:
            raise UnsupportedError(
                "ufunc.at takes an integer index array or a tuple of them",
                tr.loc(node),
                hint="e.g. np.add.at(out, dst, values)",
            )
        out.append((k, m))
    return out


def ufunc_at(tr: Any, node: ast.AST, apply: Any, a: Any, indices: Any, b: Any) -> None:
    """`ufunc.at(a, indices, b)` with `apply` the ufunc's rule."""
    if tr.in_map:
        raise UnsupportedError("ufunc.at is not supported in a sluice.map", tr.loc(node))
    if not isinstance(a, View) or not a.shape:
        raise SluiceTypeError("ufunc.at needs an array to update in place", tr.loc(node))
    plan = _Plan(tr, a, _index_list(tr, node, indices), node)
    em = tr.em
    if isinstance(b, Sym | View | Elem) and b.shape:
        vals = _whole(em, b.dtype, plan.shape, "scattered")
        em.store(to_elem(b), vals)
    elif isinstance(b, Sym | View | Elem):
        vals = b
    else:
        raise SluiceTypeError("ufunc.at needs a number or an array of values", tr.loc(node))
    with ExitStack() as stack:
        ks = _loops(em, plan.b_shape, stack)
        target = plan.source(tr, ks)
        value = plan.block(vals, ks) if isinstance(vals, View) and vals.shape else vals
        result = apply(tr, node, target, value)
        if not np.can_cast(result.dtype.numpy, a.dtype.numpy, "same_kind"):
            raise SluiceTypeError(
                f"ufunc.at: cannot cast the result ({result.dtype}) to the "
                f"array's type {a.dtype} with casting rule 'same_kind'",
                tr.loc(node),
                hint="NumPy refuses this too",
            )
        em.store(to_elem(result), target, "scatter")


def bincount(tr: Any, node: ast.AST, x: Any, weights: Any = None, minlength: Any = None) -> View:
    """`np.bincount` with `minlength`: the result has `minlength` bins; a negative value
    (NumPy's ValueError) or one at or beyond `minlength` (NumPy would return a longer
    array) stops the program. Weights add in float64, in the order of `x`, as NumPy's.
    NumPy returns int64 zeros for an empty `x` even with weights; the result's type is
    fixed while tracing, so that case stops the program instead."""
    from sluice.frontend.python.rules import FUNCTIONS

    if not isinstance(x, View | Elem) or len(x.shape) != 1 or not x.dtype.is_integer:
        raise SluiceTypeError(
            "np.bincount takes a 1-D array of non-negative integers", tr.loc(node)
        )
    if minlength is None:
        raise UnsupportedError(
            "np.bincount needs minlength= (its result's length)",
            tr.loc(node),
            hint="e.g. np.bincount(dst, weights=w, minlength=n); values must stay below it",
        )
    if tr.in_map:
        raise UnsupportedError("np.bincount is not supported in a sluice.map", tr.loc(node))
    n = tr.index_expr(minlength, node)
    em = tr.em
    em.require_that(sympy.Ge(n, 0), "minlength_must_not_be_negative")
    dtype = DType.int64 if weights is None else DType.float64
    if weights is not None:
        if not isinstance(weights, View | Elem) or len(weights.shape) != 1:
            raise SluiceTypeError("np.bincount's weights must be a 1-D array", tr.loc(node))
        em.require(
            weights.shape[0],
            "==",
            x.shape[0],
            "bincount: the weights and the list have different lengths",
        )
        # NumPy's result is int64 zeros for an empty list even with weights: a type that
        # depends on a run-time length, which sluice's fixed result type cannot follow
        em.require_that(sympy.Gt(x.shape[0], 0), "bincount_with_weights_of_an_empty_list")
        weights = em.materialize(to_elem(FUNCTIONS[np.float64](tr, node, weights)), "weights")
    x = em.materialize(x, "bins")
    out = em.temp(dtype, (n,), tr.name_hint())
    em.store(to_elem(Sym(sympy.Integer(0), dtype, weak=False)), out)
    one = Sym(sympy.Integer(1), DType.int64, weak=False)
    with ExitStack() as stack:
        (k,) = _loops(em, x.shape, stack)
        j = _read(em, x, k)
        em.require_that(sympy.And(j >= 0, j < n), "bincount_value_outside_0_to_minlength")
        target = View(out.data, dtype, (j,), ())
        w = one if weights is None else View(weights.data, dtype, (k,), ())
        em.store(to_elem(FUNCTIONS[np.add](tr, node, target, w)), target, "scatter")
    return out


def _read(em: Any, x: View, k: Any) -> Any:
    """An integer symbol holding `x[k]` (a block of its own reads it)."""
    ((data, idx),) = to_elem(x).reads.values()
    cell = em.temp(x.dtype, (), "index")
    with em.b.state() as s:
        src = Memlet(
            data, tuple(Index(sympy.sympify(i).xreplace({placeholder(0): k})) for i in idx)
        )
        s.node(
            Tasklet(["a"], ["_out"], [("_out", value_symbol("a"))]),
            {"a": src},
            {"_out": Memlet(cell.data, ())},
        )
    j = em.symbol("j")
    em.b.assign(**{j.name: value_symbol(cell.data)})
    return j
