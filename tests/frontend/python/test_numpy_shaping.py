"""np.flip, np.eye / np.identity, np.ndarray(...), ufunc.outer, np.concatenate / hstack /
vstack / stack (issue #18), against NumPy on the interpreter and the CPU backend."""

import numpy as np
import pytest

import sluice
from sluice.errors import SluiceError
from tests.frontend.python.python_rules import agree

RNG = np.random.default_rng(1818)


def flips(x, A):
    return np.flip(x), np.flip(A, 0), np.flip(A, axis=(0, 1)), np.flip(A * 2, -1), np.flip(A)


def durbin_step(r, y, k):
    # durbin's update reads y backwards while it writes y
    y[:k] += r[k] * np.flip(y[:k])
    return np.flip(r[:k]) * y[:k]  # (a dot product would round in its own order)


def flip_writes_through(A):
    v = np.flip(A, 1)
    v[0, 0] = -7.0
    return A


def eyes(n, m, k):
    return (np.eye(n), np.eye(n, m), np.eye(n, m, k, dtype=np.int16), np.eye(3, k=-1),
            np.identity(n, dtype=np.complex64), np.eye(n, M=None, k=k, dtype=bool))


def correlation_corr(M, data):
    corr = np.eye(M, dtype=data.dtype)
    for i in range(M - 1):
        corr[i + 1:M, i] = corr[i, i + 1:M] = data[:, i] @ data[:, i + 1:M]
    return corr


def ndarray_made(A):
    t = np.ndarray((A.shape[0], 2), dtype=A.dtype)
    t[:, 0] = A[:, 0]
    t[:, 1] = 1
    return t


def outers(a, b, c):
    return (np.add.outer(a, b), np.multiply.outer(a, c), np.subtract.outer(b, 2),
            np.minimum.outer(a, b), np.greater.outer(b, a), np.floor_divide.outer(c, np.abs(c) + 1))


def floyd_warshall_step(path):
    for k in range(path.shape[0]):
        path[:] = np.minimum(path[:], np.add.outer(path[:, k], path[k, :]))
    return path


def joins(a, b, A, B):
    return (np.concatenate((a, b)), np.concatenate((A, B), axis=1), np.hstack((a, b, a)),
            np.hstack((A, B)), np.vstack((a, a)), np.vstack((A, B[:, :2])),
            np.stack((a, a * 2), axis=1), np.concatenate((A, B[:, :2]), axis=-2),
            np.hstack((a, 3)))


def nbody_pack(ax, ay, az):
    return np.hstack((ax, ay, az))


def concat_rank_mismatch(a, A):
    return np.concatenate((a, A))


def concat_runtime_mismatch(A, B):
    return np.concatenate((A, B), axis=0)


@pytest.mark.parametrize("fn, args", [
    (flips, (RNG.standard_normal(5), RNG.standard_normal((3, 4)))),
    (durbin_step, (RNG.standard_normal(6), RNG.standard_normal(6), 4)),
    (durbin_step, (RNG.standard_normal(6), RNG.standard_normal(6), 0)),
    (flip_writes_through, (RNG.standard_normal((2, 3)),)),
    (eyes, (3, 5, 1)),
    (eyes, (4, 2, -3)),
    (eyes, (0, 2, 0)),
    (ndarray_made, (RNG.standard_normal((4, 3)).astype(np.float32),)),
    (outers, (RNG.standard_normal(3), RNG.standard_normal(4), np.arange(-2, 3, dtype=np.int8))),
    (floyd_warshall_step, (RNG.integers(1, 9, (5, 5)).astype(np.float64),)),
    (joins, (RNG.standard_normal(3), RNG.integers(-5, 5, 2).astype(np.int32),
             RNG.standard_normal((2, 3)), RNG.standard_normal((2, 4)))),
    (nbody_pack, tuple(RNG.standard_normal((4, 1)) for _ in range(3))),
])
def test_shaping_functions_match_numpy(fn, args):
    agree(fn, args)


@pytest.mark.parametrize("target", ["interpret", "cpu"])
def test_correlation_builds_on_an_identity(target):
    data = RNG.standard_normal((6, 4))
    f = sluice.jit(correlation_corr)
    got = f.compile(target, 4, data)(4, data)
    # (the products round in their own order: equal up to reassociation)
    np.testing.assert_allclose(got, correlation_corr(4, data), rtol=1e-13)
    assert np.all(np.diag(got) == 1.0)


def test_shape_mismatches_are_numpy_errors():
    with pytest.raises(SluiceError, match="same number of dimensions"):
        sluice.jit(concat_rank_mismatch)(np.ones(3), np.ones((2, 3)))
    f = sluice.jit(concat_runtime_mismatch)
    assert f(np.ones((2, 3)), np.ones((1, 3))).shape == (3, 3)
    with pytest.raises(SluiceError, match="must match exactly"):
        f(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(SluiceError, match="out of bounds"):
        sluice.jit(flips)(np.ones(3), np.ones(3))
