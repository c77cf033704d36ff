"""vadv: COSMO vertical advection, one implicit tridiagonal solve per (i, j) column over k.

With gav_k = -0.25 (wcon[i+1, j, k] + wcon[i, j, k]) for k >= 1 (else 0) and
gcv_k = 0.25 (wcon[i+1, j, k+1] + wcon[i, j, k+1]) for k <= K-2 (else 0):
a_k = BET_P gav_k, c_k = BET_P gcv_k, b_k = dtr - a_k - c_k,
d_k = dtr u_pos_k + utens_k + utens_stage_k
      - BET_M gav_k (u_stage_{k-1} - u_stage_k) - BET_M gcv_k (u_stage_{k+1} - u_stage_k);
solve a_k x_{k-1} + b_k x_k + c_k x_{k+1} = d_k (Thomas algorithm) and set
utens_stage_k = dtr (x_k - u_pos_k).

`kernel_numpy` follows NPBench's formulation: one loop over k computing gav, gcv and the
coefficients plane by plane as it goes, with the first and last levels (no gav resp. no gcv)
in loops of their own, work arrays from np.empty and the back substitution carrying the
current solution plane in a buffer. `kernel_restructured` computes gav, gcv and all four
coefficient volumes up front with whole-volume slices, then runs the two sweeps over them.
"""

import numpy as np

from bench.kernels._dace import float64, symbols

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
    I, J, K = utens_stage.shape[0], utens_stage.shape[1], utens_stage.shape[2]
    ccol = np.empty((I, J, K), dtype=utens_stage.dtype)
    dcol = np.empty((I, J, K), dtype=utens_stage.dtype)
    x = np.empty((I, J), dtype=utens_stage.dtype)

    # Forward sweep. Level 0 has no level below it (gav = 0).
    for k in range(1):
        gcv = 0.25 * (wcon[1:, :, k + 1] + wcon[:-1, :, k + 1])
        cs = gcv * BET_M
        ccol[:, :, k] = gcv * BET_P
        bcol = dtr_stage - ccol[:, :, k]
        correction = -cs * (u_stage[:, :, k + 1] - u_stage[:, :, k])
        dcol[:, :, k] = (
            dtr_stage * u_pos[:, :, k] + utens[:, :, k] + utens_stage[:, :, k] + correction
        )
        divided = 1.0 / bcol
        ccol[:, :, k] = ccol[:, :, k] * divided
        dcol[:, :, k] = dcol[:, :, k] * divided
    for k in range(1, K - 1):
        gav = -0.25 * (wcon[1:, :, k] + wcon[:-1, :, k])
        gcv = 0.25 * (wcon[1:, :, k + 1] + wcon[:-1, :, k + 1])
        as_ = gav * BET_M
        cs = gcv * BET_M
        acol = gav * BET_P
        ccol[:, :, k] = gcv * BET_P
        bcol = dtr_stage - acol - ccol[:, :, k]
        correction = (
            -as_ * (u_stage[:, :, k - 1] - u_stage[:, :, k])
            - cs * (u_stage[:, :, k + 1] - u_stage[:, :, k])
        )
        dcol[:, :, k] = (
            dtr_stage * u_pos[:, :, k] + utens[:, :, k] + utens_stage[:, :, k] + correction
        )
        divided = 1.0 / (bcol - ccol[:, :, k - 1] * acol)
        ccol[:, :, k] = ccol[:, :, k] * divided
        dcol[:, :, k] = (dcol[:, :, k] - dcol[:, :, k - 1] * acol) * divided
    # The top level has no level above it (gcv = 0).
    for k in range(K - 1, K):
        gav = -0.25 * (wcon[1:, :, k] + wcon[:-1, :, k])
        as_ = gav * BET_M
        acol = gav * BET_P
        bcol = dtr_stage - acol
        correction = -as_ * (u_stage[:, :, k - 1] - u_stage[:, :, k])
        dcol[:, :, k] = (
            dtr_stage * u_pos[:, :, k] + utens[:, :, k] + utens_stage[:, :, k] + correction
        )
        divided = 1.0 / (bcol - ccol[:, :, k - 1] * acol)
        dcol[:, :, k] = (dcol[:, :, k] - dcol[:, :, k - 1] * acol) * divided

    # Back substitution, x holding the solution at the level above.
    for k in range(K - 1, K - 2, -1):
        solution = dcol[:, :, k]
        x[:] = solution
        utens_stage[:, :, k] = dtr_stage * (solution - u_pos[:, :, k])
    for k in range(K - 2, -1, -1):
        solution = dcol[:, :, k] - ccol[:, :, k] * x[:, :]
        x[:] = solution
        utens_stage[:, :, k] = dtr_stage * (solution - u_pos[:, :, k])


def kernel_restructured(utens_stage, u_stage, wcon, u_pos, utens, dtr_stage):
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


# The sizes in kernel_dace's annotations (DaCe symbols).
_I, _J, _K = symbols("I J K")


def kernel_dace(utens_stage: float64[_I, _J, _K], u_stage: float64[_I, _J, _K],
                wcon: float64[_I + 1, _J, _K], u_pos: float64[_I, _J, _K],
                utens: float64[_I, _J, _K], dtr_stage: float64):
    gav = np.zeros((_I, _J, _K), dtype=np.float64)
    gcv = np.zeros((_I, _J, _K), dtype=np.float64)
    wsum = wcon[1:_I + 1, :, 1:_K] + wcon[0:_I, :, 1:_K]
    gav[:, :, 1:_K] = -0.25 * wsum
    gcv[:, :, 0:_K - 1] = 0.25 * wsum
    acol = BET_P * gav
    ccol = BET_P * gcv
    bcol = dtr_stage - acol - ccol
    dcol = dtr_stage * u_pos + utens + utens_stage
    dcol[:, :, 1:_K] -= BET_M * gav[:, :, 1:_K] * (u_stage[:, :, 0:_K - 1] - u_stage[:, :, 1:_K])
    dcol[:, :, 0:_K - 1] -= (
        BET_M * gcv[:, :, 0:_K - 1] * (u_stage[:, :, 1:_K] - u_stage[:, :, 0:_K - 1])
    )
    ccol[:, :, 0] /= bcol[:, :, 0]
    dcol[:, :, 0] /= bcol[:, :, 0]
    for k in range(1, _K):
        divided = 1.0 / (bcol[:, :, k] - ccol[:, :, k - 1] * acol[:, :, k])
        ccol[:, :, k] *= divided
        dcol[:, :, k] = (dcol[:, :, k] - dcol[:, :, k - 1] * acol[:, :, k]) * divided
    x = np.empty((_I, _J), dtype=np.float64)
    x[:] = dcol[:, :, _K - 1]
    utens_stage[:, :, _K - 1] = dtr_stage * (x - u_pos[:, :, _K - 1])
    for k in range(_K - 2, -1, -1):
        x[:] = dcol[:, :, k] - ccol[:, :, k] * x
        utens_stage[:, :, k] = dtr_stage * (x - u_pos[:, :, k])


def kernel_jax(utens_stage, u_stage, wcon, u_pos, utens, dtr_stage):
    import jax.numpy as jnp
    from jax import lax

    wsum = wcon[1:, :, 1:] + wcon[:-1, :, 1:]
    zero = jnp.zeros(utens_stage.shape[:2] + (1,), dtype=utens_stage.dtype)
    gav = jnp.concatenate([zero, -0.25 * wsum], axis=2)
    gcv = jnp.concatenate([0.25 * wsum, zero], axis=2)
    acol = BET_P * gav
    ccol = BET_P * gcv
    bcol = dtr_stage - acol - ccol
    up = u_stage[:, :, :-1] - u_stage[:, :, 1:]  # u_stage[k - 1] - u_stage[k], k >= 1
    dcol = dtr_stage * u_pos + utens + utens_stage
    dcol = dcol.at[:, :, 1:].add(-BET_M * gav[:, :, 1:] * up)
    dcol = dcol.at[:, :, :-1].add(-BET_M * gcv[:, :, :-1] * -up)

    # Thomas algorithm along k, every (i, j) column at once: k leads for the scans.
    a, b, c, d = (jnp.moveaxis(t, 2, 0) for t in (acol, bcol, ccol, dcol))
    c0 = c[0] / b[0]
    d0 = d[0] / b[0]

    def forward(prev, coefs):
        c_prev, d_prev = prev
        a_k, b_k, c_k, d_k = coefs
        divided = 1.0 / (b_k - c_prev * a_k)
        c_k = c_k * divided
        d_k = (d_k - d_prev * a_k) * divided
        return (c_k, d_k), (c_k, d_k)

    _, (cs, ds) = lax.scan(forward, (c0, d0), (a[1:], b[1:], c[1:], d[1:]))
    cs = jnp.concatenate([c0[None], cs])
    ds = jnp.concatenate([d0[None], ds])

    def backward(x_next, coefs):
        c_k, d_k = coefs
        x = d_k - c_k * x_next
        return x, x

    x_last = ds[-1]
    _, xs = lax.scan(backward, x_last, (cs[:-1], ds[:-1]), reverse=True)
    x = jnp.moveaxis(jnp.concatenate([xs, x_last[None]]), 0, 2)
    return dtr_stage * (x - u_pos)
