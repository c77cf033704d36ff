"""Local scalars and arrays, returns of arrays/scalars/tuples, multiple assignment, integer
arrays and masks built with np.where."""

import numpy as np


def return_tuple(A):
    s = A.sum()
    m = A.max()
    return s, m, A * 2.0


def local_scalars(x):
    acc = 0.0
    scale = 2.0
    n = x.shape[0]
    for i in range(n):
        acc += scale * x[i]
    return acc / n


def swap(a, b):
    a, b = b, a
    return a - b, a


def fibonacci_like(n):
    a, b = 0.0, 1.0
    for _ in range(n):
        a, b = b, a + b
    return a


def shape_unpack(A):
    n, m = A.shape
    out = np.zeros((m, n))
    for i in range(n):
        out[:, i] = A[i, :]
    return out


def int_mask_where(x):
    idx = np.arange(x.shape[0])
    mask = x > 0.5
    picked = np.where(mask, idx, -1)
    flags = np.where(mask, 1, 0)
    return picked, flags, flags.sum()


def masked_update(A, B):
    mask = A > B
    A[:] = np.where(mask, B, A)
    return mask


def chained_assign(n):
    a = b = 0.0
    for i in range(n):
        a += i
        b -= i
    return a, b


def local_array_reuse(x):
    tmp = np.empty_like(x)
    tmp[:] = x * x
    tmp += 1.0
    result = np.sqrt(tmp)
    return result
