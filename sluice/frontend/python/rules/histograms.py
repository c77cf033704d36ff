"""np.histogram with a number of equal bins (NPBench's azimint_hist), of real or integer (and
boolean) data: the call is checked
here as NumPy checks it, and computed by `numpy_impl/histogram.py`, traced in place."""

from __future__ import annotations

import numpy as np

from sluice.errors import ShapeError, SluiceError, SluiceTypeError, UnsupportedError
from sluice.frontend.python import ops, scatter_at
from sluice.frontend.python.emit import provably_differ
from sluice.frontend.python.numpy_impl import histogram as impl
from sluice.frontend.python.rules.linalg import _ravel
from sluice.frontend.python.rules.table import FUNCTIONS, register, value
from sluice.frontend.python.values import Elem, Py, Sym, View, const
from sluice.ir.dtypes import DType

_DATA = (DType.float32, DType.float64)


def _bins(tr, node, bins) -> Sym:
    if isinstance(bins, Py) and isinstance(bins.obj, str):
        raise UnsupportedError(f"np.histogram(bins={bins.obj!r}) is not supported",
                               tr.loc(node), hint="give the number of bins")
    if isinstance(bins, View | Elem) and bins.shape:
        raise UnsupportedError("np.histogram with an array of bin edges is not supported",
                               tr.loc(node), hint="give the number of equal bins")
    n = value(tr, node, bins)
    if not isinstance(n, Sym) or not n.dtype.is_integer or n.dtype == DType.bool:
        raise SluiceTypeError("`bins` must be an integer, a string, or an array",
                              tr.loc(node))
    if n.constant is not None and n.constant < 1:
        raise SluiceError("`bins` must be positive, when an integer", tr.loc(node))
    tr.em.require(n.expr, ">=", 1, "`bins` must be positive, when an integer")
    return Sym(n.expr, DType.int64, weak=True)


def _range(tr, node, rng) -> tuple[Sym, Sym] | None:
    if rng is None or isinstance(rng, Py) and rng.obj is None:
        return None
    if not isinstance(rng, tuple) or len(rng) != 2:
        raise SluiceError("`range` must be a (min, max) pair", tr.loc(node))
    lo, hi = (value(tr, node, v) for v in rng)
    for v in (lo, hi):
        if v.shape or not (v.dtype.is_float or v.dtype.is_integer):
            raise SluiceTypeError("`range` must hold two real numbers", tr.loc(node))
    return lo, hi


@register(FUNCTIONS, np.histogram)
def _histogram(tr, node, a, bins=10, range=None, density=None, weights=None):  # noqa: A002
    a = value(tr, node, a)
    if a.dtype.is_complex or a.dtype == DType.float16:
        raise UnsupportedError(f"np.histogram of {a.dtype} data is not supported (float32, "
                               "float64, integer and boolean data are)", tr.loc(node),
                               hint="histogram a.astype(np.float32)" if a.dtype.is_float else
                               "histogram the real or imaginary part, or np.abs(...)")
    if a.dtype == DType.bool:  # NumPy converts (with a warning) to uint8
        a = ops.cast(a, DType.uint8)
    n = _bins(tr, node, Py(bins) if isinstance(bins, int) else bins)
    limits = _range(tr, node, range)
    dens = tr.pyvalue(density, node)
    x = _ravel(tr, node, a) if a.shape else _ravel(tr, node, tr.em.materialize(a, "hist"))
    if a.dtype in _DATA:
        zero = const(a.dtype.numpy.type(0))  # (an empty array's range, 0 to 1, in its type)
        lo, hi = limits if limits is not None else (const(0.0), const(1.0))
        diff = np.float64 if limits is not None else a.dtype.numpy
        args = [n, lo, hi, zero, Py(diff), const(limits is not None), const(bool(dens))]
        plain, weighted = impl.histogram, impl.weighted_histogram
    else:
        # (the data's own min and max are integers; a range is when both ends are)
        lo, hi = limits if limits is not None else (const(a.dtype.numpy.type(0)),
                                                     const(a.dtype.numpy.type(1)))
        int_range = limits is None or all(v.dtype.is_integer or v.dtype == DType.bool
                                          for v in limits)
        args = [n, lo, hi, const(limits is not None), const(int_range), const(bool(dens))]
        plain, weighted = impl.int_histogram, impl.weighted_int_histogram
    if weights is None or isinstance(weights, Py) and weights.obj is None:
        return tr.inline(plain, [x, *args], {}, node, library=True)
    w = value(tr, node, weights)
    if len(w.shape) != len(a.shape) or any(provably_differ(p, q)
                                           for p, q in zip(w.shape, a.shape, strict=True)):
        raise ShapeError("weights should have the same shape as a.", tr.loc(node))
    for p, q in zip(w.shape, a.shape, strict=True):
        tr.em.require(p, "==", q, "weights should have the same shape as a.")
    if w.dtype.is_complex:
        raise UnsupportedError("np.histogram with complex weights is not supported",
                               tr.loc(node), hint="histogram the real and imaginary parts")
    wx = _ravel(tr, node, w if isinstance(w, View) else tr.em.materialize(w, "weights"))
    return tr.inline(weighted, [x, wx, *args], {}, node, library=True)


@register(FUNCTIONS, np.bincount)
def _bincount(tr, node, x, weights=None, minlength=None):
    return scatter_at.bincount(tr, node, x, weights, minlength)
