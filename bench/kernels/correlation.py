"""correlation: Pearson correlation matrix of the M columns of data (N samples); stddevs at or
below 0.1 are replaced by 1 (PolyBench). data is normalised in place.

`kernel_numpy` follows NPBench's formulation: np.std, a boolean-mask assignment for the small
stddevs, np.eye for the diagonal and a loop over the columns filling the strict upper
triangle and its mirror from one vector-matrix product each (a chained slice assignment).
`kernel_restructured` takes the stddev as sqrt(mean(centred^2)), replaces small ones with
np.where and computes the whole matrix as one product data^T data, then sets the diagonal.
"""

import numpy as np

from bench.kernels._dace import dace, float64, symbols

NAME = "correlation"
SIZES = {
    "test": dict(M=5, N=7),
    "S": dict(M=500, N=600),
    "M": dict(M=1200, N=1500),
}
OUTPUTS = (1,)


def init(M, N):
    float_n = float(N)
    i = np.arange(N, dtype=np.float64).reshape(N, 1)
    j = np.arange(M, dtype=np.float64).reshape(1, M)
    data = (i * j) / M + i + np.cos(3.0 * i + j)
    return float_n, data


def kernel_numpy(float_n, data):
    eps = 0.1
    M = data.shape[1]
    mean = np.mean(data, axis=0)
    stddev = np.std(data, axis=0)
    stddev[stddev <= eps] = 1.0
    data -= mean
    data /= np.sqrt(float_n) * stddev
    corr = np.eye(M, dtype=data.dtype)
    for i in range(M - 1):
        corr[i + 1:M, i] = corr[i, i + 1:M] = data[:, i] @ data[:, i + 1:M]
    return corr


def kernel_restructured(float_n, data):
    eps = 0.1
    mean = np.mean(data, axis=0)
    stddev = np.sqrt(np.mean((data - mean) ** 2, axis=0))
    stddev = np.where(stddev <= eps, 1.0, stddev)
    data -= mean
    data /= np.sqrt(float_n) * stddev
    corr = data.T @ data
    for i in range(corr.shape[0]):
        corr[i, i] = 1.0
    return corr


def kernel_reference(float_n, data):
    eps = 0.1
    N, M = data.shape
    mean = np.zeros(M)
    stddev = np.zeros(M)
    for j in range(M):
        for i in range(N):
            mean[j] += data[i, j]
        mean[j] /= float_n
    for j in range(M):
        for i in range(N):
            stddev[j] += (data[i, j] - mean[j]) * (data[i, j] - mean[j])
        stddev[j] /= float_n
        stddev[j] = np.sqrt(stddev[j])
        if stddev[j] <= eps:
            stddev[j] = 1.0
    for i in range(N):
        for j in range(M):
            data[i, j] -= mean[j]
            data[i, j] /= np.sqrt(float_n) * stddev[j]
    corr = np.zeros((M, M))
    for i in range(M):
        corr[i, i] = 1.0
        for j in range(i + 1, M):
            for k in range(N):
                corr[i, j] += data[k, i] * data[k, j]
            corr[j, i] = corr[i, j]
    return corr


# The sizes in kernel_dace's annotations (DaCe symbols).
_N, _M = symbols("N M")


def kernel_dace(float_n: float64, data: float64[_N, _M]):
    eps = 0.1
    mean = np.mean(data, axis=0)
    for i, j in dace.map[0:_N, 0:_M]:
        data[i, j] -= mean[j]
    stddev = np.sqrt(np.mean(data**2, axis=0))
    for j in dace.map[0:_M]:
        if stddev[j] <= eps:
            stddev[j] = 1.0
    scale = np.sqrt(float_n) * stddev
    for i, j in dace.map[0:_N, 0:_M]:
        data[i, j] /= scale[j]
    corr = data.T @ data
    for i in range(_M):
        corr[i, i] = 1.0
    return corr


def kernel_jax(float_n, data):
    import jax.numpy as jnp

    eps = 0.1
    mean = jnp.mean(data, axis=0)
    stddev = jnp.sqrt(jnp.mean((data - mean) ** 2, axis=0))
    stddev = jnp.where(stddev <= eps, 1.0, stddev)
    data = (data - mean) / (jnp.sqrt(float_n) * stddev)
    corr = data.T @ data
    diag = jnp.arange(corr.shape[0])
    return data, corr.at[diag, diag].set(1.0)
