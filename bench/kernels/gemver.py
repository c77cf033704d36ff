"""gemver: A += u1 v1^T + u2 v2^T; x += beta A^T y + z; w += alpha A x."""

import numpy as np

from bench.kernels._dace import dace, float64, symbols

NAME = "gemver"
SIZES = {
    "test": dict(N=6),
    "S": dict(N=1500),
    "M": dict(N=4500),
}
OUTPUTS = (2, 7, 8)


def init(N):
    alpha = 1.5
    beta = 1.2
    fn = float(N)
    i = np.arange(N, dtype=np.float64)
    u1 = i
    u2 = ((i + 1) / fn) / 2.0
    v1 = ((i + 1) / fn) / 4.0
    v2 = ((i + 1) / fn) / 6.0
    y = ((i + 1) / fn) / 8.0
    z = ((i + 1) / fn) / 9.0
    x = np.zeros(N)
    w = np.zeros(N)
    A = (np.outer(i, i) % N) / fn
    return alpha, beta, A, u1, v1, u2, v2, w, x, y, z


def kernel_numpy(alpha, beta, A, u1, v1, u2, v2, w, x, y, z):
    A += np.outer(u1, v1) + np.outer(u2, v2)
    x += beta * y @ A + z
    w += alpha * A @ x


def kernel_reference(alpha, beta, A, u1, v1, u2, v2, w, x, y, z):
    N = A.shape[0]
    for i in range(N):
        for j in range(N):
            A[i, j] = A[i, j] + u1[i] * v1[j] + u2[i] * v2[j]
    for i in range(N):
        for j in range(N):
            x[i] = x[i] + beta * A[j, i] * y[j]
    for i in range(N):
        x[i] = x[i] + z[i]
    for i in range(N):
        for j in range(N):
            w[i] = w[i] + alpha * A[i, j] * x[j]


# The sizes in kernel_dace's annotations (DaCe symbols).
(_N,) = symbols("N")


def kernel_dace(alpha: float64, beta: float64, A: float64[_N, _N], u1: float64[_N],
                v1: float64[_N], u2: float64[_N], v2: float64[_N], w: float64[_N],
                x: float64[_N], y: float64[_N], z: float64[_N]):
    # np.outer is not in DaCe's subset: the rank-2 update as a map.
    for i, j in dace.map[0:_N, 0:_N]:
        A[i, j] += u1[i] * v1[j] + u2[i] * v2[j]
    yA = y @ A
    x += beta * yA + z
    Ax = A @ x
    w += alpha * Ax


def kernel_jax(alpha, beta, A, u1, v1, u2, v2, w, x, y, z):
    import jax.numpy as jnp

    A = A + (jnp.outer(u1, v1) + jnp.outer(u2, v2))
    x = x + (beta * y @ A + z)
    w = w + alpha * A @ x
    return A, w, x
