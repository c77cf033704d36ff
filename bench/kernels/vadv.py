"""vadv: COSMO vertical advection, one implicit tridiagonal solve per (i, j) column over k.

With gav_k = -0.25 (wcon[i+1, j, k] + wcon[i, j, k]) for k >= 1 (else 0) and
gcv_k = 0.25 (wcon[i+1, j, k+1] + wcon[i, j, k+1]) for k <= K-2 (else 0):
a_k = BET_P gav_k, c_k = BET_P gcv_k, b_k = dtr - a_k - c_k,
d_k = dtr u_pos_k + utens_k + utens_stage_k
      - BET_M gav_k (u_stage_{k-1} - u_stage_k) - BET_M gcv_k (u_stage_{k+1} - u_stage_k);
solve a_k x_{k-1} + b_k x_k + c_k x_{k+1} = d_k (Thomas algorithm) and set
utens_stage_k = dtr (x_k - u_pos_k).
"""

import numpy as np

NAME = "vadv"
SIZES = {
    "test": dict(I=3, J=4, K=5),
    "S": dict(I=60, J=60, K=40),
    "M": dict(I=160, J=160, K=80),
}
OUTPUTS = (0,)

BET_M = 0.5
BET_P = 0.5


def init(I, J, K):
    rng = np.random.default_rng(42)
    dtr_stage = 3.0 / 20.0
    utens_stage = rng.random((I, J, K))
    u_stage = rng.random((I, J, K))
    wcon = 0.1 * rng.random((I + 1, J, K))
    u_pos = rng.random((I, J, K))
    utens = rng.random((I, J, K))
    return utens_stage, u_stage, wcon, u_pos, utens, dtr_stage


def kernel_numpy(utens_stage, u_stage, wcon, u_pos, utens, dtr_stage):
    I, J, K = utens_stage.shape
    gav = np.zeros((I, J, K))
    gcv = np.zeros((I, J, K))
    gav[:, :, 1:] = -0.25 * (wcon[1:, :, 1:] + wcon[:-1, :, 1:])
    gcv[:, :, :-1] = 0.25 * (wcon[1:, :, 1:] + wcon[:-1, :, 1:])
    acol = BET_P * gav
    ccol = BET_P * gcv
    bcol = dtr_stage - acol - ccol
    dcol = dtr_stage * u_pos + utens + utens_stage
    dcol[:, :, 1:] -= BET_M * gav[:, :, 1:] * (u_stage[:, :, :-1] - u_stage[:, :, 1:])
    dcol[:, :, :-1] -= BET_M * gcv[:, :, :-1] * (u_stage[:, :, 1:] - u_stage[:, :, :-1])
    # Forward sweep.
    ccol[:, :, 0] /= bcol[:, :, 0]
    dcol[:, :, 0] /= bcol[:, :, 0]
    for k in range(1, K):
        divided = 1.0 / (bcol[:, :, k] - ccol[:, :, k - 1] * acol[:, :, k])
        ccol[:, :, k] *= divided
        dcol[:, :, k] = (dcol[:, :, k] - dcol[:, :, k - 1] * acol[:, :, k]) * divided
    # Back substitution.
    x = dcol[:, :, K - 1]
    utens_stage[:, :, K - 1] = dtr_stage * (x - u_pos[:, :, K - 1])
    for k in range(K - 2, -1, -1):
        x = dcol[:, :, k] - ccol[:, :, k] * x
        utens_stage[:, :, k] = dtr_stage * (x - u_pos[:, :, k])


def kernel_reference(utens_stage, u_stage, wcon, u_pos, utens, dtr_stage):
    # Builds each column's tridiagonal matrix densely and solves it with LAPACK.
    I, J, K = utens_stage.shape
    for i in range(I):
        for j in range(J):
            mat = np.zeros((K, K))
            rhs = np.zeros(K)
            for k in range(K):
                gav = -0.25 * (wcon[i + 1, j, k] + wcon[i, j, k]) if k >= 1 else 0.0
                gcv = 0.25 * (wcon[i + 1, j, k + 1] + wcon[i, j, k + 1]) if k <= K - 2 else 0.0
                a = BET_P * gav
                c = BET_P * gcv
                mat[k, k] = dtr_stage - a - c
                if k >= 1:
                    mat[k, k - 1] = a
                if k <= K - 2:
                    mat[k, k + 1] = c
                rhs[k] = dtr_stage * u_pos[i, j, k] + utens[i, j, k] + utens_stage[i, j, k]
                if k >= 1:
                    rhs[k] -= BET_M * gav * (u_stage[i, j, k - 1] - u_stage[i, j, k])
                if k <= K - 2:
                    rhs[k] -= BET_M * gcv * (u_stage[i, j, k + 1] - u_stage[i, j, k])
            x = np.linalg.solve(mat, rhs)
            for k in range(K):
                utens_stage[i, j, k] = dtr_stage * (x[k] - u_pos[i, j, k])
