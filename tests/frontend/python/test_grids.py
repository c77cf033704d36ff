"""np.mgrid, np.repeat, unpacking arrays and slicing tuples (issue #18: NPBench's
stockham_fft), against NumPy on both targets."""

import numpy as np
import pytest

import sluice
from tests.frontend.python.python_rules import agree


def grids(n, m, a):
    i, j = np.mgrid[0:n, 1:m:2]
    k = np.mgrid[3:0:-1]
    g3 = np.mgrid[0:2, 0:3, n:m]
    return i * 10 + j, k, g3, np.exp(-2.0j * np.pi * i * j / m)


def repeats(a, n):
    b = a.reshape(2, 3)
    return (np.repeat(a, 2), np.repeat(b, n, axis=1), np.repeat(b, n, axis=-2),
            np.repeat(b, 0, axis=0), np.repeat(2.5, n), np.repeat(b, 2))


def unpack_and_slice(a, m):
    x, y = a  # rows: views of a
    p, q, r = m[0]  # elements: NumPy scalars
    u, v = a * 2
    x[0] = 9.0
    rows, cols = a.shape[-2:]
    return x, y, p + q + r, u - v, a, rows * 10 + cols, a.shape[::-1][0]


def test_mgrid_and_repeat_agree_with_numpy():
    a = np.arange(6.0)
    agree(grids, (3, 5, a), (0, 1, a), (4, 2, a))
    agree(repeats, (a, 3), (a, 0))


def test_unpacking_arrays_and_slicing_tuples():
    agree(unpack_and_slice, (np.arange(6.0).reshape(2, 3), np.arange(6.0).reshape(2, 3)))
    with pytest.raises(sluice.SluiceError, match="unpack"):
        sluice.jit(unpack_and_slice)(np.ones((3, 3)), np.ones((2, 3)))


def bad_repeat(a, counts):
    return np.repeat(a, counts)


def test_unsupported_forms_are_clear_errors():
    with pytest.raises(sluice.SluiceError, match="array of repeat counts"):
        sluice.jit(bad_repeat)(np.ones(2), np.array([1, 2]))


def open_grids(n, m):
    i, j = np.ogrid[0:n, 1:m:2]
    k = np.ogrid[3:0:-1]
    a, b, c = np.ogrid[0:2, n:m, 0:1]
    return i * 10 + j, k * 1, a + b + c, (i + j).shape[1]


def test_ogrid_agrees_with_numpy():
    agree(open_grids, (3, 7), (0, 1), (-2, 5), (4, -1))
