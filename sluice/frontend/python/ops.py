"""Operators on traced values with NumPy's broadcasting and type promotion.

Trace-time scalars (`Sym`) fold symbolically; anything touching run-time data becomes a lazy
element-wise `Elem`. Each operator is one entry of a table keyed by the Python operator.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy

from sluice.errors import ShapeError, SluiceTypeError
from sluice.frontend.python import emit, ufunc_types
from sluice.frontend.python.emit import align, broadcast
from sluice.frontend.python.int64 import provably_fits
from sluice.frontend.python.values import (
    Elem,
    Masked,
    Sym,
    const,
    involved,
    lift,
    narrow_symbol,
    to_elem,
    wrapping,
)
from sluice.ir import exact as X
from sluice.ir.dtypes import DType
from sluice.ir.library import Reduce
from sluice.ir.symbolic import (
    CASTS,
    BitAnd,
    BitNot,
    BitOr,
    BitXor,
    FitsInt64,
    FloorDiv,
    LShift,
    RShift,
    Select,
)
from sluice.ir.symbolic import value as value_symbol

_WEAK_SAMPLE = {"bool": False, "int": 0, "float": 0.0, "complex": 0j}


def _kind(d: DType) -> str:
    if d == DType.bool:
        return "bool"
    if d.is_integer:
        return "int"
    if d.is_complex:
        return "complex"
    return "float"


def weak_of(v: Any) -> bool:
    return bool(getattr(v, "weak", False))


def promote(values: list[Any]) -> DType:
    """NumPy 2 promotion: Python scalars are weak (the array's type wins within a kind)."""
    strong = [v.dtype.numpy for v in values if not weak_of(v)]
    weak = [_WEAK_SAMPLE[_kind(v.dtype)] for v in values if weak_of(v)]
    if not strong:
        return DType.of(np.result_type(*weak)) if weak else DType.float64
    return DType.of(np.result_type(*strong, *weak))


def as_number(e: sympy.Basic, dtype: DType, to: DType) -> sympy.Basic:
    """`e` usable in arithmetic of type `to` (booleans become numbers)."""
    if dtype == DType.bool and not e.is_Symbol:
        v = X.const_value(e)
        if isinstance(v, bool):
            return sympy.Integer(int(v))
        return CASTS["int64" if to == DType.bool else to.value](e)
    return e


def as_boolean(e: sympy.Basic, dtype: DType) -> sympy.Basic:
    if dtype == DType.bool:
        return e  # a boolean value is usable as a condition as it is
    v = X.const_value(e)
    if v is not None:
        return sympy.true if v != 0 else sympy.false
    return X.compare(X.Ne2, e, 0)


# name -> (symbol, builder, result-type rule); builders keep the operation exactly
BINARY: dict[type, tuple[str, Callable[..., Any], str]] = {
    ast.Add: ("+", X.add, "arith"),
    ast.Sub: ("-", X.sub, "arith"),
    ast.Mult: ("*", X.mul, "arith"),
    ast.Div: ("/", X.truediv, "div"),
    ast.FloorDiv: ("//", lambda a, b: FloorDiv(a, b), "arith"),
    ast.Mod: ("%", X.mod, "arith"),
    ast.Pow: ("**", X.power, "arith"),
    ast.BitAnd: ("&", lambda a, b: BitAnd(a, b), "bit"),
    ast.BitOr: ("|", lambda a, b: BitOr(a, b), "bit"),
    ast.BitXor: ("^", lambda a, b: BitXor(a, b), "bit"),
    ast.LShift: ("<<", lambda a, b: LShift(a, b), "int"),
    ast.RShift: (">>", lambda a, b: RShift(a, b), "int"),
}

# NumPy's boolean +, * and bit operators are logical or, and, xor.
_LOGICAL_BOOL = {ast.BitAnd: X.and_, ast.BitOr: X.or_, ast.BitXor: lambda a, b: BitXor(a, b),
                 ast.Add: X.or_, ast.Mult: X.and_}

COMPARE: dict[type, Callable[..., Any]] = {
    ast.Lt: X.Lt2,
    ast.LtE: X.Le2,
    ast.Gt: X.Gt2,
    ast.GtE: X.Ge2,
    ast.Eq: X.Eq2,
    ast.NotEq: X.Ne2,
}

# The same operators on Python and NumPy scalars, for folding constants.
_SCALAR_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow, ast.BitAnd: operator.and_, ast.BitOr: operator.or_,
    ast.BitXor: operator.xor, ast.LShift: operator.lshift, ast.RShift: operator.rshift,
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne,
}


def fold_constants(op: type, a: Any, b: Any) -> Sym | None:
    """`a op b` computed now when both are trace-time constants, with the semantics the
    user's code has: Python's for two Python numbers, NumPy's (NEP 50) when one is a NumPy
    scalar. SymPy's arithmetic is never used on values (its floats are not IEEE doubles)."""
    if not (isinstance(a, Sym) and isinstance(b, Sym)):
        return None
    va, vb = a.constant, b.constant
    if va is None or vb is None:
        return None
    if not a.weak:
        va = a.dtype.numpy.type(va)
    if not b.weak:
        vb = b.dtype.numpy.type(vb)
    try:
        with np.errstate(all="ignore"):
            out = _SCALAR_OPS[op](va, vb)
    except (ArithmeticError, ValueError, TypeError) as err:
        raise SluiceTypeError(f"{type(err).__name__} computing constants {va!r} and {vb!r}: "
                              f"{err}") from None
    if isinstance(out, np.bool_ | bool) and (a.weak and b.weak):
        out = bool(out)
    return const(out)


# The ufunc each Python operator is in NumPy; it decides the types.
UFUNCS: dict[type, np.ufunc] = {
    ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.true_divide,
    ast.FloorDiv: np.floor_divide, ast.Mod: np.remainder, ast.Pow: np.power,
    ast.BitAnd: np.bitwise_and, ast.BitOr: np.bitwise_or, ast.BitXor: np.bitwise_xor,
    ast.LShift: np.left_shift, ast.RShift: np.right_shift,
    ast.Lt: np.less, ast.LtE: np.less_equal, ast.Gt: np.greater, ast.GtE: np.greater_equal,
    ast.Eq: np.equal, ast.NotEq: np.not_equal,
}

# The arithmetic operators among them, whose Python result type decides for two Python scalars.
_PY_OPS = {op: fn for op, fn in _SCALAR_OPS.items() if op in BINARY}


def result_type(op: type, operands: list[Any]) -> DType:
    """The dtype of `a <op> b`: NumPy's loop for arrays and NumPy scalars (Python scalars
    weak), Python's rules when both operands are Python scalars."""
    if all(weak_of(o) for o in operands) and op in _PY_OPS:
        return ufunc_types.python_result(_PY_OPS[op], operands)
    return ufunc_types.loop_types(UFUNCS[op], operands)[1]


def loop_cast(operands: list[Any], ins: list[DType], weak_too: bool = True) -> list[Any]:
    """The operands converted to the types NumPy's loop computes in, so that no backend
    applies its own promotion (C++ adds an int64 and a float32 in float, NumPy in float64).
    Weak Python constants fold to the loop's type (`x_f32 + 0.1` adds float32(0.1))."""
    return [cast(o, d) if o.dtype != d and (weak_too or not weak_of(o)) else o
            for o, d in zip(operands, ins, strict=True)]


def where(cond: Any, a: Any, b: Any, dtype: DType) -> Any:
    """`a` where `cond` holds, else `b`, both already of `dtype` (np.where's element-wise
    choice, without its promotion)."""
    return elementwise(lambda c, x, y: Select(as_boolean(c, cond.dtype), x, y),
                       [cond, a, b], dtype, numeric=False)


def elementwise(fn: Callable[..., Any], operands: list[Any], dtype: DType,
                numeric: bool = True) -> Any:
    """Combine values element-wise; scalars known at trace time fold symbolically."""
    if all(isinstance(o, Sym) and not narrow_symbol(o) for o in operands):
        # (an int64 scalar's value leaving int64 arithmetic has wrapped first)
        exprs = [as_number(o.expr if dtype == o.dtype else wrapping(o), o.dtype, dtype)
                 if numeric else o.expr for o in operands]
        return Sym(sympy.sympify(fn(*exprs)), dtype, weak=all(o.weak for o in operands))
    elems = [to_elem(o) for o in operands]
    shape = broadcast([e.shape for e in elems])
    if shape is None:
        raise ShapeError("operands could not be broadcast together with shapes "
                         + " ".join(_fmt(e.shape) for e in elems))
    elems = [align(e, shape) for e in elems]
    reads: dict = {}
    for e in elems:
        reads.update(e.reads)
    exprs = [as_number(e.expr, e.dtype, dtype) if numeric else e.expr for e in elems]
    return Elem(shape, dtype, sympy.sympify(fn(*exprs)), reads,
                weak=all(weak_of(o) for o in operands))


# Operations of Python ints whose result may leave int64 (`%`, `>>` and bitwise ones cannot).
_GROWING = (ast.Add, ast.Sub, ast.Mult, ast.Pow, ast.FloorDiv, ast.LShift)


def binary(op: type, a: Any, b: Any, ufunc_call: bool = False) -> Any:
    """`a op b`; `ufunc_call`: spelled as the ufunc (`np.multiply(a, b)`), which NumPy
    computes with its array loops even for two scalars."""
    if involved([a, b]):
        return lift(lambda x, y: binary(op, x, y, ufunc_call), [a, b], "arithmetic")
    out = _binary(op, a, b, ufunc_call)
    if op in _GROWING and not ufunc_call:
        _require_int64(out)
    return out


_INT64_MIN, _INT64_MAX = -2**63, 2**63 - 1


def _require_int64_values(op: type, a: Any, b: Any, bools: tuple[bool, bool]) -> None:
    """Python ints computed from values (a Python bool argument, `n - flag`) are int64
    in compiled code: where the exact result may leave int64, stop there, as for symbols
    (`require_fits_int64`). The conditions compare the operands, so they cannot overflow."""
    lo, hi = X.literal(_INT64_MIN), X.literal(_INT64_MAX)
    if op is ast.Add:
        def ok(x, y):
            return Select(X.compare(X.Ge2, y, X.literal(0)), X.compare(X.Le2, x, X.sub(hi, y)),
                          X.compare(X.Ge2, x, X.sub(lo, y)))
    elif op is ast.Sub:
        def ok(x, y):
            return Select(X.compare(X.Le2, y, X.literal(0)), X.compare(X.Le2, x, X.add(hi, y)),
                          X.compare(X.Ge2, x, X.add(lo, y)))
    elif op is ast.FloorDiv:
        def ok(x, y):
            return X.or_(X.compare(X.Ne2, x, lo), X.compare(X.Ne2, y, X.literal(-1)))
    elif op is ast.LShift and any(bools):
        raise SluiceTypeError(
            "Python int << of a Python bool argument known only at run time may leave int64, "
            "where compiled code keeps Python's ints, and cannot be checked",
            hint="pass an int (or np.int64) instead of the bool")
    else:
        # times or to the power of 0 or 1 cannot grow; products, powers and shifts of other
        # values (`int(x) * 3` of a float argument) are not checked yet (DECISIONS.md)
        return
    require_value(elementwise(ok, [a, b], DType.bool, numeric=False),
                  "Python int result beyond int64 (Python's ints are unbounded; compiled "
                  "code holds them in int64)")


def _require_int64(v: Any) -> None:
    """Python ints are int64 in compiled code: a Python int result known only at run time
    must fit it where it is computed, unless that is provable (see `int64.py`)."""
    if isinstance(v, Sym) and v.weak and v.dtype == DType.int64 and v.constant is None \
            and not narrow_symbol(v):
        require_fits_int64(v.expr)


def require_fits_int64(e: sympy.Basic) -> None:
    """Stop where `e` (Python int arithmetic over symbols) runs if its exact value leaves
    int64, unless interval arithmetic proves that it cannot."""

    em = emit.active()
    if em is not None and not provably_fits(e, em.b.program):
        em.require_here(sympy.Eq(FitsInt64(e), 1),
                        "Python int result beyond int64 (Python's ints are unbounded; "
                        "compiled code holds them in int64)")


def _binary(op: type, a: Any, b: Any, ufunc_call: bool) -> Any:
    fn = BINARY[op][1]
    folded = fold_constants(op, a, b)
    if folded is not None:
        return folded
    if op in (ast.Mod, ast.FloorDiv) and isinstance(b, Sym) and b.constant == 0 \
            and a.dtype.is_integer and isinstance(a, Sym):
        raise SluiceTypeError("integer division or modulo by zero (Python raises "
                              "ZeroDivisionError here)")
    if op in (ast.Div, ast.Mod, ast.FloorDiv) and isinstance(b, Sym) and b.constant == 0 \
            and weak_of(a) and weak_of(b):
        raise SluiceTypeError("division or modulo of Python numbers by zero (Python raises "
                              "ZeroDivisionError here; NumPy scalars would give inf or nan)")
    if weak_of(a) and weak_of(b) and not ufunc_call \
            and None in (getattr(a, "constant", None), getattr(b, "constant", None)):
        _check_python_operands(op, a, b)
    if all(weak_of(o) for o in (a, b)):
        dtype = result_type(op, [a, b])
        bools = (a.dtype == DType.bool, b.dtype == DType.bool)
        if dtype != DType.bool:  # Python's bools are the ints 0 and 1 (True + True is 2)
            a, b = (cast(v, dtype) if v.dtype == DType.bool else v for v in (a, b))
        if dtype == DType.int64 and not ufunc_call and op in _GROWING \
                and not all(isinstance(o, Sym) for o in (a, b)):
            _require_int64_values(op, a, b, bools)
        if op is ast.Pow and dtype.is_float:  # Python's int ** -1 computes in floats
            a, b = (cast(v, dtype) if v.dtype.is_integer else v for v in (a, b))
    else:
        ufunc = UFUNCS[op]
        if op is ast.Pow:
            ufunc = _power_ufunc(a, b, ufunc_call)
            if ufunc in _POWER_AS_UNARY:
                ins, dtype = ufunc_types.loop_types(ufunc, [a])
                (a,) = loop_cast([a], ins)
                return elementwise(_POWER_AS_UNARY[ufunc], [a], dtype)
        ins, dtype = ufunc_types.loop_types(ufunc, [a, b])
        a, b = loop_cast([a, b], ins)
        if op is ast.Pow and dtype.is_integer:
            _check_integer_exponent(b)
            _require_non_negative_exponents(b)
        if op is ast.Pow and dtype in (DType.float32, DType.float64) \
                and (ufunc_call or not _scalars(a, b)):
            uniform = _one_broadcast_element(b, [a, b])
            if uniform is not sympy.false:
                return elementwise(lambda x, y: _loop_power(x, y, uniform), [a, b], dtype)
    if dtype == DType.bool and op in _LOGICAL_BOOL:
        return elementwise(lambda x, y: _LOGICAL_BOOL[op](as_boolean(x, DType.bool),
                                                          as_boolean(y, DType.bool)),
                           [a, b], dtype, numeric=False)
    if op is ast.Mult and dtype.is_complex and not ufunc_call and _scalars(a, b):
        return elementwise(_scalar_cmul, [a, b], dtype)
    return elementwise(fn, [a, b], dtype)


_ZERO_DIVISION = "division or modulo of Python numbers by zero (Python raises ZeroDivisionError)"
_FLOAT_POWER = ("Python's float ** float raises here (ZeroDivisionError for 0.0 to a negative "
                "power, OverflowError for an infinite result) or gives a complex number "
                "(a negative base to a fractional power), where NumPy gives inf or nan")


def _check_python_operands(op: type, a: Any, b: Any) -> None:
    """Two Python numbers known only at run time follow Python's rules, which raise (or
    change type) where NumPy scalars give inf or nan: stop there, where the operation runs."""
    exponent = getattr(b, "constant", None)
    if op in (ast.Div, ast.Mod, ast.FloorDiv):
        if isinstance(b, Sym) and b.constant is None:
            require_value(sympy.Ne(b.expr, 0), _ZERO_DIVISION)
        elif not isinstance(b, Sym):
            require_value(compare(ast.NotEq, b, const(0)), _ZERO_DIVISION)
        if op is ast.Div and a.dtype.is_integer and b.dtype.is_integer:
            # Python rounds int / int once; a double holds either int exactly up to 2**53
            exact = sympy.And(*(r for v in (a, b) for r in (v.expr >= -2**53,
                                                            v.expr <= 2**53)))
            require_value(exact, "Python's int / int rounds the exact quotient once; "
                          "compiled code divides doubles, which differ for ints beyond "
                          "2**53 (write float(x) / y for that)")
    elif op in (ast.LShift, ast.RShift) and isinstance(b, Sym) and b.constant is None:
        require_value(b.expr >= 0, "negative shift count (Python raises ValueError)")
    elif op is ast.Pow and all(v.dtype.is_integer or v.dtype == DType.bool for v in (a, b)) \
            and (exponent is None or exponent >= 0):
        # int ** int is an int only for a non-negative exponent (2 ** -1 is 0.5; so is
        # True ** -1: Python's bools are ints)
        require_value(b.expr >= 0 if isinstance(b, Sym) else compare(ast.GtE, b, const(0)),
                      "a negative exponent makes Python's int ** int a float, while the "
                      "compiled code computes an int (write float(x) ** y)")
    elif op is ast.Pow:
        ok = elementwise(_python_power_ok, [cast(a, DType.float64), cast(b, DType.float64)],
                         DType.bool, numeric=False)
        require_value(ok, _FLOAT_POWER)


def _python_power_ok(x: Any, y: Any) -> Any:
    """Whether Python's float `x ** y` is C's pow(x, y), as a value expression."""
    inf, zero = X.literal(float("inf")), X.literal(0.0)

    def finite(v: Any) -> Any:
        return X.compare(X.Eq2, X.sub(v, v), zero)  # inf - inf and nan - nan are nan

    pole = X.and_(X.and_(X.compare(X.Eq2, x, zero), X.compare(X.Lt2, y, zero)), finite(y))
    both = X.and_(finite(x), finite(y))
    complex_ = X.and_(X.and_(X.compare(X.Lt2, x, zero), both),
                      X.compare(X.Ne2, X.call("floor", y), y))
    overflow = X.and_(both, X.compare(X.Eq2, X.call("abs", X.power(x, y)), inf))
    return X.not_(X.or_(X.or_(pole, complex_), overflow))


def require_value(ok: Any, why: str) -> None:
    """Stop with `why` unless `ok` holds when the operation runs: a condition over integer
    symbols, or a traced boolean value (computed into a symbol first)."""

    em = emit.active()
    if em is None:
        return
    if not isinstance(ok, Elem | Sym):
        em.require_here(ok, why)
        return
    if not em.can_add_block():
        raise SluiceTypeError(f"not supported inside a sluice.map, which cannot stop "
                              f"where a value is wrong: {why}",
                              hint="compute it before the map, or make the Python numbers "
                                   "NumPy scalars (np.float64(y)), whose rules need no check")
    cell = em.temp(DType.int64, (), "ok")
    em.store(to_elem(cast(ok, DType.int64)), cell)
    flag = em.symbol("ok")
    em.b.assign(**{flag.name: value_symbol(cell.data)})
    em.require_here(sympy.Ne(flag, 0), why)


def _scalars(*operands: Any) -> bool:
    """Whether NumPy applies an operator to these operands with its scalar arithmetic
    (they are all scalars), rather than its array loops. For complex numbers the two differ:
    the scalar code multiplies without fused multiply-adds, orders NaNs differently and
    computes abs() as hypot."""
    return all(not o.shape for o in operands)


def _part(x: Any, name: str) -> Any:
    return X.call(name, x)


def _scalar_cmul(x: Any, y: Any) -> Any:
    """NumPy's product of two complex scalars: (ac - bd, ad + bc), each step rounded."""
    xr, xi, yr, yi = _part(x, "real"), _part(x, "imag"), _part(y, "real"), _part(y, "imag")
    return X.call("complex", X.sub(X.mul(xr, yr), X.mul(xi, yi)),
                  X.add(X.mul(xr, yi), X.mul(xi, yr)))


def _reciprocal(x: Any) -> Any:
    """NumPy's reciprocal of a complex number (its `z ** -1`), Smith's division of 1."""
    re, im = _part(x, "real"), _part(x, "imag")
    small = X.compare(X.Le2, X.call("abs", im), X.call("abs", re))
    r1 = X.truediv(im, re)
    d1 = X.add(re, X.mul(im, r1))
    r2 = X.truediv(re, im)
    d2 = X.add(X.mul(re, r2), im)
    return X.call("complex",
                  Select(small, X.truediv(X.literal(1.0), d1), X.truediv(r2, d2)),
                  Select(small, X.truediv(X.neg(r1), d1), X.truediv(X.literal(-1.0), d2)))


_POWER_AS_UNARY: dict[np.ufunc, Callable[[Any], Any]] = {
    np.square: lambda x: X.mul(x, x), np.sqrt: lambda x: X.call("sqrt", x),
    np.reciprocal: _reciprocal,
}


def _one_broadcast_element(b: Any, operands: list[Any]) -> Any:
    """When NumPy's array loop sees the exponent with stride 0: a 0-d exponent, or a
    one-element one broadcast to a shape other than its own (`(n,) ** (1,)` for n != 1)."""
    own = tuple(b.shape)
    if not own:
        return sympy.true
    shape = broadcast([tuple(o.shape) for o in operands], check=False) or own
    single = sympy.And(*(sympy.Eq(d, 1) for d in own))
    differs = sympy.true if len(own) < len(shape) else sympy.Or(*(sympy.Ne(d, 1)
                                                                  for d in shape))
    return sympy.And(single, differs)


def _loop_power(x: Any, y: Any, uniform: Any) -> Any:
    """NumPy's float power loop: sqrt(x) for an exponent of 0.5 that it sees with stride 0
    (which differs from pow at -inf and -0.0, and in float32 rounding), pow(x, y) otherwise."""
    half = X.literal(0.5)
    if X.const_value(y) is not None:
        return X.call("sqrt", x) if X.const_value(y) == 0.5 and uniform is sympy.true \
            else X.power(x, y)
    take_sqrt = X.compare(X.Eq2, y, half)
    if uniform is not sympy.true:
        take_sqrt = X.and_(uniform, take_sqrt)
    return Select(take_sqrt, X.call("sqrt", x), X.power(x, y))


def _power_ufunc(a: Any, b: Any, ufunc_call: bool = False) -> np.ufunc:
    """`array ** 2` (the Python int) is np.square(array) in NumPy: bool ** 2 is int8. A
    complex array's `** -1` is np.reciprocal and `** 0.5` np.sqrt; complex scalars, and
    np.power itself, always take np.power (which differs from those at zeros, infinities
    and in rounding)."""
    c = getattr(b, "constant", None)
    if not weak_of(b) or weak_of(a):
        return np.power
    if a.dtype.is_complex:
        if ufunc_call or _scalars(a):
            return np.power
        return {(int, 2): np.square, (int, -1): np.reciprocal,
                (float, 0.5): np.sqrt}.get((type(c), c), np.power)
    if type(c) is int and c == 2:
        return np.square
    return np.power


def _check_integer_exponent(b: Any) -> None:
    c = getattr(b, "constant", None)
    if isinstance(c, int) and c < 0:
        raise SluiceTypeError("integers to negative integer powers are not allowed",
                              hint="NumPy refuses it too; make the base a float, e.g. "
                                   "x.astype(np.float64) ** -1")


def _require_non_negative_exponents(b: Any) -> None:
    """NumPy's integer power raises for any negative exponent among the values (the
    compiled code would give 0): the run stops there instead."""
    if getattr(b, "constant", None) is not None or b.dtype.numpy.kind == "u" or \
            b.dtype == DType.bool:
        return
    if isinstance(b, Sym):
        require_value(b.expr >= 0, _NEGATIVE_POWER)
        return
    ok = compare(ast.GtE, b, const(0))
    em = emit.active()
    if em is not None and ok.shape:  # every value: one all() reduction
        node = Reduce(op="min", axes=None, keepdims=False, identity=True)
        every = em.temp(DType.bool, (), "ok")
        em.library(node, {"inp": em.plain(ok)}, {"out": every})
        ok = to_elem(every)
    require_value(ok, _NEGATIVE_POWER)


_NEGATIVE_POWER = "integers to negative integer powers are not allowed (NumPy raises ValueError)"


def compare(op: type, a: Any, b: Any, ufunc_call: bool = False) -> Any:
    if involved([a, b]):
        return lift(lambda x, y: compare(op, x, y, ufunc_call), [a, b], "a comparison")
    folded = fold_constants(op, a, b)
    if folded is not None:
        return folded
    if weak_of(a) and weak_of(b) and not ufunc_call:
        _check_int_against_float(a, b)
    ins, _ = ufunc_types.loop_types(UFUNCS[op], [a, b])
    if ins[0].is_complex and op in _ORDER and not ufunc_call and _scalars(a, b):
        a, b = loop_cast([a, b], ins)
        return elementwise(_ORDER[op], [a, b], DType.bool, numeric=False)
    outside = _outside_range(op, a, b)
    if outside is not None:
        return elementwise(lambda x, y: X.literal(outside), [a, b], DType.bool,
                           numeric=False)
    # Python integers stay as they are: NumPy 2 compares them exactly (uint8 < -1 is False);
    # Python floats and complex numbers take the loop's type (x_f32 == 0.1 compares with
    # float32(0.1), and 5e-324 is 0 there)
    a, b = loop_cast([a, b], ins, weak_too=False)
    a, b = (cast(v, d) if weak_of(v) and (v.dtype.is_float or v.dtype.is_complex)
            and v.dtype != d else v for v, d in zip((a, b), ins, strict=True))
    if _mixed_sign(ins) and not (weak_of(a) or weak_of(b)):
        return _compare_mixed_sign(op, a, b)
    return elementwise(lambda x, y: X.compare(COMPARE[op], x, y), [a, b], DType.bool)


def _check_int_against_float(a: Any, b: Any) -> None:
    """Python compares an int with a float exactly; compiled code converts the int to a
    double, which is exact only up to 2**53: beyond, stop rather than answer otherwise."""
    for i, f in ((a, b), (b, a)):
        if isinstance(i, Sym) and i.dtype.is_integer and i.constant is None \
                and f.dtype.is_float and not _provably_within(i.expr, 2**53):
            require_value(sympy.And(i.expr >= -2**53, i.expr <= 2**53),
                          "Python compares an int beyond 2**53 with a float exactly; "
                          "compiled code would round the int to a double first")


def _provably_within(e: sympy.Basic, bound: int) -> bool:

    em = emit.active()
    return em is not None and provably_fits(e, em.b.program, -bound, bound)


def _scalar_order(strict: type, tie: type) -> Callable[[Any, Any], Any]:
    """NumPy's ordering of two complex scalars: by the real parts, then the imaginary ones
    (with no NaN check, unlike its array loops)."""
    def order(x: Any, y: Any) -> Any:
        xr, yr = _part(x, "real"), _part(y, "real")
        return X.or_(X.compare(strict, xr, yr), X.and_(
            X.compare(X.Eq2, xr, yr), X.compare(tie, _part(x, "imag"), _part(y, "imag"))))
    return order


_ORDER = {ast.Lt: _scalar_order(X.Lt2, X.Lt2), ast.LtE: _scalar_order(X.Lt2, X.Le2),
          ast.Gt: _scalar_order(X.Gt2, X.Gt2), ast.GtE: _scalar_order(X.Gt2, X.Ge2)}


def _mixed_sign(ins: list[DType]) -> bool:
    kinds = {d.numpy.kind for d in ins}
    return kinds == {"i", "u"}


def _compare_mixed_sign(op: type, a: Any, b: Any) -> Any:
    """int64 against uint64, which NumPy 2 compares exactly (C would convert the signed
    operand to unsigned, making -1 the largest number): a negative signed value is below
    every unsigned one, and a non-negative one compares as unsigned."""
    if a.dtype.numpy.kind == "u":
        return _compare_mixed_sign(_FLIPPED[op], b, a)
    ua = cast(a, b.dtype)
    neg = compare(ast.Lt, a, Sym(sympy.Integer(0), a.dtype, weak=True))
    cmp = elementwise(lambda x, y: X.compare(COMPARE[op], x, y), [ua, b], DType.bool)
    if op in (ast.Lt, ast.LtE, ast.NotEq):  # true wherever a < 0
        return binary(ast.BitOr, neg, cmp)
    return binary(ast.BitAnd, unary(ast.Not, neg), cmp)


_FLIPPED = {ast.Lt: ast.Gt, ast.LtE: ast.GtE, ast.Gt: ast.Lt, ast.GtE: ast.LtE,
            ast.Eq: ast.Eq, ast.NotEq: ast.NotEq}


def _outside_range(op: type, a: Any, b: Any) -> bool | None:
    """NumPy 2 compares an integer array with a Python integer its type cannot hold
    exactly (`u8 < -1` is False everywhere); C would convert the integer first. The answer
    then does not depend on the array: returned here, or None."""
    if weak_of(a) and not weak_of(b):
        return _outside_range(_FLIPPED[op], b, a)
    c = getattr(b, "constant", None)
    if not (weak_of(b) and a.dtype.is_integer and type(c) is int):
        return None
    info = np.iinfo(a.dtype.numpy)
    if info.min <= c <= info.max:
        return None
    below = c < info.min  # every element is greater than c
    return {ast.Lt: not below, ast.LtE: not below, ast.Gt: below, ast.GtE: below,
            ast.Eq: False, ast.NotEq: True}[op]


def unary(op: type, a: Any) -> Any:
    if isinstance(a, Masked):
        return lift(lambda x: unary(op, x), [a], "arithmetic")
    if isinstance(op, type) and op is ast.UAdd:
        if not weak_of(a):
            ufunc_types.loop_types(np.positive, [a])  # +bool raises, as in NumPy
        elif a.dtype == DType.bool:
            return cast(a, DType.int64)  # Python's +True is the int 1
        return a
    if op is ast.USub:
        if weak_of(a):
            if a.dtype == DType.bool:  # Python's -True is the int -1
                a = cast(a, DType.int64)
            dtype = ufunc_types.python_result(operator.neg, [a])
        else:
            dtype = ufunc_types.loop_types(np.negative, [a])[1]  # -bool raises, as in NumPy
        out = elementwise(X.neg, [a], dtype)
        _require_int64(out)  # -(-2**63)
        return out
    if op is ast.Not:
        return elementwise(lambda x: X.not_(as_boolean(x, a.dtype)), [a], DType.bool,
                           numeric=False)
    if op is ast.Invert:
        if a.dtype == DType.bool and weak_of(a):  # Python's ~True is the int's: -2
            a = cast(a, DType.int64)
        if a.dtype == DType.bool:
            return elementwise(lambda x: X.not_(as_boolean(x, DType.bool)), [a],
                               DType.bool, numeric=False)
        if not a.dtype.is_integer:
            raise SluiceTypeError(f"'~' needs integer or boolean operands, got {a.dtype}")
        return elementwise(lambda x: BitNot(x), [a], a.dtype)
    raise SluiceTypeError(f"unsupported unary operator {op.__name__}")


def cast(v: Any, to: DType) -> Any:
    if isinstance(v, Masked):
        return lift(lambda x: cast(x, to), [v], "a cast")
    if v.dtype == to:
        return v
    if to == DType.bool:
        return elementwise(lambda x: as_boolean(x, v.dtype), [v], to, numeric=False)
    fn = CASTS[to.value]
    if isinstance(v, Sym) and not narrow_symbol(v):
        return Sym(_fold_cast(wrapping(v), to), to, v.weak)
    return elementwise(lambda x: fn(x), [v], to, numeric=False)


def _fold_cast(e: sympy.Basic, to: DType) -> sympy.Basic:
    v = X.const_value(e)
    if v is not None:
        with np.errstate(all="ignore"):  # float16(2**40) is inf in NumPy too
            return X.literal(np.array(v).astype(to.numpy).item())
    if to.is_integer and X.is_index(e):
        return e
    return CASTS[to.value](e)


def _fmt(shape: tuple) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"

