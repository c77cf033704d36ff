"""Library nodes as loop nests: MatMul shapes and types, Reduce variants, Transpose,
Softmax and SpMM, against the interpreter (which runs their NumPy references)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from cpu_helpers import NO_PASSES, check

import sluice.ir as ir
from sluice.backends.cpu import build, generate


def _matmul_program() -> ir.Program:
    b = ir.ProgramBuilder("matmuls")
    b.arg("A", "float64", ["M", "K"])
    b.arg("B", "float64", ["K", "N"])
    b.arg("v", "float64", ["K"])
    b.arg("w", "float64", ["M"])
    b.arg("T", "float64", ["Q", "M", "K"])
    b.arg("U", "float64", ["Q", "K", "N"])
    b.arg("I", "int32", ["M", "K"])
    b.arg("J", "int32", ["K", "N"])
    b.arg("F", "float32", ["K", "N"])
    b.arg("C", "float64", ["M", "N"])
    b.returns("mm", "float64", ["M", "N"])
    b.returns("mv", "float64", ["M"])
    b.returns("vm", "float64", ["K"])
    b.returns("dot", "float64")
    b.returns("bmm", "float64", ["Q", "M", "N"])
    b.returns("bm2", "float64", ["Q", "M", "N"])
    b.returns("imm", "int32", ["M", "N"])
    b.returns("mixed", "float64", ["M", "N"])
    b.returns("sub", "float64", ["M - 1", "N"])
    with b.state() as s:
        s.library(ir.MatMul(), {"a": "A", "b": "B"}, {"c": "mm"})
        s.library(ir.MatMul(), {"a": "A", "b": "v"}, {"c": "mv"})
        s.library(ir.MatMul(), {"a": "w", "b": "A"}, {"c": "vm"})
        s.library(ir.MatMul(), {"a": "v", "b": "v"}, {"c": "dot"})
        s.library(ir.MatMul(), {"a": "T", "b": "U"}, {"c": "bmm"})
        s.library(ir.MatMul(), {"a": "T", "b": "B"}, {"c": "bm2"})
        s.library(ir.MatMul(), {"a": "I", "b": "J"}, {"c": "imm"})
        s.library(ir.MatMul(), {"a": "A", "b": "F"}, {"c": "mixed"})
        s.library(ir.MatMul(), {"a": "A[1:M, 0:K]", "b": "B"}, {"c": "sub"})
        s.library(ir.MatMul(), {"a": "A", "b": "B"}, {"c": "C wcr +"})
    return b.build()


def test_matmul_shapes_types_and_views():
    rng = np.random.default_rng(0)
    for m, k, n, q in ((5, 7, 3, 2), (70, 300, 600, 1)):  # the second crosses block sizes
        args = [rng.standard_normal((m, k)), rng.standard_normal((k, n)),
                rng.standard_normal(k), rng.standard_normal(m),
                rng.standard_normal((q, m, k)), rng.standard_normal((q, k, n)),
                rng.integers(-9, 9, (m, k)).astype(np.int32),
                rng.integers(-9, 9, (k, n)).astype(np.int32),
                rng.standard_normal((k, n)).astype(np.float32), rng.standard_normal((m, n))]
        check(_matmul_program(), args)


def _reduce_program() -> ir.Program:
    b = ir.ProgramBuilder("reductions")
    b.arg("A", "float64", ["N", "M"])
    b.arg("X", "int32", ["N", "M", "P"])
    b.arg("flags", "bool", ["N"])
    b.returns("rows", "float64", ["N"])
    b.returns("cols", "float64", ["M"])
    b.returns("all", "float64")
    b.returns("keep", "float64", ["N", 1])
    b.returns("seeded", "float64", ["N"])
    b.returns("mx", "float64", ["M"])
    b.returns("mn", "float64", ["N"])
    b.returns("amin", "int64")
    b.returns("amax", "int64", ["M"])
    b.returns("isum", "int64", ["M"])
    b.returns("iprod", "int64", ["N", "P"])
    b.returns("count", "int64")
    with b.state() as s:
        s.library(ir.Reduce(op="+", axes=[1]), {"inp": "A"}, {"out": "rows"})
        s.library(ir.Reduce(op="+", axes=[0]), {"inp": "A"}, {"out": "cols"})
        s.library(ir.Reduce(op="+"), {"inp": "A"}, {"out": "all"})
        s.library(ir.Reduce(op="+", axes=[-1], keepdims=True), {"inp": "A"}, {"out": "keep"})
        s.library(ir.Reduce(op="max", axes=[1], identity=0.5), {"inp": "A"}, {"out": "seeded"})
        s.library(ir.Reduce(op="max", axes=[0]), {"inp": "A"}, {"out": "mx"})
        s.library(ir.Reduce(op="min", axes=[1]), {"inp": "A"}, {"out": "mn"})
        s.library(ir.Reduce(op="argmin"), {"inp": "A"}, {"out": "amin"})
        s.library(ir.Reduce(op="argmax", axes=[0]), {"inp": "A"}, {"out": "amax"})
        s.library(ir.Reduce(op="+", axes=[0, 2]), {"inp": "X"}, {"out": "isum"})
        s.library(ir.Reduce(op="*", axes=[1]), {"inp": "X"}, {"out": "iprod"})
        s.library(ir.Reduce(op="+"), {"inp": "flags"}, {"out": "count"})
    return b.build()


def test_reduce_variants():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((6, 5))
    A[2, 3] = np.nan  # max/min propagate NaN, argmax stops at the first NaN
    X = rng.integers(-3, 4, (6, 5, 4)).astype(np.int32)
    check(_reduce_program(), [A, X, rng.random(6) < 0.5])


@pytest.mark.parametrize("shape", [(3, 5), (7, 3000), (70001, 1)])
def test_regrouped_sums_and_products_in_blocks_and_threads(shape):
    """Sums and products regroup: blocks of the last reduced loop are vectorised, and a
    single result shares its blocks among threads (`reduction(+:...)`); the values stay
    within rounding of NumPy's pairwise order, integers exactly."""
    b = ir.ProgramBuilder("regrouped")
    b.arg("A", "float64", ["N", "M"])
    b.arg("F", "float32", ["N", "M"])
    b.arg("X", "int64", ["N", "M"])
    b.returns("total", "float64")
    b.returns("ftotal", "float32")
    b.returns("rows", "float64", ["N"])
    b.returns("itotal", "int64")
    b.returns("iprod", "int64", ["N"])
    with b.state() as s:
        s.library(ir.Reduce(op="+"), {"inp": "A"}, {"out": "total"})
        s.library(ir.Reduce(op="+"), {"inp": "F"}, {"out": "ftotal"})
        s.library(ir.Reduce(op="+", axes=[1]), {"inp": "A"}, {"out": "rows"})
        s.library(ir.Reduce(op="+"), {"inp": "X"}, {"out": "itotal"})
        s.library(ir.Reduce(op="*", axes=[1]), {"inp": "X"}, {"out": "iprod"})
    p = b.build()
    src = generate(p, NO_PASSES)
    assert "#pragma omp simd reduction(+:sl_part)" in src
    assert "#pragma omp parallel for reduction(+:sl_acc)" in src
    rng = np.random.default_rng(3)
    A = rng.random(shape)
    X = rng.integers(-2**40, 2**40, shape)
    check(p, [A, A.astype(np.float32), X])


@pytest.mark.parametrize("shape", [(3, 5), (7, 3000), (70001, 1)])
@pytest.mark.parametrize("nan_at", [None, (0, 0), (-1, -1), (2, 1)])
def test_max_and_min_regroup_exactly_and_a_nan_anywhere_wins(shape, nan_at):
    """max/min without identity run in vectorised blocks and, for one result, in threads
    (the NaN flag is or-ed across both); the results are NumPy's exactly, a NaN in any lane
    or block included, for floats and integers."""
    b = ir.ProgramBuilder("extrema")
    b.arg("A", "float64", ["N", "M"])
    b.arg("F", "float32", ["N", "M"])
    b.arg("X", "int64", ["N", "M"])
    b.returns("top", "float64")
    b.returns("low", "float32")
    b.returns("rows", "float64", ["N"])
    b.returns("itop", "int64")
    b.returns("ilow", "int64", ["N"])
    with b.state() as s:
        s.library(ir.Reduce(op="max"), {"inp": "A"}, {"out": "top"})
        s.library(ir.Reduce(op="min"), {"inp": "F"}, {"out": "low"})
        s.library(ir.Reduce(op="max", axes=[1]), {"inp": "A"}, {"out": "rows"})
        s.library(ir.Reduce(op="max"), {"inp": "X"}, {"out": "itop"})
        s.library(ir.Reduce(op="min", axes=[1]), {"inp": "X"}, {"out": "ilow"})
    p = b.build()
    src = generate(p, NO_PASSES)
    assert "#pragma omp simd reduction(max:sl_part) reduction(|:sl_nan)" in src
    assert "#pragma omp parallel for reduction(min:sl_acc) reduction(|:sl_nan)" in src
    rng = np.random.default_rng(4)
    A = -np.abs(rng.standard_normal(shape)) * 1e300  # all below zero: no lucky 0 seed
    if nan_at is not None:
        A[nan_at[0] % shape[0], nan_at[1] % shape[1]] = np.nan
    X = rng.integers(-2**62, 2**62, shape)
    got = check(p, [A, (A * 1e-300).astype(np.float32), X])
    assert np.isnan(got[0]) == (nan_at is not None)


def test_max_and_min_of_nothing_stay_zero_and_of_infinities_are_infinite():
    b = ir.ProgramBuilder("extrema_edges")
    b.arg("A", "float64", ["N", "M"])
    b.returns("rows", "float64", ["N"])
    b.returns("cols", "float64", ["M"])
    with b.state() as s:
        s.library(ir.Reduce(op="max", axes=[1]), {"inp": "A"}, {"out": "rows"})
        s.library(ir.Reduce(op="min", axes=[0]), {"inp": "A"}, {"out": "cols"})
    fn = build(b.build(), NO_PASSES)
    rows, cols = fn(np.full((3, 4), -np.inf))
    assert (rows == -np.inf).all() and (cols == -np.inf).all()
    rows, cols = fn(np.zeros((3, 0)))  # NumPy raises; compiled code gives 0 as before
    assert rows.tolist() == [0.0, 0.0, 0.0] and cols.shape == (0,)


@pytest.mark.parametrize("op", ["+", "max", "min"])
def test_reducing_no_axes_copies(op):
    b = ir.ProgramBuilder("no_axes")
    b.arg("A", "float64", ["N"])
    b.returns("r", "float64", ["N"])
    with b.state() as s:
        s.library(ir.Reduce(op=op, axes=[]), {"inp": "A"}, {"out": "r"})
    got = check(b.build(), [np.array([3.0, np.nan, -1.0])])
    np.testing.assert_array_equal(got, [3.0, np.nan, -1.0])


def test_transpose_softmax_spmm():
    b = ir.ProgramBuilder("misc_library")
    b.arg("A", "float64", ["N", "M", "P"])
    b.arg("S", "float32", ["N", "M"])
    b.csr("C", "float64", "N", "M", "NNZ", index_dtype="int32")
    b.arg("x", "float64", ["M"])
    b.arg("X", "float64", ["M", "K"])
    b.returns("t", "float64", ["M", "N", "P"])
    b.returns("rev", "float64", ["P", "M", "N"])
    b.returns("soft", "float32", ["N", "M"])
    b.returns("y", "float64", ["N"])
    b.returns("Y", "float64", ["N", "K"])
    with b.state() as s:
        s.library(ir.Transpose(axes=[1, 0, 2]), {"inp": "A"}, {"out": "t"})
        s.library(ir.Transpose(), {"inp": "A"}, {"out": "rev"})
        s.library(ir.Softmax(axis=0), {"inp": "S"}, {"out": "soft"})
        s.library(ir.SpMM(), {"A": "C", "b": "x"}, {"c": "y"})
        s.library(ir.SpMM(), {"A": "C", "b": "X"}, {"c": "Y"})
    rng = np.random.default_rng(2)
    C = sp.random(4, 6, density=0.4, format="csr", random_state=3)
    check(b.build(), [rng.standard_normal((4, 6, 3)), rng.standard_normal((4, 6)).astype(
        np.float32), C, rng.standard_normal(6), rng.standard_normal((6, 2))])


@pytest.mark.parametrize("shape", [(2, 3), (7, 3000), (70001, 1)])
def test_seeded_sums_and_products_count_the_seed_once(shape):
    """A Reduce with an identity (NumPy's initial=) of + or *: each block's partial starts
    from 0 or 1 and the seed counts once (every block started from it: np.prod(ones((2, 3)),
    axis=1, initial=2) gave 4, np.sum(ones((2, 3), int), initial=1) gave 9)."""
    b = ir.ProgramBuilder("seeded")
    b.arg("A", "float64", ["N", "M"])
    b.arg("X", "int64", ["N", "M"])
    b.returns("total", "float64")
    b.returns("rows", "float64", ["N"])
    b.returns("iprod", "int64", ["N"])
    b.returns("itotal", "int64")
    with b.state() as s:
        s.library(ir.Reduce(op="+", identity=1.5), {"inp": "A"}, {"out": "total"})
        s.library(ir.Reduce(op="*", axes=[1], identity=2.0), {"inp": "A"}, {"out": "rows"})
        s.library(ir.Reduce(op="*", axes=[1], identity=3), {"inp": "X"}, {"out": "iprod"})
        s.library(ir.Reduce(op="+", identity=7), {"inp": "X"}, {"out": "itotal"})
    rng = np.random.default_rng(5)
    A = 1.0 + rng.random(shape) * 1e-6
    X = rng.integers(-1, 2, shape)
    check(b.build(), [A, X])
