"""heat_3d: explicit 3-D heat equation, B = A + 0.125 * (discrete Laplacian of A), then back.

Per interior point: B = 0.125 (A[i+1] - 2A + A[i-1]) + 0.125 (same in j) + 0.125 (same in k) + A.
"""

import numpy as np

NAME = "heat_3d"
SIZES = {
    "test": dict(TSTEPS=3, N=6),
    "S": dict(TSTEPS=25, N=40),
    "M": dict(TSTEPS=50, N=70),
}
OUTPUTS = (1, 2)


def init(TSTEPS, N):
    i = np.arange(N, dtype=np.float64).reshape(N, 1, 1)
    j = np.arange(N, dtype=np.float64).reshape(1, N, 1)
    k = np.arange(N, dtype=np.float64).reshape(1, 1, N)
    A = (i * j + (N - k) * (k + 1) % 7) * 10.0 / N
    B = A.copy()
    return TSTEPS, A, B


def kernel_numpy(TSTEPS, A, B):
    for _ in range(1, TSTEPS):
        B[1:-1, 1:-1, 1:-1] = (
            0.125 * (A[2:, 1:-1, 1:-1] - 2.0 * A[1:-1, 1:-1, 1:-1] + A[:-2, 1:-1, 1:-1])
            + 0.125 * (A[1:-1, 2:, 1:-1] - 2.0 * A[1:-1, 1:-1, 1:-1] + A[1:-1, :-2, 1:-1])
            + 0.125 * (A[1:-1, 1:-1, 2:] - 2.0 * A[1:-1, 1:-1, 1:-1] + A[1:-1, 1:-1, :-2])
            + A[1:-1, 1:-1, 1:-1]
        )
        A[1:-1, 1:-1, 1:-1] = (
            0.125 * (B[2:, 1:-1, 1:-1] - 2.0 * B[1:-1, 1:-1, 1:-1] + B[:-2, 1:-1, 1:-1])
            + 0.125 * (B[1:-1, 2:, 1:-1] - 2.0 * B[1:-1, 1:-1, 1:-1] + B[1:-1, :-2, 1:-1])
            + 0.125 * (B[1:-1, 1:-1, 2:] - 2.0 * B[1:-1, 1:-1, 1:-1] + B[1:-1, 1:-1, :-2])
            + B[1:-1, 1:-1, 1:-1]
        )


def _step(src, dst):
    N = src.shape[0]
    for i in range(1, N - 1):
        for j in range(1, N - 1):
            for k in range(1, N - 1):
                c = src[i, j, k]
                dst[i, j, k] = (
                    0.125 * (src[i + 1, j, k] - 2.0 * c + src[i - 1, j, k])
                    + 0.125 * (src[i, j + 1, k] - 2.0 * c + src[i, j - 1, k])
                    + 0.125 * (src[i, j, k + 1] - 2.0 * c + src[i, j, k - 1])
                    + c
                )


def kernel_reference(TSTEPS, A, B):
    for _ in range(1, TSTEPS):
        _step(A, B)
        _step(B, A)


def kernel_jax(TSTEPS, A, B):
    from jax import lax

    def smooth(X):
        c = X[1:-1, 1:-1, 1:-1]
        return (
            0.125 * (X[2:, 1:-1, 1:-1] - 2.0 * c + X[:-2, 1:-1, 1:-1])
            + 0.125 * (X[1:-1, 2:, 1:-1] - 2.0 * c + X[1:-1, :-2, 1:-1])
            + 0.125 * (X[1:-1, 1:-1, 2:] - 2.0 * c + X[1:-1, 1:-1, :-2])
            + c
        )

    def step(_, AB):
        A, B = AB
        B = B.at[1:-1, 1:-1, 1:-1].set(smooth(A))
        A = A.at[1:-1, 1:-1, 1:-1].set(smooth(B))
        return A, B

    return lax.fori_loop(1, TSTEPS, step, (A, B))
