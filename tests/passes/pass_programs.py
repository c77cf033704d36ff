"""Programs that give each pass something to do (and some that must be left alone), each
with an argument maker. Shapes follow what the Python frontend emits: one state per
statement, a transient per intermediate array."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import sluice.ir as ir
from sluice.ir import ProgramBuilder


@dataclass
class Case:
    build: Callable[[], ir.Program]
    args: Callable[[np.random.Generator], list]


CASES: dict[str, Case] = {}


def case(args):
    def deco(fn):
        CASES[fn.__name__] = Case(fn, args)
        return fn
    return deco


def _vec(rng, n=None, k=3):
    n = n or int(rng.integers(3, 12))
    return [rng.standard_normal(n) for _ in range(k)]


@case(_vec)
def chain():
    """t1 = 2x; t2 = t1 + y; out = t2 * t2 - z: fuses into one map, no temporaries."""
    b = ProgramBuilder("chain")
    for n in "xyz":
        b.arg(n, "float64", ["N"])
    b.transient("t1", "float64", ["N"])
    b.transient("t2", "float64", ["N"])
    b.returns("out", "float64", ["N"])
    with b.state("s1") as s:
        s.map({"i": "0:N"}, "o = 2.0 * a", inputs={"a": "x[i]"}, outputs={"o": "t1[i]"})
    with b.state("s2") as s:
        s.map({"j": "0:N"}, "o = a + c", inputs={"a": "t1[j]", "c": "y[j]"},
              outputs={"o": "t2[j]"})
    with b.state("s3") as s:
        s.map({"k": "0:N"}, "o = a * a - c", inputs={"a": "t2[k]", "c": "z[k]"},
              outputs={"o": "out[k]"})
    return b.build()


@case(_vec)
def shifted_consumer():
    """The consumer reads t[i + 1]: fusing would read an element not yet produced."""
    b = ProgramBuilder("shifted_consumer")
    for n in "xyz":
        b.arg(n, "float64", ["N"])
    b.transient("t", "float64", ["N"])
    b.returns("out", "float64", ["N - 1"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = 2.0 * a", inputs={"a": "x[i]"}, outputs={"o": "t[i]"})
        s.map({"i": "0:N - 1"}, "o = a + c", inputs={"a": "t[i + 1]", "c": "y[i]"},
              outputs={"o": "out[i]"})
    return b.build()


@case(_vec)
def reversed_consumer():
    """Same ranges, but the consumer reads t[N - 1 - i]: another iteration's element."""
    b = ProgramBuilder("reversed_consumer")
    for n in "xyz":
        b.arg(n, "float64", ["N"])
    b.transient("t", "float64", ["N"])
    b.returns("out", "float64", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = 2.0 * a", inputs={"a": "x[i]"}, outputs={"o": "t[i]"})
        s.map({"i": "0:N"}, "o = a + c", inputs={"a": "t[N - 1 - i]", "c": "y[i]"},
              outputs={"o": "out[i]"})
    return b.build()


@case(_vec)
def reused_temporary():
    """t is read again in a later state: it must stay materialised."""
    b = ProgramBuilder("reused_temporary")
    for n in "xyz":
        b.arg(n, "float64", ["N"])
    b.transient("t", "float64", ["N"])
    b.returns("out", "float64", ["N"])
    b.returns("again", "float64", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = a * a", inputs={"a": "x[i]"}, outputs={"o": "t[i]"})
        s.map({"i": "0:N"}, "o = a + 1.0", inputs={"a": "t[i]"}, outputs={"o": "out[i]"})
    with b.state() as s:
        s.map({"i": "0:N"}, "o = a - 1.0", inputs={"a": "t[i]"}, outputs={"o": "again[i]"})
    return b.build()


@case(_vec)
def consumer_overwrites_input():
    """The consumer writes x, which the producer reads (kept apart: conservative)."""
    b = ProgramBuilder("consumer_overwrites_input")
    for n in "xyz":
        b.arg(n, "float64", ["N"])
    b.transient("t", "float64", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = a * 3.0", inputs={"a": "x[N - 1 - i]"}, outputs={"o": "t[i]"})
        s.map({"i": "0:N"}, "o = a + 1.0", inputs={"a": "t[i]"}, outputs={"o": "x[i]"})
    return b.build()


@case(_vec)
def write_after_read_states():
    """s2 overwrites x, which s1 read: the states must not merge."""
    b = ProgramBuilder("write_after_read_states")
    for n in "xyz":
        b.arg(n, "float64", ["N"])
    b.returns("out", "float64", ["N"])
    with b.state("s1") as s:
        s.map({"i": "0:N"}, "o = a", inputs={"a": "x[N - 1 - i]"}, outputs={"o": "out[i]"})
    with b.state("s2") as s:
        s.map({"i": "0:N"}, "o = a * 2.0", inputs={"a": "y[i]"}, outputs={"o": "x[i]"})
    return b.build()


def _mat(rng):
    n, m = int(rng.integers(2, 7)), int(rng.integers(2, 7))
    return [rng.standard_normal((n, m)), rng.standard_normal((n, m))]


@case(_mat)
def nested_maps():
    """An independent nest collapses; a triangular one does not."""
    b = ProgramBuilder("nested_maps")
    b.arg("A", "float64", ["N", "M"])
    b.arg("B", "float64", ["N", "M"])
    with b.state("square") as s, s.map_scope({"i": "0:N"}, label="rows") as rows:
        rows.map({"j": "0:M"}, "o = a * a", inputs={"a": "A[i, j]"}, outputs={"o": "A[i, j]"},
                 label="cols")
    with b.state("triangle") as s, s.map_scope({"i": "0:N"}, label="trows") as rows:
        rows.map({"j": "0:min(i + 1, M)"}, "o = a + 1.0", inputs={"a": "B[i, j]"},
                 outputs={"o": "B[i, j]"}, label="tcols")
    return b.build()


@case(_mat)
def copy_in_and_out():
    """T = copy(A) (A never written): reads use A. U computed then copied to B: written in
    place."""
    b = ProgramBuilder("copy_in_and_out")
    b.arg("A", "float64", ["N", "M"])
    b.arg("B", "float64", ["N", "M"])
    b.transient("T", "float64", ["N", "M"])
    b.transient("U", "float64", ["N", "M"])
    with b.state("copy_in") as s:
        s.copy("A", "T")
    with b.state("compute") as s:
        s.map({"i": "0:N", "j": "0:M"}, "o = a + 1.0", inputs={"a": "T[i, j]"},
              outputs={"o": "U[i, j]"})
    with b.state("copy_out") as s:
        s.copy("U", "B")
    return b.build()


@case(_mat)
def copies_that_stay():
    """A stencil into U then U -> B where the stencil reads B: an in-place update would read
    overwritten values. And T = copy(A) where A is written later."""
    b = ProgramBuilder("copies_that_stay")
    b.arg("A", "float64", ["N", "M"])
    b.arg("B", "float64", ["N", "M"])
    b.transient("T", "float64", ["N", "M"])
    b.transient("U", "float64", ["N", "M"])
    with b.state("snapshot") as s:
        s.copy("A", "T")
    with b.state("stencil") as s:
        s.map({"i": "0:N", "j": "0:M"}, "o = a + c", inputs={"a": "B[i, j]",
                                                            "c": "B[N - 1 - i, j]"},
              outputs={"o": "U[i, j]"})
        s.copy("U", "B")
    with b.state("clobber") as s:
        s.map({"i": "0:N", "j": "0:M"}, "o = 0.0", inputs={}, outputs={"o": "A[i, j]"})
    with b.state("use") as s:
        s.map({"i": "0:N", "j": "0:M"}, "o = a + c", inputs={"a": "T[i, j]", "c": "B[i, j]"},
              outputs={"o": "B[i, j]"})
    return b.build()


@case(lambda rng: [rng.standard_normal(5)])
def dead_things():
    """Unreachable blocks, constant branches, empty loops, unused transients."""
    b = ProgramBuilder("dead_things")
    b.arg("x", "float64", ["N"])
    b.transient("unused", "float64", ["N"])
    b.transient("never", "float64", [3])
    b.stream("q", "float64")
    b.transient("popped", "float64")
    with b.state("waste") as s:
        s.map({"i": "0:N"}, "o = a * 5.0", inputs={"a": "x[i]"}, outputs={"o": "unused[i]"})
    with b.state("push") as s:
        s.tasklet("o = a", {"a": "x[0]"}, {"o": "q"})
    with b.state("pop") as s:  # writes dead data but pops a stream: must stay
        s.tasklet("o = a", {"a": "q"}, {"o": "popped"})
    with b.state("empty"):
        pass
    with b.if_("True"):
        with b.state("always") as s:
            s.map({"i": "0:N"}, "o = a + 1.0", inputs={"a": "x[i]"}, outputs={"o": "x[i]"})
    with b.loop("k", 0, 0):
        with b.state("never_runs") as s:
            s.map({"i": "0:N"}, "o = 0.0", inputs={}, outputs={"o": "x[i]"})
    b.return_()
    with b.state("after_return") as s:
        s.map({"i": "0:N"}, "o = 0.0", inputs={}, outputs={"o": "x[i]"})
    return b.build()


@case(lambda rng: [rng.standard_normal(int(rng.integers(2, 9)))])
def assigned_size():
    """M = 2 * N is assigned once at the top: later ranges read 2 * N directly."""
    b = ProgramBuilder("assigned_size")
    b.arg("x", "float64", ["N"])
    b.returns("y", "float64", ["2 * N"])
    b.assign(M="2 * N")
    with b.state() as s:
        s.map({"i": "0:M"}, "o = a * 3.0", inputs={"a": "x[i % N]"}, outputs={"o": "y[i]"})
    with b.loop("k", 0, "M - N"):
        with b.state() as s:
            s.tasklet("o = a + k", {"a": "y[k]"}, {"o": "y[k]"})
    return b.build()


def _gram(rng):
    n, k = (int(v) for v in rng.integers(2, 9, 2))
    return [rng.standard_normal((k, n)), rng.standard_normal(k)]


@case(_gram)
def transposed_operands():
    """G = X.T @ X and y = X.T @ v through materialised transposes: both fold into MatMul
    flags. X is updated in place first, into the node the transpose reads."""
    b = ProgramBuilder("transposed_operands")
    b.arg("X", "float64", ["K", "N"])
    b.arg("v", "float64", ["K"])
    b.transient("XT", "float64", ["N", "K"])
    b.returns("G", "float64", ["N", "N"])
    b.returns("y", "float64", ["N"])
    with b.state("update") as s:
        s.map({"i": "0:K", "j": "0:N"}, "o = a * 0.5", inputs={"a": "X[i, j]"},
              outputs={"o": "X[i, j]"})
    with b.state("transpose") as s:
        s.library(ir.Transpose(axes=[1, 0]), {"inp": "X"}, {"out": "XT"})
    with b.state("products") as s:
        s.library(ir.MatMul(), {"a": "XT", "b": "X"}, {"c": "G"})
        s.library(ir.MatMul(), {"a": "XT", "b": "v"}, {"c": "y"})
    return b.build()


@case(_gram)
def transpose_that_stays():
    """XT is also read by a map, and X is overwritten after the transpose in another
    state: neither transpose may fold."""
    b = ProgramBuilder("transpose_that_stays")
    b.arg("X", "float64", ["K", "N"])
    b.arg("v", "float64", ["K"])
    b.transient("XT", "float64", ["N", "K"])
    b.returns("y", "float64", ["N"])
    b.returns("Z", "float64", ["N", "K"])
    with b.state("transpose") as s:
        s.library(ir.Transpose(axes=[1, 0]), {"inp": "X"}, {"out": "XT"})
    with b.state("clobber") as s:
        s.map({"i": "0:K", "j": "0:N"}, "o = a + 1.0", inputs={"a": "X[i, j]"},
              outputs={"o": "X[i, j]"})
    with b.state("use") as s:
        s.library(ir.MatMul(), {"a": "XT", "b": "v"}, {"c": "y"})
        s.map({"i": "0:N", "j": "0:K"}, "o = a * 2.0", inputs={"a": "XT[i, j]"},
              outputs={"o": "Z[i, j]"})
    return b.build()


def _gemm(rng):
    m, k, n = (int(v) for v in rng.integers(2, 9, 3))
    return [float(rng.standard_normal()), float(rng.standard_normal()),
            rng.standard_normal((m, k)), rng.standard_normal((k, n)),
            rng.standard_normal((m, n)), rng.standard_normal((m, n))]


def _gemm_program(name: str) -> ProgramBuilder:
    b = ProgramBuilder(name)
    b.arg("alpha", "float64")
    b.arg("beta", "float64")
    b.arg("A", "float64", ["M", "K"])
    b.arg("B", "float64", ["K", "N"])
    b.arg("C", "float64", ["M", "N"])
    b.arg("Y", "float64", ["M", "N"])
    b.transient("T", "float64", ["M", "K"])
    b.transient("P", "float64", ["M", "N"])
    return b


@case(_gemm)
def gemm_in_place():
    """C = alpha * A @ B + beta * C, as the frontend emits it: the scaling map, the product
    and the epilogue map all fold into one MatMul."""
    b = _gemm_program("gemm_in_place")
    with b.state("s") as s:
        s.map({"i": "0:M", "j": "0:K"}, "o = s * x", inputs={"s": "alpha", "x": "A[i, j]"},
              outputs={"o": "T[i, j]"})
        s.library(ir.MatMul(), {"a": "T", "b": "B"}, {"c": "P"})
        s.map({"i": "0:M", "j": "0:N"}, "o = p + s * c",
              inputs={"p": "P[i, j]", "s": "beta", "c": "C[i, j]"}, outputs={"o": "C[i, j]"})
    return b.build()


@case(_gemm)
def gemm_variants():
    """A @ (alpha * B') is not there, but B scaled as operand b is; the epilogue scales the
    product and adds another array unscaled into a returned result."""
    b = _gemm_program("gemm_variants")
    b.transient("U", "float64", ["K", "N"])
    b.returns("R", "float64", ["M", "N"])
    with b.state("s") as s:
        s.map({"i": "0:K", "j": "0:N"}, "o = x * s", inputs={"s": "beta", "x": "B[i, j]"},
              outputs={"o": "U[i, j]"})
        s.library(ir.MatMul(), {"a": "A", "b": "U"}, {"c": "P"})
        s.map({"i": "0:M", "j": "0:N"}, "o = y + p", inputs={"p": "P[i, j]", "y": "Y[i, j]"},
              outputs={"o": "R[i, j]"})
    return b.build()


@case(_gemm)
def gemm_that_stays():
    """Nothing may fold: T is also read by a map; the epilogue subtracts; the second
    product's scale factor is written in the same state."""
    b = _gemm_program("gemm_that_stays")
    b.transient("Q", "float64", ["M", "N"])
    b.transient("t", "float64")
    b.returns("R", "float64", ["M", "N"])
    b.returns("Z", "float64", ["M", "K"])
    b.returns("W", "float64", ["M", "N"])
    with b.state("s") as s:
        s.map({"i": "0:M", "j": "0:K"}, "o = s * x", inputs={"s": "alpha", "x": "A[i, j]"},
              outputs={"o": "T[i, j]"})
        s.map({"i": "0:M", "j": "0:K"}, "o = x + 1.0", inputs={"x": "T[i, j]"},
              outputs={"o": "Z[i, j]"})
        s.library(ir.MatMul(), {"a": "T", "b": "B"}, {"c": "P"})
        s.map({"i": "0:M", "j": "0:N"}, "o = p - y", inputs={"p": "P[i, j]", "y": "Y[i, j]"},
              outputs={"o": "R[i, j]"})
    with b.state("s2") as s:
        s.tasklet("o = a * 2.0", inputs={"a": "beta"}, outputs={"o": "t"})
        s.library(ir.MatMul(), {"a": "A", "b": "B"}, {"c": "Q"})
        s.map({"i": "0:M", "j": "0:N"}, "o = s * q + y",
              inputs={"q": "Q[i, j]", "s": "t", "y": "Y[i, j]"}, outputs={"o": "W[i, j]"})
    return b.build()


@case(_vec)
def first_accumulation():
    """t starts zeroed and its first write adds into it (as autodiff's gradients do): a
    plain write, which then fuses with its consumer."""
    b = ProgramBuilder("first_accumulation")
    for n in "xyz":
        b.arg(n, "float64", ["N"])
    b.transient("t", "float64", ["N"])
    b.transient("s", "float64")
    b.returns("out", "float64", ["N"])
    with b.state() as s:
        s.tasklet("o = a * 2.0", inputs={"a": "x[0]"}, outputs={"o": "s wcr +"})
        s.map({"i": "0:N"}, "o = a * c", inputs={"a": "y[i]", "c": "s"},
              outputs={"o": "t[i] wcr +"})
        s.map({"i": "0:N"}, "o = a + c", inputs={"a": "t[i]", "c": "z[i]"},
              outputs={"o": "out[i]"})
    return b.build()


@case(_vec)
def accumulations_that_stay():
    """Accumulations that must keep their wcr: a second one into the same t, one inside a
    loop (its next iteration adds onto the first), a row sum (several iterations write one
    element), a nested map's sum into w[i]."""
    b = ProgramBuilder("accumulations_that_stay")
    for n in "xyz":
        b.arg(n, "float64", ["N"])
    b.transient("t", "float64", ["N"])
    b.transient("u", "float64", ["N"])
    b.transient("r", "float64", ["1"])
    b.transient("w", "float64", ["N"])
    b.returns("out", "float64", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = a", inputs={"a": "x[i]"}, outputs={"o": "t[i] wcr +"})
    with b.state() as s:
        s.map({"i": "0:N"}, "o = a", inputs={"a": "y[i]"}, outputs={"o": "t[i] wcr +"})
    with b.loop("k", 0, 3), b.state() as s:
        s.map({"i": "0:N"}, "o = a", inputs={"a": "z[i]"}, outputs={"o": "u[i] wcr +"})
    with b.state() as s:
        s.map({"i": "0:N"}, "o = a", inputs={"a": "x[i]"}, outputs={"o": "r[0] wcr +"})
    with b.state() as s, s.map_scope({"i": "0:N"}) as outer:  # a nested map adds N times
        outer.map({"j": "0:N"}, "o = a * c", inputs={"a": "y[i]", "c": "z[j]"},
                  outputs={"o": "w[i] wcr +"})
    with b.state() as s:
        s.map({"i": "0:N"}, "o = a + c + d + e",
              inputs={"a": "t[i]", "c": "u[i]", "d": "r[0]", "e": "w[i]"},
              outputs={"o": "out[i]"})
    return b.build()


def _outer_args(rng):
    m, n = int(rng.integers(2, 7)), int(rng.integers(2, 7))
    return [rng.standard_normal(m), rng.standard_normal(n), rng.standard_normal(m),
            rng.standard_normal(n)]


def _siblings(name: str, between=None, second: str = "X[i2, j2] wcr +",
              second_inputs=None) -> ir.Program:
    """X = u1 (x) v1, then (a state `between` may sit in the middle) X += u2 (x) v2: the
    gradient of a matrix two products read, as autodiff writes it."""
    b = ProgramBuilder(name)
    for n, d in (("u1", "M"), ("v1", "N"), ("u2", "M"), ("v2", "N")):
        b.arg(n, "float64", [d])
    b.transient("t", "float64", ["N"])
    b.returns("X", "float64", ["M", "N"])
    with b.state() as s:
        s.map({"i": "0:M", "j": "0:N"}, "o = a * c", inputs={"a": "u1[i]", "c": "v1[j]"},
              outputs={"o": "X[i, j]"})
    if between is not None:
        with b.state() as s:
            between(s)
    with b.state() as s:
        s.map({"i2": "0:M", "j2": "0:N"}, "o = a * c",
              inputs=second_inputs or {"a": "u2[i2]", "c": "v2[j2]"}, outputs={"o": second})
    return b.build()


@case(_outer_args)
def sibling_outer_products():
    """Fuses: one pass over X, each element written then updated as before; the state
    between (t = 3 v1) touches neither X nor what the second map reads."""
    return _siblings("sibling_outer_products", between=lambda s: s.map(
        {"k": "0:N"}, "o = 3.0 * a", inputs={"a": "v1[k]"}, outputs={"o": "t[k]"}))


@case(_outer_args)
def siblings_with_a_writer_between():
    """The state between overwrites v2, which the second map reads: no fusion."""
    return _siblings("siblings_with_a_writer_between", between=lambda s: s.map(
        {"k": "0:N"}, "o = 3.0 * a", inputs={"a": "v1[k]"}, outputs={"o": "v2[k]"}))


@case(_outer_args)
def siblings_with_a_reader_between():
    """The state between reads X (its row 0): no fusion."""
    return _siblings("siblings_with_a_reader_between", between=lambda s: s.map(
        {"k": "0:N"}, "o = 3.0 * a", inputs={"a": "X[0, k]"}, outputs={"o": "t[k]"}))


@case(_outer_args)
def siblings_shifted():
    """The second map updates X[i, N - 1 - j]: another iteration's element, no fusion."""
    return _siblings("siblings_shifted", second="X[i2, N - 1 - j2] wcr +")


@case(_outer_args)
def siblings_reading_the_first():
    """The second map reads X itself (each iteration its own element): no fusion."""
    return _siblings("siblings_reading_the_first",
                     second_inputs={"a": "X[i2, j2]", "c": "v2[j2]"})
