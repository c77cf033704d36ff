"""seidel_2d: in-place Gauss-Seidel 9-point average, A[i, j] = mean of the 3x3 block at (i, j).

Rows are swept in order and, within a row, j is sequential (A[i, j-1] is already updated).

`kernel_numpy` follows NPBench's formulation: the row sum of everything but the left neighbour
as one slice update, then a j loop adding the left neighbour and dividing by 9 in place, as two
statements. `kernel_restructured` fuses those two into one assignment.
"""

import numpy as np

NAME = "seidel_2d"
SIZES = {
    "test": dict(TSTEPS=3, N=7),
    "S": dict(TSTEPS=4, N=80),
    "M": dict(TSTEPS=10, N=160),
}
OUTPUTS = (1,)


def init(TSTEPS, N):
    i = np.arange(N, dtype=np.float64).reshape(N, 1)
    j = np.arange(N, dtype=np.float64).reshape(1, N)
    A = (i * (j + 2) + 2) / N
    return TSTEPS, A


def kernel_numpy(TSTEPS, A):
    N = A.shape[0]
    for _ in range(TSTEPS):
        for i in range(1, N - 1):
            # Everything but the left neighbour, for the whole row at once.
            A[i, 1:-1] += (
                A[i - 1, :-2] + A[i - 1, 1:-1] + A[i - 1, 2:]
                + A[i, 2:]
                + A[i + 1, :-2] + A[i + 1, 1:-1] + A[i + 1, 2:]
            )
            for j in range(1, N - 1):
                A[i, j] += A[i, j - 1]
                A[i, j] /= 9.0


def kernel_restructured(TSTEPS, A):
    N = A.shape[0]
    for _ in range(TSTEPS):
        for i in range(1, N - 1):
            # Everything but the left neighbour can be summed for the whole row at once.
            A[i, 1:-1] += (
                A[i - 1, :-2] + A[i - 1, 1:-1] + A[i - 1, 2:]
                + A[i, 2:]
                + A[i + 1, :-2] + A[i + 1, 1:-1] + A[i + 1, 2:]
            )
            for j in range(1, N - 1):
                A[i, j] = (A[i, j] + A[i, j - 1]) / 9.0


def kernel_reference(TSTEPS, A):
    N = A.shape[0]
    for _ in range(TSTEPS):
        for i in range(1, N - 1):
            for j in range(1, N - 1):
                A[i, j] = (
                    A[i - 1, j - 1] + A[i - 1, j] + A[i - 1, j + 1]
                    + A[i, j - 1] + A[i, j] + A[i, j + 1]
                    + A[i + 1, j - 1] + A[i + 1, j] + A[i + 1, j + 1]
                ) / 9.0


def kernel_jax(TSTEPS, A):
    import jax.numpy as jnp
    from jax import lax

    N = A.shape[0]

    def left_to_right(prev, t):
        # A[i, j] = (partial[j] + A[i, j - 1]) / 9, sequential in j.
        new = (t + prev) / 9.0
        return new, new

    def row(i, A):
        above, here, below = A[i - 1], A[i], A[i + 1]
        partial = here[1:-1] + (
            above[:-2] + above[1:-1] + above[2:]
            + here[2:]
            + below[:-2] + below[1:-1] + below[2:]
        )
        _, updated = lax.scan(left_to_right, here[0], partial)
        return A.at[i].set(jnp.concatenate([here[:1], updated, here[-1:]]))

    def sweep(_, A):
        return lax.fori_loop(1, N - 1, row, A)

    return lax.fori_loop(0, TSTEPS, sweep, A)
