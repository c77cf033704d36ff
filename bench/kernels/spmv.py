"""spmv: y = A x for a sparse M x N matrix A in CSR form (indptr, indices, data)."""

import numpy as np

from bench.kernels._dace import dace, float64, int64, symbols

NAME = "spmv"
SIZES = {
    "test": dict(M=6, N=7, NNZ_ROW=3),
    "S": dict(M=4096, N=4096, NNZ_ROW=8),
    "M": dict(M=32768, N=32768, NNZ_ROW=8),
}
OUTPUTS = ()


def init(M, N, NNZ_ROW):
    rng = np.random.default_rng(42)
    # Each row gets between 0 and 2 * NNZ_ROW distinct, sorted column indices.
    counts = rng.integers(0, 2 * NNZ_ROW + 1, size=M)
    counts = np.minimum(counts, N)
    indptr = np.zeros(M + 1, dtype=np.int64)
    indptr[1:] = np.cumsum(counts)
    indices = np.empty(indptr[-1], dtype=np.int64)
    for i in range(M):
        cols = rng.choice(N, size=counts[i], replace=False)
        indices[indptr[i]:indptr[i + 1]] = np.sort(cols)
    data = rng.random(indptr[-1])
    x = rng.random(N)
    return indptr, indices, data, x


def kernel_numpy(indptr, indices, data, x):
    M = indptr.shape[0] - 1
    y = np.empty(M)
    for i in range(M):
        start = indptr[i]
        stop = indptr[i + 1]
        y[i] = data[start:stop] @ x[indices[start:stop]]
    return y


def kernel_reference(indptr, indices, data, x):
    M = indptr.shape[0] - 1
    N = x.shape[0]
    dense = np.zeros((M, N))
    for i in range(M):
        for k in range(indptr[i], indptr[i + 1]):
            dense[i, indices[k]] = data[k]
    y = np.zeros(M)
    for i in range(M):
        for j in range(N):
            y[i] += dense[i, j] * x[j]
    return y


# The sizes in kernel_dace's annotations (DaCe symbols).
_M, _N, _NNZ = symbols("M N NNZ")


def kernel_dace(indptr: int64[_M + 1], indices: int64[_NNZ], data: float64[_NNZ],
                x: float64[_N]):
    # Gathers through a data-dependent slice are not in DaCe's subset: one loop per row.
    y = np.empty((_M,), dtype=np.float64)
    for i in dace.map[0:_M]:
        acc = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            acc += data[k] * x[indices[k]]
        y[i] = acc
    return y


def kernel_jax(indptr, indices, data, x):
    import jax
    import jax.numpy as jnp

    M = indptr.shape[0] - 1
    # The row of every stored entry k: the last i with indptr[i] <= k.
    rows = jnp.searchsorted(indptr, jnp.arange(data.shape[0]), side="right") - 1
    return jax.ops.segment_sum(data * x[indices], rows, num_segments=M)
