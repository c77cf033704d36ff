"""fdtd_2d: 2-D finite-difference time-domain (Yee) update of fields ex, ey, hz over TMAX steps.

ey[0, :] = fict[t]; ey[i, j] -= 0.5 (hz[i, j] - hz[i-1, j]);
ex[i, j] -= 0.5 (hz[i, j] - hz[i, j-1]);
hz[i, j] -= 0.7 (ex[i, j+1] - ex[i, j] + ey[i+1, j] - ey[i, j]).
"""

import numpy as np

NAME = "fdtd_2d"
SIZES = {
    "test": dict(TMAX=3, NX=5, NY=6),
    "S": dict(TMAX=50, NX=200, NY=220),
    "M": dict(TMAX=100, NX=500, NY=600),
}
OUTPUTS = (1, 2, 3)


def init(TMAX, NX, NY):
    i = np.arange(NX, dtype=np.float64).reshape(NX, 1)
    j = np.arange(NY, dtype=np.float64).reshape(1, NY)
    ex = i * (j + 1) / NX
    ey = i * (j + 2) / NY
    hz = i * (j + 3) / NX
    fict = np.arange(TMAX, dtype=np.float64)
    return TMAX, ex, ey, hz, fict


def kernel_numpy(TMAX, ex, ey, hz, fict):
    for t in range(TMAX):
        ey[0, :] = fict[t]
        ey[1:, :] -= 0.5 * (hz[1:, :] - hz[:-1, :])
        ex[:, 1:] -= 0.5 * (hz[:, 1:] - hz[:, :-1])
        hz[:-1, :-1] -= 0.7 * (ex[:-1, 1:] - ex[:-1, :-1] + ey[1:, :-1] - ey[:-1, :-1])


def kernel_reference(TMAX, ex, ey, hz, fict):
    NX, NY = ex.shape
    for t in range(TMAX):
        for j in range(NY):
            ey[0, j] = fict[t]
        for i in range(1, NX):
            for j in range(NY):
                ey[i, j] = ey[i, j] - 0.5 * (hz[i, j] - hz[i - 1, j])
        for i in range(NX):
            for j in range(1, NY):
                ex[i, j] = ex[i, j] - 0.5 * (hz[i, j] - hz[i, j - 1])
        for i in range(NX - 1):
            for j in range(NY - 1):
                hz[i, j] = hz[i, j] - 0.7 * (ex[i, j + 1] - ex[i, j] + ey[i + 1, j] - ey[i, j])


def kernel_jax(TMAX, ex, ey, hz, fict):
    from jax import lax

    def step(t, fields):
        ex, ey, hz = fields
        ey = ey.at[0, :].set(fict[t])
        ey = ey.at[1:, :].add(-0.5 * (hz[1:, :] - hz[:-1, :]))
        ex = ex.at[:, 1:].add(-0.5 * (hz[:, 1:] - hz[:, :-1]))
        hz = hz.at[:-1, :-1].add(
            -0.7 * (ex[:-1, 1:] - ex[:-1, :-1] + ey[1:, :-1] - ey[:-1, :-1])
        )
        return ex, ey, hz

    return lax.fori_loop(0, TMAX, step, (ex, ey, hz))
