"""`u = A @ x` and `v = w @ A` in one state run as one pass over A (`sl::matvec_pair`):
independent vectors (bicg, mvt), w = u (atax), row counts that leave a tail, float32,
strided vectors; and the products it must leave alone."""

from __future__ import annotations

import numpy as np
import pytest
from cpu_helpers import NO_PASSES, check

import sluice.ir as ir
from sluice.backends.cpu import generate
from sluice.ir.library import MatMul

PAIRED = "sl::matvec_pair<"


def _pair(name: str, dtype: str = "float64", w_is_u: bool = False,
          strided: bool = False) -> ir.Program:
    b = ir.ProgramBuilder(name)
    b.arg("A", dtype, ["M", "N"])
    b.arg("x", dtype, ["2 * N" if strided else "N"])
    b.arg("w", dtype, ["M"])
    b.returns("u", dtype, ["M"])
    b.returns("v", dtype, ["N"])
    xs = "x[0:2 * N:2]" if strided else "x"
    with b.state() as s:
        s.library(MatMul(), {"a": "A", "b": xs}, {"c": "u"})
        s.library(MatMul(), {"a": "u" if w_is_u else "w", "b": "A"}, {"c": "v"})
    return b.build()


def _args(dtype: str, m: int, n: int, strided: bool = False) -> list:
    rng = np.random.default_rng(m * 1000 + n)
    t = np.dtype(dtype)
    return [rng.standard_normal((m, n)).astype(t),
            rng.standard_normal(2 * n if strided else n).astype(t),
            rng.standard_normal(m).astype(t)]


@pytest.mark.parametrize("w_is_u", [False, True])
@pytest.mark.parametrize("m, n", [(1, 5), (7, 3), (10, 33), (2001, 130)])
def test_pair_matches_the_interpreter(w_is_u, m, n):
    p = _pair(f"pair_{int(w_is_u)}", w_is_u=w_is_u)
    assert PAIRED in generate(p, NO_PASSES)
    check(p, _args("float64", m, n))


def test_float32_and_strided_vector():
    p = _pair("pair_f32", "float32", strided=True)
    assert PAIRED in generate(p, NO_PASSES)
    check(p, _args("float32", 203, 65, strided=True))


def test_infinities_in_the_last_rows_stay_where_they_are():
    """Rows past the last group of four are not padded with copies of other rows."""
    p = _pair("pair_inf")
    A, x, w = _args("float64", 6, 9)
    A[4, 2] = np.inf
    w[:] = 1.0
    check(p, [A, x, w])


def test_products_that_must_stay_apart():
    b = ir.ProgramBuilder("apart")
    b.arg("A", "float64", ["M", "N"])
    b.arg("B", "int64", ["M", "N"])
    b.arg("x", "float64", ["N"])
    b.arg("w", "float64", ["M"])
    b.arg("xi", "int64", ["N"])
    b.arg("wi", "int64", ["M"])
    b.returns("u", "float64", ["M"])
    b.returns("v", "float64", ["N"])
    b.returns("ui", "int64", ["M"])
    b.returns("vi", "int64", ["N"])
    with b.state() as s:  # v is accumulated into (wcr): not a plain store
        s.library(MatMul(), {"a": "A", "b": "x"}, {"c": "u"})
        s.library(MatMul(), {"a": "w", "b": "A"}, {"c": "v wcr +"})
    with b.state() as s:  # integers
        s.library(MatMul(), {"a": "B", "b": "xi"}, {"c": "ui"})
        s.library(MatMul(), {"a": "wi", "b": "B"}, {"c": "vi"})
    with b.state() as s:  # w is written in the same state
        s.map({"i": "0:M"}, "o = a * 2.0", inputs={"a": "u[i]"}, outputs={"o": "w[i]"})
        s.library(MatMul(), {"a": "A", "b": "x"}, {"c": "u"})
        s.library(MatMul(), {"a": "w", "b": "A"}, {"c": "v"})
    p = b.build()
    assert PAIRED not in generate(p, NO_PASSES)
    rng = np.random.default_rng(5)
    check(p, [rng.standard_normal((9, 6)), rng.integers(-9, 9, (9, 6)),
              rng.standard_normal(6), rng.standard_normal(9), rng.integers(-9, 9, 6),
              rng.integers(-9, 9, 9)])


def test_bench_kernels_take_one_pass():
    import sluice
    from bench.kernels import atax, bicg, mvt

    for mod in (atax, bicg, mvt):
        args = mod.init(**mod.SIZES["test"])
        f = sluice.jit(mod.kernel_numpy)
        assert PAIRED in f.lower("cpu", *args), mod.NAME
        mine = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        want = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        got, expected = f(*mine), mod.kernel_numpy(*want)
        got = got if isinstance(got, tuple) else (got,) if got is not None else ()
        expected = expected if isinstance(expected, tuple) else \
            (expected,) if expected is not None else ()
        for g, e in zip(got, expected, strict=True):
            np.testing.assert_allclose(g, e, rtol=1e-12)
        for a, e in zip(mine, want, strict=True):
            if isinstance(a, np.ndarray):
                np.testing.assert_allclose(a, e, rtol=1e-12)
