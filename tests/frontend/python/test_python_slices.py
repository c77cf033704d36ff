"""Slices follow Python's rules on the interpreter and the CPU backend: out-of-range bounds
clip, negative ones wrap, reversed slices stop at the ends, also for bounds only known at
run time; sizes known only at run time broadcast as NumPy's do or raise."""

import sys
from pathlib import Path

import numpy as np
import pytest

import sluice
from sluice.errors import UnsupportedError

sys.path.insert(0, str(Path(__file__).resolve().parent))

from python_rules import agree  # noqa: E402

x8 = np.arange(8.0)
y5 = np.arange(5.0) * 10.0


def window(x, k):
    return x[k:k + 3] * 1.0


def test_window_near_and_past_the_end():
    agree(window, (x8, 0), (x8, 6), (x8, 7), (x8, 8), (x8, 20), (x8, -2), (x8, -20))


def from_k(x, k):
    return x[k:] + 0.0


def up_to_k(x, k):
    return x[:k] + 0.0


def test_runtime_bounds_wrap_and_clip():
    agree(from_k, (x8, 3), (x8, -3), (x8, -30), (x8, 30))
    agree(up_to_k, (x8, 3), (x8, -3), (x8, -30), (x8, 30))


def reversed_from(x, k):
    return x[k::-1] + 0.0


def test_reversed_slices():
    agree(reversed_from, (x8, 8), (x8, 7), (x8, 3), (x8, -1), (x8, -9), (x8, 100))


def constant_bounds(x):
    return x[5:100] + x[-100:3].sum() + x[8::-1][0] + x[-1:-100:-2].sum()


def test_constant_bounds_on_symbolic_sizes():
    agree(constant_bounds, (x8,), (np.arange(12.0),))


def in_loop(x):
    out = np.zeros(x.shape[0])
    for k in range(x.shape[0]):
        out[k] = np.sum(x[k:k + 3]) + np.sum(x[k - 2:k])
    return out


def test_loop_variable_bounds():
    agree(in_loop, (x8,))


def scalar_from_data(x, idx, out):
    k = idx[0]
    out[:] = -1.0
    out[:x[k:k + 2].shape[0]] = x[k:k + 2]
    return np.sum(x[k - 1:k + 2])


def test_bounds_read_from_data():
    agree(scalar_from_data, *[(x8, np.array([k]), np.zeros(2)) for k in (3, -3, 7, -1, 0, 9)])


def returns_data_sized(x, idx):
    return x[idx[0]:] + 0.0


def test_returned_size_read_from_data_is_refused():
    with pytest.raises(UnsupportedError, match="only known while the function runs"):
        sluice.jit(returns_data_sized).trace(x8, np.array([3]))


def stretch(x, y, k, m):
    return x[k:k + m] + y


def stretch_shape(x, y, k, m):
    return (x[k:k + m] + y).shape[0]


def test_runtime_size_one_broadcasts():
    agree(stretch, (x8, y5, 2, 1), (x8, y5, 2, 5), (x8, y5, 7, 3), (x8, y5, 2, 3))
    agree(stretch_shape, (x8, y5, 2, 1), (x8, y5, 2, 3))  # checked though nothing is stored


def reversed_strided_rows(a, b):
    return a[3:0:-2, :-2:-1] - b


def test_constant_reversed_slice_of_size_one_on_a_short_axis_broadcasts():
    # 3:0:-2 has two elements on a long axis but one on a length-2 axis, where it stretches
    a = np.array([[0, 19], [1, 20]], dtype=np.uint32)
    b = np.array([[1, 1], [14, 13]], dtype=np.uint8)
    agree(reversed_strided_rows, (a, b), (np.arange(20, dtype=np.uint32).reshape(5, 4),
                                          np.ones((2, 4), np.uint8)))


def store_window(x, y, k):
    x[k:k + 3] = y[:3]
    return x


def test_store_into_clipped_window():
    agree(store_window, (x8, y5, 2), (x8, y5, 6), (x8, y5, 5))


def store_scalar_slice(x, k):
    x[k:k + 1] = x[0:1] * 2.0
    return x


def test_store_of_runtime_length_one():
    agree(store_scalar_slice, (x8, 3), (x8, 9))


def element_at(x, i):
    return x[i] * 1.0


def test_runtime_negative_index_wraps():
    agree(element_at, (x8, 3), (x8, -1), (x8, -8))


def step_1(x, a, b):
    return np.sum(x[a:b] * 2.0 + 1.0) + 1000.0 * x[a:b].shape[0]


def step_3(x, a, b):
    return np.sum(x[a:b:3] * 2.0 + 1.0) + 1000.0 * x[a:b:3].shape[0]


def step_minus_1(x, a, b):
    return np.sum(x[a:b:-1] * 2.0 + 1.0) + 1000.0 * x[a:b:-1].shape[0]


def step_minus_2(x, a, b):
    return np.sum(x[a:b:-2] * 2.0 + 1.0) + 1000.0 * x[a:b:-2].shape[0]


@pytest.mark.parametrize("fn", [step_1, step_3, step_minus_1, step_minus_2])
def test_every_pair_of_runtime_bounds(fn):
    x = np.arange(7.0)
    agree(fn, *[(x, a, b) for a in range(-9, 10) for b in range(-9, 10, 2)])


def clipped_pair(x, y, k):
    return x[k:k + 2] + y[k:k + 2]


def test_sizes_clipped_differently_at_run_time():
    x, y = np.arange(8.0), np.arange(9.0)
    agree(clipped_pair, (x, y, 3), (x, y, 7), (x, y, 8), (x, y, 9))
