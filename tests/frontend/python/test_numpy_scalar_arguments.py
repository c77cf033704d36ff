"""NumPy integer scalars passed as arguments keep their type, as in NumPy: arithmetic on an
`np.int8` wraps at 8 bits, an `np.int32` with an int8 array gives int32, and the same
argument still works as a size, a loop bound and an index."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from python_rules import agree  # noqa: E402


def arithmetic(n, a):
    return n * 2, a + n, n // 3, n - 100, n > 0


def as_size_and_bound(x, n):
    s = 0.0
    for i in range(n):
        s += x[i]
    return np.zeros(n) + s, x[n - 1] * n


@pytest.mark.parametrize("n", [np.int8(127), np.int8(-128), np.uint8(200), np.int16(-300),
                               np.uint16(65535), np.int32(2**31 - 1), np.uint32(7),
                               np.uint64(2**63 + 5), np.int64(-3)])
def test_arithmetic_keeps_the_scalar_type(n):
    agree(arithmetic, (n, np.arange(3, dtype=np.int8)))


@pytest.mark.parametrize("n", [np.int8(5), np.uint16(3), np.int32(7)])
def test_scalar_works_as_size_loop_bound_and_index(n):
    agree(as_size_and_bound, (np.arange(10.0), n))


def scaled(a, k):
    return a * k


def scaled_if(a, k, c):
    if c > 0:
        return a + k
    return a + 1


def test_python_int_arguments_must_fit_the_array_type_when_used():
    # NumPy 2: OverflowError "Python integer -1 out of bounds for uint16"; checked where the
    # operation runs, so a branch not taken does not refuse the call
    a = np.arange(3, dtype=np.uint16)
    agree(scaled, (a, -1), (a, 70000), (a, 65535), (a, 0))
    agree(scaled_if, (a, -1, 0), (a, -1, 1), (a, 7, 1))
