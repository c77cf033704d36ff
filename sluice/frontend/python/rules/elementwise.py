"""Element-wise NumPy functions: ufuncs, comparisons, where, clip, triu/tril."""

from __future__ import annotations

import ast
import dataclasses
import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy

from sluice.errors import UnsupportedError
from sluice.frontend.python import ops, scatter_at, ufunc_types
from sluice.frontend.python.rules.table import (
    ATTRIBUTES,
    FUNCTIONS,
    METHODS,
    register,
    transposed,
    value,
)
from sluice.frontend.python.values import (
    Elem,
    Sym,
    View,
    placeholder,
    to_elem,
)
from sluice.ir import exact as X
from sluice.ir.dtypes import DType
from sluice.ir.symbolic import Select

_UNARY: dict[Any, Callable[..., Any]] = {
    **{f: functools.partial(X.call, name) for f, name in [
        (np.exp, "exp"), (np.log, "log"), (np.sqrt, "sqrt"), (np.sin, "sin"),
        (np.cos, "cos"), (np.tan, "tan"), (np.arcsin, "asin"), (np.arccos, "acos"),
        (np.arctan, "atan"), (np.sinh, "sinh"), (np.cosh, "cosh"), (np.tanh, "tanh"),
        (np.floor, "floor"), (np.ceil, "ceil"), (np.sign, "sign"), (np.abs, "abs"),
        (np.absolute, "abs"), (np.conjugate, "conj")]},
    np.negative: X.neg, np.positive: lambda x: x, np.square: lambda x: X.mul(x, x),
}
# Rounding an integer (or a boolean) is the identity in NumPy 2, and keeps its type.
_ROUNDING = (np.floor, np.ceil)


def _unary_rule(ufunc: np.ufunc, fn: Callable[..., Any]):
    def rule(tr, node, x, **kw):
        if kw:
            raise UnsupportedError(f"keyword arguments {sorted(kw)} are not supported here",
                                   tr.loc(node))
        x = value(tr, node, x)
        ins, dtype = ufunc_types.loop_types(ufunc, [x])
        if ufunc in _ROUNDING and not (dtype.is_float or dtype.is_complex):
            return x
        (x,) = ops.loop_cast([x], ins)
        return ops.elementwise(fn, [x], dtype)
    return rule


for _f, _s in _UNARY.items():
    FUNCTIONS[_f] = _unary_rule(_f, _s)

_BINARY_UFUNCS = {
    np.add: ast.Add, np.subtract: ast.Sub, np.multiply: ast.Mult, np.divide: ast.Div,
    np.true_divide: ast.Div, np.floor_divide: ast.FloorDiv, np.mod: ast.Mod,
    np.remainder: ast.Mod, np.power: ast.Pow, np.bitwise_and: ast.BitAnd,
    np.bitwise_or: ast.BitOr, np.bitwise_xor: ast.BitXor,
}
for _f, _op in _BINARY_UFUNCS.items():
    FUNCTIONS[_f] = (lambda op: lambda tr, node, a, b: ops.binary(
        op, value(tr, node, a), value(tr, node, b), ufunc_call=True))(_op)

_COMPARE_UFUNCS = {np.less: ast.Lt, np.less_equal: ast.LtE, np.greater: ast.Gt,
                   np.greater_equal: ast.GtE, np.equal: ast.Eq, np.not_equal: ast.NotEq}
for _f, _op in _COMPARE_UFUNCS.items():
    FUNCTIONS[_f] = (lambda op: lambda tr, node, a, b: ops.compare(
        op, value(tr, node, a), value(tr, node, b), ufunc_call=True))(_op)


def _typed(ufunc: np.ufunc, operands: list[Any]) -> tuple[list[Any], DType]:
    """The operands in the types NumPy's `ufunc` loop computes in, and the result type."""
    ins, dtype = ufunc_types.loop_types(ufunc, operands)
    return ops.loop_cast(operands, ins), dtype


def _fmax(x, y):
    # NaN loses: the other operand is the result (NaN only when both are).
    return Select(X.compare(X.Ne2, x, x), y,
                  Select(X.compare(X.Ne2, y, y), x, X.call("max", x, y)))


def _fmin(x, y):
    return Select(X.compare(X.Ne2, x, x), y,
                  Select(X.compare(X.Ne2, y, y), x, X.call("min", x, y)))


_EXTREMA = {np.maximum: functools.partial(X.call, "max"),
            np.minimum: functools.partial(X.call, "min"), np.fmax: _fmax, np.fmin: _fmin}


def _extremum_rule(ufunc: np.ufunc):
    def rule(tr, node, a, b):
        (a, b), dtype = _typed(ufunc, [value(tr, node, a), value(tr, node, b)])
        if dtype.is_complex:
            raise UnsupportedError(f"np.{ufunc.__name__} of complex numbers is not supported",
                                   tr.loc(node), hint="compare the real parts")
        fn = _EXTREMA[ufunc] if dtype.is_float else _EXTREMA[_PLAIN.get(ufunc, ufunc)]
        return ops.elementwise(fn, [a, b], dtype)
    return rule


_PLAIN = {np.fmax: np.maximum, np.fmin: np.minimum}  # no NaN among integers
for _f in _EXTREMA:
    FUNCTIONS[_f] = _extremum_rule(_f)


def _isnan(x):
    return X.compare(X.Ne2, x, x)


def _isinf(x):
    return X.compare(X.Eq2, X.call("abs", x), X.literal(math.inf))


_CLASSIFY = {"isnan": _isnan, "isinf": _isinf,
             "isfinite": lambda x: X.not_(X.or_(_isnan(x), _isinf(x)))}


@register(FUNCTIONS, np.isnan, np.isinf, np.isfinite)
def _classify(tr, node, x):
    """np.isnan / isinf / isfinite: of a complex number, any part NaN or infinite (finite:
    both parts); integers and booleans are finite."""
    x = value(tr, node, x)
    name = tr.callee_name(node)
    test = _CLASSIFY[name]
    if x.dtype.is_complex:
        join = X.and_ if name == "isfinite" else X.or_

        def fn(v):
            return join(test(X.call("real", v)), test(X.call("imag", v)))
    elif x.dtype.is_float:
        fn = test
    else:
        answer = X.literal(name == "isfinite")

        def fn(v):
            return answer
    return ops.elementwise(fn, [x], DType.bool, numeric=False)


@register(FUNCTIONS, np.arctan2)
def _arctan2(tr, node, a, b):
    (a, b), dtype = _typed(np.arctan2, [value(tr, node, a), value(tr, node, b)])
    return ops.elementwise(functools.partial(X.call, "atan2"), [a, b], dtype)


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
    a, b = ops.loop_cast([a, b], [dtype, dtype])
    return ops.where(c, a, b, dtype)


def _part_rule(name: str):
    """np.real / np.imag (and the `.real`, `.imag` attributes, read as values): the parts
    of complex numbers, in the parts' precision; a real array's real part is itself and its
    imaginary part zeros."""
    def rule(tr, node, x):
        x = value(tr, node, x)
        if name == "real" and not x.dtype.is_complex:
            return x
        dtype = DType.of(getattr(np, name)(np.zeros((), x.dtype.numpy)).dtype)
        part = ops.elementwise(lambda v: X.call(name, v), [x], dtype, numeric=False)
        if isinstance(x, View) and x.shape and isinstance(part, Elem):
            part = dataclasses.replace(part, view_of=(x.data, f"{name} part"))
        return part
    return rule


for _name in ("real", "imag"):
    FUNCTIONS[getattr(np, _name)] = _part_rule(_name)
    ATTRIBUTES[_name] = (lambda r: lambda tr, v: r(tr, tr.node, v))(_part_rule(_name))
for _name in ("conj", "conjugate"):
    METHODS[_name] = lambda tr, node, self: FUNCTIONS[np.conjugate](tr, node, self)


@register(FUNCTIONS, np.clip)
def _clip(tr, node, a, lo, hi):
    a, lo, hi = (value(tr, node, v) for v in (a, lo, hi))
    if ops.weak_of(a):  # np.clip makes an array of `a` first (a constant or an argument)
        a = dataclasses.replace(a, weak=False)
    dtype = ops.promote([a, lo, hi])
    if dtype.is_complex:
        raise UnsupportedError("np.clip of complex numbers is not supported", tr.loc(node))
    if a.dtype.is_integer:
        lo, hi = _int_bound(a.dtype, lo, True), _int_bound(a.dtype, hi, False)
    bounds = [(b, name) for b, name in ((lo, "max"), (hi, "min")) if b is not None]
    operands = ops.loop_cast([a, *(b for b, _ in bounds)], [dtype] * (1 + len(bounds)))

    def clipped(x, *limits):
        for limit, (_, name) in zip(limits, bounds, strict=True):
            x = X.call(name, x, limit)
        return x

    return ops.elementwise(clipped, operands, dtype)


def _int_bound(dtype: DType, v, lower: bool):
    """NumPy 2's clip of an integer array drops a Python int bound beyond the type's range
    on the side that clips nothing (`np.clip(u8, -4, 300)` is `u8`); one beyond the other
    side is an OverflowError, as in any ufunc. A bound known only at run time is clamped to
    the type's edge, where clipping changes nothing."""
    if not (isinstance(v, Sym) and v.weak and v.dtype == DType.int64):
        return v
    info = np.iinfo(dtype.numpy)
    edge = info.min if lower else info.max
    if v.constant is not None:
        if (v.constant <= edge) if lower else (v.constant >= edge):
            return None
    elif -2**63 <= edge < 2**63:
        beyond = v.expr <= edge if lower else v.expr >= edge
        v = Sym(Select(beyond, sympy.Integer(edge), v.expr), DType.int64, weak=True)
    ufunc_types.check_weak_int(v, dtype)
    return v


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


def ufunc_method(obj: Any) -> Callable[..., Any] | None:
    """The rule of `np.add.outer` and its kin (the `outer` method of a supported ufunc),
    or of `np.add.at` and its kin (`at`, an unbuffered scatter):
    the ufunc applied to `a` with size-1 axes appended for each of `b`'s, after NumPy makes
    arrays of both (Python numbers take their default types)."""
    uf = getattr(obj, "__self__", None)
    method = getattr(obj, "__name__", None)
    if not isinstance(uf, np.ufunc) or method not in ("outer", "at"):
        return None
    apply = FUNCTIONS.get(uf)
    if apply is None or uf.nin != 2:
        return None
    if method == "at":  # np.add.at(a, indices, b): see scatter_at.py
        def at(tr, node, a, indices, b):
            return scatter_at.ufunc_at(tr, node, apply, a, indices, b)
        return at

    def rule(tr, node, a, b):
        a, b = (dataclasses.replace(v, weak=False)
                for v in (value(tr, node, a), value(tr, node, b)))
        ea = to_elem(a)
        rank = len(ea.shape)
        lifted = transposed(ea, list(range(rank)), ea.shape + (sympy.Integer(1),) * len(b.shape))
        return apply(tr, node, lifted, b)
    return rule
