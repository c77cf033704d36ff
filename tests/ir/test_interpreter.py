"""Interpreter behaviour beyond the corpus: spatial maps, deadlocks, bounds, arguments."""

from __future__ import annotations

import numpy as np
import pytest

import sluice.ir as ir
from sluice.errors import ArgumentError, DeadlockError, ExecutionError
from sluice.ir.interpreter import CHUNK


def _chain(prefill: bool) -> ir.Program:
    """A right-to-left chain reduction over P PEs: PE p adds x[p] to what PE p+1 sent."""
    b = ir.ProgramBuilder("chain")
    b.arg("x", "float64", ["P"])
    b.returns("total", "float64")
    b.stream("S", "float64", ["P + 1"], depth=2)
    if prefill:
        with b.state("seed") as s:
            s.tasklet("o = 0.0", {}, {"o": "S[P]"})
    with b.state("pes") as s:
        s.map({"p": "0:P"}, "o = v + mine", inputs={"v": "S[p + 1]", "mine": "x[p]"},
              outputs={"o": "S[p]"}, schedule="spatial", label="chain")
    with b.state("drain") as s:
        s.tasklet("o = v", {"v": "S[0]"}, {"o": "total"})
    return b.build()


def test_spatial_map_runs_instances_as_coroutines():
    # PE 0 runs first and must wait for every other PE: only coroutines make this work.
    x = np.arange(1.0, 9.0)
    p = ir.parse(_chain(prefill=True).to_text())
    assert ir.interpret(p, x) == pytest.approx(x.sum())


def test_spatial_deadlock_names_the_pes_and_streams():
    with pytest.raises(DeadlockError) as info:
        ir.interpret(_chain(prefill=False), np.ones(4))
    msg = str(info.value)
    assert "spatial map 'chain' cannot progress" in msg
    assert "PE (3,) waits on S[4]" in msg


def test_empty_stream_outside_spatial_code_is_reported():
    b = ir.ProgramBuilder("starved")
    b.returns("y", "float64")
    b.stream("q", "float64")
    with b.state() as s:
        s.tasklet("o = v", {"v": "q"}, {"o": "y"})
    with pytest.raises(DeadlockError, match="empty stream 'q'"):
        ir.interpret(b.build())


def test_multicast_push_reaches_every_selected_stream():
    b = ir.ProgramBuilder("multicast")
    b.arg("v", "float64")
    b.returns("y", "float64", [3])
    b.stream("S", "float64", [3])
    with b.state("send") as s:
        s.tasklet("o = a", {"a": "v"}, {"o": "S[0:3]"})
    with b.state("receive") as s:
        s.map({"k": "0:3"}, "o = a", inputs={"a": "S[k]"}, outputs={"o": "y[k]"},
              schedule="sequential")
    np.testing.assert_array_equal(ir.interpret(b.build(), 7.0), [7.0, 7.0, 7.0])


def test_out_of_bounds_index_from_data_is_an_error_not_a_wraparound():
    b = ir.ProgramBuilder("gather")
    b.arg("x", "float64", ["N"])
    b.arg("k", "int64")
    b.returns("y", "float64")
    b.symbol("K")
    b.assign(K="k")
    with b.state() as s:
        s.tasklet("o = v", {"v": "x[K]"}, {"o": "y"})
    p = b.build()
    assert ir.interpret(p, np.arange(4.0), 2) == 2.0
    with pytest.raises(ExecutionError, match="index -1 is out of bounds"):
        ir.interpret(p, np.arange(4.0), -1)


def _axpy() -> ir.Program:
    b = ir.ProgramBuilder("axpy")
    b.arg("a", "float64")
    b.arg("x", "float64", ["N"])
    b.arg("y", "float64", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = a * xv + yv", inputs={"a": "a", "xv": "x[i]", "yv": "y[i]"},
              outputs={"o": "y[i]"})
    return b.build()


@pytest.mark.parametrize("args, kwargs, fragment", [
    ((2.0, np.ones(3, np.float32), np.ones(3)), {}, "has dtype float32, expected float64"),
    ((2.0, np.ones((3, 1)), np.ones(3)), {}, "has 2 dimensions, expected 1"),
    ((2.0, np.ones(3), np.ones(4)), {}, "has size 4 in dimension 0, expected N = 3"),
    ((2.0, np.ones(3)), {}, "missing argument 'y'"),
    ((2.0, np.ones(3), np.ones(3)), {"z": 1}, "has no argument 'z'"),
    ((2.0, [1.0, 2.0], np.ones(2)), {}, "must be a NumPy array"),
])
def test_argument_errors(args, kwargs, fragment):
    with pytest.raises(ArgumentError, match=fragment):
        ir.interpret(_axpy(), *args, **kwargs)


def test_large_maps_run_in_chunks_and_stay_correct():
    n = 1200  # n*n > CHUNK: several chunks
    assert n * n > CHUNK
    b = ir.ProgramBuilder("square")
    b.arg("A", "float64", ["N", "N"])
    b.returns("s", "float64")
    with b.state() as s:
        s.map({"i": "0:N", "j": "0:N"}, "o = a * a", inputs={"a": "A[i, j]"},
              outputs={"o": "s wcr +"})
    A = np.random.default_rng(0).random((n, n))
    assert ir.interpret(b.build(), A) == pytest.approx((A * A).sum(), rel=1e-10)


def test_transient_reallocated_when_its_shape_changes():
    # A transient whose shape depends on a loop variable gets a fresh buffer each time.
    b = ir.ProgramBuilder("prefix_sums")
    b.arg("x", "float64", ["N"])
    b.returns("y", "float64", ["N"])
    b.transient("part", "float64", ["i + 1"])
    with b.loop("i", 0, "N"):
        with b.state("take") as s:
            s.copy("x[0:i + 1]", "part[0:i + 1]")
        with b.state("sum") as s:
            s.library(ir.Reduce(op="+"), {"inp": "part[0:i + 1]"}, {"out": "y[i]"})
    x = np.arange(1.0, 6.0)
    np.testing.assert_allclose(ir.interpret(b.build(), x), np.cumsum(x))


def test_wcr_into_one_fixed_element_combines_every_point():
    # The written index does not depend on the map parameters: all points must still add.
    b = ir.ProgramBuilder("count")
    b.arg("x", "float64", ["N"])
    b.returns("r", "float64", [2])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = v", inputs={"v": "x[i]"}, outputs={"o": "r[1] wcr +"})
    x = np.arange(1.0, 6.0)
    np.testing.assert_array_equal(ir.interpret(b.build(), x), [0.0, 15.0])


def test_values_passed_inside_a_map_body_take_the_containers_type():
    # Batched and point-by-point execution must agree: the int64 scalar truncates.
    b = ir.ProgramBuilder("truncate")
    b.arg("x", "float64", ["N"])
    b.returns("y", "float64", ["N"])
    b.transient("t", "int64")
    with b.state() as s:
        with s.map_scope({"i": "0:N"}) as m:
            m.tasklet("o = 1.5 * v", {"v": "x[i]"}, {"o": "t"})
            m.tasklet("o = w + 0.25", {"w": "t"}, {"o": "y[i]"})
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(ir.interpret(b.build(), x), [1.25, 3.25, 4.25])
