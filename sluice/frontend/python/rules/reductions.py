"""Reductions (sum, prod, max, min, mean, argmax, argmin, any, all, std, var) as
functions and methods, with axis and keepdims."""

from __future__ import annotations

import ast

import numpy as np
import sympy

from sluice.errors import SluiceError, UnsupportedError
from sluice.frontend.python import ops
from sluice.frontend.python.rules.table import (
    FUNCTIONS,
    METHODS,
    value,
)
from sluice.frontend.python.values import (
    Sym,
    const,
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


def reduction(op: str, identity: int | None = None):
    """The rule for reduction `op`; `identity` seeds it (any/all: empty arrays are fine)."""
    def rule(tr, node, a, axis=None, keepdims=None, out=None, dtype=None):
        if out is not None or dtype is not None:
            raise UnsupportedError("out= and dtype= are not supported in reductions",
                                   tr.loc(node))
        a = value(tr, node, a)
        if not a.shape:
            return a if op in ("+", "*", "max", "min", "mean") else const(0)
        rank = len(a.shape)
        axes = _axes(tr, node, axis, rank)
        keep = bool(tr.pyvalue(keepdims, node)) if keepdims is not None else False
        if op in ("argmax", "argmin") and keep and axes is None:
            raise UnsupportedError("argmax/argmin with keepdims over all axes", tr.loc(node))
        v = tr.em.plain(a)
        rop = "+" if op == "mean" else op
        if op in ("argmax", "argmin"):
            dtype = DType.int64
        elif op in ("+", "*") and (a.dtype.is_integer or a.dtype == DType.bool):
            dtype = DType.int64 if a.dtype != DType.uint64 else a.dtype
        else:
            dtype = a.dtype
        node_ = Reduce(op=rop, axes=None if axes is None else list(axes), keepdims=keep,
                       identity=identity)
        if op in ("max", "min", "argmax", "argmin") and identity is None:
            # NumPy has no answer for an empty extent here: it raises.
            for k, d in enumerate(v.shape):
                if axes is None or k in axes:
                    tr.em.require(d, ">=", 1, f"zero-size array to reduction operation {op} "
                                  "which has no identity")
        shape = node_.output_shapes({"inp": v.shape})["out"]
        res = tr.em.temp(dtype, shape, tr.name_hint())
        tr.em.library(node_, {"inp": v}, {"out": res})
        if op != "mean":
            return res
        count = sympy.Integer(1)
        for k, d in enumerate(v.shape):
            if axes is None or k in axes:
                count = count * d
        return ops.binary(ast.Div, res, Sym(count, DType.int64))
    return rule


for _name, _op in (("sum", "+"), ("prod", "*"), ("max", "max"), ("min", "min"),
                   ("mean", "mean"), ("argmax", "argmax"), ("argmin", "argmin")):
    METHODS[_name] = (lambda r: lambda tr, node, self, *a, **k: r(tr, node, self, *a, **k))(
        reduction(_op))
for _f, _op in ((np.sum, "+"), (np.prod, "*"), (np.max, "max"), (np.amax, "max"),
                (np.min, "min"), (np.amin, "min"), (np.mean, "mean"), (np.argmax, "argmax"),
                (np.argmin, "argmin")):
    FUNCTIONS[_f] = reduction(_op)


def _any_all(op: str):
    def rule(tr, node, a, axis=None, keepdims=None):
        b = ops.cast(value(tr, node, a), DType.bool)
        return reduction(op, int(op == "min"))(tr, node, b, axis, keepdims)
    return rule


def _variance(root: bool):
    def rule(tr, node, a, axis=None, keepdims=None, ddof=None):
        a = value(tr, node, a)
        if ddof is not None and tr.pyvalue(ddof, node) != 0:
            raise UnsupportedError("ddof other than 0 is not supported", tr.loc(node))
        mean = reduction("mean")(tr, node, a, axis, const(True))
        dev = ops.binary(ast.Sub, a, mean)
        if dev.dtype.is_complex:
            raise UnsupportedError("variance of complex arrays is not supported", tr.loc(node))
        var = reduction("mean")(tr, node, ops.binary(ast.Mult, dev, dev), axis, keepdims)
        return FUNCTIONS[np.sqrt](tr, node, var) if root else var
    return rule


for _name, _rule in (("any", _any_all("max")), ("all", _any_all("min")),
                     ("std", _variance(True)), ("var", _variance(False))):
    FUNCTIONS[getattr(np, _name)] = _rule
    METHODS[_name] = (lambda r: lambda tr, node, self, *a, **k: r(tr, node, self, *a, **k))(
        _rule)
