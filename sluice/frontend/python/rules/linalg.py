"""Linear algebra and shapes: matmul/dot, einsum contractions, transposes, reshape and the
array attributes."""

from __future__ import annotations

import ast
import functools
import string
from typing import Any

import numpy as np
import sympy

from sluice.errors import ShapeError, SluiceError, UnsupportedError
from sluice.frontend.python import ops, sparse
from sluice.frontend.python.emit import provably_differ
from sluice.frontend.python.rules.creation import copy_array
from sluice.frontend.python.rules.table import (
    ATTRIBUTES,
    FUNCTIONS,
    METHODS,
    register,
    shape_arg,
    transposed,
    value,
)
from sluice.frontend.python.sparse import Coo, Sparse
from sluice.frontend.python.values import (
    Elem,
    Py,
    Sym,
    View,
    const,
    to_elem,
)
from sluice.ir import exact as X
from sluice.ir.dtypes import DType
from sluice.ir.library import MatMul
from sluice.ir.symbolic import FloorDiv


@register(FUNCTIONS, np.matmul, np.dot)
def _matmul(tr, node, a, b):
    if isinstance(a, Sparse | Coo) or isinstance(b, Sparse | Coo):
        return sparse.matmul(tr, node, a, b)
    a, b = value(tr, node, a), value(tr, node, b)
    if not a.shape or not b.shape:
        if tr.callee_name(node) == "dot":
            return ops.binary(ast.Mult, a, b)
        raise SluiceError("matmul: operands must be arrays, not scalars", tr.loc(node))
    ra, rb = len(a.shape), len(b.shape)
    ka = a.shape[-1]
    kb = b.shape[0] if rb == 1 else b.shape[-2]
    if provably_differ(ka, kb):
        raise ShapeError(f"matmul: inner dimensions differ ({ka} vs {kb})", tr.loc(node))
    tr.em.require(ka, "==", kb, "matmul: the operands' inner dimensions differ")
    if ra == rb == 3:
        if (a.shape[0] == 1) != (b.shape[0] == 1):
            raise UnsupportedError("matmul broadcasting a batch of size 1 against a larger "
                                   "batch is not supported", tr.loc(node),
                                   hint="repeat the operand to the full batch size first")
        tr.em.require(a.shape[0], "==", b.shape[0], "matmul: the operands' batch sizes differ")
    dtype = ops.promote([a, b])
    if ra <= 3 and rb <= 2 or (ra <= 2 and rb <= 3) or (ra == rb == 3):
        va, vb = tr.em.plain(a), tr.em.plain(b)
        mm = MatMul()
        shape = mm.output_shapes({"a": va.shape, "b": vb.shape})["c"]
        res = tr.em.temp(dtype, shape, tr.name_hint())
        tr.em.library(mm, {"a": va, "b": vb}, {"c": res})
        return res
    if rb != 2:
        raise UnsupportedError("matmul of these ranks is not supported", tr.loc(node))
    letters = string.ascii_lowercase[:ra - 1]
    return contract(tr, [a, b], [letters + "y", "yz"], letters + "z", dtype)


def contract(tr, operands: list, subs: list[str], out: str, dtype: DType) -> View:
    """Sum of products over the letters missing from `out` (an einsum)."""
    letters = list(out) + sorted({c for s in subs for c in s} - set(out))
    sizes: dict[str, Any] = {}
    elems = []
    for v, s in zip(operands, subs, strict=True):
        e = to_elem(v)
        if len(e.shape) != len(s):
            raise SluiceError(f"einsum: operand has {len(e.shape)} dimensions, subscripts "
                              f"'{s}' name {len(s)}", tr.loc(tr.node))
        for c, d in zip(s, e.shape, strict=True):
            if c in sizes and provably_differ(sizes[c], d):
                raise ShapeError(f"einsum: index '{c}' has sizes {sizes[c]} and {d}",
                                 tr.loc(tr.node))
            if c in sizes and sizes[c] != 1 and d != 1:
                tr.em.require(sizes[c], "==", d, f"einsum: index '{c}' has different sizes "
                              "in two operands")
            if c not in sizes or sizes[c] == 1:
                sizes[c] = d
        elems.append(transposed(e, [letters.index(c) for c in s], ()))
    shape = tuple(sizes[c] for c in letters)
    prod = functools.reduce(X.mul, [e.expr for e in elems])
    reads: dict = {}
    for e in elems:
        reads.update(e.reads)
    res = tr.em.temp(dtype, tuple(sizes[c] for c in out), tr.name_hint())
    tr.em.accumulate(Elem(shape, dtype, prod, reads), res, len(out))
    return res


@register(FUNCTIONS, np.einsum)
def _einsum(tr, node, spec, *operands):
    spec = tr.pyvalue(spec, node)
    if not isinstance(spec, str):
        raise SluiceError("einsum needs a subscripts string", tr.loc(node))
    spec = spec.replace(" ", "")
    if "." in spec:
        raise UnsupportedError("einsum with '...' is not supported", tr.loc(node))
    if "->" in spec:
        ins, out = spec.split("->")
    else:
        ins = spec
        counts = {c: ins.count(c) for c in ins if c.isalpha()}
        out = "".join(sorted(c for c, n in counts.items() if n == 1))
    subs = ins.split(",")
    vals = [value(tr, node, v) for v in operands]
    if len(subs) != len(vals):
        raise SluiceError(f"einsum: {len(subs)} subscripts for {len(vals)} operands",
                          tr.loc(node))
    return contract(tr, vals, subs, out, ops.promote(vals))


def _transpose_view(tr, node, a, axes: tuple[int, ...] | None) -> Any:
    a = value(tr, node, a)
    rank = len(a.shape)
    perm = list(reversed(range(rank))) if axes is None else [x % rank for x in axes]
    if sorted(perm) != list(range(rank)):
        raise SluiceError(f"axes {list(axes)} are not a permutation", tr.loc(node))
    if isinstance(a, View):
        return View(a.data, a.dtype, a.dims, tuple(a.axes[p] for p in perm))
    if isinstance(a, Sym):
        return a
    inv = [perm.index(k) for k in range(rank)]
    return transposed(a, inv, tuple(a.shape[p] for p in perm))


@register(FUNCTIONS, np.transpose)
def _transpose(tr, node, a, axes=None):
    return _transpose_view(tr, node, a, None if axes is None else tr.pyvalue(axes, node))


def _method_transpose(tr, node, self, *axes):
    if len(axes) == 1:
        ax = tr.pyvalue(axes[0], node)
        return _transpose_view(tr, node, self, ax)
    return _transpose_view(tr, node, self, tuple(tr.pyvalue(a, node) for a in axes) or None)


METHODS["transpose"] = _method_transpose
ATTRIBUTES["T"] = lambda tr, v: _transpose_view(tr, tr.node, v, None)


@register(FUNCTIONS, np.reshape)
def _reshape(tr, node, a, *shape):
    a = value(tr, node, a)
    if len(shape) == 1 and isinstance(shape[0], tuple):
        shape = shape[0]
    dims = list(shape_arg(tr, node, tuple(shape)))
    if sum(1 for d in dims if d == -1) > 1:
        raise ShapeError("can only specify one unknown dimension (-1) in a reshape",
                         tr.loc(node))
    total = sympy.Integer(1)
    for d in a.shape:
        total = total * d
    if any(d == -1 for d in dims):
        known = sympy.Integer(1)
        for d in dims:
            if d != -1:
                known = known * d
        if known == 0:  # NumPy refuses -1 beside a zero-size dimension, even when empty
            raise ShapeError(f"cannot reshape an array of {total} elements into shape "
                             f"{tuple(dims)}: -1 beside a dimension of size 0", tr.loc(node))
        # Floor division: exact where the requirement below holds, and index arithmetic.
        dims = [FloorDiv(total, known) if d == -1 else d for d in dims]
        if provably_differ(sympy.Mod(total, known), 0):
            raise ShapeError(f"cannot reshape an array of {total} elements into shape "
                             f"{tuple(dims)}", tr.loc(node))
        # The size for -1 is exact only when `known` divides the element count (and
        # NumPy refuses -1 beside a zero-size dimension even for an empty array).
        tr.em.require(known, "!=", 0, "cannot reshape the array: -1 beside dimensions "
                      "of zero elements")
        tr.em.require(sympy.Mod(total, known), "==", 0, "cannot reshape the array: the "
                      f"other dimensions ({known} elements) do not divide its size")
    vol = sympy.Integer(1)
    for d in dims:
        vol = vol * d
    if provably_differ(vol, total):
        raise ShapeError(f"cannot reshape an array of {total} elements into shape "
                         f"{tuple(dims)}", tr.loc(node))
    tr.em.require(total, "==", vol, f"cannot reshape the array into shape {tuple(dims)}")
    src = tr.em.plain(a)
    res = tr.em.temp(a.dtype, tuple(dims), tr.name_hint())
    tr.em.copy(src, res)
    # NumPy's reshape is a view of a contiguous array (viewcopies.py)
    return tr.note_view_copy(res, a.data, "reshape") if isinstance(a, View) else res


@register(FUNCTIONS, np.ravel)
def _ravel(tr, node, a, order="C"):
    if tr.pyvalue(order, node) != "C":
        raise UnsupportedError("np.ravel with an order other than 'C' is not supported",
                               tr.loc(node))
    return _reshape(tr, node, a, const(-1))


METHODS["reshape"] = lambda tr, node, self, *shape: _reshape(tr, node, self, *shape)
METHODS["ravel"] = lambda tr, node, self, order="C": _ravel(tr, node, self, order)
# (a copy in NumPy too: reshaping a fresh temporary that no name refers to)
METHODS["flatten"] = lambda tr, node, self: _reshape(
    tr, node, tr.em.materialize(to_elem(self), "flat"), const(-1))
METHODS["copy"] = lambda tr, node, self: copy_array(tr, node, self, method=True)
METHODS["astype"] = lambda tr, node, self, dtype: copy_array(tr, node, self, dtype=dtype,
                                                             method=True)


def _shape_of(tr, v):
    return tuple(Sym(d, DType.int64) for d in v.shape)


ATTRIBUTES["shape"] = _shape_of
ATTRIBUTES["ndim"] = lambda tr, v: const(len(v.shape))
ATTRIBUTES["dtype"] = lambda tr, v: Py(v.dtype.numpy)


def _size(tr, v):
    n = sympy.Integer(1)
    for d in v.shape:
        n = n * d
    return Sym(n, DType.int64)


ATTRIBUTES["size"] = _size
