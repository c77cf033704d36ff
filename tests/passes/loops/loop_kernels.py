"""Map nests for the loop-transformation tests, each with an argument maker: matmul-like,
a stencil, reductions, a triangular nest, and nests whose order is fixed."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import sluice.ir as ir
from sluice.ir import ProgramBuilder

KERNELS: dict[str, tuple[Callable[[], ir.Program], Callable[[np.random.Generator], list]]] = {}


def kernel(args):
    def deco(fn):
        KERNELS[fn.__name__] = (fn, args)
        return fn

    return deco


def special(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Random floats with a NaN, infinities and a negative zero sprinkled in."""
    a = rng.standard_normal(shape)
    flat = a.reshape(-1)
    picks = rng.choice(flat.size, size=min(4, flat.size), replace=False)
    for p, v in zip(picks, [np.nan, np.inf, -np.inf, -0.0], strict=False):
        flat[p] = v
    return a


def _mm_args(rng):
    n, k, m = (int(x) for x in rng.integers(3, 9, 3))
    return [rng.standard_normal((n, k)), rng.standard_normal((k, m)), rng.standard_normal((n, m))]


@kernel(_mm_args)
def matmul():
    """C += A @ B as one three-parameter map accumulating into C[i, j]."""
    b = ProgramBuilder("matmul")
    b.arg("A", "float64", ["N", "K"])
    b.arg("B", "float64", ["K", "M"])
    b.arg("C", "float64", ["N", "M"])
    with b.state() as s:
        s.map(
            {"i": "0:N", "j": "0:M", "k": "0:K"},
            "o = a * c",
            inputs={"a": "A[i, k]", "c": "B[k, j]"},
            outputs={"o": "C[i, j] wcr +"},
        )
    return b.build()


@kernel(lambda rng: [special(rng, tuple(int(x) for x in rng.integers(4, 10, 2)))])
def stencil():
    """A five-point stencil into a fresh array (no iteration reads another's write)."""
    b = ProgramBuilder("stencil")
    b.arg("A", "float64", ["N", "M"])
    b.returns("out", "float64", ["N - 2", "M - 2"])
    with b.state() as s:
        s.map(
            {"i": "1:N - 1", "j": "1:M - 1"},
            "o = 0.25 * (n + s + w + e) - c",
            inputs={
                "n": "A[i - 1, j]",
                "s": "A[i + 1, j]",
                "w": "A[i, j - 1]",
                "e": "A[i, j + 1]",
                "c": "A[i, j]",
            },
            outputs={"o": "out[i - 1, j - 1]"},
        )
    return b.build()


@kernel(lambda rng: [special(rng, tuple(int(x) for x in rng.integers(3, 9, 2))), np.zeros(1)])
def total():
    """Sum of all elements into one element: every iteration adds into out[0]."""
    b = ProgramBuilder("total")
    b.arg("A", "float64", ["N", "M"])
    b.arg("out", "float64", [1])
    with b.state() as s:
        s.map(
            {"i": "0:N", "j": "0:M"},
            "o = a",
            inputs={"a": "A[i, j]"},
            outputs={"o": "out[0] wcr +"},
        )
    return b.build()


@kernel(lambda rng: [rng.integers(-50, 50, tuple(int(x) for x in rng.integers(3, 9, 2)))])
def colsum_int():
    """Column sums of an integer matrix (negative values): the reduction runs over i."""
    b = ProgramBuilder("colsum_int")
    b.arg("A", "int64", ["N", "M"])
    b.returns("out", "int64", ["M"])
    with b.state() as s:
        s.map({"j": "0:M"}, "o = 0", outputs={"o": "out[j]"})
    with b.state() as s:
        s.map(
            {"i": "0:N", "j": "0:M"},
            "o = a",
            inputs={"a": "A[i, j]"},
            outputs={"o": "out[j] wcr +"},
        )
    return b.build()


def _tri_args(rng):
    n = int(rng.integers(3, 10))
    return [special(rng, (n, n)), rng.standard_normal(n), np.zeros(n)]


@kernel(_tri_args)
def triangular():
    """y[i] += L[i, j] * x[j] for j <= i: the inner range reads the outer parameter."""
    b = ProgramBuilder("triangular")
    b.arg("L", "float64", ["N", "N"])
    b.arg("x", "float64", ["N"])
    b.arg("y", "float64", ["N"])
    with b.state() as s, s.map_scope({"i": "0:N"}) as outer:
        outer.map(
            {"j": "0:i + 1"},
            "o = l * v",
            inputs={"l": "L[i, j]", "v": "x[j]"},
            outputs={"o": "y[i] wcr +"},
        )
    return b.build()


@kernel(lambda rng: [rng.standard_normal(int(rng.integers(3, 10))), np.zeros(1)])
def last_writer():
    """out[0] = x[i] without accumulation: iterations meet through a plain write."""
    b = ProgramBuilder("last_writer")
    b.arg("x", "float64", ["N"])
    b.arg("out", "float64", [1])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = a", inputs={"a": "x[i]"}, outputs={"o": "out[0]"})
    return b.build()


@kernel(lambda rng: [rng.standard_normal(int(rng.integers(3, 10)))])
def quadratic_index():
    """x[i * i] is not affine: the analysis refuses the nest."""
    b = ProgramBuilder("quadratic_index")
    b.arg("x", "float64", ["N"])
    b.returns("out", "float64", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = a", inputs={"a": "x[(i * i) % N]"}, outputs={"o": "out[i]"})
    return b.build()


@kernel(lambda rng: [special(rng, (6, 8)), rng.standard_normal((8, 4)), np.zeros((6, 4))])
def matmul_fixed():
    """matmul with constant sizes (as in a tuning cut-out): trip counts are known."""
    b = ProgramBuilder("matmul_fixed")
    b.arg("A", "float64", [6, 8])
    b.arg("B", "float64", [8, 4])
    b.arg("C", "float64", [6, 4])
    with b.state() as s:
        s.map(
            {"i": "0:6", "j": "0:4", "k": "0:8"},
            "o = a * c",
            inputs={"a": "A[i, k]", "c": "B[k, j]"},
            outputs={"o": "C[i, j] wcr +"},
        )
    return b.build()


@kernel(lambda rng: [special(rng, (40003,))])
def blur_long():
    """A 1-D three-point stencil long enough for the backend to start threads."""
    b = ProgramBuilder("blur_long")
    b.arg("x", "float64", ["N"])
    b.returns("out", "float64", ["N - 2"])
    with b.state() as s:
        s.map(
            {"i": "1:N - 1"},
            "o = (l + c + r) / 3.0",
            inputs={"l": "x[i - 1]", "c": "x[i]", "r": "x[i + 1]"},
            outputs={"o": "out[i - 1]"},
        )
    return b.build()


@kernel(lambda rng: [rng.integers(-9, 9, (40000, 3)), np.zeros(40000, np.int64)])
def rowsum_long():
    """out[i] += A[i, k]: rows long enough for threads, accumulated over k."""
    b = ProgramBuilder("rowsum_long")
    b.arg("A", "int64", ["N", "K"])
    b.arg("out", "int64", ["N"])
    with b.state() as s:
        s.map(
            {"i": "0:N", "k": "0:K"},
            "o = a",
            inputs={"a": "A[i, k]"},
            outputs={"o": "out[i] wcr +"},
        )
    return b.build()
