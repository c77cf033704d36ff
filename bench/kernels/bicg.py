"""bicg: s = A^T r, q = A p  (A: N x M, r: N, p: M); returns (s, q)."""

import numpy as np

NAME = "bicg"
SIZES = {
    "test": dict(M=5, N=7),
    "S": dict(M=2000, N=2200),
    "M": dict(M=6000, N=6600),
}
OUTPUTS = ()


def init(M, N):
    p = (np.arange(M) % M) / M
    r = (np.arange(N) % N) / N
    i = np.arange(N).reshape(N, 1)
    j = np.arange(M).reshape(1, M)
    A = (i * (j + 1) % N) / N
    return A.astype(np.float64), p.astype(np.float64), r.astype(np.float64)


def kernel_numpy(A, p, r):
    s = r @ A
    q = A @ p
    return s, q


def kernel_reference(A, p, r):
    N, M = A.shape
    s = np.zeros(M)
    q = np.zeros(N)
    for i in range(N):
        for j in range(M):
            s[j] += r[i] * A[i, j]
            q[i] += A[i, j] * p[j]
    return s, q


def kernel_jax(A, p, r):
    return r @ A, A @ p
