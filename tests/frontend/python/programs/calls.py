"""Calls between corpus functions.  Functions marked "helper" are only called by the others;
they are listed in HELPERS of the package and are decorated like the programs."""

import numpy as np


def axpy(a, x, y):  # helper
    return a * x + y


def norm2(x):  # helper
    return np.sqrt(np.sum(x * x))


def clamp_inplace(A, lo, hi):  # helper
    A[:] = np.minimum(np.maximum(A, lo), hi)


def min_max(x):  # helper
    return np.min(x), np.max(x)


def unit_axpy(a, x, y):  # helper, calls another helper
    return axpy(a, x, y) / norm2(axpy(a, x, y))


def call_axpy(a, x, y):
    return axpy(a, x, y) + axpy(2.0, y, x)


def normalize(x):
    return x / norm2(x)


def call_in_loop(A, a):
    out = np.zeros(A.shape[1])
    for i in range(A.shape[0]):
        out = axpy(a, A[i, :], out)
    return out


def call_mutating_helper(A):
    clamp_inplace(A, 0.25, 0.75)
    return A.sum()


def call_tuple_helper(x):
    lo, hi = min_max(x)
    return (x - lo) / (hi - lo)


def call_nested_helper(a, x, y):
    return unit_axpy(a, x, y) * 3.0
