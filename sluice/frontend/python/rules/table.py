"""The rule tables, keyed by the NumPy function (or array method name, attribute, builtin)
they lower, and helpers the rules share. Each rule is `rule(tracer, node, *args, **kw)`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy

from sluice.errors import SluiceTypeError
from sluice.frontend.python.values import (
    Elem,
    Py,
    Sym,
    View,
    const,
    placeholder,
    reindexed,
)
from sluice.ir.dtypes import DType

FUNCTIONS: dict[Any, Callable[..., Any]] = {}
METHODS: dict[str, Callable[..., Any]] = {}
ATTRIBUTES: dict[str, Callable[..., Any]] = {}
BUILTINS: dict[Any, Callable[..., Any]] = {}


def register(table: dict, *keys: Any):
    def deco(fn):
        for k in keys:
            table[k] = fn
        return fn
    return deco


def value(tr, node, v: Any) -> Any:
    """A numeric operand: Python values are constants."""
    if isinstance(v, Sym | View | Elem):
        return v
    if isinstance(v, Py) and isinstance(v.obj, bool | int | float):
        return const(v.obj)
    raise SluiceTypeError("expected a number or an array", tr.loc(node))


def dtype_arg(tr, node, dtype: Any) -> DType | None:
    if dtype is None:
        return None
    obj = tr.pyvalue(dtype, node)
    if obj is None:
        return None
    if obj is float:
        return DType.float64
    if obj is int:
        return DType.int64
    if obj is bool:
        return DType.bool
    try:
        return DType.of(np.dtype(obj))
    except TypeError:
        raise SluiceTypeError(f"unsupported dtype {obj!r}", tr.loc(node)) from None


def shape_arg(tr, node, shape: Any) -> tuple:
    vals = shape if isinstance(shape, tuple) else (shape,)
    out = []
    for v in vals:
        if isinstance(v, Py) and isinstance(v.obj, int):
            v = const(v.obj)
        d = tr.index_expr(v, node)
        if d != -1:  # (reshape's "the rest")
            if not tr.facts.nonneg(d):
                tr.em.require(d, ">=", 0, "negative dimensions are not allowed")
                if tr.control_depth == 0:  # (a fact learned in a branch holds only there)
                    tr.facts.known.append(sympy.expand(d))
        out.append(d)
    return tuple(out)


def transposed(e: Elem, mapping: list[int], shape: tuple) -> Elem:
    """Move own dimension k to position mapping[k] of `shape` (other dims size 1)."""
    sub = {placeholder(k): placeholder(m) for k, m in enumerate(mapping[:len(e.shape)])}
    return reindexed(e, sub, shape)
