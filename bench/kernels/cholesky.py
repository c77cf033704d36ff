"""cholesky: in-place Cholesky factorisation A = L L^T; L overwrites the lower triangle of A."""

import numpy as np

NAME = "cholesky"
SIZES = {
    "test": dict(N=6),
    "S": dict(N=200),
    "M": dict(N=600),
}
OUTPUTS = (0,)


def init(N):
    i = np.arange(N).reshape(N, 1)
    j = np.arange(N).reshape(1, N)
    L = np.where(j <= i, (-j % N) / N + 1.0, 0.0)
    L[np.arange(N), np.arange(N)] = 1.0
    A = L @ L.T
    return (A,)


def kernel_numpy(A):
    N = A.shape[0]
    for i in range(N):
        for j in range(i):
            A[i, j] -= A[i, :j] @ A[j, :j]
            A[i, j] /= A[j, j]
        A[i, i] -= A[i, :i] @ A[i, :i]
        A[i, i] = np.sqrt(A[i, i])


def kernel_reference(A):
    N = A.shape[0]
    for i in range(N):
        for j in range(i):
            for k in range(j):
                A[i, j] -= A[i, k] * A[j, k]
            A[i, j] /= A[j, j]
        for k in range(i):
            A[i, i] -= A[i, k] * A[i, k]
        A[i, i] = A[i, i] ** 0.5
