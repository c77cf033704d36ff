"""Array creation: zeros/ones/empty/full, the *_like forms, copy, arange, linspace, outer."""

from __future__ import annotations

import ast
from typing import Any

import numpy as np
import sympy

from sluice.errors import SluiceTypeError, UnsupportedError
from sluice.frontend.python import ops
from sluice.frontend.python.rules.table import (
    FUNCTIONS,
    dtype_arg,
    register,
    shape_arg,
    transposed,
    value,
)
from sluice.frontend.python.values import (
    Elem,
    Py,
    Sym,
    View,
    const,
    placeholder,
    to_elem,
)
from sluice.ir import exact as X
from sluice.ir.dtypes import DType
from sluice.ir.symbolic import CASTS, FloorDiv, Select


def _filled(tr, node, shape: tuple, dtype: DType, fill: Any | None) -> View:
    t = tr.em.temp(dtype, shape, tr.name_hint(), array=True)
    if fill is not None and not (tr.fresh_zeroed() and isinstance(fill, Sym)
                                 and fill.constant == 0):
        tr.em.store(to_elem(fill), t, "fill")
    return t


def _creation_rule(fill: int | None):
    """np.zeros / np.ones / np.empty / np.ndarray (keyed by the function object, so that an
    alias such as `z = np.zeros` still fills)."""
    def rule(tr, node, shape, dtype=None):
        d = dtype_arg(tr, node, dtype) or DType.float64
        return _filled(tr, node, shape_arg(tr, node, shape), d,
                       None if fill is None else const(fill))
    return rule


for _fn, _fill in ((np.zeros, 0), (np.ones, 1), (np.empty, None), (np.ndarray, None)):
    FUNCTIONS[_fn] = _creation_rule(_fill)


@register(FUNCTIONS, np.identity)
def _identity(tr, node, n, dtype=None):
    return _eye(tr, node, n, dtype=dtype)


@register(FUNCTIONS, np.eye)
def _eye(tr, node, N, M=None, k=None, dtype=None):
    """Ones where column - row == k, zeros elsewhere."""
    n = tr.index_expr(value(tr, node, N), node)
    m = n if M is None or (isinstance(M, Py) and M.obj is None) \
        else tr.index_expr(value(tr, node, M), node)
    diagonal = sympy.Integer(0) if k is None else tr.index_expr(value(tr, node, k), node)
    d = dtype_arg(tr, node, dtype) or DType.float64
    shape = shape_arg(tr, node, (Sym(n, DType.int64), Sym(m, DType.int64)))
    one, zero = (ops.as_number(sympy.Integer(v), DType.int64, d) for v in (1, 0))
    on = sympy.Eq(placeholder(1) - placeholder(0), diagonal)
    return _filled_by(tr, shape, d, Select(on, one, zero))


def _filled_by(tr, shape: tuple, dtype: DType, expr: Any) -> View:
    t = tr.em.temp(dtype, shape, tr.name_hint(), array=True)
    tr.em.store(Elem(shape, dtype, expr, {}), t, "fill")
    return t


@register(FUNCTIONS, np.full)
def _full(tr, node, shape, fill_value, dtype=None):
    fill = value(tr, node, fill_value)
    d = dtype_arg(tr, node, dtype) or (fill.dtype if not (isinstance(fill, Sym) and fill.weak)
                                        else DType.of(np.result_type(fill.constant
                                                                     if fill.constant is not None
                                                                     else 0.0)))
    return _filled(tr, node, shape_arg(tr, node, shape), d, fill)


@register(FUNCTIONS, np.zeros_like, np.ones_like, np.empty_like, np.full_like)
def _like(tr, node, a, *rest, dtype=None):
    a = value(tr, node, a)
    name = tr.callee_name(node)
    d = dtype_arg(tr, node, dtype) or a.dtype
    if name == "full_like":
        fill = value(tr, node, rest[0])
    else:
        fill = {"zeros_like": const(0), "ones_like": const(1), "empty_like": None}[name]
    return _filled(tr, node, a.shape, d, fill)


@register(FUNCTIONS, np.copy, np.array, np.asarray, np.ascontiguousarray)
def _copy_function(tr, node, a, dtype=None):
    return copy_array(tr, node, a, dtype)


def copy_array(tr, node, a, dtype=None, method: bool = False):
    """np.array and its kin make an array, 0-d for a scalar (1-d for ascontiguousarray);
    the `.copy()` and `.astype()` methods of a NumPy scalar give a NumPy scalar."""
    a = value(tr, node, a)
    d = dtype_arg(tr, node, dtype)
    if d is not None:
        a = ops.cast(a, d)
    if method and isinstance(a, Sym):
        return a
    shape = a.shape
    if not shape and not method and tr.callee_name(node) == "ascontiguousarray":
        shape = (sympy.Integer(1),)
    t = tr.em.temp(a.dtype, shape, tr.name_hint(), array=not method)
    tr.em.store(to_elem(a), t, "copy")
    return t


@register(FUNCTIONS, np.arange)
def _arange(tr, node, *args, dtype=None):
    vals = [value(tr, node, a) for a in args]
    if len(vals) == 1:
        vals = [const(0), vals[0]]
    start, stop = vals[0], vals[1]
    step = vals[2] if len(vals) > 2 else const(1)
    if not all(isinstance(v, Sym) for v in (start, stop, step)):
        raise UnsupportedError("np.arange needs bounds known before the call", tr.loc(node))
    kind = ops.promote([start, stop, step])
    if step.constant is not None and step.constant == 0:
        raise SluiceTypeError("np.arange with a step of 0 (NumPy raises ZeroDivisionError)",
                              tr.loc(node))
    if all(v.constant is not None for v in (start, stop, step)):
        n = sympy.Integer(len(np.arange(start.constant, stop.constant, step.constant)))
    elif kind.is_integer and step.constant is not None:
        # ceil((stop - start) / step), in integer division
        n = -FloorDiv(start.expr - stop.expr, step.expr) if step.constant != 1 \
            else stop.expr - start.expr
        n = sympy.Max(0, sympy.expand(n))  # an empty range is empty, not negative
    else:
        raise UnsupportedError("np.arange with symbolic float bounds is not supported",
                               tr.loc(node), hint="use integer bounds or np.linspace")
    d = dtype_arg(tr, node, dtype) or (DType.int64 if kind.is_integer else DType.float64)
    p = placeholder(0)
    if kind.is_integer:
        return Elem((n,), d, start.expr + step.expr * p, {})
    # NumPy writes start, then start + step, then start + i * delta with
    # delta = (start + step) - start (the fill of its arange).
    first = X.add(start.expr, step.expr)
    delta = ops.binary(ast.Sub, ops.binary(ast.Add, start, step), start).expr
    rest = X.add(start.expr, X.mul(p, delta))
    expr = Select(sympy.Eq(p, 0), start.expr, Select(sympy.Eq(p, 1), first, rest))
    return Elem((n,), d, expr, {})


@register(FUNCTIONS, np.linspace)
def _linspace(tr, node, start, stop, num=None, endpoint=None, dtype=None):
    start, stop = value(tr, node, start), value(tr, node, stop)
    n = tr.index_expr(num if num is not None else const(50), node)
    if endpoint is not None and not tr.pyvalue(endpoint, node):
        raise UnsupportedError("np.linspace(endpoint=False) is not supported", tr.loc(node))
    if start.shape or stop.shape:
        raise UnsupportedError("np.linspace with array bounds is not supported", tr.loc(node),
                               hint="call it once per bound")
    if start.dtype.is_complex or stop.dtype.is_complex:
        raise UnsupportedError("np.linspace with complex bounds is not supported",
                               tr.loc(node))
    # NumPy computes in the type of start, stop and a float (float32 bounds: float32, Python
    # numbers and integers: float64), then casts to `dtype`. Bounds known before the call
    # fold into the expression; run-time ones (float arguments) are read where each element
    # is computed.
    ct = ops.promote([start, stop, const(1.0)])
    ea, eb = (to_elem(ops.cast(v, ct)) for v in (start, stop))
    cast = CASTS[ct.value]
    p = placeholder(0)
    # NumPy's own formula: start and stop as floats, step = (stop - start) / (num - 1),
    # y = i * step + start (or (i / div) * delta + start where step is 0), y[-1] = stop;
    # with one element (div = 0) the step is undefined and y = i * delta + start.
    a, b = X.mul(ea.expr, 1.0), X.mul(eb.expr, 1.0)
    div = n - 1
    i, fdiv = cast(p), cast(div)
    delta = X.sub(b, a)
    step = X.truediv(delta, fdiv)
    scaled = Select(X.compare(X.Eq2, step, 0), X.mul(X.truediv(i, fdiv), delta),
                    X.mul(i, step))
    scaled = Select(div > 0, scaled, X.mul(i, delta))
    expr = Select(sympy.And(sympy.Eq(p, n - 1), n > 1), b, X.add(scaled, a))
    d = dtype_arg(tr, node, dtype) or ct
    if d.is_integer:  # NumPy 2 rounds towards -inf before the cast
        expr = X.call("floor", expr)
    y = Elem((n,), ct, expr, {**ea.reads, **eb.reads})
    return ops.cast(y, d) if d != ct else y


@register(FUNCTIONS, np.outer)
def _outer(tr, node, a, b):
    a, b = value(tr, node, a), value(tr, node, b)
    ea, eb = to_elem(a), to_elem(b)
    if len(ea.shape) != 1 or len(eb.shape) != 1:
        raise UnsupportedError("np.outer of arrays that are not 1-D", tr.loc(node))
    ea = transposed(ea, [0, 1], (ea.shape[0], sympy.Integer(1)))
    return ops.elementwise(X.mul, [ea, eb], ops.promote([a, b]))
