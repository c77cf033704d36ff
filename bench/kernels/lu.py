"""lu: in-place LU decomposition without pivoting, A = L U (L unit lower, U upper, packed in A)."""

import numpy as np

NAME = "lu"
SIZES = {
    "test": dict(N=6),
    "S": dict(N=200),
    "M": dict(N=600),
}
OUTPUTS = (0,)


def init(N):
    # Symmetric positive definite (so no pivoting is needed): A = L L^T with L lower triangular.
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
            A[i, j] -= A[i, :j] @ A[:j, j]
            A[i, j] /= A[j, j]
        A[i, i:] -= A[i, :i] @ A[:i, i:]


def kernel_reference(A):
    N = A.shape[0]
    for i in range(N):
        for j in range(i):
            for k in range(j):
                A[i, j] -= A[i, k] * A[k, j]
            A[i, j] /= A[j, j]
        for j in range(i, N):
            for k in range(i):
                A[i, j] -= A[i, k] * A[k, j]
