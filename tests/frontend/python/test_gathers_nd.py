"""Integer-array indexing beyond `x[idx]` of 1-D arrays: several index arrays, N-D index
arrays, index arrays beside slices and integers (where NumPy puts the gathered dimensions),
gathers and scatters, against NumPy on both targets (gathers.py)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.frontend.python.python_rules import agree

RNG = np.random.default_rng(7)
A2 = RNG.standard_normal((4, 5))
A3 = RNG.standard_normal((3, 4, 5))
I2 = np.array([[0, 3], [-1, 2], [1, 1]])  # 2-D, a negative and a repeated index
J1 = np.array([4, -5, 2])
BAD = np.array([0, 5])


def two_d_index_into_1d(x, i):
    return x[i]


def pair_of_arrays(a, i, j):
    return a[i, j]


def broadcast_pair(a, i, j):
    return a[i[:, None], j[None, :]]


def rows_by_index(a, i):
    return a[i]


def slice_then_array(a, j):
    return a[1:, j]


def apart_by_a_slice(a, i, j):
    return a[i, :, j]


def integer_then_array(a, j):
    return a[0, :, j]


def integer_beside_array(a, j):
    return a[:, 0, j]


def scatter_pair(a, i, j):
    a[i, j] = -1.0
    return a


def scatter_values(a, i, j):
    a[i, j] = np.arange(3.0) * 10
    return a


def add_through_pair(a, i, j):
    a[i, j] += 1.0
    return a


def scatter_rows(a, i):
    a[i] = a[0] * 2
    return a


@pytest.mark.parametrize("fn,args", [
    (two_d_index_into_1d, (np.arange(6.0), I2)),
    (pair_of_arrays, (A2, np.array([0, -1, 3]), J1)),
    (broadcast_pair, (A2, np.array([0, 3]), J1)),
    (rows_by_index, (A2, I2)),
    (slice_then_array, (A2, I2)),
    (apart_by_a_slice, (A3, np.array([0, 2]), np.array([[1], [-1]]))),
    (integer_then_array, (A3, J1)),
    (integer_beside_array, (A3, J1)),
    (scatter_pair, (A2.copy(), np.array([0, -1, 0]), J1)),
    (scatter_values, (A2.copy(), np.array([0, 1, 0]), np.array([2, 2, 2]))),
    (add_through_pair, (A2.copy(), np.array([0, 0, 1]), np.array([1, 1, 1]))),
    (scatter_rows, (A2.copy(), np.array([3, -1, 1]))),
])
def test_integer_array_indexing_as_numpy(fn, args):
    agree(fn, args)


def test_out_of_range_and_mismatched_index_arrays_stop_as_in_numpy():
    agree(pair_of_arrays, (A2, BAD, np.array([0, 1])), (A2, np.array([0, 1]), BAD),
          (A2, np.array([0, 1, 2]), np.array([0, 1])))
    agree(two_d_index_into_1d, (np.arange(6.0), np.array([[6]])))
