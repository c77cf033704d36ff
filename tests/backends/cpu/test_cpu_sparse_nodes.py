"""SpMM with transpose_a and SDDMM against scipy/NumPy on the interpreter and the CPU
backend (also with every access bounds-checked): NaN, ±inf, -0.0 among the values, empty
rows, a repeated column in a row, float32 operands."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from cpu_helpers import NO_PASSES, O2_CHECKED, check

import sluice.ir as ir


def _csr() -> sp.csr_array:
    # row 1 is empty, row 2 repeats column 3; specials among the values
    indptr = np.array([0, 2, 2, 5, 6], dtype=np.int32)
    indices = np.array([0, 4, 3, 1, 3, 2], dtype=np.int32)
    data = np.array([1.5, np.nan, -0.0, np.inf, 2.0, -3.0])
    return sp.csr_array((data, indices, indptr), shape=(4, 5))


def _program() -> ir.Program:
    b = ir.ProgramBuilder("sparse_nodes")
    b.csr("C", "float64", "N", "M", "NNZ", index_dtype="int32")
    b.arg("X", "float64", ["N", "K"])
    b.arg("x", "float64", ["N"])
    b.arg("Y", "float32", ["M", "K"])
    b.returns("T", "float64", ["M", "K"])
    b.returns("t", "float64", ["M"])
    b.returns("S", "float64", ["NNZ"])
    with b.state() as s:
        s.library(ir.SpMM(transpose_a=True), {"A": "C", "b": "X"}, {"c": "T"})
        s.library(ir.SpMM(transpose_a=True), {"A": "C", "b": "x"}, {"c": "t"})
        s.library(ir.SDDMM(), {"A": "C", "x": "X", "y": "Y", "w": "C.data"}, {"c": "S"})
    return b.build()


def test_transposed_spmm_and_sddmm_match_scipy():
    rng = np.random.default_rng(4)
    a = _csr()
    X, x = rng.standard_normal((4, 3)), rng.standard_normal(4)
    Y = rng.standard_normal((5, 3)).astype(np.float32)
    X[0, 0], X[2, 1], x[3] = -0.0, np.inf, np.nan
    p = _program()
    assert ir.parse(p.to_text()).to_text() == p.to_text()
    T, t, S = ir.interpret(p, a, X, x, Y)
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(T, a.T @ X, rtol=1e-14)
        np.testing.assert_allclose(t, a.T @ x, rtol=1e-14)
        rows = np.repeat(np.arange(4), np.diff(a.indptr))
        dots = (X[rows] * Y[a.indices].astype(np.float64)).sum(axis=1)
        np.testing.assert_allclose(S, a.data * dots, rtol=1e-14)
    for options in (NO_PASSES, O2_CHECKED):
        check(p, [a, X, x, Y], options=options)
