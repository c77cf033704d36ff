"""Array creation: zeros/ones/empty/full and their _like forms, copy, arange, linspace."""

import numpy as np


def zeros_ones(n, m):
    z = np.zeros((n, m))
    o = np.ones(n)
    z[0, :] = 1.0
    return z + o[:, np.newaxis]


def typed_zeros_ones(n):
    counts = np.zeros(n, dtype=np.int64)
    weights = np.ones((n,), dtype=np.float32)
    counts[1:] = 2
    return counts, weights * 0.5


def empty_then_fill(A):
    out = np.empty((A.shape[0], A.shape[1]))
    for i in range(A.shape[0]):
        out[i, :] = A[i, :] * (i + 1)
    return out


def empty_like_fill(A):
    out = np.empty_like(A)
    out[:] = A + 1.0
    return out


def full_and_likes(A):
    f = np.full((A.shape[0], A.shape[1]), 2.5)
    return f + np.full_like(A, 7.0) + np.zeros_like(A) + np.ones_like(A) * A


def copy_is_independent(A):
    B = A.copy()
    B[0, :] = 0.0
    C = np.copy(A)
    C *= 2.0
    return A + B + C


def arange_linspace(n):
    return np.arange(n) * 2 + np.linspace(0.0, 1.0, n)


def arange_forms(n):
    a = np.arange(1.0, 2.0, 0.25)
    b = np.arange(2, n + 2)
    c = np.arange(n, dtype=np.float64)
    return a.sum() + b * c
