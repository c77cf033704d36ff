"""mvt: x1 += A y1, x2 += A^T y2  (A: N x N)."""

import numpy as np

NAME = "mvt"
SIZES = {
    "test": dict(N=6),
    "S": dict(N=2500),
    "M": dict(N=7500),
}
OUTPUTS = (0, 1)


def init(N):
    i = np.arange(N, dtype=np.float64)
    x1 = (i % N) / N
    x2 = ((i + 1) % N) / N
    y_1 = ((i + 3) % N) / N
    y_2 = ((i + 4) % N) / N
    A = (np.outer(i, i) % N) / N
    return x1, x2, y_1, y_2, A


def kernel_numpy(x1, x2, y_1, y_2, A):
    x1 += A @ y_1
    x2 += y_2 @ A


def kernel_reference(x1, x2, y_1, y_2, A):
    N = A.shape[0]
    for i in range(N):
        for j in range(N):
            x1[i] += A[i, j] * y_1[j]
    for i in range(N):
        for j in range(N):
            x2[i] += A[j, i] * y_2[j]


def kernel_jax(x1, x2, y_1, y_2, A):
    return x1 + A @ y_1, x2 + y_2 @ A
