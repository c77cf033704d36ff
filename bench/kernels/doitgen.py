"""doitgen: A[r, q, :] := A[r, q, :] C4 for every (r, q)  (A: NR x NQ x NP, C4: NP x NP).

`kernel_numpy` follows NPBench's formulation: A viewed as NR x NQ stacked 1 x NP rows, one
broadcast (batched) product with C4, reshaped back. `kernel_restructured` flattens A to one
(NR NQ) x NP matrix and makes a single matrix product.
"""

import numpy as np

NAME = "doitgen"
SIZES = {
    "test": dict(NR=3, NQ=4, NP=5),
    "S": dict(NR=60, NQ=60, NP=128),
    "M": dict(NR=90, NQ=100, NP=256),
}
OUTPUTS = (0,)


def init(NR, NQ, NP):
    r = np.arange(NR).reshape(NR, 1, 1)
    q = np.arange(NQ).reshape(1, NQ, 1)
    p = np.arange(NP).reshape(1, 1, NP)
    A = ((r * q + p) % NP) / NP
    i = np.arange(NP).reshape(NP, 1)
    C4 = ((i * np.arange(NP).reshape(1, NP)) % NP) / NP
    return A.astype(np.float64), C4.astype(np.float64)


def kernel_numpy(A, C4):
    NR, NQ, NP = A.shape
    A[:] = np.reshape(np.reshape(A, (NR, NQ, 1, NP)) @ C4, (NR, NQ, NP))


def kernel_restructured(A, C4):
    NR, NQ, NP = A.shape
    A[:] = (A.reshape(NR * NQ, NP) @ C4).reshape(NR, NQ, NP)


def kernel_reference(A, C4):
    NR, NQ, NP = A.shape
    s = np.zeros(NP)
    for r in range(NR):
        for q in range(NQ):
            for p in range(NP):
                s[p] = 0.0
                for k in range(NP):
                    s[p] += A[r, q, k] * C4[k, p]
            for p in range(NP):
                A[r, q, p] = s[p]


def kernel_dace(A, C4):
    # One (NQ x NP) @ (NP x NP) product per r instead of reshaping A.
    for r in range(A.shape[0]):
        tmp = A[r] @ C4
        A[r] = tmp


def kernel_jax(A, C4):
    import jax.numpy as jnp

    return jnp.einsum("rqs,sp->rqp", A, C4)
