"""compute: element-wise a * clip(array_1, 2, 10) + b * array_2 + c on int64 arrays."""

import numpy as np

NAME = "compute"
SIZES = {
    "test": dict(M=5, N=6),
    "S": dict(M=2000, N=2000),
    "M": dict(M=5000, N=5000),
}
OUTPUTS = ()


def init(M, N):
    rng = np.random.default_rng(42)
    array_1 = rng.uniform(0, 20, size=(M, N)).astype(np.int64)
    array_2 = rng.uniform(0, 1000, size=(M, N)).astype(np.int64)
    a = np.int64(4)
    b = np.int64(3)
    c = np.int64(9)
    return array_1, array_2, a, b, c


def kernel_numpy(array_1, array_2, a, b, c):
    return np.clip(array_1, 2, 10) * a + array_2 * b + c


def kernel_reference(array_1, array_2, a, b, c):
    M, N = array_1.shape
    out = np.empty((M, N), dtype=np.int64)
    for i in range(M):
        for j in range(N):
            v = array_1[i, j]
            if v < 2:
                v = 2
            if v > 10:
                v = 10
            out[i, j] = v * a + array_2[i, j] * b + c
    return out


def kernel_jax(array_1, array_2, a, b, c):
    import jax.numpy as jnp

    return jnp.clip(array_1, 2, 10) * a + array_2 * b + c
