"""Control flow and calls: loops (negative steps, the loop variable afterwards), while,
break/continue/return, symbol assignments from data, nested programs with strided views."""

from __future__ import annotations

import numpy as np
from cpu_helpers import check

import sluice.ir as ir


def test_loops_branches_and_assignments():
    b = ir.ProgramBuilder("control")
    b.arg("x", "float64", ["N"])
    b.arg("limit", "float64")
    b.returns("acc", "float64")
    b.returns("last", "int64")
    b.returns("count", "int64")
    b.transient("xi", "float64")
    with b.loop("i", "N - 1", -1, -2):  # every other element, backwards
        with b.state("load") as s:
            s.tasklet("o = v", {"v": "x[i]"}, {"o": "xi"})
        with b.if_("xi > limit"):
            b.continue_()
        with b.state("add") as s:
            s.tasklet("o = a + v", {"a": "acc", "v": "xi"}, {"o": "acc"})
    with b.state("after") as s:  # the loop variable keeps its last value
        s.tasklet("o = i", {}, {"o": "last"})
    with b.while_("count < 100 and acc < 1000.0"):
        with b.state("grow") as s:
            s.tasklet("o = a * 2.0 + 1.0", {"a": "acc"}, {"o": "acc"})
        with b.state("tick") as s:
            s.tasklet("o = c + 1", {"c": "count"}, {"o": "count"})
        with b.if_("count >= 7"):
            b.break_()
    b.assign(k="count * 2")
    with b.if_("k > 100"):
        b.return_()
    with b.state("final") as s:
        s.tasklet("o = a + k", {"a": "acc"}, {"o": "acc"})
    p = b.build()
    rng = np.random.default_rng(0)
    for limit in (0.5, 2.0):
        check(p, [rng.random(9), limit])


def _callee() -> ir.Program:
    b = ir.ProgramBuilder("scale_and_sum")
    b.arg("v", "float64", ["L"])
    b.arg("f", "float64")
    b.returns("s", "float64")
    b.returns("twice", "float64", ["L"])
    with b.state() as s:
        s.map({"i": "0:L"}, "o = a * c", inputs={"a": "v[i]", "c": "f"}, outputs={"o": "v[i]"})
    with b.state() as s:
        s.map({"i": "0:L"}, "o = a", inputs={"a": "v[i]"}, outputs={"o": "s wcr +"})
        s.map({"i": "0:L"}, "o = 2.0 * a", inputs={"a": "v[i]"}, outputs={"o": "twice[i]"})
    with b.state() as s:
        s.tasklet("o = c + 1.0", {"c": "f"}, {"o": "f"})  # writes its scalar argument
    return b.build()


def test_calls_with_contiguous_and_strided_views():
    callee = _callee()
    b = ir.ProgramBuilder("caller")
    b.arg("A", "float64", ["R", "C"])
    b.arg("factor", "float64")
    b.returns("sums", "float64", ["C"])
    b.returns("rows2", "float64", ["C"])
    b.returns("fac", "float64")
    b.transient("f", "float64")
    with b.state("init") as s:
        s.tasklet("o = v", {"v": "factor"}, {"o": "f"})
    with b.loop("j", 0, "C"):
        with b.state("column") as s:  # a column: strided, gathered and scattered back
            s.call(callee, {"v": "A[0:R, j]", "f": "f"},
                   {"v": "A[0:R, j]", "s": "sums[j]", "f": "f"})
    with b.state("row") as s:  # a row: contiguous, passed in place
        s.call(callee, {"v": "A[0, 0:C]", "f": "f"},
               {"v": "A[0, 0:C]", "twice": "rows2", "f": "f"}, {"L": "C"})
    with b.state("out") as s:
        s.tasklet("o = v", {"v": "f"}, {"o": "fac"})
    rng = np.random.default_rng(1)
    check(b.build(), [rng.standard_normal((4, 3)), 1.5])


def test_symbols_from_data_steer_memlets():
    b = ir.ProgramBuilder("gather_row")
    b.arg("A", "float64", ["N", "M"])
    b.arg("which", "int32")
    b.returns("row", "float64", ["M"])
    b.assign(r="which % N")
    with b.state() as s:
        s.map({"j": "0:M"}, "o = v", inputs={"v": "A[r, j]"}, outputs={"o": "row[j]"})
    A = np.arange(12.0).reshape(3, 4)
    for which in (1, 5, -1):
        check(b.build(), [A, which])
