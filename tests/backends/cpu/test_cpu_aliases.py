"""Whole reshaping copies into transients share storage where nobody can tell (`aliases.py`),
and copies whose sizes differ at run time report it (status 3) instead of overrunning."""

from __future__ import annotations

import numpy as np
import pytest
from cpu_helpers import NO_PASSES, check

import sluice.ir as ir
from sluice.backends.cpu import build, generate
from sluice.backends.cpu.aliases import reshape_aliases
from sluice.errors import ExecutionError


def _reshape_then_read() -> ir.Program:
    b = ir.ProgramBuilder("reshape_read")
    b.arg("A", "float64", ["N", "M"])
    b.transient("B", "float64", ["N * M"])
    b.returns("r", "float64", ["N * M"])
    with b.state() as s:
        s.copy("A", "B")
        s.map({"i": "0:N * M"}, "o = v * 2.0", inputs={"v": "B[i]"}, outputs={"o": "r[i]"})
    with b.state() as s:  # A changes afterwards: B is no longer in use by then
        s.map({"i": "0:N", "j": "0:M"}, "o = 0.0", outputs={"o": "A[i, j]"})
    return b.build()


def test_reshaped_argument_shares_storage():
    p = _reshape_then_read()
    assert reshape_aliases(p) == {"B": "A"}
    src = generate(p, NO_PASSES)
    assert "double* const B = B_shared ? A : B_heap.p;" in src
    check(p, [np.random.default_rng(0).standard_normal((30, 7))])


def test_source_changed_while_the_copy_is_in_use_keeps_the_copy():
    """A is overwritten in a later state while B is still read after it: B must keep the old
    values, so no sharing."""
    b = ir.ProgramBuilder("changed_source")
    b.arg("A", "float64", ["N", "M"])
    b.transient("B", "float64", ["N * M"])
    b.returns("r", "float64", ["N * M"])
    with b.state() as s:
        s.copy("A", "B")
    with b.state() as s:
        s.map({"i": "0:N", "j": "0:M"}, "o = 5.0", outputs={"o": "A[i, j]"})
    with b.state() as s:
        s.map({"i": "0:N * M"}, "o = v", inputs={"v": "B[i]"}, outputs={"o": "r[i]"})
    p = b.build()
    assert reshape_aliases(p) == {}
    check(p, [np.random.default_rng(1).standard_normal((4, 5))])


def test_source_written_after_the_copy_in_the_same_state_keeps_the_copy():
    b = ir.ProgramBuilder("in_place")
    b.arg("A", "float64", ["N"])
    b.transient("B", "float64", ["N"])
    with b.state() as s:
        s.copy("A", "B")
        s.map({"i": "0:N"}, "o = v + w", inputs={"v": "B[i]", "w": "B[N - 1 - i]"},
              outputs={"o": "A[i]"})
    p = b.build()
    assert reshape_aliases(p) == {}
    check(p, [np.arange(9.0)])


def test_transient_source_only_used_in_the_copy_state_is_shared():
    """A temporary reshaped for a later state: the source never changes again."""
    b = ir.ProgramBuilder("tmp_reshape")
    b.arg("x", "float64", ["N * M"])
    b.transient("t", "float64", ["N * M"])
    b.transient("u", "float64", ["N", "M"])
    b.returns("r", "float64", ["N", "M"])
    with b.state() as s:
        s.map({"i": "0:N * M"}, "o = v * 3.0", inputs={"v": "x[i]"}, outputs={"o": "t[i]"})
        s.copy("t", "u")
    with b.state() as s:
        s.map({"i": "0:N", "j": "0:M"}, "o = v + 1.0", inputs={"v": "u[i, j]"},
              outputs={"o": "r[i, j]"})
    p = b.build()
    assert reshape_aliases(p) == {"u": "t"}
    check(p, [np.arange(12.0)], {"N": 3, "M": 4})


def test_a_second_writer_or_a_wcr_copy_keeps_the_copy():
    b = ir.ProgramBuilder("two_writers")
    b.arg("A", "float64", ["N"])
    b.transient("B", "float64", ["N"])
    b.transient("C", "float64", ["N"])
    b.returns("r", "float64", ["N"])
    with b.state() as s:
        s.copy("A", "B")
        s.map({"i": "0:N"}, "o = 1.0", outputs={"o": "B[i] wcr +"})
        s.copy("A", "C wcr +")
        s.map({"i": "0:N"}, "o = u + v", inputs={"u": "B[i]", "v": "C[i]"},
              outputs={"o": "r[i]"})
    p = b.build()
    assert reshape_aliases(p) == {}
    check(p, [np.arange(5.0)])


@pytest.mark.parametrize("shared", [True, False])
def test_copy_between_sizes_that_differ_at_run_time_is_an_error(shared):
    b = ir.ProgramBuilder("mismatch_" + str(shared).lower())
    b.arg("x", "float64", ["N"])
    b.arg("y", "float64", ["M"])
    b.transient("t", "float64", ["M"])
    b.returns("r", "float64", ["M"])
    with b.state() as s:
        s.copy("x", "t")
        if not shared:  # a second writer: t keeps storage of its own
            s.map({"i": "0:M"}, "o = 1.0", outputs={"o": "t[i] wcr +"})
        s.map({"i": "0:M"}, "o = v + w", inputs={"v": "t[i]", "w": "y[i]"},
              outputs={"o": "r[i]"})
    p = b.build()
    assert bool(reshape_aliases(p)) == shared
    fn = build(p, NO_PASSES)
    check(p, [np.arange(4.0), np.ones(4)])
    for m in (3, 6):
        with pytest.raises(ExecutionError, match="views of different sizes"):
            fn(np.arange(4.0), np.zeros(m))
        with pytest.raises(ExecutionError):
            ir.interpret(p, np.arange(4.0), np.zeros(m))
