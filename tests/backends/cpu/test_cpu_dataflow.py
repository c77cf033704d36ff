"""Write-conflict resolution, copies, streams and allocation, against the interpreter."""

from __future__ import annotations

import numpy as np
import pytest
from cpu_helpers import NO_PASSES, check

import sluice.ir as ir
from sluice.backends.cpu import build, generate
from sluice.errors import DeadlockError


def _wcr_program() -> ir.Program:
    b = ir.ProgramBuilder("wcr_variants")
    b.arg("x", "float64", ["N"])
    b.arg("k", "int32", ["N"])
    b.arg("z", "complex128", ["N"])
    b.returns("total", "float64")
    b.returns("prod", "float64")
    b.returns("hi", "float64")
    b.returns("lo", "int32")
    b.returns("hist", "int64", [4])
    b.returns("isum", "int32")  # float values into an int container: cast first (batched)
    b.returns("csum", "complex128")
    b.returns("cbins", "complex128", [2])
    b.returns("colmax", "float64", ["M"])
    with b.state("reduce") as s:
        s.map({"i": "0:N"}, "o = v", inputs={"v": "x[i]"}, outputs={"o": "total wcr +"})
        s.map({"i": "0:N"}, "o = 1.0 + v / 8.0", inputs={"v": "x[i]"},
              outputs={"o": "prod wcr *"})
        s.map({"i": "0:N"}, "o = v", inputs={"v": "x[i]"}, outputs={"o": "hi wcr max"})
        s.map({"i": "0:N"}, "o = v", inputs={"v": "k[i]"}, outputs={"o": "lo wcr min"})
        s.map({"i": "0:N"}, "o = 1", inputs={}, outputs={"o": "hist[i % 4] wcr +"})
        s.map({"i": "0:N"}, "o = v * 0.75", inputs={"v": "x[i]"}, outputs={"o": "isum wcr +"})
        s.map({"i": "0:N"}, "o = v", inputs={"v": "z[i]"}, outputs={"o": "csum wcr +"})
        s.map({"i": "0:N"}, "o = v", inputs={"v": "z[i]"}, outputs={"o": "cbins[i % 2] wcr +"})
        s.map({"i": "0:N", "j": "0:M"}, "o = v * j", inputs={"v": "x[i]"},
              outputs={"o": "colmax[j] wcr max"})
    return b.build()


@pytest.mark.parametrize("n", [5, 40000])  # below and above the parallel threshold
def test_wcr_reductions_and_atomics(n):
    rng = np.random.default_rng(n)
    x = rng.standard_normal(n)
    k = rng.integers(-1000, 1000, n).astype(np.int32)
    z = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    check(_wcr_program(), [x, k, z], {"M": 3})


def test_wcr_code_uses_reduction_clauses_and_atomics():
    src = generate(_wcr_program(), NO_PASSES)
    assert "reduction(+:" in src and "reduction(max:" in src and "reduction(sl_cadd:" in src
    assert "#pragma omp atomic" in src  # hist[i % 4]
    assert "#pragma omp critical" in src  # complex bins


def test_non_batched_wcr_combines_before_casting():
    """A map body with a copy runs point by point in the interpreter, where `s += v`
    promotes first and casts after (unlike the batched cast-then-add)."""
    b = ir.ProgramBuilder("point_wcr")
    b.arg("x", "float64", ["N"])
    b.transient("t", "float64", ["N"])
    b.returns("s", "int64")
    with b.state() as s, s.map_scope({"i": "0:N"}) as body:
        body.copy("x[i]", "t[i]")
        body.tasklet("o = v * 0.5", {"v": "t[i]"}, {"o": "s wcr +"})
    check(b.build(), [np.arange(7, dtype=np.float64)])


def _copies_program() -> ir.Program:
    b = ir.ProgramBuilder("copies")
    b.arg("A", "float64", ["N", "M"])
    b.arg("v", "float64", ["K"])
    b.returns("flat", "float64", ["N * M"])
    b.returns("col", "float64", ["N"])
    b.returns("ints", "int32", ["N", "M"])
    b.returns("acc", "float64", ["N", "M"])
    b.returns("strided", "float64", ["N", "M"])
    with b.state("copy") as s:
        s.copy("A[0:N, 0:M]", "flat[0:N * M]")              # reshape
        s.copy("A[0:N, 1]", "col[0:N]")                      # strided column
        s.copy("A", "ints")                                  # float -> int cast
        s.copy("A", "acc")
        s.copy("A", "acc wcr +")                            # combine
        s.copy("flat[0:N * M]", "strided[0:N, 0:M]")
    with b.state("shift"):
        pass
    with b.state("overlap") as s:
        s.copy("v[0:K - 1]", "v[1:K]")                      # memmove semantics
    return b.build()


def test_copies():
    rng = np.random.default_rng(1)
    check(_copies_program(), [rng.standard_normal((5, 3)) * 10, rng.standard_normal(9)])


def _streams_program() -> ir.Program:
    b = ir.ProgramBuilder("streams")
    b.arg("x", "float64", ["N"])
    b.returns("y0", "float64", ["N"])
    b.returns("y2", "float64", ["N"])
    b.returns("back", "float64", ["N"])
    b.stream("q", "float64", [3])
    b.stream("r", "float64")
    with b.state("multicast") as s:
        s.map({"i": "0:N"}, "o = v + 1.0", inputs={"v": "x[i]"}, outputs={"o": "q[0:3]"},
              schedule="sequential", label="push")
        s.map({"i": "0:N"}, "o = v", inputs={"v": "q[0]"}, outputs={"o": "y0[i]"},
              schedule="sequential", label="pop0")
        s.map({"i": "0:N"}, "o = 2.0 * v", inputs={"v": "q[2]"}, outputs={"o": "y2[i]"},
              schedule="sequential", label="pop2")
    with b.state("through") as s:
        s.copy("x", "r")
    with b.state("drain") as s:
        s.copy("r", "back")
    return b.build()


def test_streams_multicast_and_copies():
    check(_streams_program(), [np.arange(6, dtype=np.float64)])


def test_reading_an_empty_stream_is_a_deadlock():
    b = ir.ProgramBuilder("starved")
    b.arg("x", "float64", ["N"])
    b.returns("y", "float64", ["N"])
    b.stream("q", "float64")
    with b.state() as s:
        s.map({"i": "0:N"}, "o = v", inputs={"v": "q"}, outputs={"o": "y[i]"},
              schedule="sequential")
    p = b.build()
    with pytest.raises(DeadlockError):
        ir.interpret(p, np.zeros(3))
    with pytest.raises(DeadlockError):
        build(p, NO_PASSES)(np.zeros(3))


def test_transients_start_zeroed_on_stack_and_heap():
    b = ir.ProgramBuilder("zeroed")
    b.arg("x", "float64", ["N"])
    b.transient("small", "float64", [4])
    b.transient("big", "float64", ["N"])
    b.transient("sc", "int32")
    b.returns("r", "float64", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = v + a + c + d", inputs={"v": "x[i]", "a": "small[i % 4]",
                                                        "c": "big[i]", "d": "sc"},
              outputs={"o": "r[i]"})
    src = generate(b.build(), NO_PASSES)
    assert "small[4] = {}" in src and "sl::Heap<double> big_heap" in src
    check(b.build(), [np.ones(300)])


def test_transient_shape_may_follow_a_loop_variable():
    """A transient sized by a loop variable is re-zeroed whenever its shape changes."""
    b = ir.ProgramBuilder("growing")
    b.arg("x", "float64", ["N"])
    b.returns("r", "float64", ["N"])
    b.transient("tmp", "float64", ["k + 1"])
    with b.loop("k", 0, "N"):
        with b.state("fill") as s:
            s.map({"j": "0:k + 1"}, "o = v * 2.0", inputs={"v": "x[j]"},
                  outputs={"o": "tmp[j]"})
        with b.state("sum") as s:
            s.map({"j": "0:k + 1"}, "o = v", inputs={"v": "tmp[j]"}, outputs={"o": "r[k] wcr +"})
    check(b.build(), [np.arange(1.0, 6.0)])


def test_innermost_reduction_accumulates_in_a_local():
    """`y[i] += A[i, k] * x[k]` over k: y[i] is loaded once, kept in a local across the k loop
    and stored once. Column sums `z[k] += ...` get their loops ordered k, i and accumulate
    too; a write indexed by every parameter keeps plain writes."""
    b = ir.ProgramBuilder("matvec_maps")
    b.arg("A", "float64", ["M", "K"])
    b.arg("x", "float64", ["K"])
    b.arg("y", "float64", ["M"])
    b.arg("z", "float64", ["K"])
    b.arg("W", "float64", ["M", "K"])
    with b.state("mac") as s:
        s.map({"i": "0:M", "k": "0:K"}, "o = a * v", inputs={"a": "A[i, k]", "v": "x[k]"},
              outputs={"o": "y[i] wcr +"})
    with b.state("columns") as s:
        s.map({"i": "0:M", "k": "0:K"}, "o = a * 2.0", inputs={"a": "A[i, k]"},
              outputs={"o": "z[k] wcr +"})
    with b.state("elementwise") as s:
        s.map({"i": "0:M", "k": "0:K"}, "o = a * 3.0", inputs={"a": "A[i, k]"},
              outputs={"o": "W[i, k] wcr +"})
    p = b.build()
    src = generate(p, NO_PASSES)
    assert src.count("double sl_acc") == 2
    assert "double sl_acc" not in src[src.index("state 'elementwise'"):]
    mac = src[src.index("state 'mac'"):src.index("state 'columns'")]
    assert "double sl_acc" in mac and mac.count("y[") == 2  # one load, one store
    rng = np.random.default_rng(5)
    for m, k in ((3, 4), (300, 200)):
        check(p, [rng.standard_normal((m, k)), rng.standard_normal(k), rng.standard_normal(m),
                  rng.standard_normal(k), rng.standard_normal((m, k))])


def test_large_transients_start_zeroed_call_after_call():
    """Transients of 4 MB and more are mapped from the kernel rather than calloc'd; they must
    still read as zeros on every call (here: accumulated into with wcr, then returned)."""
    b = ir.ProgramBuilder("big_transient")
    b.arg("x", "float64", ["N"])
    b.transient("t", "float64", ["N"])
    b.returns("y", "float64", ["N"])
    with b.state("acc") as s:
        s.map({"i": "0:N"}, "o = v * 2.0", inputs={"v": "x[i]"}, outputs={"o": "t[i] wcr +"})
    with b.state("out") as s:
        s.map({"i": "0:N"}, "o = v", inputs={"v": "t[i]"}, outputs={"o": "y[i]"})
    p = b.build()
    fn = build(p, NO_PASSES)
    x = np.random.default_rng(2).standard_normal(1 << 20)  # 8 MB
    for _ in range(3):
        np.testing.assert_array_equal(fn(x), 2.0 * x)
