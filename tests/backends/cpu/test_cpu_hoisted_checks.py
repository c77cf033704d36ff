"""Index checks inside loops are hoisted to the loop's first and last iterations where that
is exact (a linear condition over symbols the body leaves alone), and stay on every
iteration where it is not (a body that can break, continue or return; a condition that is
not linear in the loop variable): the answers and the errors stay NumPy's."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import sluice
from sluice.backends.cpu.control import hoistable_checks
from sluice.ir.control import Loop

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "frontend" / "python"))

from python_rules import agree  # noqa: E402

x5 = np.arange(5.0)


def window_sum(x, lo, hi):
    s = 0.0
    for j in range(lo, hi):
        s += x[j] * x[j - 1]
    return s


def strided_down(x, lo, hi):
    s = 0.0
    for j in range(hi, lo, -2):
        s += x[j]
    return s


def stops_early(x, n):
    s = 0.0
    for j in range(n):
        if j >= 3:
            break
        s += x[j]
    return s


def skips(x, n):
    s = 0.0
    for j in range(n):
        if j % 2 == 1:
            continue
        s += x[j // 2]
    return s


def squares(x, n):
    s = 0.0
    for j in range(n):
        s += x[j * j - 4]
    return s


def test_hoisted_checks_fail_where_numpy_fails_and_pass_where_it_passes():
    # in range everywhere; out of range at the last iteration only; at the first only
    agree(window_sum, (x5, 1, 5), (x5, 1, 6), (x5, -5, 3), (x5, -6, 3), (x5, 3, 3))
    agree(strided_down, (x5, -6, 4), (x5, -7, 4), (x5, 0, 5), (x5, 2, 2))


def test_loops_that_can_leave_early_check_every_iteration():
    agree(stops_early, (x5, 100), (x5, 2))
    agree(skips, (x5, 10), (x5, 11))


def test_conditions_not_linear_in_the_variable_are_checked_every_iteration():
    # j*j - 4 is in range at j = 0 and j = 2 but not at j = 3
    agree(squares, (x5, 3), (x5, 4))


def _loops(f, *args):
    p = sluice.jit(f).trace(*args)
    return p, [b for b in p.body.walk() if isinstance(b, Loop)]


@pytest.mark.parametrize("f, args, hoisted", [
    (window_sum, (x5, 1, 5), True), (strided_down, (x5, 0, 4), True),
    (stops_early, (x5, 4), False), (skips, (x5, 4), False), (squares, (x5, 3), False),
])
def test_which_checks_are_hoisted(f, args, hoisted):
    p, loops = _loops(f, *args)
    assert loops and any(b.body.blocks for b in loops)
    assert bool(hoistable_checks(p, loops[0])) == hoisted
