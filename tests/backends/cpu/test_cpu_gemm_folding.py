"""MatMul with gemm's alpha, beta and addend (`scaled`, `accumulate`, `scaled_acc`): the
CPU code against the interpreter, with and without the BLAS, for every layout the emitter
distinguishes; the NaNs a BLAS would skip; run-time size checks; and the frontend's gemm and
2mm, where O2 folds the scaling and epilogue maps into the products."""

from __future__ import annotations

import numpy as np
import pytest
from cpu_helpers import NO_PASSES, check

import sluice
import sluice.ir as ir
from sluice.backends.cpu import generate
from sluice.errors import ExecutionError
from sluice.ir.library import MatMul

BLAS_ON = {**NO_PASSES, "blas": True}
BLAS_OFF = {**NO_PASSES, "blas": False}
BOTH = pytest.mark.parametrize("options", [BLAS_ON, BLAS_OFF], ids=["blas", "builtin"])


def _gemm(name: str, dtype: str = "float64", *, acc: str | None = "C", beta: bool = True,
          alpha: bool = True, out: str = "C", wcr: str | None = None) -> ir.Program:
    """out (wcr)= alpha * A @ B + beta * acc, with A: M x K, B: K x N."""
    b = ir.ProgramBuilder(name)
    b.arg("alpha", "float64")
    b.arg("beta", "float64")
    b.arg("A", dtype, ["M", "K"])
    b.arg("B", dtype, ["K", "N"])
    b.arg("C", dtype, ["M", "N"])
    b.arg("Y", dtype, ["M", "2 * N"])
    if out not in ("C", "Y"):
        b.returns(out, dtype, ["M", "N"])
    node = MatMul(scaled=alpha, accumulate=acc is not None, scaled_acc=beta and acc is not None)
    ins = {"a": "A", "b": "B"}
    if alpha:
        ins["alpha"] = "alpha"
    if acc is not None:
        ins["acc"] = acc
        if beta:
            ins["beta"] = "beta"
    target = ir.Memlet(out, ir.parse_memlet(f"{out}[0:M, 0:N]").subset, wcr=wcr)
    with b.state() as s:
        s.library(node, ins, {"c": target})
    return b.build()


def _args(dtype: str, m: int, k: int, n: int, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    t = np.dtype(dtype)
    return [1.5, -0.75, rng.standard_normal((m, k)).astype(t),
            rng.standard_normal((k, n)).astype(t), rng.standard_normal((m, n)).astype(t),
            rng.standard_normal((m, 2 * n)).astype(t)]


@BOTH
@pytest.mark.parametrize("m, k, n", [(1, 7, 5), (6, 1, 9), (33, 17, 1), (70, 80, 90)])
def test_in_place_gemm_matches_the_interpreter(options, m, k, n):
    p = _gemm("gemm_in_place")
    assert "sl::scaled_matmul<double>" in generate(p, options)
    check(p, _args("float64", m, k, n), options=options)


@BOTH
@pytest.mark.parametrize("case", ["strided_acc", "unscaled_acc", "scale_only", "float32",
                                  "into_a_result", "wcr_output"])
def test_every_addend_and_output_layout(options, case):
    dtype = "float32" if case == "float32" else "float64"
    p = {
        "strided_acc": lambda: _gemm("g_strided", acc="Y[0:M, 0:2 * N:2]", out="R"),
        "unscaled_acc": lambda: _gemm("g_unscaled", beta=False, alpha=False),
        "scale_only": lambda: _gemm("g_scale", acc=None, out="R"),
        "float32": lambda: _gemm("g_f32", "float32"),
        "into_a_result": lambda: _gemm("g_result", acc="C", out="R"),
        "wcr_output": lambda: _gemm("g_wcr", acc="Y[0:M, 1:2 * N:2]", out="C", wcr="+"),
    }[case]()
    check(p, _args(dtype, 45, 30, 38, seed=3), options=options)


@BOTH
def test_a_zero_alpha_or_beta_keeps_the_nans_the_blas_would_skip(options):
    p = _gemm("gemm_zeros")
    args = _args("float64", 20, 10, 12)
    args[0], args[2][3, 4] = 0.0, np.inf  # 0 * (A @ B): the inf's row turns NaN
    check(p, args, options=options)
    fn = sluice.backends.cpu.build(p, options)
    fn(*args)
    assert np.isnan(args[4][3]).all() and np.count_nonzero(np.isnan(args[4])) == 12
    args = _args("float64", 20, 10, 12)
    args[1], args[4][5, 6] = 0.0, np.nan  # 0 * C: the NaN stays
    check(p, args, options=options)
    fn(*args)
    assert np.isnan(args[4][5, 6]) and np.count_nonzero(np.isnan(args[4])) == 1


def test_batched_products_add_per_batch():
    b = ir.ProgramBuilder("gemm_batched")
    b.arg("s", "float32")
    b.arg("A", "float32", ["Q", "M", "K"])
    b.arg("B", "float32", ["Q", "K", "N"])
    b.arg("C", "float32", ["Q", "M", "N"])
    with b.state() as st:
        st.library(MatMul(scaled=True, accumulate=True), {"a": "A", "b": "B", "alpha": "s",
                                                          "acc": "C"}, {"c": "C"})
    rng = np.random.default_rng(1)
    check(b.build(), [np.float32(0.5), *(rng.standard_normal(s).astype(np.float32)
                                         for s in ((3, 9, 7), (3, 7, 11), (3, 9, 11)))])


def test_sizes_that_disagree_at_run_time_raise_instead_of_overrunning():
    b = ir.ProgramBuilder("gemm_sizes")
    b.arg("A", "float64", ["M", "K"])
    b.arg("B", "float64", ["K", "N"])
    b.arg("Y", "float64", ["P", "Q"])
    b.returns("R", "float64", ["M", "N"])
    with b.state() as st:
        st.library(MatMul(accumulate=True), {"a": "A", "b": "B", "acc": "Y"}, {"c": "R"})
    p = b.build()
    rng = np.random.default_rng(2)
    A, B = rng.standard_normal((4, 3)), rng.standard_normal((3, 5))
    check(p, [A, B, rng.standard_normal((4, 5))])
    fn = sluice.backends.cpu.build(p, NO_PASSES)
    for bad in (rng.standard_normal((2, 5)), rng.standard_normal((5, 5))):
        with pytest.raises(ExecutionError):
            fn(A, B, bad)
        with pytest.raises(ExecutionError, match="adds an operand"):
            ir.interpret(p, A, B, bad)


def test_the_verifier_rejects_what_the_gemm_flags_cannot_mean():
    b = ir.ProgramBuilder("gemm_bad")
    b.arg("s", "float64", [3])
    b.arg("A", "int64", ["M", "K"])
    b.arg("B", "int64", ["K", "N"])
    b.returns("R", "int64", ["M", "N"])
    with b.state() as st:
        st.library(MatMul(scaled=True), {"a": "A", "b": "B", "alpha": "s"}, {"c": "R"})
    with pytest.raises(sluice.SluiceError, match="float32 or float64"):
        b.build().verify()


def _kernel(name: str):
    import importlib

    return importlib.import_module(f"bench.kernels.{name}")


@pytest.mark.parametrize("name", ["gemm", "k2mm"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_frontend_products_absorb_their_epilogue_maps_but_not_their_scaling(name, dtype):
    # alpha * A @ B + beta * C: the epilogue folds (beta * C is rounded once either way); the
    # scaling of A stays a map, as NumPy computes (alpha * A) @ B
    k = _kernel(name)
    args = [a.astype(dtype) if isinstance(a, np.ndarray) else a
            for a in k.init(**{s: v + 17 for s, v in k.SIZES["test"].items()})]
    f = sluice.jit(k.kernel_numpy)
    src = f.lower("cpu", *args)
    body = src[src.index("static void sl_prog_"):src.index('extern "C"')]
    assert body.count("sl::scaled_matmul<") == 1
    assert body.count("// map ") == 1  # alpha * A only
    want = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    k.kernel_numpy(*want)
    f(*args)
    for i in k.OUTPUTS:
        tol = 1e-4 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(args[i], want[i], rtol=tol, atol=tol)


def scaled_gemm(alpha, beta, C, A, B):
    C[:] = alpha * A @ B + beta * C


def test_scaled_products_overflow_only_where_numpy_does():
    # (alpha * A) @ B is finite here; alpha * (A @ B) would be inf
    a = np.full((40, 40), 1e200)
    args = [1e-200, 0.5, np.ones((40, 40)), a, a.copy()]
    want = [x.copy() if isinstance(x, np.ndarray) else x for x in args]
    scaled_gemm(*want)
    sluice.jit(scaled_gemm)(*args)
    assert np.isfinite(want[2]).all()
    np.testing.assert_allclose(args[2], want[2], rtol=1e-12)
