"""cholesky2: Cholesky factorisation with np.linalg.cholesky, A = L L^T; L overwrites the lower
triangle of A (the strict upper triangle is kept)."""

import numpy as np

from bench.kernels._matrices import spd_matrix

NAME = "cholesky2"
SIZES = {
    "test": dict(N=6),
    "S": dict(N=1000),
    "M": dict(N=2200),
}
OUTPUTS = (0,)


def init(N):
    return (spd_matrix(N),)


def kernel_numpy(A):
    A[:] = np.triu(A, k=1) + np.linalg.cholesky(A)


def kernel_reference(A):
    N = A.shape[0]
    L = np.zeros((N, N))
    for j in range(N):
        s = A[j, j]
        for k in range(j):
            s -= L[j, k] * L[j, k]
        L[j, j] = s**0.5
        for i in range(j + 1, N):
            s = A[i, j]
            for k in range(j):
                s -= L[i, k] * L[j, k]
            L[i, j] = s / L[j, j]
    for i in range(N):
        for j in range(i + 1):
            A[i, j] = L[i, j]


def kernel_jax(A):
    import jax.numpy as jnp

    return jnp.triu(A, k=1) + jnp.linalg.cholesky(A)
