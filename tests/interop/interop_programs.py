"""Programs beyond the IR corpus for the DaCe export: library-node variants on views, exact
integer and NaN semantics, while loops, nested branches and calls with bound symbols. Each
entry: the builder and an argument maker `args(rng) -> list`; the oracle is the interpreter.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import sluice.ir as ir
from sluice.ir import ProgramBuilder

EXTRA: dict[str, tuple[Callable[[], ir.Program], Callable[[np.random.Generator], list]]] = {}


def extra(args: Callable[[np.random.Generator], list]):
    def deco(fn):
        EXTRA[fn.__name__] = (fn, args)
        return fn

    return deco


def _r(rng, *shape, dtype=np.float64):
    return rng.random(shape).astype(dtype)


@extra(lambda rng: [_r(rng, 5, 4), _r(rng, 6, 3), _r(rng, 4), 1.5, 0.5, _r(rng, 3, 3)])
def matmul_variants():
    """Transposed operands, sub-views, a matrix-vector product and gemm's alpha/beta."""
    b = ProgramBuilder("matmul_variants")
    b.arg("A", "float64", ["N", "M"])
    b.arg("B", "float64", ["P", "Q"])
    b.arg("v", "float64", ["M"])
    b.arg("alpha", "float64")
    b.arg("beta", "float64")
    b.arg("C", "float64", ["Q", "Q"])
    b.returns("AtA", "float64", ["M", "M"])
    b.returns("Av", "float64", ["N"])
    b.returns("G", "float64", ["Q", "Q"])
    with b.state() as s:
        s.library(ir.MatMul(transpose_a=True), {"a": "A", "b": "A"}, {"c": "AtA"})
        s.library(ir.MatMul(), {"a": "A", "b": "v"}, {"c": "Av"})
        s.library(ir.MatMul(transpose_a=True, scaled=True, accumulate=True, scaled_acc=True),
                  {"a": "B[1:P - 2, 0:Q]", "b": "B[2:P - 1, 0:Q]", "alpha": "alpha",
                   "acc": "C", "beta": "beta"}, {"c": "G"})
    return b.build()


def _reduce_args(rng):
    x = _r(rng, 4, 5) - 0.5
    x[1, 2] = np.nan
    return [x, rng.integers(-9, 9, (3, 4, 2)).astype(np.int32)]


@extra(_reduce_args)
def reductions_and_layout():
    """Reductions with keepdims, identity, argmin, int32 accumulation; a 3-D transpose and a
    softmax along the first axis; NaN propagates through max as in NumPy."""
    b = ProgramBuilder("reductions_and_layout")
    b.arg("X", "float64", ["N", "M"])
    b.arg("K", "int32", ["P", "Q", "R"])
    b.returns("colmax", "float64", [1, "M"])
    b.returns("rowmin", "float64", ["N"])
    b.returns("arg", "int64", ["M"])
    b.returns("ksum", "int32", ["Q"])
    b.returns("kt", "int32", ["Q", "R", "P"])
    b.returns("soft", "float64", ["N", "M"])
    with b.state() as s:
        s.library(ir.Reduce(op="max", axes=[0], keepdims=True), {"inp": "X"}, {"out": "colmax"})
        s.library(ir.Reduce(op="min", axes=[1], identity=0.25), {"inp": "X"}, {"out": "rowmin"})
        s.library(ir.Reduce(op="argmin", axes=[0]), {"inp": "X"}, {"out": "arg"})
        s.library(ir.Reduce(op="+", axes=[0, 2]), {"inp": "K"}, {"out": "ksum"})
        s.library(ir.Transpose(axes=[1, 2, 0]), {"inp": "K"}, {"out": "kt"})
        s.library(ir.Softmax(axis=0), {"inp": "X"}, {"out": "soft"})
    return b.build()


def _int_args(rng):
    a = rng.integers(-50, 50, 12).astype(np.int64)
    d = rng.integers(-4, 4, 12).astype(np.int64)  # zeros included: NumPy gives 0
    f = _r(rng, 12) * 4 - 2
    f[3] = np.nan
    return [a, d, f]


@extra(_int_args)
def exact_semantics():
    """Python floor division and modulo of negatives and by zero, int8 wrap-around, NaN in
    max/min and in a max write-conflict resolution, float32 rounding, a bool result."""
    b = ProgramBuilder("exact_semantics")
    b.arg("a", "int64", ["N"])
    b.arg("d", "int64", ["N"])
    b.arg("f", "float64", ["N"])
    b.returns("q", "int64", ["N"])
    b.returns("r", "int64", ["N"])
    b.returns("w", "int8", ["N"])
    b.returns("m", "float64", ["N"])
    b.returns("top", "float64")
    b.returns("h", "float32", ["N"])
    b.returns("pos", "bool", ["N"])
    with b.state("init") as s:
        s.tasklet("o = -inf", {}, {"o": "top"})
    with b.state() as s:
        s.map({"i": "0:N"}, "o = x // y", inputs={"x": "a[i]", "y": "d[i]"},
              outputs={"o": "q[i]"})
        s.map({"i": "0:N"}, "o = x % y", inputs={"x": "a[i]", "y": "d[i]"},
              outputs={"o": "r[i]"})
        s.map({"i": "0:N"}, "o = int8(x * 7)", inputs={"x": "a[i]"}, outputs={"o": "w[i]"})
        s.map({"i": "0:N"}, "o = min(max(x, -1.0), 1.0)", inputs={"x": "f[i]"},
              outputs={"o": "m[i]"})
        s.map({"i": "0:N"}, "o = x", inputs={"x": "f[i]"}, outputs={"o": "top wcr max"})
        s.map({"i": "0:N"}, "o = float32(x) * 0.1", inputs={"x": "f[i]"},
              outputs={"o": "h[i]"})
        s.map({"i": "0:N"}, "o = x > 0.0 and y != 0", inputs={"x": "f[i]", "y": "d[i]"},
              outputs={"o": "pos[i]"})
    return b.build()


def _scale_rows() -> ir.Program:
    b = ProgramBuilder("scale_rows")
    b.arg("x", "float64", ["L"])
    b.symbol("s")
    with b.state() as s:
        s.map({"j": "0:L"}, "o = v * s", inputs={"v": "x[j]"}, outputs={"o": "x[j]"})
    return b.build()


@extra(lambda rng: [_r(rng, 4, 6) * 3, float(rng.integers(20, 200))])
def control_and_calls():
    """A while loop on data, a branch nested in a loop with a negative step, and a call
    whose callee symbol is bound by an expression of the caller's."""
    b = ProgramBuilder("control_and_calls")
    b.arg("A", "float64", ["R", "C"])
    b.arg("limit", "float64")
    b.returns("acc", "float64")
    b.returns("steps", "int64")
    b.symbol("r")
    with b.state("seed") as s:
        s.tasklet("o = 1.0", {}, {"o": "acc"})
    with b.while_("acc < limit"):
        with b.state("grow") as s:
            s.tasklet("o = 3.0 * a + 1.0", {"a": "acc"}, {"o": "acc"})
            s.tasklet("o = n + 1", {"n": "steps"}, {"o": "steps"})
    with b.loop("r", "R - 1", -1, -1):
        with b.if_("r * 2 > R - 1"):
            with b.state("even") as s:
                s.call(_scale_rows(), {"x": "A[r, 0:C]"}, {"x": "A[r, 0:C]"},
                       symbols={"s": "r + 2"})
        with b.else_():
            with b.if_("steps > 3"):
                with b.state("odd") as s:
                    s.map({"j": "0:C"}, "o = -v", inputs={"v": "A[r, j]"},
                          outputs={"o": "A[r, j]"})
    return b.build()


@extra(lambda rng: [_r(rng, 9), complex(1.5, -2.0)])
def indirect_indices():
    """Indices DaCe would compute otherwise (floor division of negatives, `select`): the
    tasklet addresses the container itself. A complex scalar argument crosses ctypes."""
    b = ProgramBuilder("indirect_indices")
    b.arg("x", "float64", ["N"])
    b.arg("z", "complex128")
    b.returns("y", "float64", ["N"])
    b.returns("w", "complex128", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = u + v",
              inputs={"u": "x[(i - 4) // 3 + 2]", "v": "x[select(i < 3, i + 3, i - 3)]"},
              outputs={"o": "y[i]"})
        s.map({"i": "0:N"}, "o = c * v", inputs={"c": "z", "v": "x[i]"}, outputs={"o": "w[i]"})
    return b.build()


@extra(lambda rng: [_r(rng, int(rng.integers(5, 13)))])
def strided_sizes():
    """Return sizes with floor division (of a negative numerator for z): DaCe would
    truncate, so each size becomes a symbol the caller passes and the SDFG checks."""
    b = ProgramBuilder("strided_sizes")
    b.arg("x", "float64", ["N"])
    b.returns("y", "float64", ["(N + 1) // 2"])
    b.returns("z", "float64", ["max(0, -((3 - N) // 2))"])
    with b.state() as s:
        s.copy("x[0:N:2]", "y[0:(N + 1) // 2]")
        s.copy("x[3:N:2]", "z[0:max(0, -((3 - N) // 2))]")
    return b.build()


@extra(lambda rng: [_r(rng, int(rng.integers(6, 12))), int(rng.integers(-7, 7))])
def computed_symbols():
    """Symbols set while running from floor division, modulo and select of negatives, used
    in a map range and subsets: values computed by C++ tasklets, assigned on the edge."""
    b = ProgramBuilder("computed_symbols")
    b.arg("x", "float64", ["N"])
    b.symbol("k", arg=True)
    b.returns("y", "float64", ["N"])
    b.symbol("h")
    b.symbol("m")
    b.assign(h="select(k < 0, -k, k) // 2", m="k % 3")
    with b.state() as s:
        s.map({"i": "0:(N - h - 1) // 2"}, "o = v + m",
              inputs={"v": "x[i + h]"}, outputs={"o": "y[i]"})
    return b.build()


@extra(lambda rng: [_r(rng, int(rng.integers(6, 12))), int(rng.integers(-7, 7))])
def computed_loop_bounds():
    """A loop whose range is a floor division of an assigned symbol (evaluated once, before
    the loop, as sluice's range is) and of an argument."""
    b = ProgramBuilder("computed_loop_bounds")
    b.arg("x", "float64", ["N"])
    b.symbol("k", arg=True)
    b.returns("s", "float64")
    b.symbol("h")
    b.symbol("i")
    b.assign(h="k * k")
    with b.loop("i", "(k - 3) // 4 + 2", "(h + N) // (N // 2)"):
        with b.state() as s:
            s.tasklet("o = a + v", {"a": "s", "v": "x[i % N]"}, {"o": "s"})
    return b.build()
