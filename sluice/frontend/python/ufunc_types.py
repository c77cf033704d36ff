"""Result types of NumPy ufuncs and reductions, asked of the installed NumPy itself.

The frontend never re-derives NumPy's type rules: it asks NumPy which loop a ufunc would
pick for the operands' dtypes (Python scalars passed as their Python type, which NumPy 2
treats as weak), and which dtype a reduction returns, and raises a `SluiceTypeError` with
NumPy's own message where NumPy refuses the operands.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from sluice.errors import SluiceTypeError
from sluice.frontend.python import emit
from sluice.frontend.python.values import PYTHON_TYPE, Sym
from sluice.ir import exact as X
from sluice.ir.dtypes import DType


def _weak(v: Any) -> bool:
    return bool(getattr(v, "weak", False))


def _constant(v: Any) -> Any:
    return getattr(v, "constant", None)


def _spec(v: Any, allow_weak: bool) -> Any:
    """The operand as `resolve_dtypes` takes it: a dtype, or a Python type for a weak scalar."""
    if allow_weak and _weak(v) and v.dtype != DType.bool:  # Python's bool is NumPy's
        return PYTHON_TYPE[v.dtype.numpy.kind]
    return v.dtype.numpy


def loop_types(ufunc: np.ufunc, operands: list[Any]) -> tuple[list[DType], DType]:
    """The dtypes NumPy computes `ufunc(*operands)` in, and the result's dtype.

    Python scalars are weak unless every operand is one: a ufunc called on Python scalars
    alone sees them as default NumPy scalars (`np.sin(True)` is float16)."""
    allow_weak = not all(_weak(v) for v in operands)
    specs = tuple(_spec(v, allow_weak) for v in operands)
    try:
        dts = ufunc.resolve_dtypes((*specs, None))
    except TypeError as e:
        names = ", ".join(s.__name__ if isinstance(s, type) else str(s) for s in specs)
        raise SluiceTypeError(f"np.{ufunc.__name__} does not accept ({names}): {e}",
                              hint="NumPy refuses these types too; cast the operands "
                                   "with .astype()") from None
    ins = [DType.of(d) for d in dts[:ufunc.nin]]
    if not ufunc.__name__.startswith(("less", "greater", "equal", "not_equal")):
        for v, d in zip(operands, ins, strict=True):
            check_weak_int(v, d)
    return ins, DType.of(dts[-1])


def check_weak_int(v: Any, d: DType) -> None:
    """NumPy 2 refuses a Python integer that the array's integer type cannot hold."""
    c = _constant(v)
    if c is None and _weak(v) and d.is_integer and v.dtype == DType.int64:
        if isinstance(v, Sym):
            _check_weak_int_at_run_time(v, d)
        else:  # a Python int computed from a value (`n + flag` with a Python bool flag)
            _check_weak_value_at_run_time(v, d)
    if not (_weak(v) and d.is_integer and isinstance(c, int) and not isinstance(c, bool)):
        return
    info = np.iinfo(d.numpy)
    if not info.min <= c <= info.max:
        raise SluiceTypeError(f"Python integer {c} out of bounds for {d}",
                              hint=f"NumPy 2 refuses it too; use a value that fits {d} "
                                   "or cast the array with .astype()")


def _check_weak_int_at_run_time(v: Sym, d: DType) -> None:
    """A Python int known only at run time (an argument `k` in `u16 * k`) must fit `d`
    when the operation runs, as NumPy 2 checks it."""
    info = np.iinfo(d.numpy)
    em = emit.active()
    if em is not None and d != DType.int64:
        ok = v.expr >= info.min  # (the symbol is an int64: no upper bound for uint64)
        if info.max < 2**63 - 1:
            ok = sympy.And(ok, v.expr <= info.max)
        em.require_here(ok, f"Python integer out of bounds for {d}")


def _check_weak_value_at_run_time(v: Any, d: DType) -> None:
    """As `_check_weak_int_at_run_time`, for a Python int that is a computed value."""
    from sluice.frontend.python import ops  # (ops builds on this module)

    if d == DType.int64:
        return
    info = np.iinfo(d.numpy)

    def fits(x: Any) -> Any:
        ok = X.compare(X.Ge2, x, X.literal(int(info.min)))
        if info.max < 2**63 - 1:
            ok = X.and_(ok, X.compare(X.Le2, x, X.literal(int(info.max))))
        return ok
    ops.require_value(ops.elementwise(fits, [v], DType.bool, numeric=False),
                      f"Python integer out of bounds for {d}")


def python_result(op: Any, operands: list[Any]) -> DType:
    """The dtype of a Python operator applied to Python scalars only (Python's rules:
    `True + True` is the int 2, `1 / 2` a float)."""
    samples = [PYTHON_TYPE[v.dtype.numpy.kind](1) for v in operands]
    try:
        r = op(*samples)
        # a known operand may decide the type: `n ** -1` is a float
        known = [c if c is not None else x for c, x in
                 zip((_constant(v) for v in operands), samples, strict=True)]
        r = op(*known)
    except TypeError as e:
        raise SluiceTypeError(str(e)) from None
    except ArithmeticError:  # a known zero divisor, refused by the caller
        pass
    return DType.of(type(r))


def reduce_type(op: str, dtype: DType) -> DType:
    """The dtype NumPy's sum ('+'), prod ('*'), max or min of a `dtype` array returns."""
    fn = {"+": np.sum, "*": np.prod, "max": np.max, "min": np.min}[op]
    return DType.of(fn(np.ones(1, dtype.numpy)).dtype)


def mean_types(dtype: DType) -> tuple[DType, DType]:
    """(accumulation, result) dtypes of np.mean: integers and booleans sum in float64,
    float16 sums in float32 and rounds back to float16, others in their own type."""
    if dtype.is_integer or dtype == DType.bool:
        return DType.float64, DType.float64
    if dtype == DType.float16:
        return DType.float32, DType.float16
    return dtype, dtype
