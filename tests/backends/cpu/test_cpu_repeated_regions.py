"""Parallel maps and copies inside loops choose between an OpenMP nest and a sequential copy
of it with a plain `if` (an OpenMP region kept on one thread by its `if` clause still costs
the runtime's entry on every iteration); both copies compute the same values, with and
without reductions, atomics or reversed writes."""

import numpy as np
import pytest

import sluice.ir as ir
from sluice.backends.cpu import build, generate
from sluice.backends.cpu.dataflow import PARALLEL_MIN_ITERATIONS
from sluice.ir import interpret


def stepping() -> ir.Program:
    """T steps of: y[i] += x[i] * t (a parallel map), s += sum of y (a reduction map),
    z[N - 1 - i] += y[i] (a reversed write), w[k] += x[i] for k = i % 4 (atomics)."""
    b = ir.ProgramBuilder("stepping")
    b.arg("T", "int64")
    b.arg("x", "float64", ["N"])
    b.arg("y", "float64", ["N"])
    b.arg("z", "float64", ["N"])
    b.arg("w", "float64", [4])
    b.arg("s", "float64", [1])
    b.symbol("t")
    with b.loop("t", 0, "T"):
        with b.state() as st:
            st.map({"i": "0:N"}, "o = yi + xi * t", inputs={"xi": "x[i]", "yi": "y[i]"},
                   outputs={"o": "y[i]"})
        with b.state() as st:
            st.map({"i": "0:N"}, "o = yi", inputs={"yi": "y[i]"}, outputs={"o": "s[0] wcr +"})
        with b.state() as st:
            st.map({"i": "0:N"}, "o = yi", inputs={"yi": "y[i]"},
                   outputs={"o": "z[N - 1 - i] wcr +"})
        with b.state() as st:
            st.map({"i": "0:N"}, "o = xi", inputs={"xi": "x[i]"},
                   outputs={"o": "w[i % 4] wcr +"})
    return b.build()


def test_maps_in_a_loop_have_a_sequential_twin():
    src = generate(stepping())
    assert f"> {PARALLEL_MIN_ITERATIONS}) {{" in src  # the plain `if` around the OpenMP nest
    body = src[src.index("sl_prog_stepping"):]  # (the program, not the prelude's helpers)
    pragmas = [ln.strip() for ln in body.splitlines()
               if ln.strip().startswith("#pragma omp parallel for")]
    assert pragmas and not any("if(" in ln for ln in pragmas)  # (no `if` clause in the loop)
    assert "omp atomic" in src  # (w[i % 4] still needs them in the parallel copy)


@pytest.mark.parametrize("n", [1000, PARALLEL_MIN_ITERATIONS + 3000])
def test_both_copies_compute_what_the_interpreter_does(n):
    rng = np.random.default_rng(n)
    x = rng.integers(-8, 8, n).astype(np.float64)  # (integers: sums exact in any order)
    args = [3, x, rng.integers(-8, 8, n).astype(np.float64), np.zeros(n), np.zeros(4),
            np.zeros(1)]
    want = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    interpret(stepping(), *want)
    got = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    build(stepping())(*got)
    for w, g in zip(want[1:], got[1:], strict=True):
        np.testing.assert_array_equal(g, w)
