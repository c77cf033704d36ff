"""jacobi_1d: TSTEPS times B[i] = (A[i-1] + A[i] + A[i+1]) / 3 then the same from B into A."""

import numpy as np

NAME = "jacobi_1d"
SIZES = {
    "test": dict(TSTEPS=3, N=9),
    "S": dict(TSTEPS=400, N=10000),
    "M": dict(TSTEPS=1000, N=40000),
}
OUTPUTS = (1, 2)


def init(TSTEPS, N):
    i = np.arange(N, dtype=np.float64)
    A = (i + 2) / N
    B = (i + 3) / N
    return TSTEPS, A, B


def kernel_numpy(TSTEPS, A, B):
    for _ in range(1, TSTEPS):
        B[1:-1] = 0.33333 * (A[:-2] + A[1:-1] + A[2:])
        A[1:-1] = 0.33333 * (B[:-2] + B[1:-1] + B[2:])


def kernel_reference(TSTEPS, A, B):
    N = A.shape[0]
    for _ in range(1, TSTEPS):
        for i in range(1, N - 1):
            B[i] = 0.33333 * (A[i - 1] + A[i] + A[i + 1])
        for i in range(1, N - 1):
            A[i] = 0.33333 * (B[i - 1] + B[i] + B[i + 1])


def kernel_jax(TSTEPS, A, B):
    from jax import lax

    def step(_, AB):
        A, B = AB
        B = B.at[1:-1].set(0.33333 * (A[:-2] + A[1:-1] + A[2:]))
        A = A.at[1:-1].set(0.33333 * (B[:-2] + B[1:-1] + B[2:]))
        return A, B

    return lax.fori_loop(1, TSTEPS, step, (A, B))
