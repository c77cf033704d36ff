"""The IR corpus: programs written with the builder, each with a NumPy reference.

`tests/ir/corpus/<name>.sir` holds the printed text of each program (a golden file);
`python tests/ir/corpus_programs.py` rewrites them. Each entry: the builder function,
an argument maker `args(rng) -> (args, kwargs)`, and a NumPy reference
`ref(*args, **kwargs) -> (returns, mutated args)` computed on copies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import sluice.ir as ir
from sluice.ir import ProgramBuilder

CORPUS_DIR = Path(__file__).parent / "corpus"


@dataclass
class Entry:
    build: Callable[[], ir.Program]
    args: Callable[[np.random.Generator], tuple[list, dict]]
    ref: Callable[..., object]  # same arguments; mutates arrays like the program should


CORPUS: dict[str, Entry] = {}


def entry(args, ref):
    def deco(fn):
        CORPUS[fn.__name__] = Entry(fn, args, ref)
        return fn

    return deco


def _r(rng, *shape, dtype=np.float64):
    return rng.random(shape).astype(dtype)


# --- linear algebra ---------------------------------------------------------------------


def _gemm_args(rng):
    ni, nj, nk = rng.integers(3, 9, 3)
    return [1.5, 0.5, _r(rng, ni, nj), _r(rng, ni, nk), _r(rng, nk, nj)], {}


def _gemm_ref(alpha, beta, C, A, B):
    C[:] = alpha * A @ B + beta * C


@entry(_gemm_args, _gemm_ref)
def gemm_library():
    b = ProgramBuilder("gemm_library")
    b.arg("alpha", "float64")
    b.arg("beta", "float64")
    b.arg("C", "float64", ["NI", "NJ"])
    b.arg("A", "float64", ["NI", "NK"])
    b.arg("B", "float64", ["NK", "NJ"])
    b.transient("AB", "float64", ["NI", "NJ"])
    with b.state("product") as s:
        s.library(ir.MatMul(), {"a": "A", "b": "B"}, {"c": "AB"})
    with b.state("update") as s:
        s.map({"i": "0:NI", "j": "0:NJ"}, "o = alpha * ab + beta * c",
              inputs={"alpha": "alpha", "beta": "beta", "ab": "AB[i, j]", "c": "C[i, j]"},
              outputs={"o": "C[i, j]"}, schedule="cpu_parallel", label="update")
    return b.build()


@entry(_gemm_args, _gemm_ref)
def gemm_maps():
    b = ProgramBuilder("gemm_maps")
    b.arg("alpha", "float64")
    b.arg("beta", "float64")
    b.arg("C", "float64", ["NI", "NJ"])
    b.arg("A", "float64", ["NI", "NK"])
    b.arg("B", "float64", ["NK", "NJ"])
    with b.state("scale") as s:
        s.map({"i": "0:NI", "j": "0:NJ"}, "o = beta * c",
              inputs={"beta": "beta", "c": "C[i, j]"}, outputs={"o": "C[i, j]"}, label="scale")
    with b.state("accumulate") as s:
        s.map({"i": "0:NI", "j": "0:NJ", "k": "0:NK"}, "o = alpha * a * bb",
              inputs={"alpha": "alpha", "a": "A[i, k]", "bb": "B[k, j]"},
              outputs={"o": "C[i, j] wcr +"}, label="mac")
    return b.build()


def _spmm_args(rng):
    import scipy.sparse as sp

    n, m, k = rng.integers(4, 10, 3)
    A = sp.random(n, m, density=0.4, format="csr", random_state=int(rng.integers(1 << 30)))
    return [A, _r(rng, m, k)], {}


@entry(_spmm_args, lambda A, X: A @ X)
def spmm_csr():
    b = ProgramBuilder("spmm_csr")
    b.csr("A", "float64", "N", "M", "NNZ", index_dtype="int32")
    b.arg("X", "float64", ["M", "K"])
    b.returns("Y", "float64", ["N", "K"])
    with b.state() as s:
        s.library(ir.SpMM(), {"A": "A", "b": "X"}, {"c": "Y"})
    return b.build()


def _spmv_args(rng):
    import scipy.sparse as sp

    n = int(rng.integers(4, 10))
    A = sp.random(n, n, density=0.5, format="csr", random_state=int(rng.integers(1 << 30)))
    return [A, _r(rng, n)], {}


@entry(_spmv_args, lambda A, x: A @ x)
def spmv_maps():
    """CSR matrix-vector product by hand: row bounds and column indices are read from
    the matrix into scalars and assigned to symbols that steer loops and memlets."""
    b = ProgramBuilder("spmv_maps")
    b.csr("A", "float64", "N", "N", "NNZ")
    b.arg("x", "float64", ["N"])
    b.returns("y", "float64", ["N"])
    b.transient("lo", "int64")
    b.transient("hi", "int64")
    b.transient("col", "int64")
    b.symbol("rs")
    b.symbol("re")
    b.symbol("c")
    with b.loop("r", 0, "N"):
        with b.state("row_bounds") as s:
            s.tasklet("l = p", {"p": "A.indptr[r]"}, {"l": "lo"}, label="start")
            s.tasklet("h = p", {"p": "A.indptr[r + 1]"}, {"h": "hi"}, label="end")
        b.assign(rs="lo", re="hi")
        with b.loop("k", "rs", "re"):
            with b.state("column") as s:
                s.tasklet("o = ci", {"ci": "A.indices[k]"}, {"o": "col"}, label="column")
            b.assign(c="col")
            with b.state("multiply_add") as s:
                s.tasklet("o = v * xv", {"v": "A.data[k]", "xv": "x[c]"}, {"o": "y[r] wcr +"},
                          label="mac")
    return b.build()



@entry(lambda rng: ([_r(rng, int(rng.integers(2, 7)), int(rng.integers(2, 7)))], {}),
       lambda A: (A.T.copy(), A.max(axis=1)))
def transpose_and_rowmax():
    b = ProgramBuilder("transpose_and_rowmax")
    b.arg("A", "float64", ["N", "M"])
    b.returns("T", "float64", ["M", "N"])
    b.returns("m", "float64", ["N"])
    with b.state() as s:
        s.library(ir.Transpose(), {"inp": "A"}, {"out": "T"})
        s.library(ir.Reduce(op="max", axes=[1]), {"inp": "A"}, {"out": "m"})
    return b.build()


@entry(lambda rng: ([_r(rng, int(rng.integers(2, 7)), int(rng.integers(2, 7))) * 4 - 2], {}),
       lambda A: np.exp(A - A.max(axis=-1, keepdims=True))
       / np.exp(A - A.max(axis=-1, keepdims=True)).sum(axis=-1, keepdims=True))
def softmax_library():
    b = ProgramBuilder("softmax_library")
    b.arg("A", "float64", ["N", "M"])
    b.returns("S", "float64", ["N", "M"])
    with b.state() as s:
        s.library(ir.Softmax(axis=-1), {"inp": "A"}, {"out": "S"})
    return b.build()


@entry(lambda rng: ([_r(rng, 5, 4)], {}), lambda A: A.max(axis=0))
def column_max_wcr():
    """Per-column maximum through `max` write-conflict resolution (identity: -inf)."""
    b = ProgramBuilder("column_max_wcr")
    b.arg("A", "float64", ["N", "M"])
    b.returns("m", "float64", ["M"])
    with b.state("init") as s:
        s.map({"j": "0:M"}, "o = -inf", outputs={"o": "m[j]"}, label="init")
    with b.state("reduce") as s:
        s.map({"i": "0:N", "j": "0:M"}, "o = a", inputs={"a": "A[i, j]"},
              outputs={"o": "m[j] wcr max"}, label="reduce")
    return b.build()


# --- stencils and loops -----------------------------------------------------------------


def _jacobi_args(rng):
    n = int(rng.integers(5, 12))
    return [_r(rng, n, n), _r(rng, n, n)], {"T": int(rng.integers(1, 5))}


def _jacobi_ref(A, B, T):
    for _ in range(T):
        B[1:-1, 1:-1] = 0.2 * (A[1:-1, 1:-1] + A[1:-1, :-2] + A[1:-1, 2:] + A[2:, 1:-1]
                               + A[:-2, 1:-1])
        A[1:-1, 1:-1] = 0.2 * (B[1:-1, 1:-1] + B[1:-1, :-2] + B[1:-1, 2:] + B[2:, 1:-1]
                               + B[:-2, 1:-1])


@entry(_jacobi_args, _jacobi_ref)
def jacobi_2d():
    b = ProgramBuilder("jacobi_2d")
    b.arg("A", "float64", ["N", "N"])
    b.arg("B", "float64", ["N", "N"])
    b.symbol("T", arg=True)
    code = "o = 0.2 * (c + w + e + s + n)"
    for_ = {"c": "{X}[i, j]", "w": "{X}[i, j - 1]", "e": "{X}[i, j + 1]", "s": "{X}[i + 1, j]",
            "n": "{X}[i - 1, j]"}
    with b.loop("t", 0, "T"):
        for src, dst in (("A", "B"), ("B", "A")):
            with b.state(f"to_{dst}") as s:
                s.map({"i": "1:N - 1", "j": "1:N - 1"}, code,
                      inputs={k: v.format(X=src) for k, v in for_.items()},
                      outputs={"o": f"{dst}[i, j]"}, schedule="cpu_parallel", label="stencil")
    return b.build()


@entry(lambda rng: ([_r(rng, int(rng.integers(3, 10)))], {}),
       lambda x: np.cumsum(x[::-1])[::-1].copy())
def suffix_sum_reverse_loop():
    """A loop with a negative step carrying a dependence: y[i] = x[i] + y[i+1]."""
    b = ProgramBuilder("suffix_sum_reverse_loop")
    b.arg("x", "float64", ["N"])
    b.returns("y", "float64", ["N"])
    with b.state("last") as s:
        s.tasklet("o = v", {"v": "x[N - 1]"}, {"o": "y[N - 1]"})
    with b.loop("i", "N - 2", -1, -1):
        with b.state("step") as s:
            s.tasklet("o = a + b", {"a": "x[i]", "b": "y[i + 1]"}, {"o": "y[i]"})
    return b.build()


def _triangle_ref(A):
    return np.tril(A)


@entry(lambda rng: ([_r(rng, 6, 6)], {}), _triangle_ref)
def nested_triangular_maps():
    """Nested maps where the inner range depends on the outer parameter."""
    b = ProgramBuilder("nested_triangular_maps")
    b.arg("A", "float64", ["N", "N"])
    b.returns("L", "float64", ["N", "N"])
    with b.state() as s:
        with s.map_scope({"i": "0:N"}, "cpu_parallel", "rows") as rows:
            rows.map({"j": "0:i + 1"}, "o = a", inputs={"a": "A[i, j]"},
                     outputs={"o": "L[i, j]"}, label="lower")
    return b.build()


@entry(lambda rng: ([_r(rng, int(rng.integers(2, 6)))], {}),
       lambda x: np.concatenate([x, x * 2.0]))
def shapes_with_expressions():
    """Shapes written with expressions: 2*N outputs and copies between subsets."""
    b = ProgramBuilder("shapes_with_expressions")
    b.arg("x", "float64", ["N"])
    b.returns("y", "float64", ["2 * N"])
    with b.state("first_half") as s:
        s.copy("x[0:N]", "y[0:N]")
    with b.state("second_half") as s:
        s.map({"i": "0:N"}, "o = 2.0 * v", inputs={"v": "x[i]"}, outputs={"o": "y[N + i]"})
    return b.build()


@entry(lambda rng: ([_r(rng, int(rng.integers(3, 8)) + 2)], {}),
       lambda x: 0.5 * (x[:-2] + x[2:]))
def halo_shape_n_plus_2():
    """An input of shape N + 2 whose N is inferred from the argument."""
    b = ProgramBuilder("halo_shape_n_plus_2")
    b.arg("x", "float64", ["N + 2"])
    b.returns("y", "float64", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = 0.5 * (l + r)", inputs={"l": "x[i]", "r": "x[i + 2]"},
              outputs={"o": "y[i]"})
    return b.build()


@entry(lambda rng: ([_r(rng, int(rng.integers(3, 9)) * 2)], {}), lambda x: x[1::2].copy())
def strided_subset():
    b = ProgramBuilder("strided_subset")
    b.arg("x", "float64", ["2 * N"])
    b.returns("y", "float64", ["N"])
    with b.state() as s:
        s.copy("x[1:2 * N:2]", "y[0:N]")
    return b.build()


# --- reductions -------------------------------------------------------------------------


@entry(lambda rng: ([_r(rng, int(rng.integers(2, 9)), int(rng.integers(2, 9)))], {}),
       lambda A: A.sum())
def sum_wcr():
    b = ProgramBuilder("sum_wcr")
    b.arg("A", "float64", ["N", "M"])
    b.returns("s", "float64")
    with b.state() as s:
        s.map({"i": "0:N", "j": "0:M"}, "o = a", inputs={"a": "A[i, j]"},
              outputs={"o": "s wcr +"}, label="sum")
    return b.build()


@entry(lambda rng: ([_r(rng, int(rng.integers(2, 9)), int(rng.integers(2, 9)))], {}),
       lambda A: (A.sum(axis=0), A.prod(axis=1), np.argmax(A, axis=1)))
def reduce_library():
    b = ProgramBuilder("reduce_library")
    b.arg("A", "float64", ["N", "M"])
    b.returns("colsum", "float64", ["M"])
    b.returns("rowprod", "float64", ["N"])
    b.returns("rowarg", "int64", ["N"])
    with b.state() as s:
        s.library(ir.Reduce(op="+", axes=[0]), {"inp": "A"}, {"out": "colsum"})
        s.library(ir.Reduce(op="*", axes=[1]), {"inp": "A"}, {"out": "rowprod"})
        s.library(ir.Reduce(op="argmax", axes=[1]), {"inp": "A"}, {"out": "rowarg"})
    return b.build()


# --- control flow -----------------------------------------------------------------------


def _branch_symbol_ref(x):
    if x.shape[0] > 4:
        x *= 2.0
    else:
        x += 1.0


@entry(lambda rng: ([_r(rng, int(rng.integers(2, 8)))], {}), _branch_symbol_ref)
def branch_on_symbol():
    b = ProgramBuilder("branch_on_symbol")
    b.arg("x", "float64", ["N"])
    with b.if_("N > 4"):
        with b.state("double") as s:
            s.map({"i": "0:N"}, "o = 2.0 * v", inputs={"v": "x[i]"}, outputs={"o": "x[i]"})
    with b.else_():
        with b.state("increment") as s:
            s.map({"i": "0:N"}, "o = v + 1.0", inputs={"v": "x[i]"}, outputs={"o": "x[i]"})
    return b.build()


def _branch_scalar_args(rng):
    x = _r(rng, int(rng.integers(2, 8))) - 0.5
    return [x], {}


def _branch_scalar_ref(x):
    if x[0] > 0.0:
        return x.sum()
    elif x[0] > -0.25:
        return 0.0
    return -x.sum()


@entry(_branch_scalar_args, _branch_scalar_ref)
def branch_on_data():
    """if/elif/else on a scalar read from data."""
    b = ProgramBuilder("branch_on_data")
    b.arg("x", "float64", ["N"])
    b.returns("r", "float64")
    b.transient("first", "float64")
    with b.state("read_first") as s:
        s.tasklet("o = v", {"v": "x[0]"}, {"o": "first"})
    with b.if_("first > 0.0"):
        with b.state("sum") as s:
            s.map({"i": "0:N"}, "o = v", inputs={"v": "x[i]"}, outputs={"o": "r wcr +"})
    with b.elif_("first > -0.25"):
        with b.state("zero") as s:
            s.tasklet("o = 0.0", {}, {"o": "r"})
    with b.else_():
        with b.state("negsum") as s:
            s.map({"i": "0:N"}, "o = -v", inputs={"v": "x[i]"}, outputs={"o": "r wcr +"})
    return b.build()


def _while_ref(x):
    s = float(x)
    n = 0
    while s < 100.0:
        s = s * 2.0 + 1.0
        n += 1
    return s


@entry(lambda rng: ([float(rng.random() * 3 + 0.1)], {}), _while_ref)
def while_on_scalar():
    b = ProgramBuilder("while_on_scalar")
    b.arg("x", "float64")
    b.returns("s", "float64")
    with b.state("init") as s:
        s.tasklet("o = v", {"v": "x"}, {"o": "s"})
    with b.while_("s < 100.0"):
        with b.state("grow") as s:
            s.tasklet("o = 2.0 * v + 1.0", {"v": "s"}, {"o": "s"})
    return b.build()


def _break_ref(x):
    total = 0.0
    for i in range(x.shape[0]):
        if x[i] < 0.2:
            break
        if x[i] > 0.8:
            continue
        total += x[i]
    return total


@entry(lambda rng: ([_r(rng, int(rng.integers(3, 12)))], {}), _break_ref)
def loop_break_continue():
    b = ProgramBuilder("loop_break_continue")
    b.arg("x", "float64", ["N"])
    b.returns("total", "float64")
    b.transient("xi", "float64")
    with b.loop("i", 0, "N"):
        with b.state("load") as s:
            s.tasklet("o = v", {"v": "x[i]"}, {"o": "xi"})
        with b.if_("xi < 0.2"):
            b.break_()
        with b.if_("xi > 0.8"):
            b.continue_()
        with b.state("add") as s:
            s.tasklet("o = t + v", {"t": "total", "v": "xi"}, {"o": "total"})
    return b.build()


def _early_return_ref(x):
    if x[0] > 0.5:
        return x[0]
    return x[0] * 10.0


@entry(lambda rng: ([_r(rng, 4)], {}), _early_return_ref)
def early_return():
    b = ProgramBuilder("early_return")
    b.arg("x", "float64", ["N"])
    b.returns("r", "float64")
    with b.state("first") as s:
        s.tasklet("o = v", {"v": "x[0]"}, {"o": "r"})
    with b.if_("r > 0.5"):
        b.return_()
    with b.state("scale") as s:
        s.tasklet("o = 10.0 * v", {"v": "r"}, {"o": "r"})
    return b.build()


def _assign_ref(x, counts):
    k = int(counts)
    return x[:k].sum()


@entry(lambda rng: ([_r(rng, 8), int(rng.integers(0, 9))], {}), _assign_ref)
def symbol_from_data():
    """A symbol assigned from a scalar argument steers the loop bound."""
    b = ProgramBuilder("symbol_from_data")
    b.arg("x", "float64", ["N"])
    b.arg("counts", "int64")
    b.returns("s", "float64")
    b.symbol("K")
    b.assign(K="counts")
    with b.loop("i", 0, "K"):
        with b.state("add") as s:
            s.tasklet("o = a + v", {"a": "s", "v": "x[i]"}, {"o": "s"})
    return b.build()


# --- streams, calls, types --------------------------------------------------------------


@entry(lambda rng: ([_r(rng, int(rng.integers(2, 9)))], {}), lambda x: 2.0 * x + 1.0)
def stream_producer_consumer():
    b = ProgramBuilder("stream_producer_consumer")
    b.arg("x", "float64", ["N"])
    b.returns("y", "float64", ["N"])
    b.stream("q", "float64", depth=4)
    with b.state("pipeline") as s:
        s.map({"i": "0:N"}, "o = 2.0 * v", inputs={"v": "x[i]"}, outputs={"o": "q"},
              schedule="sequential", label="producer")
        s.map({"i": "0:N"}, "o = v + 1.0", inputs={"v": "q"}, outputs={"o": "y[i]"},
              schedule="sequential", label="consumer")
    return b.build()


def _axpy_program() -> ir.Program:
    b = ProgramBuilder("axpy")
    b.arg("a", "float64")
    b.arg("x", "float64", ["N"])
    b.arg("y", "float64", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = a * xv + yv", inputs={"a": "a", "xv": "x[i]", "yv": "y[i]"},
              outputs={"o": "y[i]"})
    return b.build()


def _call_ref(A, B):
    for r in range(A.shape[0]):
        B[r] = 3.0 * A[r] + B[r]


@entry(lambda rng: ([_r(rng, 4, 5), _r(rng, 4, 5)], {}), _call_ref)
def call_per_row():
    """Calls a nested program on each row (subsets bound to the callee's arguments)."""
    callee = _axpy_program()
    b = ProgramBuilder("call_per_row")
    b.arg("A", "float64", ["R", "C"])
    b.arg("B", "float64", ["R", "C"])
    b.transient("alpha", "float64")
    with b.state("alpha") as s:
        s.tasklet("o = 3.0", {}, {"o": "alpha"})
    with b.loop("r", 0, "R"):
        with b.state("row") as s:
            s.call(callee, {"a": "alpha", "x": "A[r, 0:C]", "y": "B[r, 0:C]"},
                   {"y": "B[r, 0:C]"}, {"N": "C"})
    return b.build()


@entry(lambda rng: ([rng.integers(0, 1 << 16, int(rng.integers(2, 9)))], {}),
       lambda x: ((x << 1) ^ (x >> 2)) & 255 | (x % 7))
def integer_bit_operations():
    b = ProgramBuilder("integer_bit_operations")
    b.arg("x", "int64", ["N"])
    b.returns("y", "int64", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = (v << 1 ^ v >> 2) & 255 | v % 7", inputs={"v": "x[i]"},
              outputs={"o": "y[i]"})
    return b.build()


@entry(lambda rng: ([_r(rng, int(rng.integers(2, 9))) * 2 - 1], {}),
       lambda x: np.where(x > 0, x, 0.01 * x))
def select_leaky_relu():
    b = ProgramBuilder("select_leaky_relu")
    b.arg("x", "float64", ["N"])
    b.returns("y", "float64", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = select(v > 0.0, v, 0.01 * v)", inputs={"v": "x[i]"},
              outputs={"o": "y[i]"})
    return b.build()


def _complex_args(rng):
    n = int(rng.integers(2, 7))
    return [_r(rng, n) + 1j * _r(rng, n), _r(rng, n) + 1j * _r(rng, n)], {}


@entry(_complex_args, lambda a, b: a * b + np.conj(a))
def complex_arithmetic():
    b = ProgramBuilder("complex_arithmetic")
    b.arg("a", "complex128", ["N"])
    b.arg("b", "complex128", ["N"])
    b.returns("z", "complex128", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = u * v + conj(u)", inputs={"u": "a[i]", "v": "b[i]"},
              outputs={"o": "z[i]"})
    return b.build()


@entry(lambda rng: ([_r(rng, int(rng.integers(2, 9)), dtype=np.float32)], {}),
       lambda x: (np.sqrt(x.astype(np.float64)) * 3.0, (x * np.float32(2.0)).astype(np.int32)))
def mixed_precision_casts():
    b = ProgramBuilder("mixed_precision_casts")
    b.arg("x", "float32", ["N"])
    b.returns("wide", "float64", ["N"])
    b.returns("ints", "int32", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = 3.0 * sqrt(float64(v))", inputs={"v": "x[i]"},
              outputs={"o": "wide[i]"})
        s.map({"i": "0:N"}, "o = int32(2.0 * v)", inputs={"v": "x[i]"}, outputs={"o": "ints[i]"})
    return b.build()


@entry(lambda rng: ([_r(rng, 6, 5)], {}), lambda A: (A[1:5, :].copy(),))
def copy_between_subsets():
    b = ProgramBuilder("copy_between_subsets")
    b.arg("A", "float64", ["N", "M"])
    b.returns("B", "float64", ["N - 2", "M"])
    with b.state() as s:
        s.copy("A[1:N - 1, 0:M]", "B[0:N - 2, 0:M]")
    return b.build()


@entry(lambda rng: ([_r(rng, int(rng.integers(2, 7)))], {}),
       lambda x: np.exp(-x ** 2 / 2.0) / np.sqrt(2.0 * np.pi) + np.tanh(x) - np.log1p(x))
def math_functions():
    b = ProgramBuilder("math_functions")
    b.arg("x", "float64", ["N"])
    b.returns("y", "float64", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"},
              "g = exp(-v ** 2 / 2.0) / sqrt(2.0 * 3.141592653589793)\n"
              "o = g + tanh(v) - log(1.0 + v)",
              inputs={"v": "x[i]"}, outputs={"o": "y[i]"})
    return b.build()


def write_corpus() -> list[Path]:
    CORPUS_DIR.mkdir(exist_ok=True)
    out = []
    for name, e in CORPUS.items():
        path = CORPUS_DIR / f"{name}.sir"
        path.write_text(e.build().to_text())
        out.append(path)
    return out


if __name__ == "__main__":
    for p in write_corpus():
        print(p)
