"""Boolean mask indexing (issue #18): `x[m] = v`, selections combined element-wise, and
reductions of `x[m]`, against NumPy on the interpreter and the CPU backend."""

import copy

import numpy as np
import pytest

import sluice
from sluice.errors import SluiceError
from tests.frontend.python.python_rules import agree

RNG = np.random.default_rng(1818)
SPECIAL = np.array([0.5, -0.0, np.nan, -2.0, np.inf, 0.05, 3.0, -np.inf, 0.0, 1e-300])


def store_scalar(stddev):
    stddev[stddev <= 0.1] = 1.0  # correlation
    return stddev


def store_same_mask(inv_r):
    inv_r[inv_r > 0] = 1.0 / inv_r[inv_r > 0]  # nbody (its ** -1.5 rounds as pow does)
    return inv_r


def mandelbrot_step(Z, C, N, n):
    I = np.less(abs(Z), 2.0)  # noqa: E741 (NPBench's name)
    N[I] = n
    Z[I] = Z[I] ** 2 + C[I]
    N[N == 3] = 0
    return Z, N


def add_through_mask(x, y):
    x[y > 0] += 2
    x[x < 0] -= y[x < 0] * 2
    return x


def int_store(a, v):
    a[a % 3 == 0] = v
    return a


def reductions(data, lo, hi):
    m = np.logical_and(lo <= data, data < hi)
    sel = data[m]
    return (sel.mean(), np.sum(data[m]), data[m].max(), np.min(sel), np.prod(sel),
            np.any(sel > 1), np.all(data[m] > lo), sel.sum(axis=0))


def integer_reductions(a, k):
    sel = a[a > k]
    return sel.sum(), np.mean(sel), sel.max(), sel.prod(), np.any(sel), a[a < k].all()


def selection_is_a_copy(x):
    s = x[x > 0]
    x[:] = -1.0
    return s.sum()


def azimint_naive(data, radius, npt):
    rmax = radius.max()
    res = np.zeros(npt, dtype=np.float64)
    for i in range(npt):
        r1 = rmax * i / npt
        r2 = rmax * (i + 1) / npt
        mask_r12 = np.logical_and((r1 <= radius), (radius < r2))
        values_r12 = data[mask_r12]
        res[i] = values_r12.mean()
    return res


def sum_of_nothing(x):
    return x[x > 10].sum(), x[x > 10].mean()


@pytest.mark.parametrize("fn, args", [
    (store_scalar, (SPECIAL.copy(),)),
    (store_scalar, (RNG.standard_normal((3, 4)).astype(np.float32),)),
    (store_same_mask, (SPECIAL.copy(),)),
    (mandelbrot_step, (RNG.standard_normal(6) + 1j * RNG.standard_normal(6),
                       RNG.standard_normal(6) + 0j, np.zeros(6, np.int64), 3)),
    (add_through_mask, (RNG.integers(-5, 5, 7), RNG.integers(-3, 3, 7))),
    (add_through_mask, (RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3)))),
    (int_store, (np.arange(-6, 6, dtype=np.int16), 7)),
    (int_store, (np.arange(6, dtype=np.uint8), np.uint8(200))),
])
def test_stores_through_masks_match_numpy(fn, args):
    agree(fn, args)


def _close(got, want):
    if isinstance(want, tuple):
        for g, w in zip(got, want, strict=True):
            _close(g, w)
        return
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype
    rtol = 1e-5 if want.dtype == np.float32 else 1e-12  # sums reassociate
    np.testing.assert_allclose(got, want, rtol=rtol, equal_nan=True)
    if want.dtype.kind == "f":
        assert np.array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("target", ["interpret", "cpu"])
@pytest.mark.parametrize("fn, args", [
    (reductions, (RNG.standard_normal(50), -0.5, 1.5)),
    (reductions, (RNG.standard_normal((6, 7)).astype(np.float32), np.float32(0), 1.0)),
    (integer_reductions, (RNG.integers(-4, 9, 20).astype(np.int8), 2)),
    (selection_is_a_copy, (RNG.standard_normal(9),)),
    (azimint_naive, (RNG.standard_normal(400), RNG.random(400) * 10, 25)),
    (sum_of_nothing, (np.array([-0.0, 1.0]),)),
])
def test_reductions_of_selections_match_numpy(target, fn, args):
    with np.errstate(all="ignore"):
        want = fn(*copy.deepcopy(args))
    ours = copy.deepcopy(args)
    got = sluice.jit(fn).compile(target, *ours)(*ours)
    _close(got, want)


def max_of_nothing(x):
    return x[x > 10].max()


def returned_selection(x):
    return x[x > 0]


def selection_and_array(x, y):
    return (x[x > 0] + y).sum()


def mismatched_mask(x, y):
    x[y > 0] = 1.0
    return x


def test_what_numpy_refuses_or_sluice_cannot_is_an_error():
    f = sluice.jit(max_of_nothing)
    assert f(np.array([11.0, 3.0])) == 11.0
    with pytest.raises(SluiceError, match="zero-size array to reduction operation maximum"):
        f(np.array([1.0, 3.0]))
    with pytest.raises(SluiceError, match="masked selection"):
        sluice.jit(returned_selection)(np.ones(3))
    # a selection with an array: NumPy's array of the selection, and its broadcasting
    g = sluice.jit(selection_and_array)
    assert g(np.ones(3), np.full(3, 2.0)) == 9.0
    with pytest.raises(SluiceError, match="could not be broadcast"):
        g(np.array([1.0, -1.0, 1.0]), np.ones(3))
    with pytest.raises(SluiceError, match="boolean index did not match"):
        sluice.jit(mismatched_mask)(np.ones(3), np.ones(4))


def complex_extremes(z, w):
    m = z.real > 0
    return z[m].max(), np.min(z[m]), (z[z.imag < 1] * w[z.imag < 1]).max()


INF, NAN = np.inf, np.nan


@pytest.mark.parametrize("z", [
    np.array([1 + 2j, 1 + 3j, -1 + 5j, 3 - 1j, 3 - 2j]),
    np.array([complex(INF, -INF), complex(INF, -INF), 1j, complex(1, NAN)]),  # NaN spreads
    np.array([complex(2, 0.0), complex(2, -0.0), complex(-INF, -INF), 5 + 0.5j]),
    np.array([complex(NAN, 1), 2 + 0j, 3 + 0.5j], np.complex64),
    np.array([-1 + 0j, 0.5j]),  # nothing selected: NumPy's error
], ids=range(5))
def test_complex_max_and_min_of_selections(z):
    # NumPy orders complex numbers by real part, then imaginary part
    agree(complex_extremes, (z, np.ones_like(z)))
