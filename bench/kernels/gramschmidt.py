"""gramschmidt: QR factorisation of an M x N matrix A (M >= N) by modified Gram-Schmidt;
returns Q (M x N) and R (N x N), and A is left with what remains after the projections."""

import numpy as np

NAME = "gramschmidt"
SIZES = {
    "test": dict(M=7, N=5),
    "S": dict(M=240, N=200),
    "M": dict(M=600, N=500),
}
OUTPUTS = (0,)


def init(M, N):
    rng = np.random.default_rng(42)
    A = rng.random((M, N)) + np.eye(M, N)  # full column rank, reasonably conditioned
    return (A,)


def kernel_numpy(A):
    N = A.shape[1]
    Q = np.zeros_like(A)
    R = np.zeros((N, N), dtype=A.dtype)
    for k in range(N):
        R[k, k] = np.sqrt(A[:, k] @ A[:, k])
        Q[:, k] = A[:, k] / R[k, k]
        # Remove the new direction from the remaining columns, all at once.
        R[k, k + 1:] = Q[:, k] @ A[:, k + 1:]
        A[:, k + 1:] -= np.outer(Q[:, k], R[k, k + 1:])
    return Q, R


def kernel_reference(A):
    M, N = A.shape
    Q = np.zeros((M, N))
    R = np.zeros((N, N))
    for k in range(N):
        nrm = 0.0
        for i in range(M):
            nrm += A[i, k] * A[i, k]
        R[k, k] = nrm**0.5
        for i in range(M):
            Q[i, k] = A[i, k] / R[k, k]
        for j in range(k + 1, N):
            s = 0.0
            for i in range(M):
                s += Q[i, k] * A[i, j]
            R[k, j] = s
            for i in range(M):
                A[i, j] -= Q[i, k] * s
    return Q, R


def kernel_jax(A):
    import jax.numpy as jnp
    from jax import lax

    N = A.shape[1]
    idx = jnp.arange(N)

    def column(k, state):
        A, Q, R = state
        rkk = jnp.sqrt(A[:, k] @ A[:, k])
        q = A[:, k] / rkk
        later = idx > k
        r = jnp.where(later, q @ A, 0.0)
        A = A - jnp.outer(q, r)
        Q = Q.at[:, k].set(q)
        R = R.at[k].set(jnp.where(later, r, R[k])).at[k, k].set(rkk)
        return A, Q, R

    return lax.fori_loop(0, N, column, (A, jnp.zeros_like(A), jnp.zeros((N, N), A.dtype)))
