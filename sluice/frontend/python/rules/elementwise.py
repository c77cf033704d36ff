"""Element-wise NumPy functions: ufuncs, comparisons, where, clip, triu/tril."""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy

from sluice.errors import UnsupportedError
from sluice.frontend.python import ops
from sluice.frontend.python.rules.table import (
    FUNCTIONS,
    register,
    value,
)
from sluice.frontend.python.values import (
    Elem,
    placeholder,
    to_elem,
)
from sluice.ir import exact as X
from sluice.ir.dtypes import DType
from sluice.ir.symbolic import Select


def _ABS(x: Any) -> Any:  # noqa: N802 - a constant of the table below
    return X.call("abs", x)


def _float_type(d: DType) -> DType:
    return DType.float64 if d.is_integer or d == DType.bool else d


_UNARY: dict[Any, tuple[Callable[..., Any], str]] = {
    **{f: (functools.partial(X.call, name), "float") for f, name in [
        (np.exp, "exp"), (np.log, "log"), (np.sqrt, "sqrt"), (np.sin, "sin"),
        (np.cos, "cos"), (np.tan, "tan"), (np.arcsin, "asin"), (np.arccos, "acos"),
        (np.arctan, "atan"), (np.sinh, "sinh"), (np.cosh, "cosh"), (np.tanh, "tanh"),
        (np.floor, "floor"), (np.ceil, "ceil")]},
    np.abs: (_ABS, "same"), np.absolute: (_ABS, "same"),
    np.negative: (X.neg, "same"), np.positive: (lambda x: x, "same"),
    np.square: (lambda x: X.mul(x, x), "same"),
    np.sign: (functools.partial(X.call, "sign"), "same"),
}


def _unary_rule(fn: Callable[..., Any], kind: str):
    def rule(tr, node, x, **kw):
        if kw:
            raise UnsupportedError(f"keyword arguments {sorted(kw)} are not supported here",
                                   tr.loc(node))
        x = value(tr, node, x)
        dtype = _float_type(x.dtype) if kind == "float" else x.dtype
        if dtype == DType.bool and kind == "same":
            dtype = DType.int64 if fn is not _ABS else DType.bool
        return ops.elementwise(fn, [x], dtype)
    return rule


for _f, (_s, _k) in _UNARY.items():
    FUNCTIONS[_f] = _unary_rule(_s, _k)

_BINARY_UFUNCS = {
    np.add: ast.Add, np.subtract: ast.Sub, np.multiply: ast.Mult, np.divide: ast.Div,
    np.true_divide: ast.Div, np.floor_divide: ast.FloorDiv, np.mod: ast.Mod,
    np.remainder: ast.Mod, np.power: ast.Pow, np.bitwise_and: ast.BitAnd,
    np.bitwise_or: ast.BitOr, np.bitwise_xor: ast.BitXor,
}
for _f, _op in _BINARY_UFUNCS.items():
    FUNCTIONS[_f] = (lambda op: lambda tr, node, a, b: ops.binary(
        op, value(tr, node, a), value(tr, node, b)))(_op)

_COMPARE_UFUNCS = {np.less: ast.Lt, np.less_equal: ast.LtE, np.greater: ast.Gt,
                   np.greater_equal: ast.GtE, np.equal: ast.Eq, np.not_equal: ast.NotEq}
for _f, _op in _COMPARE_UFUNCS.items():
    FUNCTIONS[_f] = (lambda op: lambda tr, node, a, b: ops.compare(
        op, value(tr, node, a), value(tr, node, b)))(_op)


@register(FUNCTIONS, np.maximum, np.fmax)
def _maximum(tr, node, a, b):
    a, b = value(tr, node, a), value(tr, node, b)
    return ops.elementwise(functools.partial(X.call, "max"), [a, b], ops.promote([a, b]))


@register(FUNCTIONS, np.minimum, np.fmin)
def _minimum(tr, node, a, b):
    a, b = value(tr, node, a), value(tr, node, b)
    return ops.elementwise(functools.partial(X.call, "min"), [a, b], ops.promote([a, b]))


@register(FUNCTIONS, np.arctan2)
def _arctan2(tr, node, a, b):
    a, b = value(tr, node, a), value(tr, node, b)
    return ops.elementwise(functools.partial(X.call, "atan2"), [a, b],
                           _float_type(ops.promote([a, b])))


@register(FUNCTIONS, np.logical_and, np.logical_or, np.logical_xor)
def _logical(tr, node, a, b):
    fn = {"logical_and": ast.BitAnd, "logical_or": ast.BitOr, "logical_xor": ast.BitXor}
    op = fn[tr.callee_name(node)]
    a, b = ops.cast(value(tr, node, a), DType.bool), ops.cast(value(tr, node, b), DType.bool)
    return ops.binary(op, a, b)


@register(FUNCTIONS, np.logical_not)
def _logical_not(tr, node, a):
    return ops.unary(ast.Not, value(tr, node, a))


@register(FUNCTIONS, np.where)
def _where(tr, node, cond, a=None, b=None):
    if a is None or b is None:
        raise UnsupportedError("np.where with one argument is not supported", tr.loc(node),
                               hint="use np.where(cond, a, b)")
    c, a, b = (value(tr, node, v) for v in (cond, a, b))
    dtype = ops.promote([a, b])
    return ops.elementwise(lambda x, y, z: Select(ops.as_boolean(x, c.dtype), y, z),
                           [c, a, b], dtype, numeric=False)


@register(FUNCTIONS, np.clip)
def _clip(tr, node, a, lo, hi):
    a, lo, hi = (value(tr, node, v) for v in (a, lo, hi))
    return ops.elementwise(lambda x, y, z: X.call("min", X.call("max", x, y), z), [a, lo, hi],
                           ops.promote([a, lo, hi]))


@register(FUNCTIONS, np.triu, np.tril)
def _triangle(tr, node, a, k=None):
    a = value(tr, node, a)
    if len(a.shape) < 2:
        raise UnsupportedError("np.triu/np.tril need a 2-D array", tr.loc(node))
    k = 0 if k is None else tr.index_expr(k, node)
    e = to_elem(a)
    r = len(e.shape)
    i, j = placeholder(r - 2), placeholder(r - 1)
    upper = tr.callee_name(node) == "triu"
    keep = (j - i >= k) if upper else (j - i <= k)
    zero = sympy.Integer(0)
    return Elem(e.shape, e.dtype, Select(keep, e.expr, zero), dict(e.reads))
