"""3mm: G = (A B) (C D)  (A: NI x NK, B: NK x NJ, C: NJ x NM, D: NM x NL).

`kernel_numpy` follows NPBench's formulation, one chain of products evaluated left to right
(((A B) C) D); `kernel_restructured` groups it as PolyBench does, (A B) (C D).
"""

import numpy as np

NAME = "k3mm"
SIZES = {
    "test": dict(NI=3, NJ=4, NK=5, NL=6, NM=7),
    "S": dict(NI=400, NJ=450, NK=500, NL=550, NM=600),
    "M": dict(NI=800, NJ=900, NK=1000, NL=1100, NM=1200),
}
OUTPUTS = ()


def init(NI, NJ, NK, NL, NM):
    rng = np.random.default_rng(42)
    A = rng.random((NI, NK))
    B = rng.random((NK, NJ))
    C = rng.random((NJ, NM))
    D = rng.random((NM, NL))
    return A, B, C, D


def kernel_numpy(A, B, C, D):
    return A @ B @ C @ D


def kernel_restructured(A, B, C, D):
    return A @ B @ (C @ D)


def kernel_reference(A, B, C, D):
    NI, NK = A.shape
    NJ = B.shape[1]
    NM, NL = D.shape
    E = np.zeros((NI, NJ))
    F = np.zeros((NJ, NL))
    G = np.zeros((NI, NL))
    for i in range(NI):
        for j in range(NJ):
            for k in range(NK):
                E[i, j] += A[i, k] * B[k, j]
    for i in range(NJ):
        for j in range(NL):
            for k in range(NM):
                F[i, j] += C[i, k] * D[k, j]
    for i in range(NI):
        for j in range(NL):
            for k in range(NJ):
                G[i, j] += E[i, k] * F[k, j]
    return G


def kernel_jax(A, B, C, D):
    return A @ B @ (C @ D)
