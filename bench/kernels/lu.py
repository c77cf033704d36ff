"""lu: in-place LU decomposition without pivoting, A = L U (L unit lower, U upper, packed in A).

`kernel_numpy` follows NPBench's formulation: one dot product per element, for the L part and
the U part of row i alike. `kernel_restructured` updates the U part of row i with one
vector-matrix product.
"""


from bench.kernels._matrices import spd_matrix

NAME = "lu"
SIZES = {
    "test": dict(N=6),
    "S": dict(N=200),
    "M": dict(N=600),
}
OUTPUTS = (0,)


def init(N):
    return (spd_matrix(N),)


def kernel_numpy(A):
    N = A.shape[0]
    for i in range(N):
        for j in range(i):
            A[i, j] -= A[i, :j] @ A[:j, j]
            A[i, j] /= A[j, j]
        for j in range(i, N):
            A[i, j] -= A[i, :i] @ A[:i, j]


def kernel_restructured(A):
    N = A.shape[0]
    for i in range(N):
        for j in range(i):
            A[i, j] -= A[i, :j] @ A[:j, j]
            A[i, j] /= A[j, j]
        A[i, i:] -= A[i, :i] @ A[:i, i:]


def kernel_reference(A):
    N = A.shape[0]
    for i in range(N):
        for j in range(i):
            for k in range(j):
                A[i, j] -= A[i, k] * A[k, j]
            A[i, j] /= A[j, j]
        for j in range(i, N):
            for k in range(i):
                A[i, j] -= A[i, k] * A[k, j]


def kernel_jax(A):
    import jax.numpy as jnp
    from jax import lax

    N = A.shape[0]
    idx = jnp.arange(N)

    def eliminate(k, A):
        # Right-looking Doolittle step: the column below the pivot becomes L[:, k], and the
        # trailing block loses the rank-1 product (masks stand in for the dynamic slices).
        below = idx > k
        l_col = jnp.where(below, A[:, k] / A[k, k], 0.0)
        u_row = jnp.where(below, A[k, :], 0.0)
        A = A - jnp.outer(l_col, u_row)
        return A.at[:, k].set(jnp.where(below, l_col, A[:, k]))

    return lax.fori_loop(0, N, eliminate, A)
