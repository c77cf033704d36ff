"""covariance2: the covariance matrix of the M columns (variables) of data, N samples each,
with np.cov."""

import numpy as np

NAME = "covariance2"
SIZES = {
    "test": dict(M=5, N=7),
    "S": dict(M=500, N=600),
    "M": dict(M=1400, N=1800),
}
OUTPUTS = ()


def init(M, N):
    i = np.arange(N, dtype=np.float64).reshape(N, 1)
    j = np.arange(M, dtype=np.float64).reshape(1, M)
    data = (i * j) / M + np.cos(3.0 * i - j)
    return (data,)


def kernel_numpy(data):
    return np.cov(data.T)


def kernel_reference(data):
    N, M = data.shape
    mean = np.zeros(M)
    for j in range(M):
        for i in range(N):
            mean[j] += data[i, j]
        mean[j] /= N
    cov = np.empty((M, M))
    for a in range(M):
        for b in range(M):
            s = 0.0
            for i in range(N):
                s += (data[i, a] - mean[a]) * (data[i, b] - mean[b])
            cov[a, b] = s / (N - 1)
    return cov


def kernel_jax(data):
    import jax.numpy as jnp

    return jnp.cov(data.T)
