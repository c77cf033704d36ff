"""Reductions (sum, prod, max, min, mean, argmax, argmin, any, all, std, var) as
functions and methods, with axis and keepdims."""

from __future__ import annotations

import ast
import dataclasses
from typing import Any

import numpy as np
import sympy

from sluice.errors import SluiceError, SluiceTypeError, UnsupportedError
from sluice.frontend.python import ops, ufunc_types
from sluice.frontend.python.rules.table import (
    FUNCTIONS,
    METHODS,
    value,
)
from sluice.frontend.python.values import (
    Py,
    Sym,
)
from sluice.ir.dtypes import DType
from sluice.ir.library import Reduce


def _axes(tr, node, axis, rank) -> tuple[int, ...] | None:
    ax = tr.pyvalue(axis, node) if axis is not None else None
    if ax is None:
        return None
    ax = ax if isinstance(ax, tuple) else (ax,)
    for a in ax:
        if not isinstance(a, int) or not -rank <= a < rank:
            raise SluiceError(f"axis {a} is out of range for a {rank}-D array", tr.loc(node))
    return tuple(sorted(a % rank for a in ax))


def _axes_of_0d(tr, node, axis, op: str) -> None:
    """NumPy's axis rules for a 0-d operand: reductions that are ufunc reductions (and
    argmax/argmin) take axis 0 or -1, which is no axis; mean, var and std take none; a
    non-empty tuple is out of range everywhere, and argmax/argmin refuse tuples."""
    ax = tr.pyvalue(axis, node) if axis is not None else None
    if ax is None:
        return
    if isinstance(ax, tuple) and op in ("argmax", "argmin"):
        raise SluiceTypeError(f"np.{op} takes one integer axis, not a tuple", tr.loc(node))
    if isinstance(ax, tuple) and not ax:
        return
    legacy = op not in ("mean", "var", "std")
    if not (legacy and isinstance(ax, int) and ax in (0, -1)):
        bad = ax[0] if isinstance(ax, tuple) else ax
        raise SluiceError(f"axis {bad} is out of range for a 0-D array", tr.loc(node),
                          hint="a 0-d array has no axes: leave axis out"
                          + ("" if legacy else f" (NumPy's {op} refuses axis=0 here)"))


def reduction(op: str, identity: int | None = None):
    """The rule for reduction `op`; `identity` seeds it (any/all: empty arrays are fine)."""
    def rule(tr, node, a, axis=None, keepdims=None, out=None, dtype=None, initial=None):
        if out is not None or dtype is not None:
            raise UnsupportedError("out= and dtype= are not supported in reductions",
                                   tr.loc(node))
        a = value(tr, node, a)
        seed = _initial(tr, node, op, initial, a.dtype)
        if not a.shape:
            if seed is not None:
                raise UnsupportedError("initial= in a reduction of a 0-d value is not "
                                       "supported", tr.loc(node),
                                       hint="combine the two values with np.maximum, +, ...")
            _axes_of_0d(tr, node, axis, op)
            return _scalar(op, a)
        axes = _axes(tr, node, axis, len(a.shape))
        keep = bool(tr.pyvalue(keepdims, node)) if keepdims is not None else False
        if op in ("argmax", "argmin") and keep and axes is None:
            raise UnsupportedError("argmax/argmin with keepdims over all axes", tr.loc(node))
        if op == "mean":
            return _mean(tr, a, axes, keep, *ufunc_types.mean_types(a.dtype))
        if op in ("argmax", "argmin"):
            rdtype = DType.int64
        else:
            rdtype = ufunc_types.reduce_type(op, a.dtype)
        return _reduce(tr, a, op, axes, keep, rdtype, identity=seed)
    return rule


def _initial(tr, node, op: str, initial: Any, dtype: DType) -> int | float | bool | None:
    """`initial=`: the value NumPy starts the reduction from (so max/min of nothing is it),
    converted as NumPy converts it (NumPy itself, reducing an empty array of the operand's
    type: 2.5 is 2 in an integer sum, 1e300 is its OverflowError); a number known while
    tracing."""
    if initial is None:
        return None
    if op in ("mean", "argmax", "argmin"):
        raise SluiceTypeError(f"np.{op}() got an unexpected keyword argument 'initial'",
                              tr.loc(node))
    v = initial.constant if isinstance(initial, Sym) else (
        initial.obj if isinstance(initial, Py) else None)
    if isinstance(v, np.generic):
        v = v.item()
    if not isinstance(v, bool | int | float) or isinstance(initial, Sym) and not initial.weak:
        raise UnsupportedError("initial= must be a Python number known when the function is "
                               "compiled", tr.loc(node), hint="e.g. initial=0.0")
    try:  # (the node's own NumPy reference, on nothing, converts the seed)
        with np.errstate(all="ignore"):
            empty = np.zeros(0, dtype.numpy)
            seed = Reduce(op=op, identity=v).reference(empty)["out"].item()
    except (OverflowError, ValueError, TypeError) as err:
        # (also where the reduction would not run: the seed is a constant of the code)
        raise SluiceTypeError(f"initial={v!r} for a {dtype} reduction: {err}",
                              tr.loc(node)) from None
    if isinstance(seed, complex):  # (a real seed of a complex reduction: the IR keeps reals)
        seed = seed.real
    if seed != seed:
        raise UnsupportedError("initial=nan is not supported", tr.loc(node),
                               hint="the result is NaN whatever the array holds")
    return seed


def _scalar(op: str, a):
    """A reduction of a 0-d value: the value itself in the reduction's result type, a NumPy
    scalar (strong) even when a Python number went in."""
    if op in ("argmax", "argmin"):
        return Sym(sympy.Integer(0), DType.int64, weak=False)
    if op == "mean":
        res = ops.cast(a, ufunc_types.mean_types(a.dtype)[1])
    elif op in ("+", "*"):
        res = ops.cast(a, ufunc_types.reduce_type(op, a.dtype))
    else:
        res = a
    return dataclasses.replace(res, weak=False) if getattr(res, "weak", False) else res


def _reduce(tr, a, op: str, axes, keep: bool, rdtype: DType, identity=None,
            acc: DType | None = None):
    """One Reduce node over `a` into a fresh `rdtype` temporary; `acc` asks for an
    accumulation type other than NumPy's default."""
    v = tr.em.plain(a)
    if op in ("max", "min", "argmax", "argmin") and identity is None:
        # NumPy has no answer for an empty extent here: it raises.
        for k, d in enumerate(v.shape):
            if axes is None or k in axes:
                tr.em.require(d, ">=", 1, f"zero-size array to reduction operation {op} "
                              "which has no identity")
    node_ = Reduce(op=op, axes=None if axes is None else list(axes), keepdims=keep,
                   identity=identity, dtype=None if acc is None else acc.value)
    shape = node_.output_shapes({"inp": v.shape})["out"]
    res = tr.em.temp(rdtype, shape, tr.name_hint())
    tr.em.library(node_, {"inp": v}, {"out": res})
    return res


def _count(a, axes) -> sympy.Expr:
    count = sympy.Integer(1)
    for k, d in enumerate(a.shape):
        if axes is None or k in axes:
            count = count * d
    return count


def _mean(tr, a, axes, keep: bool, acc: DType, rdtype: DType):
    """np.mean: a sum in `acc` (float64 for integers and booleans, as NumPy) divided by the
    count, rounded to `rdtype`."""
    total = _reduce(tr, a, "+", axes, keep, acc, acc=acc if acc != a.dtype else None)
    mean = ops.binary(ast.Div, total, Sym(_count(a, axes), DType.int64))
    return ops.cast(mean, rdtype)


for _name, _op in (("sum", "+"), ("prod", "*"), ("max", "max"), ("min", "min"),
                   ("mean", "mean"), ("argmax", "argmax"), ("argmin", "argmin")):
    METHODS[_name] = (lambda r: lambda tr, node, self, *a, **k: r(tr, node, self, *a, **k))(
        reduction(_op))
for _f, _op in ((np.sum, "+"), (np.prod, "*"), (np.max, "max"), (np.amax, "max"),
                (np.min, "min"), (np.amin, "min"), (np.mean, "mean"), (np.argmax, "argmax"),
                (np.argmin, "argmin")):
    FUNCTIONS[_f] = reduction(_op)


def _any_all(op: str):
    # Seeded, so that an empty np.all is True and an empty np.any False, as in NumPy.
    seed = op == "min"

    def rule(tr, node, a, axis=None, keepdims=None):
        b = ops.cast(value(tr, node, a), DType.bool)
        if not b.shape:
            _axes_of_0d(tr, node, axis, op)
            return b
        axes = _axes(tr, node, axis, len(b.shape))
        keep = bool(tr.pyvalue(keepdims, node)) if keepdims is not None else False
        return _reduce(tr, b, op, axes, keep, DType.bool, identity=seed)
    return rule


def _variance(root: bool):
    def rule(tr, node, a, axis=None, keepdims=None, ddof=None):
        a = value(tr, node, a)
        if ddof is not None and tr.pyvalue(ddof, node) != 0:
            raise UnsupportedError("ddof other than 0 is not supported", tr.loc(node))
        if a.dtype.is_complex:
            raise UnsupportedError("variance of complex arrays is not supported", tr.loc(node))
        # NumPy sums integers and booleans in float64, floats in their own type.
        acc = a.dtype if a.dtype.is_float else DType.float64
        if not a.shape:
            _axes_of_0d(tr, node, axis, "std" if root else "var")
            var = ops.binary(ast.Sub, ops.cast(a, acc), ops.cast(a, acc))
        else:
            axes = _axes(tr, node, axis, len(a.shape))
            keep = bool(tr.pyvalue(keepdims, node)) if keepdims is not None else False
            mean = _mean(tr, a, axes, True, acc, acc)
            dev = ops.binary(ast.Sub, ops.cast(a, acc), mean)
            var = _mean(tr, ops.binary(ast.Mult, dev, dev), axes, keep, acc, acc)
        return FUNCTIONS[np.sqrt](tr, node, var) if root else var
    return rule


for _name, _rule in (("any", _any_all("max")), ("all", _any_all("min")),
                     ("std", _variance(True)), ("var", _variance(False))):
    FUNCTIONS[getattr(np, _name)] = _rule
    METHODS[_name] = (lambda r: lambda tr, node, self, *a, **k: r(tr, node, self, *a, **k))(
        _rule)
