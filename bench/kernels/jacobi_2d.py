"""jacobi_2d: TSTEPS times the 5-point average B = 0.2 * (A + 4 neighbours), then back into A."""

import numpy as np

NAME = "jacobi_2d"
SIZES = {
    "test": dict(TSTEPS=3, N=7),
    "S": dict(TSTEPS=50, N=200),
    "M": dict(TSTEPS=100, N=450),
}
OUTPUTS = (1, 2)


def init(TSTEPS, N):
    i = np.arange(N, dtype=np.float64).reshape(N, 1)
    j = np.arange(N, dtype=np.float64).reshape(1, N)
    A = i * (j + 2) / N
    B = i * (j + 3) / N
    return TSTEPS, A, B


def kernel_numpy(TSTEPS, A, B):
    for _ in range(1, TSTEPS):
        B[1:-1, 1:-1] = 0.2 * (
            A[1:-1, 1:-1] + A[1:-1, :-2] + A[1:-1, 2:] + A[2:, 1:-1] + A[:-2, 1:-1]
        )
        A[1:-1, 1:-1] = 0.2 * (
            B[1:-1, 1:-1] + B[1:-1, :-2] + B[1:-1, 2:] + B[2:, 1:-1] + B[:-2, 1:-1]
        )


def kernel_reference(TSTEPS, A, B):
    N = A.shape[0]
    for _ in range(1, TSTEPS):
        for i in range(1, N - 1):
            for j in range(1, N - 1):
                B[i, j] = 0.2 * (A[i, j] + A[i, j - 1] + A[i, j + 1] + A[i + 1, j] + A[i - 1, j])
        for i in range(1, N - 1):
            for j in range(1, N - 1):
                A[i, j] = 0.2 * (B[i, j] + B[i, j - 1] + B[i, j + 1] + B[i + 1, j] + B[i - 1, j])


def kernel_jax(TSTEPS, A, B):
    from jax import lax

    def average(X):
        return 0.2 * (X[1:-1, 1:-1] + X[1:-1, :-2] + X[1:-1, 2:] + X[2:, 1:-1] + X[:-2, 1:-1])

    def step(_, AB):
        A, B = AB
        B = B.at[1:-1, 1:-1].set(average(A))
        A = A.at[1:-1, 1:-1].set(average(B))
        return A, B

    return lax.fori_loop(1, TSTEPS, step, (A, B))
