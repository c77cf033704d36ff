"""np.mgrid[...] (NPBench's stockham_fft and mandelbrot2), np.ogrid[...] and np.repeat:
index grids and repetitions, as lazy element-wise values."""

from __future__ import annotations

import ast

import numpy as np
import sympy

from sluice.errors import ShapeError, SluiceTypeError, UnsupportedError
from sluice.frontend.python.rules.table import FUNCTIONS, register, value
from sluice.frontend.python.values import Elem, Py, Sym, View, placeholder, reindexed, to_elem
from sluice.ir.dtypes import DType
from sluice.ir.symbolic import FloorDiv, Select


def mgrid(tr, node: ast.Subscript) -> Elem:
    """`np.mgrid[a:b, c:d]`: for each slice, its integer range (`start + step * i`, with
    ceil((stop - start) / step) values) along its own axis, stacked on a first axis; one
    slice gives that range alone."""
    parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    ranges = [_range(tr, p) for p in parts]
    if not isinstance(node.slice, ast.Tuple):  # np.arange's rules: no values past the stop
        start, step, n = ranges[0]
        return Elem((sympy.Max(0, n),), DType.int64, start + step * placeholder(0), {})
    # (NumPy allocates the grid with these sizes: a negative one is its error)
    for _, _, n in ranges:
        if n.is_number and n < 0:
            raise ShapeError("np.mgrid: negative dimensions are not allowed", tr.loc(node))
        tr.em.require(n, ">=", 0, "np.mgrid: negative dimensions are not allowed")
    shape = tuple(n for _, _, n in ranges)
    expr = sympy.Integer(0)
    for k in reversed(range(len(ranges))):
        start, step, _ = ranges[k]
        expr = Select(sympy.Eq(placeholder(0), k), start + step * placeholder(k + 1), expr)
    return Elem((sympy.Integer(len(ranges)), *shape), DType.int64, expr, {})


def ogrid(tr, node: ast.Subscript) -> Elem | tuple[Elem, ...]:
    """`np.ogrid[a:b, c:d]`: the open grid, a tuple with one range per slice, each along its
    own axis and of size 1 along the others (an empty range for a negative size, as
    np.arange gives); one slice gives that range alone."""
    if not isinstance(node.slice, ast.Tuple):
        return mgrid(tr, node)
    ranges = [_range(tr, p, "np.ogrid") for p in node.slice.elts]
    out = []
    for k, (start, step, n) in enumerate(ranges):
        shape = tuple(sympy.Max(0, n) if j == k else sympy.Integer(1)
                      for j in range(len(ranges)))
        out.append(Elem(shape, DType.int64, start + step * placeholder(k), {}))
    return tuple(out)


def _range(tr, part: ast.expr, what: str = "np.mgrid") -> tuple[sympy.Expr, sympy.Expr, sympy.Expr]:
    if not isinstance(part, ast.Slice):
        raise UnsupportedError(f"{what} takes slices ({what}[0:n, 0:m])", tr.loc(part))
    ends = []
    for e, default in ((part.lower, 0), (part.upper, None), (part.step, 1)):
        if e is None:
            if default is None:
                raise UnsupportedError(f"{what} needs the stop of each slice", tr.loc(part))
            ends.append(sympy.Integer(default))
            continue
        v = tr.ev(e)
        if not isinstance(v, Sym) or not v.dtype.is_integer:
            raise UnsupportedError(f"{what} with bounds or steps other than integers is not "
                                   "supported", tr.loc(e), hint="use np.linspace for floats")
        ends.append(tr.index_expr(v, e))
    start, stop, step = ends
    if not step.is_number or step == 0:
        raise UnsupportedError(f"{what} needs a nonzero constant step", tr.loc(part))
    # ceil((stop - start) / step)
    return start, step, FloorDiv(stop - start + step - (1 if step > 0 else -1), step)


@register(FUNCTIONS, np.repeat)
def _repeat(tr, node, a, repeats, axis=None):
    """Each element (along `axis`; of the flattened array without one) `repeats` times."""
    a = value(tr, node, a)
    r = value(tr, node, repeats)
    if not isinstance(r, Sym) or not r.dtype.is_integer:
        raise UnsupportedError("np.repeat with an array of repeat counts is not supported",
                               tr.loc(node), hint="give one count for every element")
    count = tr.index_expr(r, node)
    if r.constant is not None and r.constant < 0:
        raise SluiceTypeError("np.repeat: negative dimensions are not allowed", tr.loc(node))
    tr.em.require(count, ">=", 0, "np.repeat: negative dimensions are not allowed")
    if axis is None or isinstance(axis, Py) and axis.obj is None:
        if len(a.shape) != 1:
            from sluice.frontend.python.rules.linalg import _ravel
            a = _ravel(tr, node, a if isinstance(a, View) else tr.em.materialize(a, "rep"))
        ax = 0
    else:
        ax = tr.pyvalue(axis, node)
        if not isinstance(ax, int) or not -len(a.shape) <= ax < max(len(a.shape), 1):
            raise SluiceTypeError(f"np.repeat: axis {ax} is out of bounds for an array of "
                                  f"dimension {len(a.shape)}", tr.loc(node))
        ax %= max(len(a.shape), 1)
    e = to_elem(a)
    if not e.shape:  # a scalar repeats as a 1-D array
        return reindexed(e, {}, (count,))
    shape = e.shape[:ax] + (e.shape[ax] * count,) + e.shape[ax + 1:]
    source = FloorDiv(placeholder(ax), count) if count != 0 else sympy.Integer(0)
    return reindexed(e, {placeholder(ax): source}, shape)
