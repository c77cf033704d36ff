"""Operators on traced values with NumPy's broadcasting and type promotion.

Trace-time scalars (`Sym`) fold symbolically; anything touching run-time data becomes a lazy
element-wise `Elem`. Each operator is one entry of a table keyed by the Python operator.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy
from sympy.logic.boolalg import Boolean

from sluice.errors import ShapeError, SluiceTypeError
from sluice.frontend.python.emit import align, broadcast
from sluice.frontend.python.values import Elem, Sym, to_elem
from sluice.ir.dtypes import DType
from sluice.ir.symbolic import CASTS, BitAnd, BitNot, BitOr, BitXor, FloorDiv, LShift, RShift

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
    if isinstance(e, Boolean) and not e.is_Symbol:
        if e is sympy.true or e is sympy.false:
            return sympy.Integer(int(bool(e)))
        return CASTS["int64" if to == DType.bool else to.value](e)
    return e


def as_boolean(e: sympy.Basic, dtype: DType) -> sympy.Basic:
    if isinstance(e, Boolean) or (dtype == DType.bool and e.is_Symbol):
        return e  # a boolean connector is usable as a condition as it is
    if e.is_number:  # (`Float(0.0) != 0` holds in SymPy: ask is_zero; nan is true)
        return sympy.false if e.is_zero else sympy.true
    return sympy.Ne(e, 0)


def _truediv(a, b):
    return a / b


def _pow(a, b):
    return sympy.Pow(a, b)


# name -> (sympy builder, result-type rule)
BINARY: dict[type, tuple[str, Callable[..., Any], str]] = {
    ast.Add: ("+", lambda a, b: a + b, "arith"),
    ast.Sub: ("-", lambda a, b: a - b, "arith"),
    ast.Mult: ("*", lambda a, b: a * b, "arith"),
    ast.Div: ("/", _truediv, "div"),
    ast.FloorDiv: ("//", lambda a, b: FloorDiv(a, b), "arith"),
    ast.Mod: ("%", lambda a, b: sympy.Mod(a, b), "arith"),
    ast.Pow: ("**", _pow, "arith"),
    ast.BitAnd: ("&", lambda a, b: BitAnd(a, b), "bit"),
    ast.BitOr: ("|", lambda a, b: BitOr(a, b), "bit"),
    ast.BitXor: ("^", lambda a, b: BitXor(a, b), "bit"),
    ast.LShift: ("<<", lambda a, b: LShift(a, b), "int"),
    ast.RShift: (">>", lambda a, b: RShift(a, b), "int"),
}

_LOGICAL = {ast.BitAnd: sympy.And, ast.BitOr: sympy.Or, ast.BitXor: sympy.Xor}

COMPARE: dict[type, Callable[..., Any]] = {
    ast.Lt: sympy.Lt,
    ast.LtE: sympy.Le,
    ast.Gt: sympy.Gt,
    ast.GtE: sympy.Ge,
    ast.Eq: sympy.Eq,
    ast.NotEq: sympy.Ne,
}


def result_type(rule: str, operands: list[Any]) -> DType:
    t = promote(operands)
    if rule == "div" and (t.is_integer or t == DType.bool):
        return DType.float64
    if rule in ("bit", "int") and not (t.is_integer or t == DType.bool):
        raise SluiceTypeError(f"bitwise operators need integer or boolean operands, got {t}")
    if rule == "arith" and t == DType.bool:
        return DType.int64 if any(o.dtype != DType.bool for o in operands) else DType.bool
    return t


def elementwise(fn: Callable[..., Any], operands: list[Any], dtype: DType,
                numeric: bool = True) -> Any:
    """Combine values element-wise; scalars known at trace time fold symbolically."""
    if all(isinstance(o, Sym) for o in operands):
        exprs = [as_number(o.expr, o.dtype, dtype) if numeric else o.expr for o in operands]
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


def binary(op: type, a: Any, b: Any) -> Any:
    sym, fn, rule = BINARY[op]
    dtype = result_type(rule, [a, b])
    if op in _LOGICAL and dtype == DType.bool:
        return elementwise(lambda x, y: _LOGICAL[op](as_boolean(x, DType.bool),
                                                     as_boolean(y, DType.bool)),
                           [a, b], dtype, numeric=False)
    return elementwise(fn, [a, b], dtype)


def compare(op: type, a: Any, b: Any) -> Any:
    promote([a, b])
    return elementwise(lambda x, y: COMPARE[op](x, y), [a, b], DType.bool)


def unary(op: type, a: Any) -> Any:
    if isinstance(op, type) and op is ast.UAdd:
        return a
    if op is ast.USub:
        dtype = DType.int64 if a.dtype == DType.bool else a.dtype
        return elementwise(lambda x: -x, [a], dtype)
    if op is ast.Not:
        return elementwise(lambda x: sympy.Not(as_boolean(x, a.dtype)), [a], DType.bool,
                           numeric=False)
    if op is ast.Invert:
        if a.dtype == DType.bool:
            return elementwise(lambda x: sympy.Not(as_boolean(x, DType.bool)), [a],
                               DType.bool, numeric=False)
        if not a.dtype.is_integer:
            raise SluiceTypeError(f"'~' needs integer or boolean operands, got {a.dtype}")
        return elementwise(lambda x: BitNot(x), [a], a.dtype)
    raise SluiceTypeError(f"unsupported unary operator {op.__name__}")


def cast(v: Any, to: DType) -> Any:
    if v.dtype == to:
        return v
    if to == DType.bool:
        return elementwise(lambda x: as_boolean(x, v.dtype), [v], to, numeric=False)
    fn = CASTS[to.value]
    return elementwise(lambda x: fn(x), [v], to, numeric=False) if not isinstance(v, Sym) \
        else Sym(_fold_cast(v.expr, to), to, v.weak)


def _fold_cast(e: sympy.Basic, to: DType) -> sympy.Basic:
    if e is sympy.true or e is sympy.false:
        e = sympy.Integer(int(bool(e)))
    if e.is_number:
        x = np.array(float(e) if not e.is_Integer else int(e)).astype(to.numpy).item()
        return sympy.sympify(x) if not isinstance(x, float) else sympy.Float(x, 17)
    if to.is_integer and e.is_integer:
        return e
    return CASTS[to.value](e)


def _fmt(shape: tuple) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"

