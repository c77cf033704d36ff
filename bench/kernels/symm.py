"""symm: C := alpha * A B + beta * C with A symmetric, only its lower triangle read (A: M x M).

`kernel_numpy` follows NPBench's formulation: C scaled by beta first, then per (i, j) a column
update C[:i, j] and one dot product into a row buffer from np.empty. `kernel_restructured`
handles row i at once: a rank-1 np.outer update of rows :i and one vector-matrix product.
"""

import numpy as np

from bench.kernels._dace import dace, float64, symbols

NAME = "symm"
SIZES = {
    "test": dict(M=5, N=6),
    "S": dict(M=300, N=350),
    "M": dict(M=700, N=800),
}
OUTPUTS = (2,)


def init(M, N):
    alpha = 1.5
    beta = 1.2
    i = np.arange(M).reshape(M, 1)
    j = np.arange(N).reshape(1, N)
    C = ((i + j) % 100) / M
    B = ((N + i - j) % 100) / M
    k = np.arange(M).reshape(1, M)
    A = np.where(k <= i, ((i + k) % 100) / M, -999.0)
    return alpha, beta, C.astype(np.float64), A, B.astype(np.float64)


def kernel_numpy(alpha, beta, C, A, B):
    temp2 = np.empty((C.shape[1],), dtype=C.dtype)
    C *= beta
    for i in range(C.shape[0]):
        for j in range(C.shape[1]):
            C[:i, j] += alpha * B[i, j] * A[i, :i]
            temp2[j] = B[:i, j] @ A[i, :i]
        C[i, :] += alpha * B[i, :] * A[i, i] + alpha * temp2


def kernel_restructured(alpha, beta, C, A, B):
    for i in range(C.shape[0]):
        C[:i, :] += alpha * np.outer(A[i, :i], B[i, :])
        temp2 = A[i, :i] @ B[:i, :]
        C[i, :] = beta * C[i, :] + alpha * B[i, :] * A[i, i] + alpha * temp2


def kernel_reference(alpha, beta, C, A, B):
    M, N = C.shape
    Asym = np.zeros((M, M))
    for i in range(M):
        for k in range(i + 1):
            Asym[i, k] = A[i, k]
            Asym[k, i] = A[i, k]
    for i in range(M):
        for j in range(N):
            acc = 0.0
            for k in range(M):
                acc += Asym[i, k] * B[k, j]
            C[i, j] = alpha * acc + beta * C[i, j]


# The sizes in kernel_dace's annotations (DaCe symbols).
_M, _N = symbols("M N")


def kernel_dace(alpha: float64, beta: float64, C: float64[_M, _N], A: float64[_M, _M],
                B: float64[_M, _N]):
    for i in range(_M):
        # np.outer is not in DaCe's subset: the rank-1 update of rows :i as a map.
        for k, j in dace.map[0:i, 0:_N]:
            C[k, j] += alpha * A[i, k] * B[i, j]
        temp2 = A[i, 0:i] @ B[0:i, :]
        C[i, :] = beta * C[i, :] + alpha * B[i, :] * A[i, i] + alpha * temp2


def kernel_jax(alpha, beta, C, A, B):
    import jax.numpy as jnp

    # The loop's net effect: C = beta C + alpha S B, S the symmetric matrix whose lower
    # triangle (diagonal included) is A's; A's strict upper triangle is never read.
    strict = jnp.tril(A, -1)
    S = strict + strict.T + jnp.diag(jnp.diagonal(A))
    return beta * C + alpha * (S @ B)
