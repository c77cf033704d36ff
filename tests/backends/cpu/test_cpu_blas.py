"""MatMul through the BLAS: every operand layout the dispatcher accepts (plain, transposed,
sub-blocks with a larger leading dimension, vectors with strides, `a.T @ a`) and the ones it
must hand back to the built-in kernels (strided matrices, mixed types, integers), against
the interpreter — with the BLAS on and off."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from cpu_helpers import NO_PASSES, check

import sluice.ir as ir
from sluice.backends.cpu import build
from sluice.runtime.blas import find_blas

BLAS_ON = {**NO_PASSES, "blas": True}
BLAS_OFF = {**NO_PASSES, "blas": False}

pytestmark = pytest.mark.skipif(find_blas() is None, reason="no BLAS found (sluice doctor)")


def _layouts(dtype: str) -> ir.Program:
    b = ir.ProgramBuilder(f"layouts_{dtype}")
    b.arg("A", dtype, ["M", "K"])
    b.arg("B", dtype, ["K", "N"])
    b.arg("At", dtype, ["K", "M"])  # A stored transposed
    b.arg("Bt", dtype, ["N", "K"])
    b.arg("v", dtype, ["2 * K"])
    b.arg("w", dtype, ["M"])
    b.arg("X", dtype, ["K", "M"])
    outs = {
        "nn": ["M", "N"], "tn": ["M", "N"], "nt": ["M", "N"], "tt": ["M", "N"],
        "sub": ["M - 1", "N - 1"], "mv": ["M"], "tmv": ["M"], "vm": ["N"], "tvm": ["K"],
        "svm": ["N"], "dot": [],
        "gram": ["M", "M"], "gram_t": ["K", "K"], "acc": ["M", "N"],
    }
    for name, shape in outs.items():
        b.returns(name, dtype, shape)
    t = {"transpose_a": True}
    with b.state() as s:
        s.library(ir.MatMul(), {"a": "A", "b": "B"}, {"c": "nn"})
        s.library(ir.MatMul(**t), {"a": "At", "b": "B"}, {"c": "tn"})
        s.library(ir.MatMul(transpose_b=True), {"a": "A", "b": "Bt"}, {"c": "nt"})
        s.library(ir.MatMul(transpose_a=True, transpose_b=True), {"a": "At", "b": "Bt"},
                  {"c": "tt"})
        # sub-blocks: leading dimensions larger than the rows they hold
        s.library(ir.MatMul(), {"a": "A[1:M, 0:K]", "b": "B[0:K, 1:N]"}, {"c": "sub"})
        s.library(ir.MatMul(), {"a": "A", "b": "v[0:2 * K:2]"}, {"c": "mv"})  # strided x
        s.library(ir.MatMul(**t), {"a": "At", "b": "v[1:2 * K:2]"}, {"c": "tmv"})
        s.library(ir.MatMul(), {"a": "w", "b": "A"}, {"c": "tvm"})
        s.library(ir.MatMul(), {"a": "v[0:K]", "b": "B"}, {"c": "vm"})
        s.library(ir.MatMul(), {"a": "v[1:2 * K:2]", "b": "B"}, {"c": "svm"})  # strided x
        s.library(ir.MatMul(), {"a": "v[0:K]", "b": "v[K:2 * K]"}, {"c": "dot"})
        s.library(ir.MatMul(**t), {"a": "X", "b": "X"}, {"c": "gram"})  # X.T @ X
        s.library(ir.MatMul(transpose_b=True), {"a": "X", "b": "X"}, {"c": "gram_t"})
        s.library(ir.MatMul(), {"a": "A", "b": "B"}, {"c": "acc wcr +"})
    return b.build()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("options", [BLAS_ON, BLAS_OFF], ids=["blas", "builtin"])
def test_every_layout_matches_the_interpreter(dtype, options):
    rng = np.random.default_rng(7)
    p = _layouts(dtype)
    # (3, 4, 5): tiny; (67, 130, 90): blocked paths and OpenMP slabs
    for m, k, n in ((3, 4, 5), (67, 130, 90)):
        def r(*shape):  # positive: float32 sums without cancellation stay within rtol
            return rng.random(shape).astype(dtype)
        args = [r(m, k), r(k, n), r(k, m), r(n, k), r(2 * k), r(m), r(k, m)]
        check(p, args, options=options)


def test_strided_and_mixed_operands_fall_back():
    b = ir.ProgramBuilder("fallbacks")
    b.arg("A", "float64", ["2 * M", "K"])
    b.arg("B", "float64", ["K", "N"])
    b.arg("F", "float32", ["K", "N"])
    b.arg("I", "int64", ["M", "K"])
    b.arg("J", "int64", ["K", "N"])
    b.returns("rows", "float64", ["M", "N"])
    b.returns("mixed", "float64", ["2 * M", "N"])
    b.returns("ints", "int64", ["M", "N"])
    b.returns("empty", "float64", ["M", "N"])
    with b.state() as s:
        # every other row: no unit-stride BLAS layout, so the built-in kernel takes it
        s.library(ir.MatMul(), {"a": "A[0:2 * M:2, 0:K]", "b": "B"}, {"c": "rows"})
        s.library(ir.MatMul(), {"a": "A", "b": "F"}, {"c": "mixed"})
        s.library(ir.MatMul(), {"a": "I", "b": "J"}, {"c": "ints"})
        s.library(ir.MatMul(), {"a": "A[0:M, 0:0]", "b": "B[0:0, 0:N]"}, {"c": "empty"})
    p = b.build()
    rng = np.random.default_rng(3)
    m, k, n = 40, 70, 50
    args = [rng.standard_normal((2 * m, k)), rng.standard_normal((k, n)),
            rng.standard_normal((k, n)).astype(np.float32),
            rng.integers(-5, 5, (m, k)), rng.integers(-5, 5, (k, n))]
    check(p, args, options=BLAS_ON)


def _undefined_symbols(path: str) -> str:
    nm = shutil.which("nm")
    if nm is None:
        pytest.skip("nm not installed")
    return subprocess.run([nm, "-D", "--undefined-only", path], capture_output=True,
                          text=True, check=True).stdout


def test_the_library_calls_the_blas_only_when_asked(monkeypatch):
    p = _layouts("float64")
    prefix = find_blas().prefix
    on = build(p, BLAS_ON)
    assert f"{prefix}cblas_dgemm" in _undefined_symbols(on.path)
    assert f"{prefix}cblas_dsyrk" in _undefined_symbols(on.path)
    off = build(p, BLAS_OFF)
    assert "cblas_" not in _undefined_symbols(off.path)
    monkeypatch.setenv("SLUICE_BLAS", "off")
    assert find_blas() is None
    env_off = build(p, BLAS_ON)
    assert "cblas_" not in _undefined_symbols(env_off.path)


def test_python_matmul_of_a_transpose_reads_it_in_place():
    """`x.T @ x` from the frontend (covariance's one-product variant): no Transpose left
    after O2, the gram path computes it."""
    import sluice
    from bench.kernels import covariance

    args = covariance.init(**covariance.SIZES["test"])
    f = sluice.jit(covariance.kernel_restructured)
    src = f.lower("cpu", *[a.copy() if isinstance(a, np.ndarray) else a for a in args])
    assert "library node Transpose" not in src
    assert "'transpose_a': True" in src
    expected = covariance.kernel_restructured(*[a.copy() if isinstance(a, np.ndarray) else a
                                         for a in args])
    np.testing.assert_allclose(f(*args), expected, rtol=1e-12)
