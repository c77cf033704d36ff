"""Checked calls on the CPU backend: a program's `require`s are checked on every call (the
fast path and the thorough path agree) and sizes computed only at run time are compared in
the generated code before a kernel reads past an operand."""

from __future__ import annotations

import numpy as np
import pytest
from cpu_helpers import NO_PASSES, O2

import sluice.ir as ir
from sluice.backends.cpu import build
from sluice.errors import ArgumentError, ExecutionError
from sluice.ir.requires import requirement


def _add() -> ir.Program:
    """c = a + b over a[N], b[M], requiring N == M (as the Python frontend records it)."""
    b = ir.ProgramBuilder("add_checked")
    b.arg("a", "float64", ["N"])
    b.arg("b", "float64", ["M"])
    b.returns("c", "float64", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = x + y", inputs={"x": "a[i]", "y": "b[i]"},
              outputs={"o": "c[i]"})
    p = b.build()
    p.requires.append(requirement("N", "==", "M", "operands could not be broadcast together"))
    return p


@pytest.mark.parametrize("options", [NO_PASSES, O2])
def test_requirements_are_checked_on_every_call(options):
    fn = build(_add(), options)
    a = np.arange(4.0)
    assert np.array_equal(fn(a, a), a + a)
    for b in (np.ones(5), np.ones(3)):
        with pytest.raises(ArgumentError, match="dimension 0 of 'b' has size"):
            fn(a, b)  # positional: the fast path refuses, the thorough path explains
        with pytest.raises(ArgumentError, match="could not be broadcast"):
            fn(a=a, b=b)  # keywords: the thorough path only
    assert np.array_equal(fn(a, a), a + a)  # still callable


def test_matmul_compares_sizes_known_only_at_run_time():
    # The inner sizes are two unrelated symbols and nothing requires them equal: the
    # generated code must compare them rather than read past the smaller operand.
    text = """program mm_rt(A, B) -> (C) {
  symbol NI: int64
  symbol NK: int64
  symbol NL: int64
  symbol NJ: int64
  data A: float64[NI, NK]
  data B: float64[NL, NJ]
  data C: float64[NI, NJ]
  state s {
    %0 = access A
    %1 = access B
    %2 = library MatMul {transpose_a = False, transpose_b = False}
    %3 = access C
    %0 -> %2.a : A[0:NI, 0:NK]
    %1 -> %2.b : B[0:NL, 0:NJ]
    %2.c -> %3 : C[0:NI, 0:NJ]
  }
}
"""
    fn = build(ir.parse(text), NO_PASSES)
    A, B = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    assert np.allclose(fn(A, B), A @ B)
    with pytest.raises(ExecutionError, match="inner sizes differ"):
        fn(A, np.ones((5, 4)))


@pytest.mark.parametrize("options", [NO_PASSES, O2])
def test_check_blocks_stop_the_generated_code(options):
    b = ir.ProgramBuilder("prefix_checked")
    b.arg("a", "float64", ["N"])
    b.arg("x", "float64", ["M"])
    b.assign(k="M - 1")
    b.check(requirement("k", "==", "N", "could not broadcast the value into the view"))
    with b.state() as s:
        s.map({"i": "0:N"}, "o = v", inputs={"v": "a[i]"}, outputs={"o": "x[i]"})
    fn = build(b.build(), options)
    x = np.zeros(4)
    fn(np.arange(3.0), x)
    assert np.array_equal(x, [0.0, 1.0, 2.0, 0.0])
    x = np.zeros(3)  # k = 2: the map would write past x
    with pytest.raises(ExecutionError, match="could not broadcast the value into the view"):
        fn(np.arange(3.0), x)
    assert not x.any()
