"""Ufunc keyword arguments (issue #18): out= (also positional), where= and dtype=."""

import numpy as np
import pytest

import sluice
from sluice.errors import SluiceError
from tests.frontend.python.python_rules import agree

RNG = np.random.default_rng(1819)


def in_place(Z, C):
    np.multiply(Z, Z, Z)  # mandelbrot2
    np.add(Z, C, out=Z)
    return Z


def into_a_slice(x, y):
    np.subtract(x[1:], y[:-1], out=x[:-1])
    return x


def masked_out(x, y, m):
    np.add(x, y, out=x, where=m)
    return np.negative(y, out=y, where=y > 0)


def logical_in_place(b):
    np.logical_not(b, b)  # mandelbrot2
    return b


def with_dtype(a, b):
    return np.add(a, b, dtype=np.float32), np.multiply(a, 3, dtype=np.int64)


def returns_out(x):
    r = np.sqrt(x, out=x)
    r[0] = -1.0
    return x, r


def broadcast_into_out(x, s):
    np.add(s, 1.0, out=x)
    return x


@pytest.mark.parametrize("fn, args", [
    (in_place, (RNG.standard_normal(5) + 1j * RNG.standard_normal(5),
                RNG.standard_normal(5) + 0j)),
    (into_a_slice, (RNG.standard_normal(6), RNG.standard_normal(6))),
    (masked_out, (RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3)),
                  RNG.random((2, 3)) > 0.5)),
    (logical_in_place, (RNG.random(7) > 0.5,)),
    (with_dtype, (RNG.integers(-9, 9, 4), RNG.integers(-9, 9, 4).astype(np.int16))),
    (returns_out, (RNG.random(4),)),
    (broadcast_into_out, (RNG.random(4), 2.5)),
])
def test_ufunc_options_match_numpy(fn, args):
    agree(fn, args)


def same_kind_violation(x, y):
    np.add(x, y, out=x)
    return x


def where_without_out(x):
    return np.add(x, 1.0, where=x > 0)


def test_numpy_refusals_are_errors():
    with pytest.raises(SluiceError, match="same_kind"):
        sluice.jit(same_kind_violation)(np.ones(3, np.int64), np.ones(3))
    with pytest.raises(SluiceError, match="without out="):
        sluice.jit(where_without_out)(np.ones(3))


def dtype_of_python_numbers(x, k):
    return np.subtract(x, 0.5, dtype=np.float32), np.add(k, 3, dtype=np.int8), np.multiply(
        x, k, dtype=np.float32) + x


def test_dtype_decides_the_loop_of_python_numbers_too():
    # found while writing np.histogram (2026-12-07): two Python floats with dtype=np.float32
    # stayed weak and ran the float64 loop; NumPy returns an np.float32
    agree(dtype_of_python_numbers, (0.1, 7), (1e300, -2))
