"""np.linalg.cholesky, solve and inv: checked here as NumPy checks the call, computed by the
implementations in `numpy_impl/linalg.py`, traced in place (NPBench's cholesky2 and
contour_integral)."""

from __future__ import annotations

import numpy as np

from sluice.errors import ShapeError, SluiceError, SluiceTypeError
from sluice.frontend.python import ops
from sluice.frontend.python.emit import broadcast, provably_differ
from sluice.frontend.python.numpy_impl import linalg as impl
from sluice.frontend.python.numpy_impl.intrinsics import require
from sluice.frontend.python.rules.table import FUNCTIONS, register, value
from sluice.frontend.python.values import Elem, Sym, View, const, to_elem
from sluice.ir.dtypes import DType


@register(FUNCTIONS, require)
def _require(tr, node, ok, message):
    ok = value(tr, node, ok)
    if ok.shape:
        raise SluiceTypeError("require() takes one boolean, not an array", tr.loc(node))
    ops.require_value(to_elem(ok) if isinstance(ok, View) else ok, tr.pyvalue(message, node))


def _result_type(tr, node, *operands) -> DType:
    """NumPy's linalg type (`_commonType`): integer and boolean operands count as float64,
    float16 is refused, and the widest real and complex kinds win."""
    kinds = []
    for v in operands:
        if v.dtype == DType.float16:
            raise SluiceTypeError("array type float16 is unsupported in linalg", tr.loc(node),
                                  hint="convert it with .astype(np.float32)")
        kinds.append(v.dtype.numpy if v.dtype.is_float or v.dtype.is_complex else np.float64)
    return DType.of(np.result_type(*kinds))


def _fresh(tr, v, dtype: DType, shape=None) -> View:
    """A new array of `dtype` holding `v` (broadcast to `shape`): the implementations
    overwrite their operands' copies, never the user's arrays."""
    t = tr.em.temp(dtype, tuple(shape if shape is not None else v.shape), "linalg")
    tr.em.store(to_elem(ops.cast(v, dtype)), t, "copy")
    return t


def _stack(tr, node, v, what: str):
    """`v` as one (n, n) matrix or a stack of them: at least two dimensions, square."""
    if not isinstance(v, View | Elem) or len(v.shape) < 2:
        dims = len(v.shape) if isinstance(v, View | Elem | Sym) else 0
        raise SluiceError(f"{what}: {dims}-dimensional array given. Array must be at least "
                          "two-dimensional", tr.loc(node), hint="pass a square matrix")
    m, n = v.shape[-2:]
    if provably_differ(m, n):
        raise ShapeError(f"{what}: last 2 dimensions of the array must be square (got "
                         f"{m} x {n})", tr.loc(node))
    tr.em.require(m, "==", n, f"{what}: last 2 dimensions of the array must be square")


def _flatten(tr, node, v):
    """Stacks of more than one batch dimension as one (so the implementations see 2-D or
    3-D arrays), and how to give the result its shape back."""
    if len(v.shape) <= 3:
        return v, lambda r: r
    shape = v.shape
    flat = FUNCTIONS[np.reshape](tr, node, v, (const(-1), Sym(shape[-2], DType.int64),
                                               Sym(shape[-1], DType.int64)))

    def back(r):
        dims = tuple(Sym(d, DType.int64) for d in shape[:-2] + r.shape[1:])
        return FUNCTIONS[np.reshape](tr, node, r, dims)
    return flat, back


def _flag(b: bool) -> Sym:
    return const(bool(b))


def _call(tr, node, fn, *args):
    return tr.inline(fn, list(args), {}, node, library=True)


@register(FUNCTIONS, np.linalg.cholesky)
def _cholesky(tr, node, a, upper=False):
    a = value(tr, node, a)
    _stack(tr, node, a, "cholesky")
    up = tr.pyvalue(upper, node)
    if not isinstance(up, bool | np.bool_):
        raise SluiceTypeError("cholesky: 'upper' must be True or False", tr.loc(node))
    dtype = _result_type(tr, node, a)
    flat, back = _flatten(tr, node, _fresh(tr, a, dtype))
    return back(_call(tr, node, impl.cholesky, flat, _flag(dtype.is_complex), _flag(up)))


@register(FUNCTIONS, np.linalg.inv)
def _inv(tr, node, a):
    a = value(tr, node, a)
    _stack(tr, node, a, "inv")
    dtype = _result_type(tr, node, a)
    flat, back = _flatten(tr, node, _fresh(tr, a, dtype))
    return back(_call(tr, node, impl.inv, flat, _flag(dtype.is_complex)))


@register(FUNCTIONS, np.linalg.solve)
def _solve(tr, node, a, b):
    a, b = value(tr, node, a), value(tr, node, b)
    _stack(tr, node, a, "solve")
    if not b.shape:
        raise SluiceError("solve: 0-dimensional array given for b. Array must be at least "
                          "one-dimensional", tr.loc(node))
    n = a.shape[-1]
    # NumPy 2: b is one vector only when it is 1-D; otherwise a stack of (n, k) matrices
    vector = len(b.shape) == 1
    core = b.shape[-1] if vector else b.shape[-2]
    if provably_differ(core, n):
        raise ShapeError(f"solve: b has {core} rows, but a is {n} x {n}", tr.loc(node))
    tr.em.require(core, "==", n, "solve: b's rows and a's size differ")
    batch_a = a.shape[:-2]
    batch_b = () if vector else b.shape[:-2]
    batch = broadcast([batch_a, batch_b])
    if batch is None:
        raise ShapeError(f"solve: the stacks of a and b cannot be broadcast together "
                         f"({len(batch_a)} and {len(batch_b)} leading dimensions)", tr.loc(node))
    if len(batch) > 1:
        raise SluiceError("solve of stacks with more than one batch dimension is not "
                          "supported", tr.loc(node), hint="loop over the leading dimensions")
    dtype = _result_type(tr, node, a, b)
    a = _fresh(tr, a, dtype, (*batch, n, n))
    rhs = tuple(b.shape[-1:]) if vector else tuple(b.shape[-2:])
    b = _fresh(tr, b, dtype, (*batch, *rhs))
    return _call(tr, node, impl.solve, a, b, _flag(dtype.is_complex))
