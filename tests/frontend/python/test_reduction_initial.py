"""`initial=` of sum, prod, max and min (issue #18's ufunc keywords): NumPy starts the
reduction from it, so max/min of nothing is it, cast to the result type as NumPy casts it;
against NumPy on both targets."""

import numpy as np
import pytest

import sluice
from tests.frontend.python.python_rules import agree


def seeded(x, y):
    return (np.max(x, initial=5.0), np.sum(x, initial=1.0), x.min(initial=-3.0),
            np.max(y, axis=0, initial=0.5), np.prod(y, initial=2, axis=1),
            np.amin(x[:0], initial=7.0), np.sum(y.astype(np.int64), initial=1.5),
            y.sum(axis=-1, keepdims=True, initial=-0.0), np.prod(x > 0, initial=3))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int16, np.complex128])
def test_initial_seeds_the_reduction(dtype):
    rng = np.random.default_rng(2)
    # (values whose sums are exact: sums regroup on the CPU, within rounding of NumPy's)
    x = np.round(rng.standard_normal(5) * 4).astype(dtype)
    y = (rng.integers(0, 8, (3, 4)) / 4).astype(dtype)
    agree(seeded, (x, y), (x, np.zeros((0, 4), dtype)), (x[:1], np.ones((2, 1), dtype)))
    if np.dtype(dtype).kind == "f":
        x[1] = np.nan
        agree(seeded, (x, y))


def mean_seeded(x):
    return np.mean(x, initial=1.0)


def seeded_0d(x):
    return np.max(x.sum(), initial=2.0)


def seeded_at_run_time(x, s):
    return np.max(x, initial=s)


def test_what_initial_does_not_take():
    x = np.ones(3)
    with pytest.raises(sluice.SluiceError, match="unexpected keyword argument 'initial'"):
        sluice.jit(mean_seeded)(x)
    with pytest.raises(sluice.SluiceError, match="0-d"):
        sluice.jit(seeded_0d)(x)
    with pytest.raises(sluice.SluiceError, match="known when the function is compiled"):
        sluice.jit(seeded_at_run_time)(x, np.float64(2.0))


def prod_seeded_huge(x):
    return x.prod(initial=1e300)


def sum_seeded_negative(x):
    return np.sum(x, initial=-2.5)


def seeded_with_nan(x):
    return np.max(x, initial=np.nan)


@pytest.mark.parametrize("dtype", [np.int16, np.uint8, np.float32, np.bool_])
def test_initial_converts_as_numpy_does(dtype):
    """NumPy converts the seed to the reduction's type: 1e300 into integers and -2.5 into an
    unsigned type are its errors (found by the fuzzer: the interpreter stopped with a bare
    OverflowError); elsewhere the converted value seeds. (The seed is a constant, so its
    error is reported when compiling, even on a path a call would not take.)"""
    x = np.array([1, 0, 1], dtype)
    for fn in (prod_seeded_huge, sum_seeded_negative):
        try:
            with np.errstate(all="ignore"):
                want = fn(x.copy())
        except (OverflowError, ValueError):
            with pytest.raises(sluice.SluiceError, match="initial="):
                sluice.jit(fn)(x.copy())
            continue
        got = sluice.jit(fn)(x.copy())
        assert np.asarray(got).dtype == np.asarray(want).dtype
        assert np.array_equal(got, want, equal_nan=True)
    if np.dtype(dtype).kind == "f":  # (elsewhere NaN converts: True, or NumPy's error)
        with pytest.raises(sluice.SluiceError, match="initial=nan"):
            sluice.jit(seeded_with_nan)(x)
