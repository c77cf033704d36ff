"""adi: alternating-direction implicit 2-D heat solver (PolyBench adi).

Each time step solves a tridiagonal system along every column (u -> v), then along every row
(v -> u), with coefficients a = c = -mul1 / 2, b = 1 + mul1, d = f = -mul2 / 2, e = 1 + mul2,
mul1 = 2 DT / DX^2, mul2 = DT / DY^2, DX = DY = 1/N, DT = 1/TSTEPS (Thomas algorithm: forward
sweep computing p, q, then back substitution).

`kernel_numpy` follows NPBench's formulation: coefficients computed in the kernel, work arrays
from np.empty, slices bounded by N explicitly, and the pivot a * p + b written out twice in
each forward step. `kernel_restructured` takes the coefficients from a helper, zeroes the work
arrays and computes each step's pivot once.
"""

import numpy as np

from bench.kernels._dace import float64, int64, symbols

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
    v = np.empty(u.shape, dtype=u.dtype)
    p = np.empty(u.shape, dtype=u.dtype)
    q = np.empty(u.shape, dtype=u.dtype)
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
    for _ in range(1, TSTEPS + 1):
        # Column sweep, every interior column at once.
        v[0, 1:N - 1] = 1.0
        p[1:N - 1, 0] = 0.0
        q[1:N - 1, 0] = v[0, 1:N - 1]
        for j in range(1, N - 1):
            p[1:N - 1, j] = -c / (a * p[1:N - 1, j - 1] + b)
            q[1:N - 1, j] = (
                -d * u[j, 0:N - 2] + (1.0 + 2.0 * d) * u[j, 1:N - 1] - f * u[j, 2:N]
                - a * q[1:N - 1, j - 1]
            ) / (a * p[1:N - 1, j - 1] + b)
        v[N - 1, 1:N - 1] = 1.0
        for j in range(N - 2, 0, -1):
            v[j, 1:N - 1] = p[1:N - 1, j] * v[j + 1, 1:N - 1] + q[1:N - 1, j]
        # Row sweep, every interior row at once.
        u[1:N - 1, 0] = 1.0
        p[1:N - 1, 0] = 0.0
        q[1:N - 1, 0] = u[1:N - 1, 0]
        for j in range(1, N - 1):
            p[1:N - 1, j] = -f / (d * p[1:N - 1, j - 1] + e)
            q[1:N - 1, j] = (
                -a * v[0:N - 2, j] + (1.0 + 2.0 * a) * v[1:N - 1, j] - c * v[2:N, j]
                - d * q[1:N - 1, j - 1]
            ) / (d * p[1:N - 1, j - 1] + e)
        u[1:N - 1, N - 1] = 1.0
        for j in range(N - 2, 0, -1):
            u[1:N - 1, j] = p[1:N - 1, j] * u[1:N - 1, j + 1] + q[1:N - 1, j]


def kernel_restructured(TSTEPS, u):
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


# The sizes in kernel_dace's annotations (DaCe symbols).
(_N,) = symbols("N")


def kernel_dace(TSTEPS: int64, u: float64[_N, _N]):
    DX = 1.0 / _N
    DY = 1.0 / _N
    DT = 1.0 / TSTEPS
    mul1 = 2.0 * DT / (DX * DX)
    mul2 = 1.0 * DT / (DY * DY)
    a = -mul1 / 2.0
    b = 1.0 + mul1
    c = a
    d = -mul2 / 2.0
    e = 1.0 + mul2
    f = d
    v = np.zeros((_N, _N), dtype=np.float64)
    p = np.zeros((_N, _N), dtype=np.float64)
    q = np.zeros((_N, _N), dtype=np.float64)
    for _ in range(TSTEPS):
        v[0, 1:_N - 1] = 1.0
        p[1:_N - 1, 0] = 0.0
        q[1:_N - 1, 0] = v[0, 1:_N - 1]
        for j in range(1, _N - 1):
            denom = a * p[1:_N - 1, j - 1] + b
            p[1:_N - 1, j] = -c / denom
            q[1:_N - 1, j] = (
                -d * u[j, 0:_N - 2] + (1.0 + 2.0 * d) * u[j, 1:_N - 1] - f * u[j, 2:_N]
                - a * q[1:_N - 1, j - 1]
            ) / denom
        v[_N - 1, 1:_N - 1] = 1.0
        for j in range(_N - 2, 0, -1):
            v[j, 1:_N - 1] = p[1:_N - 1, j] * v[j + 1, 1:_N - 1] + q[1:_N - 1, j]
        u[1:_N - 1, 0] = 1.0
        p[1:_N - 1, 0] = 0.0
        q[1:_N - 1, 0] = u[1:_N - 1, 0]
        for j in range(1, _N - 1):
            denom = d * p[1:_N - 1, j - 1] + e
            p[1:_N - 1, j] = -f / denom
            q[1:_N - 1, j] = (
                -a * v[0:_N - 2, j] + (1.0 + 2.0 * a) * v[1:_N - 1, j] - c * v[2:_N, j]
                - d * q[1:_N - 1, j - 1]
            ) / denom
        u[1:_N - 1, _N - 1] = 1.0
        for j in range(_N - 2, 0, -1):
            u[1:_N - 1, j] = p[1:_N - 1, j] * u[1:_N - 1, j + 1] + q[1:_N - 1, j]


def kernel_jax(TSTEPS, u):
    import jax.numpy as jnp
    from jax import lax

    N = u.shape[0]
    a, b, c, d, e, f = _coefficients(TSTEPS, N)
    ones = jnp.ones(N - 2, dtype=u.dtype)

    def thomas(lo, diag, hi, coef, rhs_rows):
        """One tridiagonal solve per interior line, all lines at once: the forward sweep
        over j = 1 .. N-2 (rhs_rows[j-1] holds the three neighbours), then back substitution
        from the boundary value 1 at j = N-1. Returns the solution at j = 1 .. N-2."""

        def forward(pq, rows):
            p, q = pq
            left, mid, right = rows
            denom = lo * p + diag
            p = -hi / denom
            q = (-coef * left + (1.0 + 2.0 * coef) * mid - coef * right - lo * q) / denom
            return (p, q), (p, q)

        _, (p, q) = lax.scan(forward, (jnp.zeros(N - 2, dtype=u.dtype), ones), rhs_rows)

        def backward(nxt, pq):
            value = pq[0] * nxt + pq[1]
            return value, value

        _, x = lax.scan(backward, ones, (p, q), reverse=True)
        return x  # x[j - 1] is the solution at j, for every interior line

    def step(_, u):
        # Column sweep: lines are the interior columns of u^T; v is (N, N) with v[j, i].
        cols = (u[1:-1, :-2], u[1:-1, 1:-1], u[1:-1, 2:])
        vin = thomas(a, b, c, d, cols)
        v = jnp.zeros((N, N), dtype=u.dtype)
        v = v.at[0, 1:-1].set(1.0).at[-1, 1:-1].set(1.0).at[1:-1, 1:-1].set(vin)
        # Row sweep: lines are the interior rows of u; the neighbours run along v's columns.
        rows = (v[:-2, 1:-1].T, v[1:-1, 1:-1].T, v[2:, 1:-1].T)
        uin = thomas(d, e, f, a, rows)
        u = u.at[1:-1, 0].set(1.0).at[1:-1, -1].set(1.0).at[1:-1, 1:-1].set(uin.T)
        return u

    return lax.fori_loop(0, TSTEPS, step, u)
