"""Math functions through libmvec's vector variants: NumPy's results within a few ulp, the
special values exactly, and the variants really called (the loop vectorized)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sluice.ir as ir
from sluice.backends.cpu import build
from sluice.backends.cpu.prelude import VECMATH_FUNCTIONS
from sluice.runtime.vecmath import find_vecmath
from tests.backends.cpu.cpu_helpers import NO_PASSES

# expression, NumPy function, input range for float64 and for float32: wide, but where the
# result stays finite and well-conditioned (an error in ulp means something there).
UNARY = [
    ("exp(a)", np.exp, (-700, 700), (-87, 87)),
    ("log(a)", np.log, (1e-300, 1e300), (1e-30, 1e30)),
    ("sin(a)", np.sin, (-100, 100), (-100, 100)), ("cos(a)", np.cos, (-100, 100), (-100, 100)),
    ("tan(a)", np.tan, (-1.5, 1.5), (-1.5, 1.5)), ("asin(a)", np.arcsin, (-1, 1), (-1, 1)),
    ("acos(a)", np.arccos, (-1, 1), (-1, 1)), ("atan(a)", np.arctan, (-100, 100), (-100, 100)),
    ("sinh(a)", np.sinh, (-700, 700), (-87, 87)), ("cosh(a)", np.cosh, (-700, 700), (-87, 87)),
    ("tanh(a)", np.tanh, (-20, 20), (-9, 9)),
]
SPECIAL = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 709.78, 709.79, -745.1, -745.2,
                    -708.4, -720.0, 1e-300, -1e-300, 5e-324, 1.0, -1.0, 0.5])
N = 4099  # not a multiple of any vector width: the vector body and the scalar tail both run


def _map_program(expr: str, dtype: str, arity: int) -> ir.Program:
    b = ir.ProgramBuilder("vecmath")
    names = ["x", "y"][:arity]
    for name in names:
        b.arg(name, dtype, ["N"])
    b.returns("r", dtype, ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, f"o = {expr}",
              inputs={c: f"{n}[i]" for c, n in zip(("a", "b"), names, strict=False)},
              outputs={"o": "r[i]"})
    return b.build()


def _inputs(lo: float, hi: float, dtype: str) -> np.ndarray:
    x = np.random.default_rng(11).uniform(lo, hi, N)
    with np.errstate(over="ignore"):  # float32 rounds the largest special values to inf
        return np.concatenate([x[: N - len(SPECIAL)], SPECIAL]).astype(dtype)


def _assert_close_in_ulp(got: np.ndarray, want: np.ndarray, what: str) -> None:
    # NaN, infinities, zeros and subnormal flushes where NumPy has them; the rest within
    # libmvec's 4 ulp plus NumPy's own (its float32 loops have their own SIMD code).
    assert got.dtype == want.dtype, what
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=what)
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want), err_msg=what)
    finite = np.isfinite(want)
    np.testing.assert_array_equal(got[~finite & ~np.isnan(want)],
                                  want[~finite & ~np.isnan(want)], err_msg=what)
    np.testing.assert_array_max_ulp(got[finite], want[finite], maxulp=8)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("expr, ufunc, domain64, domain32", UNARY, ids=[u[0] for u in UNARY])
def test_unary_math_matches_numpy_within_a_few_ulp(expr, ufunc, domain64, domain32, dtype):
    x = _inputs(*(domain64 if dtype == "float64" else domain32), dtype)
    got = build(_map_program(expr, dtype, 1), NO_PASSES)(x)
    with np.errstate(all="ignore"):
        want = ufunc(x)
    _assert_close_in_ulp(got, want, f"{dtype} {expr}")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("expr, ufunc", [("atan2(a, b)", np.arctan2), ("a ** b", np.power)])
def test_binary_math_matches_numpy_within_a_few_ulp(expr, ufunc, dtype):
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 30, N).astype(dtype)
    y = rng.uniform(-10, 10, N).astype(dtype)
    x[:4], y[:4] = [0.0, np.inf, np.nan, 2.0], [0.0, -1.0, 1.0, np.nan]
    got = build(_map_program(expr, dtype, 2), NO_PASSES)(x, y)
    with np.errstate(all="ignore"):
        want = ufunc(x, y)
    _assert_close_in_ulp(got, want, f"{dtype} {expr}")


def _called_variants(library: str) -> set[str]:
    """The libmvec symbols (`_ZGV...`) a shared library imports."""
    data = Path(library).read_bytes()
    out, start = set(), data.find(b"_ZGV")
    while start >= 0:
        end = data.index(b"\0", start)
        out.add(data[start:end].decode())
        start = data.find(b"_ZGV", end)
    return out


@pytest.mark.skipif(find_vecmath() is None, reason="no vector math library on this system")
def test_the_loop_calls_the_vector_variants():
    p = _map_program("exp(a) + tanh(a) * sin(a)", "float64", 1)
    fn = build(p, NO_PASSES)
    assert {"exp", "tanh", "sin"} <= {s.rsplit("_", 1)[-1] for s in _called_variants(fn.path)}
    scalar = build(p, {**NO_PASSES, "vecmath": False})
    assert _called_variants(scalar.path) == set()
    x = _inputs(-20, 20, "float64")
    _assert_close_in_ulp(fn(x), scalar(x), "vector vs scalar calls")


def test_the_declarations_cover_every_function_the_backend_calls():
    from sluice.backends.cpu import cexpr

    called = {c.removeprefix("std::") for c, _ in (*cexpr._UNFUNCS.values(),
                                                     *cexpr._BINFUNCS.values())}
    called.add("pow")  # `**` on floats
    libm = {"exp", "log", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
            "atan2", "pow"}
    assert called & libm == set(VECMATH_FUNCTIONS)
