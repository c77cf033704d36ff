"""adi: alternating-direction implicit 2-D heat solver (PolyBench adi).

Each time step solves a tridiagonal system along every column (u -> v), then along every row
(v -> u), with coefficients a = c = -mul1 / 2, b = 1 + mul1, d = f = -mul2 / 2, e = 1 + mul2,
mul1 = 2 DT / DX^2, mul2 = DT / DY^2, DX = DY = 1/N, DT = 1/TSTEPS (Thomas algorithm: forward
sweep computing p, q, then back substitution).
"""

import numpy as np

NAME = "adi"
SIZES = {
    "test": dict(TSTEPS=3, N=7),
    "S": dict(TSTEPS=8, N=150),
    "M": dict(TSTEPS=40, N=300),
}
OUTPUTS = (1,)


def init(TSTEPS, N):
    i = np.arange(N, dtype=np.float64).reshape(N, 1)
    j = np.arange(N, dtype=np.float64).reshape(1, N)
    u = (i + N - j) / N
    return TSTEPS, u


def _coefficients(TSTEPS, N):
    DX = 1.0 / N
    DY = 1.0 / N
    DT = 1.0 / TSTEPS
    mul1 = 2.0 * DT / (DX * DX)
    mul2 = 1.0 * DT / (DY * DY)
    a = -mul1 / 2.0
    b = 1.0 + mul1
    c = a
    d = -mul2 / 2.0
    e = 1.0 + mul2
    f = d
    return a, b, c, d, e, f


def kernel_numpy(TSTEPS, u):
    N = u.shape[0]
    a, b, c, d, e, f = _coefficients(TSTEPS, N)
    v = np.zeros((N, N))
    p = np.zeros((N, N))
    q = np.zeros((N, N))
    for _ in range(TSTEPS):
        # Column sweep: one tridiagonal system per column i, all columns at once.
        v[0, 1:-1] = 1.0
        p[1:-1, 0] = 0.0
        q[1:-1, 0] = v[0, 1:-1]
        for j in range(1, N - 1):
            denom = a * p[1:-1, j - 1] + b
            p[1:-1, j] = -c / denom
            q[1:-1, j] = (
                -d * u[j, :-2] + (1.0 + 2.0 * d) * u[j, 1:-1] - f * u[j, 2:]
                - a * q[1:-1, j - 1]
            ) / denom
        v[-1, 1:-1] = 1.0
        for j in range(N - 2, 0, -1):
            v[j, 1:-1] = p[1:-1, j] * v[j + 1, 1:-1] + q[1:-1, j]
        # Row sweep: one tridiagonal system per row i.
        u[1:-1, 0] = 1.0
        p[1:-1, 0] = 0.0
        q[1:-1, 0] = u[1:-1, 0]
        for j in range(1, N - 1):
            denom = d * p[1:-1, j - 1] + e
            p[1:-1, j] = -f / denom
            q[1:-1, j] = (
                -a * v[:-2, j] + (1.0 + 2.0 * a) * v[1:-1, j] - c * v[2:, j]
                - d * q[1:-1, j - 1]
            ) / denom
        u[1:-1, -1] = 1.0
        for j in range(N - 2, 0, -1):
            u[1:-1, j] = p[1:-1, j] * u[1:-1, j + 1] + q[1:-1, j]


def kernel_reference(TSTEPS, u):
    N = u.shape[0]
    a, b, c, d, e, f = _coefficients(TSTEPS, N)
    v = np.zeros((N, N))
    p = np.zeros((N, N))
    q = np.zeros((N, N))
    for _ in range(TSTEPS):
        for i in range(1, N - 1):
            v[0, i] = 1.0
            p[i, 0] = 0.0
            q[i, 0] = v[0, i]
            for j in range(1, N - 1):
                p[i, j] = -c / (a * p[i, j - 1] + b)
                q[i, j] = (
                    -d * u[j, i - 1] + (1.0 + 2.0 * d) * u[j, i] - f * u[j, i + 1]
                    - a * q[i, j - 1]
                ) / (a * p[i, j - 1] + b)
            v[N - 1, i] = 1.0
            for j in range(N - 2, 0, -1):
                v[j, i] = p[i, j] * v[j + 1, i] + q[i, j]
        for i in range(1, N - 1):
            u[i, 0] = 1.0
            p[i, 0] = 0.0
            q[i, 0] = u[i, 0]
            for j in range(1, N - 1):
                p[i, j] = -f / (d * p[i, j - 1] + e)
                q[i, j] = (
                    -a * v[i - 1, j] + (1.0 + 2.0 * a) * v[i, j] - c * v[i + 1, j]
                    - d * q[i, j - 1]
                ) / (d * p[i, j - 1] + e)
            u[i, N - 1] = 1.0
            for j in range(N - 2, 0, -1):
                u[i, j] = p[i, j] * u[i, j + 1] + q[i, j]
