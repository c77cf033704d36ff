"""syr2k: C := alpha * (A B^T + B A^T) + beta * C on the lower triangle (A, B: N x M).

`kernel_numpy` follows NPBench's formulation: per row i, a loop over k that adds scaled column
slices of A and B. `kernel_restructured` replaces the k loop by two matrix-vector products
per row.
"""

import numpy as np

NAME = "syr2k"
SIZES = {
    "test": dict(M=5, N=7),
    "S": dict(M=250, N=300),
    "M": dict(M=700, N=800),
}
OUTPUTS = (2,)


def init(M, N):
    alpha = 1.5
    beta = 1.2
    i = np.arange(N).reshape(N, 1)
    j = np.arange(M).reshape(1, M)
    A = ((i * j + 1) % N) / N
    B = ((i * j + 2) % M) / M
    C = ((i * np.arange(N).reshape(1, N) + 3) % N) / M
    return alpha, beta, C.astype(np.float64), A.astype(np.float64), B.astype(np.float64)


def kernel_numpy(alpha, beta, C, A, B):
    for i in range(A.shape[0]):
        C[i, :i + 1] *= beta
        for k in range(A.shape[1]):
            C[i, :i + 1] += A[:i + 1, k] * alpha * B[i, k] + B[:i + 1, k] * alpha * A[i, k]


def kernel_restructured(alpha, beta, C, A, B):
    for i in range(A.shape[0]):
        C[i, : i + 1] *= beta
        C[i, : i + 1] += alpha * (A[: i + 1] @ B[i] + B[: i + 1] @ A[i])


def kernel_reference(alpha, beta, C, A, B):
    N, M = A.shape
    for i in range(N):
        for j in range(i + 1):
            C[i, j] *= beta
        for k in range(M):
            for j in range(i + 1):
                C[i, j] += A[j, k] * alpha * B[i, k] + B[j, k] * alpha * A[i, k]


def kernel_jax(alpha, beta, C, A, B):
    import jax.numpy as jnp

    lower = jnp.tril(jnp.ones(C.shape, dtype=bool))
    return jnp.where(lower, beta * C + alpha * (A @ B.T + B @ A.T), C)
