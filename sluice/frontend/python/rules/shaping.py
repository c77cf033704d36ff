"""Functions that rearrange elements: np.flip, np.concatenate / hstack / vstack / stack."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import sympy

from sluice.errors import ShapeError, SluiceTypeError, UnsupportedError
from sluice.frontend.python import ops
from sluice.frontend.python.emit import differ
from sluice.frontend.python.rules.table import FUNCTIONS, register, value
from sluice.frontend.python.values import Elem, Rng, Sym, View, placeholder, reindexed, to_elem
from sluice.ir.dtypes import DType


def normalize_axes(tr, node, axis: Any, ndim: int, what: str) -> list[int]:
    """Axis arguments as non-negative ints (None: all axes), with NumPy's AxisError text."""
    if axis is None or (hasattr(axis, "obj") and axis.obj is None):
        return list(range(ndim))
    raw = axis if isinstance(axis, tuple) else (axis,)
    out = []
    for a in raw:
        k = tr.pyvalue(a, node)
        if isinstance(k, bool) or not isinstance(k, int | np.integer):
            raise SluiceTypeError(f"{what}: an axis must be an integer known at compile time",
                                  tr.loc(node))
        if not -ndim <= k < ndim:
            raise ShapeError(f"{what}: axis {k} is out of bounds for array of dimension {ndim}",
                             tr.loc(node))
        out.append(int(k) % ndim)
    if len(set(out)) != len(out):
        raise ShapeError(f"{what}: repeated axis", tr.loc(node))
    return out


@register(FUNCTIONS, np.flip)
def _flip(tr, node, m, axis=None):
    m = value(tr, node, m)
    if isinstance(m, Sym) or not m.shape:
        if axis is not None:
            raise ShapeError("np.flip: axis 0 is out of bounds for array of dimension 0",
                             tr.loc(node))
        return m
    axes = normalize_axes(tr, node, axis, len(m.shape), "np.flip")
    if isinstance(m, View):
        return flipped_view(m, axes)
    # An expression reads position n - 1 - p where it read p.
    return reindexed(m, {placeholder(k): m.shape[k] - 1 - placeholder(k) for k in axes},
                     m.shape)


def flipped_view(v: View, axes: list[int]) -> View:
    """The view `v` read backwards along its dimensions `axes` (a view, as in NumPy)."""
    dims = list(v.dims)
    for k in axes:
        base = v.axes[k]
        if base is None:  # a new axis has one element: reversed, it is the same
            continue
        r = dims[base]
        dims[base] = Rng(r.start + r.step * (r.size - 1), -r.step, r.size)
    return dataclasses.replace(v, dims=tuple(dims), owned=False)


@register(FUNCTIONS, np.concatenate)
def _concatenate(tr, node, arrays, axis=0, dtype=None):
    parts = _sequence_of_arrays(tr, node, arrays, "np.concatenate")
    if any(not p.shape for p in parts):
        raise ShapeError("np.concatenate: zero-dimensional arrays cannot be concatenated",
                         tr.loc(node))
    if axis is not None and getattr(axis, "obj", 0) is None:  # axis=None flattens first
        raise UnsupportedError("np.concatenate(..., axis=None) is not supported",
                               tr.loc(node), hint="np.concatenate((a.ravel(), b.ravel()))")
    return joined(tr, node, parts, axis, dtype, "np.concatenate")


@register(FUNCTIONS, np.hstack)
def _hstack(tr, node, tup, dtype=None):
    parts = [_at_least(tr, p, 1) for p in _sequence_of_arrays(tr, node, tup, "np.hstack")]
    axis = Sym(sympy.Integer(0 if len(parts[0].shape) == 1 else 1), DType.int64)
    return joined(tr, node, parts, axis, dtype, "np.hstack")


@register(FUNCTIONS, np.vstack)
def _vstack(tr, node, tup, dtype=None):
    parts = [_at_least(tr, p, 2) for p in _sequence_of_arrays(tr, node, tup, "np.vstack")]
    return joined(tr, node, parts, Sym(sympy.Integer(0), DType.int64), dtype, "np.vstack")


@register(FUNCTIONS, np.stack)
def _stack(tr, node, arrays, axis=0, dtype=None):
    parts = _sequence_of_arrays(tr, node, arrays, "np.stack")
    rank = len(parts[0].shape)
    if any(len(p.shape) != rank for p in parts):
        raise ShapeError("np.stack: all input arrays must have the same shape", tr.loc(node))
    (k,) = normalize_axes(tr, node, axis, rank + 1, "np.stack")
    lifted = [_new_axis(tr, p, k) for p in parts]
    return joined(tr, node, lifted, Sym(sympy.Integer(k), DType.int64), dtype, "np.stack")


def joined(tr, node, parts: list[Any], axis: Any, dtype: Any, what: str) -> View:
    """A new array holding `parts` one after the other along `axis`."""
    from sluice.frontend.python.rules.table import dtype_arg

    rank = len(parts[0].shape)
    if any(len(p.shape) != rank for p in parts):
        raise ShapeError(f"{what}: all the input arrays must have same number of dimensions",
                         tr.loc(node))
    (k,) = normalize_axes(tr, node, axis, rank, what)
    for p in parts[1:]:
        for d in range(rank):
            a, b = parts[0].shape[d], p.shape[d]
            if d == k or a == b:
                continue
            if differ(a, b):
                raise ShapeError(f"{what}: all the input array dimensions except for the "
                                 f"concatenation axis must match exactly, but along "
                                 f"dimension {d} they differ", tr.loc(node))
            tr.em.require(a, "==", b, f"{what}: the input array dimensions except for the "
                          "concatenation axis must match exactly")
    d = dtype_arg(tr, node, dtype) or DType.of(np.result_type(*[p.dtype.numpy for p in parts]))
    for p in parts:
        if not np.can_cast(p.dtype.numpy, d.numpy, "same_kind"):
            raise SluiceTypeError(f"{what}: cannot cast {p.dtype} to {d} under the rule "
                                  "'same_kind'", tr.loc(node))
    shape = list(parts[0].shape)
    shape[k] = sympy.Add(*[p.shape[k] for p in parts])
    out = tr.em.temp(d, tuple(shape), tr.name_hint(), array=True)
    offset = sympy.Integer(0)
    for p in parts:
        dims = list(out.dims)
        dims[k] = Rng(offset, sympy.Integer(1), p.shape[k])
        tr.em.store(to_elem(ops.cast(p, d)), dataclasses.replace(out, dims=tuple(dims)))
        offset = offset + p.shape[k]
    return dataclasses.replace(out, owned=True)


def _sequence_of_arrays(tr, node, seq: Any, what: str) -> list[Any]:
    if not isinstance(seq, tuple) or not seq:
        raise SluiceTypeError(f"{what} takes a non-empty tuple or list of arrays",
                              tr.loc(node), hint=f"{what}((a, b))")
    parts = [value(tr, node, p) for p in seq]
    # NumPy makes arrays of the parts: Python scalars take their default types
    return [dataclasses.replace(p, weak=False) if getattr(p, "weak", False) else p
            for p in parts]


def _at_least(tr, v: Any, rank: int) -> Any:
    """np.atleast_1d / atleast_2d: leading size-1 axes."""
    while len(v.shape) < rank:
        v = _new_axis(tr, v, 0)
    return v


def _new_axis(tr, v: Any, k: int) -> Elem:
    """`v` with a size-1 axis inserted before its dimension k."""
    e = to_elem(v)
    n = len(e.shape)
    sub = {placeholder(j): placeholder(j + 1) for j in range(k, n)}
    return reindexed(e, sub, e.shape[:k] + (sympy.Integer(1),) + e.shape[k:])
