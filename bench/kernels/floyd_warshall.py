"""floyd_warshall: all-pairs shortest paths;
for each k: path[i, j] = min(path[i, j], path[i, k] + path[k, j]).

`kernel_numpy` follows NPBench's formulation, the candidate paths of step k as
np.add.outer(column k, row k); `kernel_restructured` broadcasts a one-column slice against a
one-row slice instead.
"""

import numpy as np

from bench.kernels._dace import dace, int32, symbols

NAME = "floyd_warshall"
SIZES = {
    "test": dict(N=8),
    "S": dict(N=200),
    "M": dict(N=500),
}
OUTPUTS = (0,)


def init(N):
    i = np.arange(N).reshape(N, 1)
    j = np.arange(N).reshape(1, N)
    path = (i * j % 7 + 1).astype(np.int32)
    far = ((i + j) % 13 == 0) | ((i + j) % 7 == 0) | ((i + j) % 11 == 0)
    path[far] = 999
    return (path,)


def kernel_numpy(path):
    for k in range(path.shape[0]):
        path[:] = np.minimum(path[:], np.add.outer(path[:, k], path[k, :]))


def kernel_restructured(path):
    for k in range(path.shape[0]):
        path[:] = np.minimum(path, path[:, k:k + 1] + path[k:k + 1, :])


def kernel_reference(path):
    N = path.shape[0]
    for k in range(N):
        for i in range(N):
            for j in range(N):
                if path[i, k] + path[k, j] < path[i, j]:
                    path[i, j] = path[i, k] + path[k, j]


# The sizes in kernel_dace's annotations (DaCe symbols).
(_N,) = symbols("N")


def kernel_dace(path: int32[_N, _N]):
    # Row and column k do not change in step k; copying them keeps the update race-free.
    for k in range(_N):
        col = np.empty((_N,), dtype=np.int32)
        row = np.empty((_N,), dtype=np.int32)
        col[:] = path[:, k]
        row[:] = path[k, :]
        for i, j in dace.map[0:_N, 0:_N]:
            path[i, j] = min(path[i, j], col[i] + row[j])


def kernel_jax(path):
    import jax.numpy as jnp
    from jax import lax

    def relax(k, path):
        return jnp.minimum(path, path[:, k, None] + path[None, k, :])

    return lax.fori_loop(0, path.shape[0], relax, path)
