"""np.histogram with equal bins (issue #18: NPBench's azimint_hist), bit for bit against
NumPy on both targets: counts, edges, weights of every real type, range=, density=,
empty and constant data, and NumPy's errors."""

import numpy as np
import pytest

import sluice
from tests.frontend.python.python_rules import agree

RNG = np.random.default_rng(2014)


def azimint_hist(data, radius, npt):  # NPBench's kernel, unchanged
    histu = np.histogram(radius, npt)[0]
    histw = np.histogram(radius, npt, weights=data)[0]
    return histw / histu


def variants(a, bins, w):
    h1, e1 = np.histogram(a, bins)
    h2, e2 = np.histogram(a, 5, range=(-1.0, 2), weights=w)
    h3, e3 = np.histogram(a, 4, density=True)
    h4, e4 = np.histogram(a, bins, weights=w, density=True)
    return h1, e1, h2, e2, h3, e3, h4, e4


def test_npbench_azimint_hist():
    r, d = RNG.random(1000), RNG.random(1000)
    agree(azimint_hist, (d, r, 100), (d[:7], r[:7], 3))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bins_edges_weights_range_and_density(dtype):
    a = RNG.standard_normal(60).astype(dtype)
    a[3] = a[4]  # ties with an edge's neighbours
    cases = [(a, 7, RNG.integers(-3, 5, 60).astype(np.int32)),
             (a.reshape(6, 10), 3, RNG.random((6, 10)).astype(np.float32)),
             (np.full(5, 1.5, dtype), 4, np.ones(5, bool)),  # one value: widened by 0.5
             (np.zeros(0, dtype), 3, np.zeros(0)),  # empty: the range 0..1
             (np.zeros((0, 1), dtype), 6, np.zeros((0, 1), bool)),  # (edges in float64: 570181)
             (np.array([0.0, 0.1, 0.2, 0.30000000000000004, 1.0], dtype), 10, np.ones(5))]
    if dtype == np.float32:  # (each case compiles twice: float64 takes the shapes and edges)
        cases = [cases[0], cases[2], cases[5]]
    agree(variants, *cases)


def test_numpy_errors_are_errors():
    nan = np.array([1.0, np.nan])
    agree(variants, (nan, 3, np.ones(2)))  # NumPy: autodetected range is not finite
    with pytest.raises(sluice.SluiceError, match="must be positive"):
        sluice.jit(variants)(np.ones(3), 0, np.ones(3))
    with pytest.raises(sluice.SluiceError, match="same shape"):
        sluice.jit(variants)(np.ones(3), 2, np.ones(4))
    with pytest.raises(sluice.SluiceError, match="complex128 data is not supported"):
        sluice.jit(variants)(np.arange(3) + 1j, 2, np.ones(3))
    with pytest.raises(sluice.SluiceError, match="float16 data is not supported"):
        sluice.jit(variants)(np.arange(3, dtype=np.float16), 2, np.ones(3))


# --- integer and boolean data: bins in float64, the range's width in unsigned integers -------

def int_bins(a, bins):
    return np.histogram(a, bins=bins)


def int_range(a, lo, hi):
    return np.histogram(a, 4, range=(lo, hi))


def int_weighted(a, w):
    h1, e1 = np.histogram(a, 3, weights=w, density=True)
    h2, e2 = np.histogram(a, 5, weights=w)
    return h1, e1, h2, e2


I8 = np.array([1, 5, 100, -3, 100, -128, 127], np.int8)


@pytest.mark.filterwarnings("ignore:Converting input from bool")
def test_integer_data_bins_as_numpy():
    agree(int_bins, (I8, 4), (I8.astype(np.uint16) * 300, 7),
          (np.array([0, 2**64 - 1, 2**63, 5], np.uint64), 3),  # width beyond int64
          (np.array([-2**63, 2**63 - 1, 0, -1]), 3),  # width 2**64 - 1 (unsigned in NumPy)
          (np.array([2**53 + 1, 2**53 + 3, 2**53 + 2]), 2),  # ints that float64 rounds
          (np.array([True, False, True]), 2), (np.full(3, 7, np.int16), 3),
          (np.zeros(0, np.int32), 2), (RNG.integers(-50, 50, (4, 6)), 9))
    agree(int_range, (I8, 0, 10), (I8, 0, 1000), (I8, -200, 10), (I8, 0.5, 50.5),
          (I8, 5, 5), (I8, -3.0, -3), (I8, 10, 0))  # (the last: NumPy's error)
    agree(int_weighted, (I8, np.arange(7.0)), (I8.astype(np.int64), np.arange(7, dtype=np.int32)),
          (np.zeros(0, np.uint8), np.zeros(0, np.float32)))
