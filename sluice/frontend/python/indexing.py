"""Subscripts: basic indexing as views (slices, steps, negative indices, new axes, ellipsis),
and the integer-array indices left for a gather (gathers.py)."""

from __future__ import annotations

from typing import Any

import sympy

from sluice.errors import SluiceIndexError, UnsupportedError
from sluice.frontend.python.bounds import Facts, difference
from sluice.frontend.python.values import Py, Rng, Sym, View
from sluice.ir.dtypes import DType
from sluice.ir.symbolic import Expr, FloorDiv


def _slice_bounds(lo: Expr | None, hi: Expr | None, step: int, n: Expr, facts: Facts
                  ) -> tuple[Expr, Expr, Expr]:
    """(start, step, size) of `[lo:hi:step]` on a dimension of size `n`, by Python's rules:
    negative bounds count from the end, out-of-range ones are clipped. Only the clip that can
    matter is kept: when the size is 0 the start is never used, so a start past the end (or
    a stop before the start) needs no clip of its own, only the size's max(0, ...)."""
    if n.is_number and all(x is None or x.is_number for x in (lo, hi)):
        r = range(int(n))[slice(None if lo is None else int(lo),
                                None if hi is None else int(hi), step)]
        return sympy.Integer(r.start), sympy.Integer(step), sympy.Integer(len(r))
    facts = facts.with_size(n)
    if step > 0:
        start = sympy.Integer(0) if lo is None else facts.at_least(facts.wrap(lo, n), 0)
        stop = n if hi is None else facts.at_most(facts.wrap(hi, n), n)
        span = difference(stop, start)
    else:
        start = n - 1 if lo is None else facts.at_most(facts.wrap(lo, n), n - 1)
        stop = sympy.Integer(-1) if hi is None else facts.at_least(facts.wrap(hi, n), -1)
        span = difference(start, stop)
    size = span if abs(step) == 1 else -FloorDiv(-span, abs(step))
    if not facts.nonneg(size):
        size = sympy.Max(size, 0)
    return sympy.expand(start), sympy.Integer(step), size


class Gathers(list):
    """The index arrays `apply_index` leaves for a gather: (position among the view's
    dimensions, index array). `together`: they stand next to each other in the subscript,
    so their broadcast shape takes their place instead of coming first."""

    together: bool = True


def apply_index(v: View, items: list[Any], where: Any, facts: Facts,
                checks: list[tuple[Expr, Expr]] | None = None
                ) -> tuple[View, list[tuple[int, Any]]]:
    """Basic indexing of a view. `items` are evaluated subscript parts: ('slice', lo, hi, st),
    ('index', expr), ('new',), ('ellipsis',), ('array', value). Returns the view and the array
    indices left for a gather (position in the result, index array). Integer indices not
    provably inside [-n, n) go to `checks` as (index, n), for a run-time check."""
    n_used = sum(1 for it in items if it[0] in ("slice", "index", "array"))
    if n_used > len(v.axes):
        raise UnsupportedError(f"too many indices: {n_used} for a {len(v.axes)}-D array",
                               where)
    dims = list(v.dims)
    axes: list[int | None] = []
    gathers = Gathers()
    advanced = [k for k, it in enumerate(items) if it[0] in ("array", "index")]
    gathers.together = advanced == list(range(advanced[0], advanced[0] + len(advanced))) \
        if advanced else True
    k = 0  # the next view dimension to consume
    for it in items:
        kind = it[0]
        if kind == "new":
            axes.append(None)
            continue
        if kind == "ellipsis":
            rest = sum(1 for j in items if j[0] in ("slice", "index", "array"))
            take = len(v.axes) - rest
            axes.extend(v.axes[k:k + take])
            k += take
            continue
        a = v.axes[k]
        k += 1
        if a is None:  # a new axis of size 1
            if kind == "slice" and it[1] is None and it[2] is None and it[3] == 1:
                axes.append(None)
                continue
            if kind == "index":
                _check_index(it[1], sympy.Integer(1), facts, where, checks)
                continue
            raise UnsupportedError("only ':' or 0 may index a new axis", where)
        d = dims[a]
        if kind == "slice":
            s, st, size = _slice_bounds(it[1], it[2], it[3], d.size, facts)
            dims[a] = Rng(sympy.expand(d.start + d.step * s), d.step * st, size)
            axes.append(a)
        elif kind == "index":
            i, n = it[1], d.size
            _check_index(i, n, facts, where, checks)
            dims[a] = sympy.expand(d.start + d.step * facts.wrap(i, n))
        else:  # an integer array: keep the dimension whole, gather later
            gathers.append((len(axes), it[1]))
            axes.append(a)
    axes.extend(v.axes[k:])
    element = not axes and not gathers and all(it[0] == "index" for it in items)
    return View(v.data, v.dtype, tuple(dims), tuple(axes), element=element), gathers


def _check_index(i: Expr, n: Expr, facts: Facts, where: Any,
                 checks: list[tuple[Expr, Expr]] | None) -> None:
    """An index into a dimension of size `n` must lie in [-n, n): refused now where it
    provably does not, left to a run-time check where it is not provable."""
    if i.is_number and n.is_number and not -n <= i < n:
        raise SluiceIndexError(f"index {i} is out of bounds for a dimension of size {n}", where)
    if checks is not None and not (facts.le(-n, i) and facts.le(i, n - 1)):
        checks.append((i, n))


def index_dtype_ok(v: Any) -> bool:
    return isinstance(v, Sym | View) and (v.dtype.is_integer or v.dtype == DType.bool)


def is_new_axis(v: Any) -> bool:
    return isinstance(v, Py) and v.obj is None
