"""syrk: C := alpha * A A^T + beta * C on the lower triangle of C (A: N x M, C: N x N).

`kernel_numpy` follows NPBench's formulation: per row i, a loop over k that adds a scaled
column slice A[:i + 1, k]. `kernel_restructured` replaces the k loop by one matrix-vector
product per row.
"""

import numpy as np

NAME = "syrk"
SIZES = {
    "test": dict(M=5, N=7),
    "S": dict(M=300, N=350),
    "M": dict(M=800, N=900),
}
OUTPUTS = (2,)


def init(M, N):
    alpha = 1.5
    beta = 1.2
    i = np.arange(N).reshape(N, 1)
    A = ((i * np.arange(M).reshape(1, M) + 1) % N) / N
    C = ((i * np.arange(N).reshape(1, N) + 2) % M) / M
    return alpha, beta, C.astype(np.float64), A.astype(np.float64)


def kernel_numpy(alpha, beta, C, A):
    for i in range(A.shape[0]):
        C[i, :i + 1] *= beta
        for k in range(A.shape[1]):
            C[i, :i + 1] += alpha * A[i, k] * A[:i + 1, k]


def kernel_restructured(alpha, beta, C, A):
    for i in range(A.shape[0]):
        C[i, : i + 1] *= beta
        C[i, : i + 1] += alpha * (A[: i + 1] @ A[i])


def kernel_reference(alpha, beta, C, A):
    N, M = A.shape
    for i in range(N):
        for j in range(i + 1):
            C[i, j] *= beta
        for k in range(M):
            for j in range(i + 1):
                C[i, j] += alpha * A[i, k] * A[j, k]


def kernel_jax(alpha, beta, C, A):
    import jax.numpy as jnp

    # Row i of the loop updates C[i, :i + 1]: the lower triangle, diagonal included.
    lower = jnp.tril(jnp.ones(C.shape, dtype=bool))
    return jnp.where(lower, beta * C + alpha * (A @ A.T), C)
