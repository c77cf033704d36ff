"""Arguments that share memory with one the program writes are refused on every target
(issue "No silent wrong answers"): NumPy buffers overlapping operands operation by
operation, compiled loops would read what they already overwrote."""

from __future__ import annotations

import numpy as np
import pytest

import sluice
from sluice.errors import ArgumentError


def shift_add(a, v, w):
    v += w


def reverse_into(a, y):
    a *= y
    a[::-1] = y


@pytest.mark.parametrize("target", ["cpu", "interpret"])
def test_overlapping_views_are_refused(target):
    base = np.arange(7.0)
    f = sluice.jit(shift_add).compile(target, base, base[1:], base[:-1])
    with pytest.raises(ArgumentError, match="share memory"):
        f(base, base[1:], base[:-1])
    assert np.array_equal(base, np.arange(7.0))  # refused before anything ran


@pytest.mark.parametrize("target", ["cpu", "interpret"])
def test_the_same_array_twice_is_refused_when_written(target):
    a = np.arange(4.0)
    f = sluice.jit(reverse_into).compile(target, a, a.copy())
    with pytest.raises(ArgumentError, match="share memory"):
        f(a, a)


@pytest.mark.parametrize("target", ["cpu", "interpret"])
def test_disjoint_arguments_still_run(target):
    base = np.arange(8.0)
    v, w = base[:4], base[4:]  # two halves of one buffer, side by side
    want = base[:4] + base[4:]
    f = sluice.jit(shift_add).compile(target, np.zeros(3), np.zeros(4), np.zeros(4))
    for _ in range(2):  # the first call takes the thorough path, the second the fast one
        base[:] = np.arange(8.0)
        f(np.zeros(3), v, w)
        assert np.array_equal(v, want)


def floor_div_literal(a):
    return 2 // a, 7 % a


def test_integer_literals_in_helpers_take_the_loops_type():
    # `sl::floordiv(2, a)` deduced int from the literal and read 2**64 - 2 as -2.
    a = np.array([2**64 - 2, 1, 3, 2**63], dtype=np.uint64)
    want = floor_div_literal(a)
    got = sluice.jit(floor_div_literal)(a)
    for w, g in zip(want, got, strict=True):
        assert w.dtype == g.dtype and np.array_equal(w, g)
