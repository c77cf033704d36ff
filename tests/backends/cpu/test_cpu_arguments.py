"""The calling convention: like `interpret` (positional, keywords, symbols from shapes or
given), zero-copy in-place updates, returns, and clear `ArgumentError`s."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from cpu_helpers import NO_PASSES

import sluice.ir as ir
from sluice.backends.cpu import build
from sluice.errors import ArgumentError


@pytest.fixture(scope="module")
def axpy():
    b = ir.ProgramBuilder("axpy_args")
    b.arg("a", "float64")
    b.arg("x", "float64", ["N"])
    b.arg("y", "float64", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = c * xv + yv", inputs={"c": "a", "xv": "x[i]", "yv": "y[i]"},
              outputs={"o": "y[i]"})
    return build(b.build(), NO_PASSES)


@pytest.fixture(scope="module")
def shaped():
    b = ir.ProgramBuilder("shaped")
    b.arg("x", "float64", ["N + 2"])
    b.arg("k", "int32")
    b.returns("y", "float64", ["N"])
    b.returns("s", "float32")
    b.returns("t", "int64", ["2 * M"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = v * kk", inputs={"v": "x[i + 1]", "kk": "k"},
              outputs={"o": "y[i]"})
        s.map({"i": "0:N"}, "o = v", inputs={"v": "x[i]"}, outputs={"o": "s wcr +"})
        s.map({"i": "0:2 * M"}, "o = i", inputs={}, outputs={"o": "t[i]"})
    return b.build()


def test_updates_arrays_in_place_without_copies(axpy):
    x, y = np.arange(4.0), np.ones(4)
    before = y.ctypes.data
    assert axpy(2.0, x, y) is None
    np.testing.assert_array_equal(y, 2.0 * np.arange(4.0) + 1.0)
    assert y.ctypes.data == before


def test_keywords_and_positional_mix(axpy):
    x, y = np.arange(3.0), np.zeros(3)
    axpy(1.0, y=y, x=x)
    np.testing.assert_array_equal(y, x)
    axpy(a=2, x=x, y=y)  # an int for a float64 scalar converts, as in the interpreter
    np.testing.assert_array_equal(y, 3 * x)


@pytest.mark.parametrize("call, message", [
    (lambda f: f(1.0, np.zeros(3, np.float32), np.zeros(3)), "dtype float32"),
    (lambda f: f(1.0, np.zeros((3, 1)), np.zeros(3)), "dimensions"),
    (lambda f: f(1.0, np.zeros(3), np.zeros(4)), "size 4"),
    (lambda f: f(1.0, np.zeros(6)[::2], np.zeros(3)), "C-contiguous"),
    (lambda f: f(1.0, [0.0, 1.0], np.zeros(2)), "NumPy array"),
    (lambda f: f(1.0, np.zeros(3)), "missing argument 'y'"),
    (lambda f: f(1.0, np.zeros(3), np.zeros(3), z=1), "no argument 'z'"),
    (lambda f: f(1.0, np.zeros(3), np.zeros(3), 4), "takes 3 arguments"),
    (lambda f: f("two", np.zeros(3), np.zeros(3)), "scalar"),
    (lambda f: f(np.zeros(2), np.zeros(2), np.zeros(2)), "scalar"),
])
def test_argument_errors(axpy, call, message):
    with pytest.raises(ArgumentError, match=message):
        call(axpy)


def test_read_only_arrays_that_are_written_are_refused(axpy):
    x, y = np.zeros(3), np.zeros(3)
    x.flags.writeable = False
    axpy(1.0, x, y)  # x is only read: fine
    y.flags.writeable = False
    with pytest.raises(ArgumentError, match="read-only"):
        axpy(1.0, x, y)


def test_symbols_solved_from_shapes_and_keywords(shaped):
    fn = build(shaped, NO_PASSES)
    x = np.arange(7.0)
    for args, kwargs in (([x, 3], {"M": 2}), ([], {"x": x, "k": 3, "M": 2})):
        y, s, t = fn(*args, **kwargs)
        ey, es, et = ir.interpret(shaped, *args, **kwargs)
        np.testing.assert_array_equal(y, ey)
        assert type(s) is np.float32 and s == es  # a 0-d return is a NumPy scalar
        np.testing.assert_array_equal(t, et)
        assert t.dtype == np.int64
    with pytest.raises(ArgumentError, match="'M'"):
        fn(x, 3)


def test_csr_arguments_in_every_form():
    b = ir.ProgramBuilder("spmv_args")
    b.csr("A", "float64", "N", "M", "NNZ")
    b.arg("x", "float64", ["M"])
    b.returns("y", "float64", ["N"])
    with b.state() as s:
        s.library(ir.SpMM(), {"A": "A", "b": "x"}, {"c": "y"})
    fn = build(b.build(), NO_PASSES)
    A = sp.random(5, 4, density=0.5, format="csr", random_state=0)
    x = np.arange(4.0)
    expected = A @ x
    np.testing.assert_allclose(fn(A, x), expected)
    np.testing.assert_allclose(fn((A.indptr, A.indices, A.data), x), expected)
    np.testing.assert_allclose(fn({"indptr": A.indptr, "indices": A.indices, "data": A.data,
                                   "shape": A.shape}, x), expected)
    with pytest.raises(ArgumentError, match="CSR"):
        fn(np.zeros((5, 4)), x)


def test_fast_and_thorough_paths_agree(shaped):
    fn = build(shaped, NO_PASSES)
    x = np.arange(9.0)
    fast = fn(x, 2, M=1)  # keywords: thorough path
    b = ir.ProgramBuilder("positional_only")
    b.arg("x", "float64", ["N"])
    b.returns("y", "float64", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = v + 1.0", inputs={"v": "x[i]"}, outputs={"o": "y[i]"})
    g = build(b.build(), NO_PASSES)
    assert g._fast is not None
    np.testing.assert_array_equal(g(x), x + 1.0)
    np.testing.assert_array_equal(g(x=x), x + 1.0)
    assert fast[0].shape == (7,)


def test_empty_arrays():
    b = ir.ProgramBuilder("empties")
    b.arg("A", "float64", ["M", "K"])
    b.arg("B", "float64", ["K", "N"])
    b.returns("C", "float64", ["M", "N"])
    b.returns("s", "float64")
    with b.state() as s:
        s.library(ir.MatMul(), {"a": "A", "b": "B"}, {"c": "C"})
        s.map({"i": "0:M", "k": "0:K"}, "o = v", inputs={"v": "A[i, k]"}, outputs={"o": "s wcr +"})
    p = b.build()
    from cpu_helpers import check

    check(p, [np.zeros((3, 0)), np.zeros((0, 4))])
    check(p, [np.zeros((0, 2)), np.ones((2, 4))])
