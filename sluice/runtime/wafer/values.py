"""Scalar values, casts and DSD element functions of the wafer simulator.

Integers are Python ints wrapped to their CSL width; floats are NumPy scalars of their
type, so f32/f16 arithmetic rounds as the hardware does (up to fused multiply-add).
"""

from __future__ import annotations

import operator
from collections.abc import Callable

import numpy as np

NP_DTYPE: dict[str, type] = {
    "f16": np.float16, "f32": np.float32, "i16": np.int16, "i32": np.int32,
    "u16": np.uint16, "u32": np.uint32,
}
_INT_BITS = {"i16": (16, True), "i32": (32, True), "u16": (16, False), "u32": (32, False)}


def cast(value: object, dtype: str) -> object:
    """`value` converted to a CSL scalar of `dtype` (ints wrap, floats round)."""
    if dtype in ("f16", "f32"):
        return NP_DTYPE[dtype](value)
    if dtype == "bool":
        return bool(value)
    bits, signed = _INT_BITS[dtype]
    v = int(value) & ((1 << bits) - 1)
    if signed and v >= 1 << (bits - 1):
        v -= 1 << bits
    return v


def scalar(x: np.generic) -> object:
    """A NumPy element as a simulator scalar: ints become Python ints."""
    return int(x) if x.dtype.kind in "iu" else x


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def binop(op: str, a: object, b: object) -> object:
    """CSL binary operator: ints divide towards zero; floats follow NumPy."""
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    ints = isinstance(a, int) and isinstance(b, int)
    if op == "/":
        if ints:
            if b == 0:
                raise ZeroDivisionError("integer division by zero")
            return _trunc_div(a, b)
        return a / b
    if op == "%":
        if ints:
            if b == 0:
                raise ZeroDivisionError("integer remainder by zero")
            return a - b * _trunc_div(a, b)
        return np.fmod(a, b)
    if op == "==":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    if op == ">=":
        return bool(a >= b)
    if op == "and":
        return bool(a) and bool(b)
    if op == "or":
        return bool(a) or bool(b)
    raise ValueError(f"unknown operator {op}")


# DSD op element functions over NumPy arrays or scalars, by op name stem.
# The operator module's functions are `a + b` etc. without a Python frame per element.
_FUNCS: dict[str, Callable[..., object]] = {
    "mov": lambda a: a,
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "mac": lambda a, b, c: a + b * c,
    "neg": operator.neg,
    "max": np.maximum,
}


def dsd_function(op: str) -> Callable[..., object]:
    """The element function of a DSD builtin (`fmacs` -> a + b*c)."""
    if op in ("mov16", "mov32"):
        return _FUNCS["mov"]
    if op == "add16":
        return _FUNCS["add"]
    return _FUNCS[op[1:4]]
