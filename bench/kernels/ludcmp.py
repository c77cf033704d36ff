"""ludcmp: solve A x = b by an in-place LU factorisation without pivoting (L unit lower,
U upper, both stored in A), then forward (L y = b) and back (U x = y) substitution;
returns x and y."""

import numpy as np

from bench.kernels._matrices import spd_matrix

NAME = "ludcmp"
SIZES = {
    "test": dict(N=6),
    "S": dict(N=200),
    "M": dict(N=500),
}
OUTPUTS = (0,)


def init(N):
    A = spd_matrix(N)
    b = (np.arange(N) + 1.0) / N / 2.0 + 4.0
    return A, b


def kernel_numpy(A, b):
    N = A.shape[0]
    for i in range(N):
        for j in range(i):
            A[i, j] = (A[i, j] - A[i, :j] @ A[:j, j]) / A[j, j]
        A[i, i:] -= A[i, :i] @ A[:i, i:]
    y = np.empty_like(b)
    for i in range(N):
        y[i] = b[i] - A[i, :i] @ y[:i]
    x = np.empty_like(b)
    for i in range(N - 1, -1, -1):
        x[i] = (y[i] - A[i, i + 1:] @ x[i + 1:]) / A[i, i]
    return x, y


def kernel_reference(A, b):
    N = A.shape[0]
    for i in range(N):
        for j in range(N):
            s = A[i, j]
            for k in range(min(i, j)):
                s -= A[i, k] * A[k, j]
            if j < i:
                s /= A[j, j]
            A[i, j] = s
    y = np.zeros(N)
    for i in range(N):
        s = b[i]
        for k in range(i):
            s -= A[i, k] * y[k]
        y[i] = s
    x = np.zeros(N)
    for i in range(N - 1, -1, -1):
        s = y[i]
        for k in range(i + 1, N):
            s -= A[i, k] * x[k]
        x[i] = s / A[i, i]
    return x, y


def kernel_jax(A, b):
    import jax.numpy as jnp
    from jax import lax

    N = A.shape[0]
    idx = jnp.arange(N)

    def lower(j, carry):
        i, A = carry
        s = jnp.sum(jnp.where(idx < j, A[i] * A[:, j], 0.0))
        return i, A.at[i, j].set((A[i, j] - s) / A[j, j])

    def row(i, A):
        _, A = lax.fori_loop(0, i, lower, (i, A))
        # U part of row i: A[i, j] -= sum_{k < i} A[i, k] A[k, j] for j >= i.
        coef = jnp.where(idx < i, A[i], 0.0)
        return A.at[i].set(jnp.where(idx >= i, A[i] - coef @ A, A[i]))

    A = lax.fori_loop(0, N, row, A)

    def forward(i, y):
        return y.at[i].set(b[i] - jnp.sum(jnp.where(idx < i, A[i] * y, 0.0)))

    y = lax.fori_loop(0, N, forward, jnp.zeros_like(b))

    def backward(t, x):
        i = N - 1 - t
        return x.at[i].set((y[i] - jnp.sum(jnp.where(idx > i, A[i] * x, 0.0))) / A[i, i])

    x = lax.fori_loop(0, N, backward, jnp.zeros_like(b))
    return A, x, y
