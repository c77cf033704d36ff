"""Tasklet expressions with NumPy semantics, per element type: one program per dtype holds
one map per operation, so each dtype costs a single compile."""

from __future__ import annotations

import numpy as np
import pytest
from cpu_helpers import NO_PASSES, assert_same

import sluice.ir as ir
from sluice.backends.cpu import build
from sluice.ir.symbolic import compile_numpy, free_names

INT_OPS = ["a + b", "a - b", "a * b", "a / b", "a // b", "a % b", "a ** 2", "a ** 3", "-a",
           "abs(a)", "max(a, b)", "min(a, b)", "a & b", "a | b", "a ^ b", "a << 3", "a >> 1",
           "a >> 70", "select(a > b, a, b)", "a * 3 + 1", "float64(a) * 0.5", "bitnot(a)",
           "a == b", "floor(a)", "a // 3", "a % -3", "sign(a)", "a and b", "a or b",
           "(a > b) and (a < 50) or not b"]
FLOAT_OPS = ["a + b * 2.0", "a - b", "a * b", "a / b", "a // b", "a % b", "a ** 2", "-a",
             "abs(a)", "max(a, b)", "min(a, b)", "floor(a)", "ceil(a)", "sign(a)",
             "select(a > 0.0, a, b)", "int32(a * 10.0)", "a * 3", "a * 0.1 + b",
             "sqrt(abs(a))", "a < b", "a // 0.0",
             # transcendental: compared with a tolerance (NumPy has its own SIMD versions)
             "exp(a)", "log(abs(a) + 1.0)", "tanh(a)", "sin(a) + cos(b)", "atan2(a, b)",
             "abs(a) ** b", "a and b", "(a <= b) and (b < 1.0)", "(a > 2.0) or b"]
COMPLEX_OPS = ["a * b + conj(a)", "a / b", "abs(a)", "real(a) + imag(b)", "a - b", "-a",
               "a * 2.0", "exp(a)", "sqrt(a)", "a ** 2"]
BOOL_OPS = ["a and b", "a or b", "not a", "select(a, 1, 2)", "a + b", "a * b", "a == b",
            "select(a, 1.5, b)"]
OPS = {"i": INT_OPS, "u": [o for o in INT_OPS if o not in ("-a", "a % -3")],
       "f": FLOAT_OPS, "c": COMPLEX_OPS, "b": BOOL_OPS}
DTYPES = ["float64", "float32", "int64", "int32", "int16", "int8", "uint8", "uint32", "bool",
          "complex128", "complex64"]


def _inputs(dtype: np.dtype, n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    if dtype.kind == "b":
        return rng.random(n) < 0.5, rng.random(n) < 0.5
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        lo, hi = max(info.min, -100), min(info.max, 100)
        a = rng.integers(lo, hi + 1, n).astype(dtype)
        b = rng.integers(lo, hi + 1, n).astype(dtype)
        b[:3] = 0  # division and modulo by zero follow NumPy (0), not a trap
        if dtype.kind == "i":
            a[3], b[3] = info.min, -1  # MIN // -1 wraps
        return a, b
    if dtype.kind == "c":
        a = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dtype)
        return a, (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dtype)
    a = (rng.standard_normal(n) * 3).astype(dtype)
    b = (rng.standard_normal(n) * 3).astype(dtype)
    b[0] = 0.0
    a[1], b[1] = -7.5, 2.0
    a[2], b[2] = 7.5, -2.0
    return a, b


def _out_dtype(expr: str, dtype: np.dtype) -> np.dtype:
    e = ir.parse_expr(expr, frozenset({"a", "b"}))
    names = sorted(free_names(e))
    one = {"a": np.ones(2, dtype), "b": np.ones(2, dtype)}
    with np.errstate(all="ignore"):
        return np.asarray(compile_numpy(e, names)(*(one[n] for n in names))).dtype


def _program(dtype: np.dtype) -> tuple[ir.Program, list[str]]:
    b = ir.ProgramBuilder(f"ops_{dtype.name}")
    b.arg("x", dtype.name, ["N"])
    b.arg("y", dtype.name, ["N"])
    exprs = OPS[dtype.kind]
    outs = []
    for k, expr in enumerate(exprs):
        name = f"r{k}"
        b.returns(name, _out_dtype(expr, dtype).name, ["N"])
        outs.append(name)
    with b.state("ops") as s:
        for k, expr in enumerate(exprs):
            s.map({"i": "0:N"}, f"o = {expr}", inputs={"a": "x[i]", "b": "y[i]"},
                  outputs={"o": f"r{k}[i]"}, label=f"op{k}")
    return b.build(), exprs


@pytest.mark.parametrize("dtype", DTYPES)
def test_elementwise_operations_match_numpy_semantics(dtype):
    dt = np.dtype(dtype)
    program, exprs = _program(dt)
    fn = build(program, NO_PASSES)
    x, y = _inputs(dt, 64, np.random.default_rng(3))
    with np.errstate(all="ignore"):
        expected = ir.interpret(program, x.copy(), y.copy())
    got = fn(x.copy(), y.copy())
    transcendental = ("exp", "log", "tanh", "sin", "atan2", "**")
    for expr, e, g in zip(exprs, expected, got, strict=True):
        # NumPy's complex loops may use FMA: complex results are compared with a tolerance.
        if dt.kind == "c" or dt.kind == "f" and any(t in expr for t in transcendental):
            assert_same(e, g, f"{dtype}: {expr}")
        else:  # arithmetic, casts, comparisons: bit for bit
            assert e.dtype == g.dtype, f"{dtype}: {expr}: dtype {e.dtype} vs {g.dtype}"
            np.testing.assert_array_equal(g, e, err_msg=f"{dtype}: {expr}")


def test_float32_arithmetic_stays_single_precision():
    """`x * 0.1 + y` on float32 rounds in float32 twice, exactly as NumPy does (NEP 50:
    the Python float is weak), not once in double."""
    b = ir.ProgramBuilder("f32_weak")
    b.arg("x", "float32", ["N"])
    b.arg("y", "float32", ["N"])
    b.returns("r", "float32", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = a * 0.1 + c", inputs={"a": "x[i]", "c": "y[i]"},
              outputs={"o": "r[i]"})
    p = b.build()
    rng = np.random.default_rng(0)
    x, y = rng.random(1000, dtype=np.float32), rng.random(1000, dtype=np.float32)
    got = build(p, NO_PASSES)(x, y)
    np.testing.assert_array_equal(got, x * np.float32(0.1) + y)
    assert not np.array_equal(got, (x.astype(np.float64) * 0.1 + y).astype(np.float32))


def test_tasklet_locals_may_change_type():
    b = ir.ProgramBuilder("locals")
    b.arg("x", "int32", ["N"])
    b.returns("r", "float64", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "t = a * 2; t = t / 3; o = t + 1", inputs={"a": "x[i]"},
              outputs={"o": "r[i]"})
    p = b.build()
    x = np.arange(-5, 5, dtype=np.int32)
    np.testing.assert_array_equal(build(p, NO_PASSES)(x), ir.interpret(p, x))
