"""Integer indices and index arrays follow NumPy on the interpreter and the CPU backend:
negative ones wrap, out-of-range ones raise (never read or write past the array); bad
subsets are reported while compiling."""

import sys
from pathlib import Path

import numpy as np
import pytest

import sluice
from sluice.errors import SluiceError, SluiceIndexError, SluiceTypeError, UnsupportedError

sys.path.insert(0, str(Path(__file__).resolve().parent))

from python_rules import agree  # noqa: E402

x8 = np.arange(8.0) + 0.5


def gather(x, idx):
    return x[idx] * 1.0


def test_gather_wraps_and_checks():
    agree(gather, (x8, np.array([0, 7, 3])), (x8, np.array([-1, -8, 2])),
          (x8, np.array([1, 8])), (x8, np.array([-9, 0])), (x8, np.array([100])))


def scatter(x, idx, v):
    x[idx] = v
    return x


def test_scatter_wraps_checks_and_keeps_the_last_of_repeats():
    v = np.array([10.0, 20.0, 30.0])
    agree(scatter, (x8.copy(), np.array([0, -1, 3]), v), (x8.copy(), np.array([2, 2, 5]), v),
          (x8.copy(), np.array([1, 8, 0]), v), (x8.copy(), np.array([0, -9, 1]), v))


def scatter_scalar_and_update(x, idx):
    x[idx] = -1.0
    x[idx[::-1]] += x[:idx.shape[0]]
    return x


def test_scatter_of_a_scalar_and_augmented_scatter():
    agree(scatter_scalar_and_update, (x8.copy(), np.array([1, 1, -2])),
          (x8.copy(), np.array([4, 9])))


def element(x, i):
    return x[i] * 1.0


def element_2d(A, i, j):
    return A[i, j] + A[-1, j]


def test_integer_index_out_of_range_raises():
    agree(element, (x8, 7), (x8, -8), (x8, 8), (x8, -9))
    A = np.arange(12.0).reshape(3, 4)
    agree(element_2d, (A, 1, 2), (A, -3, -4), (A, 3, 0), (A, 0, 4))


def constant_index_past_the_end(x):
    return x[10] * 1.0


def test_constant_index_on_symbolic_size_checked_at_run_time():
    agree(constant_index_past_the_end, (x8,), (np.arange(12.0),))


def element_const_size(x):
    a = np.zeros(4) + x[0]
    return a[4]


def new_axis_index(x):
    return x[np.newaxis][1] * 1.0


@pytest.mark.parametrize("fn", [element_const_size, new_axis_index])
def test_constant_index_on_constant_size_refused_while_compiling(fn):
    with pytest.raises(SluiceIndexError, match="out of bounds"):
        sluice.jit(fn).trace(x8)


def bool_index(x):
    return x[True] * 1.0


def nan_index(x):
    return x[np.nan] * 1.0


def float_index(x):
    return x[1.5] * 1.0


def float_step(x):
    return x[::1.5] * 1.0


def float_index_array(x, i):
    return x[i * 1.0]


@pytest.mark.parametrize("fn, err, words", [
    (bool_index, UnsupportedError, "boolean scalar"),
    (nan_index, SluiceTypeError, "must be integers"),
    (float_index, SluiceTypeError, "must be integers"),
    (float_step, SluiceTypeError, "steps must be integers"),
    (float_index_array, SluiceTypeError, "integer type"),
])
def test_bad_subsets_are_reported_with_their_line(fn, err, words):
    args = (x8,) if fn is not float_index_array else (x8, np.array([1]))
    with pytest.raises(err, match=words) as info:
        sluice.jit(fn).trace(*args)
    assert info.value.loc is not None and info.value.loc.line == fn.__code__.co_firstlineno + 1
    assert isinstance(info.value, SluiceError)


def gather_in_map(x, idx):
    y = np.empty(idx.shape[0])
    for k in sluice.map[0:idx.shape[0]]:
        y[k] = x[idx[k]] * 2.0
    return y


def test_an_index_read_from_data_inside_a_map_body_is_refused_clearly():
    # (It used to reach the verifier as invalid IR: a map body has no place for the block
    # that binds the index.)
    with pytest.raises(UnsupportedError, match="inside a sluice.map body") as err:
        sluice.jit(gather_in_map)(np.arange(5.0), np.array([4, 0]))
    assert err.value.loc is not None and "x[idx[k]]" in str(err.value)
