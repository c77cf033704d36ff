"""2mm: D := alpha * A B C + beta * D  (A: NI x NK, B: NK x NJ, C: NJ x NL, D: NI x NL)."""

import numpy as np

NAME = "k2mm"
SIZES = {
    "test": dict(NI=4, NJ=5, NK=6, NL=7),
    "S": dict(NI=400, NJ=450, NK=500, NL=550),
    "M": dict(NI=900, NJ=950, NK=1000, NL=1050),
}
OUTPUTS = (5,)


def init(NI, NJ, NK, NL):
    rng = np.random.default_rng(42)
    alpha = 1.5
    beta = 1.2
    A = rng.random((NI, NK))
    B = rng.random((NK, NJ))
    C = rng.random((NJ, NL))
    D = rng.random((NI, NL))
    return alpha, beta, A, B, C, D


def kernel_numpy(alpha, beta, A, B, C, D):
    D[:] = alpha * A @ B @ C + beta * D


def kernel_reference(alpha, beta, A, B, C, D):
    NI, NK = A.shape
    NJ = B.shape[1]
    NL = C.shape[1]
    tmp = np.zeros((NI, NJ))
    for i in range(NI):
        for j in range(NJ):
            for k in range(NK):
                tmp[i, j] += alpha * A[i, k] * B[k, j]
    for i in range(NI):
        for j in range(NL):
            D[i, j] *= beta
            for k in range(NJ):
                D[i, j] += tmp[i, k] * C[k, j]


def kernel_jax(alpha, beta, A, B, C, D):
    return alpha * A @ B @ C + beta * D
