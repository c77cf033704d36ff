"""covariance: centre the columns of data (N samples x M variables) in place and return
cov = data^T data / (float_n - 1).

`kernel_numpy` follows NPBench's formulation: a loop over the columns i, each filling row i
and column i of the upper triangle from one vector-matrix product (a chained slice
assignment). `kernel_restructured` computes the whole matrix as one product data^T data.
"""

import numpy as np

from bench.kernels._dace import dace, float64, symbols

NAME = "covariance"
SIZES = {
    "test": dict(M=5, N=7),
    "S": dict(M=500, N=600),
    "M": dict(M=1400, N=1800),
}
OUTPUTS = (1,)


def init(M, N):
    float_n = float(N)
    i = np.arange(N, dtype=np.float64).reshape(N, 1)
    j = np.arange(M, dtype=np.float64).reshape(1, M)
    data = (i * j) / M + np.sin(i + 2.0 * j)
    return float_n, data


def kernel_numpy(float_n, data):
    M = data.shape[1]
    mean = np.mean(data, axis=0)
    data -= mean
    cov = np.zeros((M, M), dtype=data.dtype)
    for i in range(M):
        cov[i:M, i] = cov[i, i:M] = data[:, i] @ data[:, i:M] / (float_n - 1.0)
    return cov


def kernel_restructured(float_n, data):
    mean = np.mean(data, axis=0)
    data -= mean
    return data.T @ data / (float_n - 1.0)


def kernel_reference(float_n, data):
    N, M = data.shape
    mean = np.zeros(M)
    for j in range(M):
        for i in range(N):
            mean[j] += data[i, j]
        mean[j] /= float_n
    for i in range(N):
        for j in range(M):
            data[i, j] -= mean[j]
    cov = np.zeros((M, M))
    for i in range(M):
        for j in range(i, M):
            for k in range(N):
                cov[i, j] += data[k, i] * data[k, j]
            cov[i, j] /= float_n - 1.0
            cov[j, i] = cov[i, j]
    return cov


# The sizes in kernel_dace's annotations (DaCe symbols).
_N, _M = symbols("N M")


def kernel_dace(float_n: float64, data: float64[_N, _M]):
    mean = np.mean(data, axis=0)
    for i, j in dace.map[0:_N, 0:_M]:
        data[i, j] -= mean[j]
    cov = data.T @ data
    return cov / (float_n - 1.0)


def kernel_jax(float_n, data):
    import jax.numpy as jnp

    data = data - jnp.mean(data, axis=0)
    return data, data.T @ data / (float_n - 1.0)
