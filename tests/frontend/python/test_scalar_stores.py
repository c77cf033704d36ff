"""Storing one scalar in an integer array follows NumPy 2's `__setitem__`: a NumPy scalar
stored in a signed integer array, and a Python number stored in any integer array, is
converted with int() and refused (OverflowError, ValueError for NaN) when the array's type
cannot hold it; a NumPy scalar stored in an unsigned array and a 0-d array wrap as casts do
(campaign seed 220001: `i8[:] = np.square(100)` stored 16)."""

import sys
from pathlib import Path

import numpy as np
import pytest

import sluice
from sluice.errors import SluiceError, SluiceTypeError

sys.path.insert(0, str(Path(__file__).resolve().parent))

from python_rules import agree  # noqa: E402


def i8(*v):
    return np.array(v, np.int8)


def doubled_elements(a, x):
    for i in range(a.shape[0]):
        a[i] = x[i] * 2


def test_numpy_scalar_into_signed_array_is_checked():
    for dt in (np.int64, np.float64, np.float32, np.uint64):
        agree(doubled_elements, (i8(0, 0), np.array([3, 63], dt)),
              (i8(0, 0), np.array([3, 64], dt)))
    agree(doubled_elements, (i8(0, 0), np.array([1.5, -64.9])),
          (i8(0, 0), np.array([1.5, -65.0])),
          (i8(0, 0), np.array([1.5, np.nan])), (i8(0, 0), np.array([1.5, -np.inf])))


def sum_into_slice(a, x):
    a[1:] = x.sum()


def test_reduction_result_is_a_numpy_scalar():
    agree(sum_into_slice, (i8(0, 0, 0), np.array([100, 27])),
          (i8(0, 0, 0), np.array([100, 28])), (i8(0, 0, 0), np.array([-100.0, -28.5])),
          (i8(0, 0, 0), np.array([-100.0, -29.0])))


def test_edges_of_int32_and_int64():
    def store(a, x):
        a[0] = x[0]
    for dt, edges in ((np.int32, np.array([-2.0**31, -2.0**31 - 0.5, -2.0**31 - 1, 2.0**31])),
                      (np.int64, np.array([-2.0**63, 2.0**63, 9.3e18, -1e300]))):
        agree(store, *((np.zeros(1, dt), edges[k:]) for k in range(len(edges))))
    agree(store, (np.zeros(1, np.int32), np.array([-2.0**31], np.float32)),
          (np.zeros(1, np.int32), np.array([np.nextafter(np.float32(-2.0**31), -np.inf)])))
    agree(store, (np.zeros(1, np.int64), np.array([2**63 - 1], np.uint64)),
          (np.zeros(1, np.int64), np.array([2**63], np.uint64)))


def test_numpy_scalar_into_unsigned_array_wraps():
    def store(a, x):
        a[:] = x[0] * 3
    agree(store, (np.zeros(2, np.uint8), np.array([-1, 100])),
          (np.zeros(2, np.uint32), np.array([-7, 100])),
          (np.zeros(2, np.uint8), np.array([-1.0, 100.0])))


def test_python_number_into_integer_array_is_checked():
    def store(a, v):
        a[0] = v
    agree(store, (i8(0), 3.9), (i8(0), -128.9), (i8(0), 127.5), (i8(0), 128.0),
          (i8(0), -129.0), (i8(0), float("nan")), (i8(0), float("inf")),
          (np.zeros(1, np.uint8), 255.9), (np.zeros(1, np.uint8), -0.5),
          (np.zeros(1, np.uint8), -1.0), (np.zeros(1, np.uint64), 1.8e19),
          (np.zeros(1, np.uint64), 1.9e19), (i8(0), True))


def test_constants_known_when_traced():
    def square(a):
        a[:] = np.square(100)

    def half(a):
        a[0] = 200.5
    for fn in (square, half):
        with pytest.raises(SluiceTypeError, match="out of bounds for int8"):
            sluice.jit(fn)(i8(0, 0))
    agree(square, (np.zeros(2, np.int16),))
    agree(half, (np.zeros(2, np.uint8),))


def test_zero_d_arrays_wrap_like_any_array():
    def from_argument(a, z):
        a[:] = z

    def made_here(a, x):
        a[0] = np.array(x[0] * 2)
        a[1] = np.zeros((), np.int64) + x[1]  # (a ufunc of a 0-d array is a scalar)
    agree(from_argument, (i8(0, 0), np.array(300)), (i8(0, 0), np.array(-3.5)))
    agree(made_here, (i8(0, 0), np.array([100, 1])), (i8(0, 0), np.array([1, 300])))


def test_element_update_in_place_stores_like_setitem():
    def update(a, x):
        a[0] += x[1]
        a[1] -= x[0]
    agree(update, (i8(3, 4), np.array([1.5, 2.7])), (i8(3, 4), np.array([1.0, 125.0])),
          (i8(3, 4), np.array([-200, 5])), (i8(3, 4), np.array([200, 5])))

    def update_slice(a, x):
        a[:] += x[1]
    with pytest.raises(TypeError):  # NumPy's in-place ufunc refuses float into int8
        update_slice(i8(3, 4), np.array([1.5, 2.7]))
    with pytest.raises(SluiceError, match="in place"):
        sluice.jit(update_slice)(i8(3, 4), np.array([1.5, 2.7]))


def test_index_array_stores_check_python_numbers_only():
    def scatter_scalar(a, idx, x):
        a[idx] = x[0] * 2

    def scatter_python(a, idx, v):
        a[idx] = v
    idx = np.array([0, 2])
    agree(scatter_scalar, (i8(0, 0, 0), idx, np.array([100])),
          (i8(0, 0, 0), idx, np.array([1.5e2])))
    agree(scatter_python, (i8(0, 0, 0), idx, 3.5), (i8(0, 0, 0), idx, 300.5),
          (i8(0, 0, 0), idx, 300))


def test_python_bools_are_ints_in_python_arithmetic():
    def add(a, b):
        return a + b, a * 3, a / b, a - b
    agree(add, (True, True), (True, False))
    def plus(a, b):
        return a + b
    f = sluice.jit(plus)
    assert f(True, True) == 2
    assert f(np.True_, np.True_) is np.True_  # a separate specialisation: NumPy's bool add
