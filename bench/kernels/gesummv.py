"""gesummv: y = alpha * A x + beta * B x  (A, B: N x N)."""

import numpy as np

NAME = "gesummv"
SIZES = {
    "test": dict(N=6),
    "S": dict(N=2000),
    "M": dict(N=6000),
}
OUTPUTS = ()


def init(N):
    alpha = 1.5
    beta = 1.2
    i = np.arange(N).reshape(N, 1)
    j = np.arange(N).reshape(1, N)
    A = ((i * j + 1) % N) / N
    B = ((i * j + 2) % N) / N
    x = (np.arange(N) % N) / N
    return alpha, beta, A.astype(np.float64), B.astype(np.float64), x.astype(np.float64)


def kernel_numpy(alpha, beta, A, B, x):
    return alpha * A @ x + beta * B @ x


def kernel_reference(alpha, beta, A, B, x):
    N = A.shape[0]
    y = np.zeros(N)
    for i in range(N):
        tmp = 0.0
        acc = 0.0
        for j in range(N):
            tmp += A[i, j] * x[j]
            acc += B[i, j] * x[j]
        y[i] = alpha * tmp + beta * acc
    return y


def kernel_jax(alpha, beta, A, B, x):
    return alpha * A @ x + beta * B @ x
