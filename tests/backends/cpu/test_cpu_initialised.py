"""Transients written before they are read skip the zeroing (`initialised.py`), and large
blocks are recycled between calls. The suite builds with SLUICE_POISON_UNZEROED (the
project's conftest.py), so memory handed out unzeroed is all-ones bytes: a wrong proof
reads NaN and the comparisons with the interpreter fail."""

from __future__ import annotations

import numpy as np
import pytest
from cpu_helpers import NO_PASSES, check

import sluice.backends.cpu.module as cpu_module
import sluice.ir as ir
from sluice.backends.cpu import build, generate
from sluice.backends.cpu.initialised import written_before_read
from sluice.ir.library import MatMul

BIG = 1 << 17  # doubles: 1 MiB, above the recycling threshold


def test_the_suite_poisons_unzeroed_memory():
    import os

    assert os.environ.get("SLUICE_POISON_UNZEROED") == "1"


def _elementwise() -> ir.Program:
    b = ir.ProgramBuilder("ew_first")
    b.arg("x", "float64", ["N"])
    b.transient("t", "float64", ["N"])
    b.returns("r", "float64", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = v * 2.0", inputs={"v": "x[i]"}, outputs={"o": "t[i]"})
        s.map({"i": "0:N"}, "o = v + 1.0", inputs={"v": "t[i]"}, outputs={"o": "r[i]"})
    return b.build()


def _accumulated(n_rows: str = "4") -> ir.Program:
    """t[i] += x[i, j]: relies on t starting at zero."""
    b = ir.ProgramBuilder("acc_first")
    b.arg("x", "float64", [n_rows, "N"])
    b.transient("t", "float64", ["N"])
    b.returns("r", "float64", ["N"])
    with b.state() as s:
        s.map({"j": f"0:{n_rows}", "i": "0:N"}, "o = v", inputs={"v": "x[j, i]"},
              outputs={"o": "t[i] wcr +"})
    with b.state() as s:
        s.map({"i": "0:N"}, "o = v", inputs={"v": "t[i]"}, outputs={"o": "r[i]"})
    return b.build()


def test_elementwise_writer_first_skips_zeroing_and_is_exact_over_repeated_calls():
    p = _elementwise()
    assert written_before_read(p) == {"t"}
    assert "t_heap(N, false)" in generate(p, NO_PASSES)
    x = np.random.default_rng(0).standard_normal(BIG)
    fn = build(p, NO_PASSES)
    for _ in range(3):  # the second and third calls get the recycled block
        np.testing.assert_array_equal(fn(x), x * 2.0 + 1.0)


def test_a_transient_accumulated_into_keeps_its_zeroing_across_recycled_calls():
    p = _accumulated()
    assert written_before_read(p) == set()
    x = np.random.default_rng(1).standard_normal((4, BIG))
    fn = build(p, NO_PASSES)
    for _ in range(3):  # a recycled block must be zeroed again
        np.testing.assert_allclose(fn(x), x.sum(axis=0), rtol=1e-12)


def test_poisoning_would_catch_a_wrong_proof(monkeypatch):
    """Claim every transient is written first: the accumulation then starts from NaN."""
    monkeypatch.setattr(cpu_module, "written_before_read",
                        lambda p: {n for n, c in p.data.items() if c.transient})
    out = build(_accumulated(), NO_PASSES)(np.ones((4, 1000)))
    assert np.isnan(out).all()


def test_partial_write_keeps_zeroing():
    b = ir.ProgramBuilder("partial")
    b.arg("x", "float64", ["N"])
    b.transient("t", "float64", ["N"])
    b.returns("r", "float64", ["N"])
    with b.state() as s:
        s.map({"i": "1:N"}, "o = v", inputs={"v": "x[i]"}, outputs={"o": "t[i]"})
        s.map({"i": "0:N"}, "o = v", inputs={"v": "t[i]"}, outputs={"o": "r[i]"})
    p = b.build()
    assert written_before_read(p) == set()
    check(p, [np.arange(1.0, 600.0)])


def test_read_in_an_earlier_state_keeps_zeroing():
    b = ir.ProgramBuilder("read_then_write")
    b.arg("x", "float64", ["N"])
    b.transient("t", "float64", ["N"])
    b.returns("r", "float64", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = v + 1.0", inputs={"v": "t[i]"}, outputs={"o": "r[i]"})
    with b.state() as s:
        s.map({"i": "0:N"}, "o = v", inputs={"v": "x[i]"}, outputs={"o": "t[i]"})
    p = b.build()
    assert written_before_read(p) == set()
    check(p, [np.arange(1.0, 600.0)])


def test_first_mention_under_a_branch_keeps_zeroing():
    b = ir.ProgramBuilder("branch_first")
    b.arg("x", "float64", ["N"])
    b.arg("c", "int64")
    b.transient("t", "float64", ["N"])
    b.returns("r", "float64", ["N"])
    with b.if_("c > 0"), b.state() as s:
        s.map({"i": "0:N"}, "o = v", inputs={"v": "x[i]"}, outputs={"o": "t[i]"})
    with b.state() as s:
        s.map({"i": "0:N"}, "o = v", inputs={"v": "t[i]"}, outputs={"o": "r[i]"})
    p = b.build()
    assert written_before_read(p) == set()
    for c in (0, 1):
        check(p, [np.arange(1.0, 600.0), c])


def _in_loop(read_after: bool) -> ir.Program:
    b = ir.ProgramBuilder("loop_" + ("after" if read_after else "inside"))
    b.arg("x", "float64", ["N"])
    b.arg("M", "int64")
    b.transient("t", "float64", ["N"])
    b.returns("r", "float64", ["N"])
    with b.loop("k", 0, "M"):
        with b.state() as s:
            s.map({"i": "0:N"}, "o = v * k", inputs={"v": "x[i]"}, outputs={"o": "t[i]"})
        with b.state() as s:
            s.map({"i": "0:N"}, "o = v", inputs={"v": "t[i]"}, outputs={"o": "r[i] wcr +"})
    if read_after:
        with b.state() as s:
            s.map({"i": "0:N"}, "o = v", inputs={"v": "t[i]"}, outputs={"o": "r[i] wcr +"})
    return b.build()


@pytest.mark.parametrize("read_after", [False, True])
def test_loop_that_holds_every_mention(read_after):
    """Inside the loop each iteration writes t first; a read after the loop would see the
    zeros of a loop that ran no iterations, so it keeps the zeroing."""
    p = _in_loop(read_after)
    assert written_before_read(p) == (set() if read_after else {"t"})
    for m in (0, 3):
        check(p, [np.arange(1.0, 600.0), m])


def test_library_output_and_whole_copy_count_as_writes():
    b = ir.ProgramBuilder("lib_copy")
    b.arg("A", "float64", ["N", "N"])
    b.arg("x", "float64", ["N"])
    b.transient("y", "float64", ["N"])
    b.transient("z", "float64", ["N"])
    b.returns("r", "float64", ["N"])
    with b.state() as s:
        s.library(MatMul(), {"a": "A", "b": "x"}, {"c": "y"})
        s.copy("x", "z")
        s.map({"i": "0:N"}, "o = u + v", inputs={"u": "y[i]", "v": "z[i]"},
              outputs={"o": "r[i]"})
    p = b.build()
    assert written_before_read(p) == {"y", "z"}
    rng = np.random.default_rng(2)
    check(p, [rng.standard_normal((300, 300)), rng.standard_normal(300)])


def test_bench_kernels_with_unzeroed_temporaries_match_numpy():
    """Frontend programs: `alpha * A @ x` and reshape copies are written before read."""
    import sluice
    from bench.kernels import doitgen, gesummv

    for mod in (gesummv, doitgen):
        args = mod.init(**mod.SIZES["test"])
        f = sluice.jit(mod.kernel_numpy)
        assert ", false);  // transient, written before read" in f.lower("cpu", *args)
        mine = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        want = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        got, expected = f(*mine), mod.kernel_numpy(*want)
        if expected is not None:
            np.testing.assert_allclose(got, expected, rtol=1e-12)
        for a, e in zip(mine, want, strict=True):
            if isinstance(a, np.ndarray):
                np.testing.assert_allclose(a, e, rtol=1e-12)


def _returned(kind: str) -> ir.Program:
    """r is returned: written whole, partly, whole but only inside a loop, or after a state
    that may return first."""
    b = ir.ProgramBuilder(f"ret_{kind}")
    b.arg("x", "float64", ["N"])
    b.arg("n", "int64")
    b.returns("r", "float64", ["N"])
    whole = {"i": "0:N"}, "o = v * 2.0", {"v": "x[i]"}, {"o": "r[i]"}
    if kind == "whole":
        with b.state() as s:
            s.map(*whole[:2], inputs=whole[2], outputs=whole[3])
    elif kind == "partial":
        with b.state() as s:
            s.map({"i": "1:N"}, "o = v", inputs={"v": "x[i]"}, outputs={"o": "r[i]"})
    elif kind == "loop":
        with b.loop("k", 0, "n"), b.state() as s:
            s.map(*whole[:2], inputs=whole[2], outputs=whole[3])
    else:  # an early return can skip the write
        with b.if_("n > 0"):
            b.return_()
        with b.state() as s:
            s.map(*whole[:2], inputs=whole[2], outputs=whole[3])
    return b.build()


@pytest.mark.parametrize("kind, unzeroed", [("whole", True), ("partial", False),
                                            ("loop", False), ("early_return", False)])
def test_returned_arrays_skip_zeroing_only_when_every_element_is_written(kind, unzeroed):
    from sluice.backends.cpu.initialised import unzeroed_returns

    p = _returned(kind)
    assert unzeroed_returns(p) == ({"r"} if unzeroed else set())
    x = np.random.default_rng(1).standard_normal(BIG)
    for n in (0, 2):  # a loop that runs zero times, and an early return, leave r zero
        check(p, [x, n])
