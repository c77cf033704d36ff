"""gemm: C := alpha * A @ B + beta * C  (A: NI x NK, B: NK x NJ, C: NI x NJ)."""

import numpy as np

NAME = "gemm"
SIZES = {
    "test": dict(NI=5, NJ=6, NK=7),
    "S": dict(NI=500, NJ=550, NK=600),
    "M": dict(NI=1100, NJ=1200, NK=1300),
}
OUTPUTS = (2,)


def init(NI, NJ, NK):
    alpha = 1.5
    beta = 1.2
    i = np.arange(NI).reshape(NI, 1)
    j = np.arange(NJ).reshape(1, NJ)
    k = np.arange(NK)
    C = ((i * j + 1) % NI) / NI
    A = ((i * k.reshape(1, NK) + 1) % NK) / NK
    B = ((k.reshape(NK, 1) * (j + 2)) % NJ) / NJ
    return alpha, beta, C.astype(np.float64), A.astype(np.float64), B.astype(np.float64)


def kernel_numpy(alpha, beta, C, A, B):
    C[:] = alpha * A @ B + beta * C


def kernel_reference(alpha, beta, C, A, B):
    NI, NK = A.shape
    NJ = B.shape[1]
    for i in range(NI):
        for j in range(NJ):
            C[i, j] *= beta
        for k in range(NK):
            for j in range(NJ):
                C[i, j] += alpha * A[i, k] * B[k, j]


def kernel_jax(alpha, beta, C, A, B):
    return alpha * A @ B + beta * C
