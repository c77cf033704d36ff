"""cholesky: in-place Cholesky factorisation A = L L^T; L overwrites the lower triangle of A.

`kernel_numpy` follows NPBench's formulation: the first pivot square-rooted before the loop,
which starts at row 1, and the row products taken with np.dot. `kernel_restructured` runs
the loop from row 0 (its empty products leave the first pivot as it is) and uses @.
"""

import numpy as np

from bench.kernels._matrices import spd_matrix

NAME = "cholesky"
SIZES = {
    "test": dict(N=6),
    "S": dict(N=200),
    "M": dict(N=600),
}
OUTPUTS = (0,)


def init(N):
    return (spd_matrix(N),)


def kernel_numpy(A):
    A[0, 0] = np.sqrt(A[0, 0])
    for i in range(1, A.shape[0]):
        for j in range(i):
            A[i, j] -= np.dot(A[i, :j], A[j, :j])
            A[i, j] /= A[j, j]
        A[i, i] -= np.dot(A[i, :i], A[i, :i])
        A[i, i] = np.sqrt(A[i, i])


def kernel_restructured(A):
    N = A.shape[0]
    for i in range(N):
        for j in range(i):
            A[i, j] -= A[i, :j] @ A[j, :j]
            A[i, j] /= A[j, j]
        A[i, i] -= A[i, :i] @ A[i, :i]
        A[i, i] = np.sqrt(A[i, i])


def kernel_reference(A):
    N = A.shape[0]
    for i in range(N):
        for j in range(i):
            for k in range(j):
                A[i, j] -= A[i, k] * A[j, k]
            A[i, j] /= A[j, j]
        for k in range(i):
            A[i, i] -= A[i, k] * A[i, k]
        A[i, i] = A[i, i] ** 0.5


def kernel_jax(A):
    import jax.numpy as jnp
    from jax import lax

    N = A.shape[0]
    idx = jnp.arange(N)
    lower = idx[:, None] >= idx[None, :]  # the strict upper triangle is never written

    def eliminate(k, A):
        pivot = jnp.sqrt(A[k, k])
        below = idx > k
        col = jnp.where(below, A[:, k] / pivot, 0.0)
        trailing = lower & below[:, None] & below[None, :]
        A = jnp.where(trailing, A - jnp.outer(col, col), A)
        A = A.at[:, k].set(jnp.where(below, col, A[:, k]))
        return A.at[k, k].set(pivot)

    return lax.fori_loop(0, N, eliminate, A)
