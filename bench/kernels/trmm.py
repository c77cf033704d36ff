"""trmm: B := alpha * A^T B with A unit lower triangular (only the strict lower part is read).

`kernel_numpy` follows NPBench's formulation: one np.dot per element B[i, j], then B scaled by
alpha once at the end. `kernel_restructured` updates row i with one vector-matrix product and
scales it right away (rows below i, which it reads, are not scaled yet either way).
"""

import numpy as np

NAME = "trmm"
SIZES = {
    "test": dict(M=5, N=6),
    "S": dict(M=400, N=450),
    "M": dict(M=1000, N=1200),
}
OUTPUTS = (2,)


def init(M, N):
    alpha = 1.5
    i = np.arange(M).reshape(M, 1)
    k = np.arange(M).reshape(1, M)
    A = np.where(k < i, ((i + k) % M) / M, 0.0)
    A[np.arange(M), np.arange(M)] = 1.0
    B = ((N + i - np.arange(N).reshape(1, N)) % N) / N
    return alpha, A, B.astype(np.float64)


def kernel_numpy(alpha, A, B):
    for i in range(B.shape[0]):
        for j in range(B.shape[1]):
            B[i, j] += np.dot(A[i + 1:, i], B[i + 1:, j])
    B *= alpha


def kernel_restructured(alpha, A, B):
    for i in range(B.shape[0]):
        B[i, :] += A[i + 1:, i] @ B[i + 1:, :]
        B[i, :] *= alpha


def kernel_reference(alpha, A, B):
    M, N = B.shape
    out = np.zeros((M, N))
    for i in range(M):
        for j in range(N):
            acc = B[i, j]
            for k in range(i + 1, M):
                acc += A[k, i] * B[k, j]
            out[i, j] = alpha * acc
    for i in range(M):
        for j in range(N):
            B[i, j] = out[i, j]


def kernel_jax(alpha, A, B):
    import jax.numpy as jnp

    # Row i reads rows i+1.. of B before they change, so B := alpha (I + L^T) B with L the
    # strict lower triangle of A (the unit diagonal is implicit).
    return alpha * (B + jnp.tril(A, -1).T @ B)
