"""np.linalg.cholesky, solve and inv (issue #18: NPBench's cholesky2 and contour_integral)
against NumPy's LAPACK on both targets: every real and complex type, stacks, NumPy's errors.
LAPACK's blocked algorithms round differently, so results agree to a tolerance of the type."""

import copy

import numpy as np
import pytest

import sluice
from sluice.frontend.python.numpy_impl import linalg as impl

RNG = np.random.default_rng(1818)
TARGETS = ["interpret", "cpu"]
TOL = {np.float32: 2e-4, np.complex64: 2e-4, np.float64: 1e-10, np.complex128: 1e-10}


def chol(a):
    return np.linalg.cholesky(a)


def chol_upper(a):
    return np.linalg.cholesky(a, upper=True)


def inv(a):
    return np.linalg.inv(a)


def solve(a, b):
    return np.linalg.solve(a, b)


def inv_and_solves(a, b, c):  # one compile for three calls
    return np.linalg.inv(a), np.linalg.solve(a, b), np.linalg.solve(a, c)


def both_choleskys(a):
    return np.linalg.cholesky(a), np.linalg.cholesky(a, upper=True)


def cholesky2(A):  # NPBench's kernel, unchanged
    A[:] = np.linalg.cholesky(A) + np.triu(A, k=1)


def _matrix(n, dtype, batch=()):
    m = RNG.standard_normal((*batch, n, n))
    if np.dtype(dtype).kind == "c":
        m = m + 1j * RNG.standard_normal((*batch, n, n))
    return m


def _hermitian(n, dtype, batch=()):
    m = _matrix(n, dtype, batch)
    h = m @ np.conj(np.swapaxes(m, -1, -2)) + n * np.eye(n)
    return h.astype(dtype)


_JITS: dict = {}


def _check(fn, args):
    """Both targets (one trace) against NumPy, results and arguments."""
    want_args = copy.deepcopy(args)
    with np.errstate(all="ignore"):
        want = fn(*want_args)
    jitted = _JITS.setdefault(fn, sluice.jit(fn))
    for t in TARGETS:
        ours = copy.deepcopy(args)
        got = jitted.compile(t, *ours)(*ours)
        pairs = zip(want, got, strict=True) if isinstance(want, tuple) else [(want, got)]
        for w, g in (*pairs, *zip(want_args, ours, strict=True)):
            if w is None:
                continue
            assert np.asarray(g).dtype == np.asarray(w).dtype and np.shape(g) == np.shape(w)
            tol = TOL.get(np.asarray(w).dtype.type, 1e-10)
            np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.complex128])
def test_cholesky_of_real_and_complex_types(dtype):
    _check(both_choleskys, (_hermitian(6, dtype),))
    _check(both_choleskys, (_hermitian(3, dtype, (2, 2)),))  # two batch axes


def test_cholesky_reads_one_triangle_as_lapack_does():
    h = _hermitian(5, np.complex128)
    junk = h + np.triu(_matrix(5, np.complex128), 1) * 7  # an upper triangle it must ignore
    _check(chol, (junk,))
    _check(chol_upper, (np.ascontiguousarray(np.conj(junk.T)),))
    _check(cholesky2, (_hermitian(7, np.float64),))


@pytest.mark.parametrize("dtype", [np.float32, np.complex64, np.bool_])
def test_inv_and_solve_of_real_complex_and_boolean_types(dtype):
    a = (_matrix(5, dtype) + 3 * np.eye(5)).astype(dtype) if dtype != np.bool_ else \
        np.eye(5, dtype=bool) | np.triu(np.ones((5, 5), bool), 2)
    b = _matrix(5, np.float64)[:, :3].astype(np.float32)
    _check(inv_and_solves, (a, b, b[:, 0].copy()))


def test_stacks_and_pivoting():
    a = _matrix(4, np.float64, (3,))
    a[:, 0, 0] = 0.0  # the first pivot must come from another row
    # one right-hand side for every matrix (a vector)
    _check(inv_and_solves, (a, _matrix(4, np.float64, (3,))[..., :2].copy(), np.arange(4.0)))
    _check(solve, (a[:1].copy(), _matrix(4, np.float64, (3,))))  # a broadcast
    _check(inv_and_solves, (np.zeros((0, 0)), np.zeros((0, 2)), np.zeros(0)))


def test_the_implementations_are_numpy_code():
    # the traced source also runs as plain NumPy: same answers as LAPACK
    h = _hermitian(5, np.complex128)
    np.testing.assert_allclose(impl.cholesky(h, True, False), np.linalg.cholesky(h))
    m = _matrix(5, np.float64)
    np.testing.assert_allclose(impl.inv(m.copy(), False), np.linalg.inv(m))
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        impl.inv(np.zeros((2, 2)), False)


@pytest.mark.parametrize("target", TARGETS)
def test_lapack_failures_stop_the_call(target):
    for fn, args, why in [(chol, (-np.eye(3),), "not positive definite"),
                          (chol, (np.array([[1.0, 2.0], [2.0, 1.0]]),), "not positive definite"),
                          (inv, (np.ones((3, 3)),), "Singular matrix"),
                          (solve, (np.zeros((2, 2)), np.ones(2)), "Singular matrix")]:
        with pytest.raises(np.linalg.LinAlgError):
            fn(*copy.deepcopy(args))
        with pytest.raises(sluice.SluiceError, match=why) as info:
            sluice.jit(fn).compile(target, *args)(*args)
        assert info.value.loc is not None and info.value.loc.file == __file__
    # a NaN pivot goes on with NaNs, as OpenBLAS's does
    _check(chol, (np.array([[np.nan, 0.0], [0.0, 1.0]]),))


def test_call_errors_are_numpys():
    cases = [(inv, (np.ones(3),), "at least two-dimensional"),
             (inv, (np.ones((2, 3)),), "must be square"),
             (solve, (np.eye(2), np.ones(3)), "b's rows"),
             (solve, (np.eye(2), 3.0), "at least one-dimensional"),
             (chol, (np.eye(2, dtype=np.float16),), "float16 is unsupported")]
    for fn, args, why in cases:
        with pytest.raises((ValueError, TypeError)):
            fn(*args)
        with pytest.raises(sluice.SluiceError, match=why):
            sluice.jit(fn)(*args)
