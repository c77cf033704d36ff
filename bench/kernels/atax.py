"""atax: y = A^T (A x)  (A: M x N, x: N)."""

import numpy as np

NAME = "atax"
SIZES = {
    "test": dict(M=5, N=7),
    "S": dict(M=2000, N=2200),
    "M": dict(M=6000, N=6600),
}
OUTPUTS = ()


def init(M, N):
    fn = float(N)
    x = 1.0 + np.arange(N, dtype=np.float64) / fn
    i = np.arange(M).reshape(M, 1)
    j = np.arange(N).reshape(1, N)
    A = ((i + j) % N) / (5.0 * M)
    return A.astype(np.float64), x


def kernel_numpy(A, x):
    return (A @ x) @ A


def kernel_reference(A, x):
    M, N = A.shape
    y = np.zeros(N)
    for i in range(M):
        tmp = 0.0
        for j in range(N):
            tmp += A[i, j] * x[j]
        for j in range(N):
            y[j] += A[i, j] * tmp
    return y


def kernel_jax(A, x):
    return (A @ x) @ A
