"""`require` declarations: the size relations a program assumes of its arguments, in the
text and JSON forms and checked by the interpreter before it runs; library references
report shape problems as SluiceErrors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sluice.ir as ir
from sluice.errors import ArgumentError, ExecutionError, SluiceError
from sluice.ir.serialize import from_json

ADD = """program add(a, b) -> (c) {
  symbol N: int64
  symbol M: int64
  data a: float64[N]
  data b: float64[M]
  data c: float64[N]
  require N == M "operands could not be broadcast together" "kernel.py:3:12"
  state s {
    %0 = access a
    %1 = access b
    %2 = map [i = 0:N] default "add" {
      %3 = access a
      %4 = access b
      %5 = tasklet "add" (x, y) -> (z) {
        z = x + y
      }
      %6 = access c
      %3 -> %5.x : a[i]
      %4 -> %5.y : b[i]
      %5.z -> %6 : c[i]
    }
    %7 = access c
    %0 -> %2 : a[0:N]
    %1 -> %2 : b[0:N]
    %2 -> %7 : c[0:N]
  }
}
"""

MATMUL = """program mm(A, B) -> (C) {
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

MAX = """program largest(x) -> (m) {
  symbol N: int64
  data x: float64[N]
  data m: float64
  state s {
    %0 = access x
    %1 = library Reduce {op = "max", axes = None, keepdims = False, identity = None}
    %2 = access m
    %0 -> %1.inp : x[0:N]
    %1.out -> %2 : m
  }
}
"""


def test_require_round_trips_through_text_and_json():
    p = ir.parse(ADD)
    (r,) = p.requires
    assert (str(r.lhs), r.op, str(r.rhs), r.where) == ("N", "==", "M", "kernel.py:3:12")
    text = p.to_text()
    assert 'require N == M "operands could not be broadcast together" "kernel.py:3:12"' in text
    assert ir.parse(text).structurally_equal(p)
    assert from_json(p.to_json()).structurally_equal(p)
    assert from_json(p.to_json()).requires == p.requires


def test_verifier_rejects_a_requirement_on_an_undeclared_symbol():
    p = ir.parse(ADD.replace("require N == M", "require N == K"))
    with pytest.raises(SluiceError, match="undeclared symbol 'K'"):
        p.verify()


def test_require_needs_a_comparison():
    with pytest.raises(SluiceError, match="comparison"):
        ir.parse(ADD.replace("require N == M", "require N + M"))


def test_interpreter_checks_requirements_before_running():
    p = ir.parse(ADD)
    a = np.arange(4.0)
    assert np.array_equal(ir.interpret(p, a, a), a + a)
    with pytest.raises(ArgumentError) as err:
        ir.interpret(p, a, np.ones(5))
    msg = str(err.value)
    assert "operands could not be broadcast together" in msg
    assert "dimension 0 of 'a' has size 4" in msg and "dimension 0 of 'b' has size 5" in msg
    assert str(err.value.loc) == "kernel.py:3:12"


def test_requirement_against_a_constant_names_the_bound():
    p = ir.parse(ADD.replace("require N == M", "require N >= 2"))
    with pytest.raises(ArgumentError, match=r"dimension 0 of 'a' has size 1 \(it must be >= 2\)"):
        ir.interpret(p, np.ones(1), np.ones(1))


def test_matmul_reference_reports_mismatched_inner_sizes():
    p = ir.parse(MATMUL)
    A, B = np.ones((2, 3)), np.ones((3, 4))
    assert np.array_equal(ir.interpret(p, A, B), A @ B)
    with pytest.raises(ExecutionError, match="inner dimensions"):
        ir.interpret(p, A, np.ones((5, 4)))


def test_max_of_empty_array_in_the_reference_is_an_error():
    p = ir.parse(MAX)
    assert ir.interpret(p, np.array([1.0, 5.0, 2.0])) == 5.0
    with pytest.raises(ExecutionError, match="zero-size array"):
        ir.interpret(p, np.zeros(0))


CHECKED = """program prefix(a, b) {
  symbol N: int64
  symbol M: int64
  symbol k: int64
  data a: float64[N]
  data b: float64[M]
  assign k = M - 1
  check k == N "could not broadcast the value into the view assigned to" "kernel.py:7:5"
  state s {
    %0 = access a
    %1 = map [i = 0:N] default "copy" {
      %2 = access a
      %3 = tasklet "copy" (x) -> (y) {
        y = x
      }
      %4 = access b
      %2 -> %3.x : a[i]
      %3.y -> %4 : b[i]
    }
    %5 = access b
    %0 -> %1 : a[0:N]
    %1 -> %5 : b[0:N]
  }
}
"""


def test_check_block_round_trips_and_verifies():
    p = ir.parse(CHECKED)
    p.verify()
    assert 'check k == N "could not broadcast' in p.to_text()
    assert ir.parse(p.to_text()).structurally_equal(p)
    assert from_json(p.to_json()).structurally_equal(p)
    with pytest.raises(SluiceError, match="undefined-symbol"):
        ir.parse(CHECKED.replace("check k == N", "check j == N")).verify()


def test_interpreter_stops_at_a_failing_check():
    p = ir.parse(CHECKED)
    b = np.zeros(4)
    ir.interpret(p, np.arange(3.0), b)
    assert np.array_equal(b, [0.0, 1.0, 2.0, 0.0])
    b = np.zeros(5)
    with pytest.raises(ExecutionError, match="k = 4 and N = 3") as err:
        ir.interpret(p, np.arange(3.0), b)
    assert str(err.value.loc) == "kernel.py:7:5"
    assert not b.any()  # stopped before the state ran


def test_a_reference_numpy_refuses_is_an_execution_error():
    p = ir.parse((Path(__file__).parent / "corpus" / "spmm_csr.sir").read_text())
    X = np.ones((3, 2))
    good = (np.array([0, 1, 2]), np.array([0, 2]), np.array([1.0, 2.0]))
    assert np.array_equal(ir.interpret(p, good, X), [[1.0, 1.0], [2.0, 2.0]])
    bad = (good[0], np.array([0, 7]), good[2])  # a column index past the matrix
    with pytest.raises(ExecutionError, match="SpMM"):
        ir.interpret(p, bad, X)
