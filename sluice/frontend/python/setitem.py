"""NumPy's rules for storing one scalar in an integer array (`a[i] = v`, `a[1:] = v`).

NumPy 2 converts the scalar as Python's `int(v)` would and refuses an integer the array's
type cannot hold (`OverflowError`; `ValueError` for NaN) in these cases:
* a Python number, into any integer array (`u8[0] = 300.5`, `u8[0] = -1.0`);
* a NumPy scalar, into a signed integer array (`i8[0] = np.int64(200)`, `i8[:] = x.sum()`).
A NumPy scalar stored in an unsigned array is cast as C casts it (it wraps), and a 0-d
array, like any array, is cast without a check. Stores through an integer-array index
(`a[idx] = v`) convert the value to an array first, so only Python numbers are checked.
The checks run where the store runs (a value known at trace time is checked at once).
"""

from __future__ import annotations

import ast
import math
from typing import Any

import numpy as np

from sluice.errors import SluiceTypeError
from sluice.frontend.python import ops, ufunc_types
from sluice.frontend.python.values import Elem, Sym, View, const, is_scalar
from sluice.ir.dtypes import DType


def check_scalar_store(val: Any, dtype: DType, arrays0d: set[str],
                       numpy_scalars: bool = True, what: str | None = None) -> None:
    """Check (or require at run time) that storing `val` in a `dtype` array is what NumPy
    does: nothing to check, or a value that `int()` converts to one `dtype` holds.
    `arrays0d` names the 0-d containers that are arrays, not NumPy scalars;
    `numpy_scalars=False` checks Python numbers only (stores through an index array);
    `what` names the value in the error (default: a value stored in an array)."""
    if not dtype.is_integer or not is_scalar(val) or is_array0d(val, arrays0d):
        return
    src, weak = val.dtype, ops.weak_of(val)
    if src == DType.bool:
        return
    if weak and src.is_integer:
        ufunc_types.check_weak_int(val, dtype)
        return
    if not weak and (not numpy_scalars or dtype.numpy.kind != "i"):
        return
    if src.is_complex:
        raise SluiceTypeError(f"storing a complex number in an array of {dtype} (NumPy converts "
                              "the number with int(), which refuses complex numbers)",
                              hint="store .real, or cast with .astype()")
    lo, hi = (int(b) for b in (np.iinfo(dtype.numpy).min, np.iinfo(dtype.numpy).max))
    if src.is_integer and _holds(dtype, src):
        return
    c = val.constant if isinstance(val, Sym) else None
    if c is not None:
        _check_constant(c, dtype, lo, hi)
        return
    ops.require_value(_fits(val, src, lo, hi),
                      f"{what or f'a value stored in an array of {dtype}'} is NaN, "
                      f"infinite or outside "
                      f"{dtype}'s range once int() truncates it (NumPy raises OverflowError "
                      f"or ValueError here)")


def is_array0d(val: Any, arrays0d: set[str]) -> bool:
    """`val` is a 0-d array (an argument or one made by np.zeros(()), np.array(x)...)."""
    return isinstance(val, View) and val.axes == () and val.data in arrays0d


def _holds(dtype: DType, src: DType) -> bool:
    """Every value of the integer type `src` is one of `dtype`."""
    a, b = np.iinfo(dtype.numpy), np.iinfo(src.numpy)
    return a.min <= b.min and b.max <= a.max


def _check_constant(c: Any, dtype: DType, lo: int, hi: int) -> None:
    if isinstance(c, float) and math.isnan(c):
        raise SluiceTypeError(f"cannot store NaN in an array of {dtype} (NumPy raises "
                              "ValueError: cannot convert float NaN to integer)")
    if isinstance(c, float) and math.isinf(c):
        raise SluiceTypeError(f"cannot store {c} in an array of {dtype} (NumPy raises "
                              "OverflowError: cannot convert float infinity to integer)")
    if not lo <= int(c) <= hi:
        raise SluiceTypeError(f"Python integer {int(c)} out of bounds for {dtype}",
                              hint=f"NumPy 2 refuses to store it too; use a value that "
                                   f"fits {dtype} or cast the array with .astype()")


def _fits(val: Sym | View | Elem, src: DType, lo: int, hi: int) -> Any:
    """A traced boolean: `int(val)` lies in [lo, hi] (False for NaN and infinities)."""
    if src.is_integer:  # only the bounds that `src` can pass are compared
        info = np.iinfo(src.numpy)
        conds = ([ops.compare(ast.GtE, val, const(lo))] if info.min < lo else []) + \
                ([ops.compare(ast.LtE, val, const(hi))] if info.max > hi else [])
    else:
        # int() truncates toward zero, so the float must lie strictly between lo - 1 and
        # hi + 1, compared as float64, which holds every float16/32 value and both bounds
        # exactly (2**63 and 2**64 are powers of two)
        x = ops.cast(val, DType.float64)
        below = (ast.GtE, float(lo)) if lo == -2**63 else (ast.Gt, float(lo - 1))
        conds = [ops.compare(below[0], x, const(below[1])),
                 ops.compare(ast.Lt, x, const(float(hi + 1)))]
    ok = conds[0]
    for c in conds[1:]:
        ok = ops.binary(ast.BitAnd, ok, c, ufunc_call=True)
    return ok


__all__ = ["check_scalar_store", "is_array0d"]
