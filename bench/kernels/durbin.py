"""durbin: Levinson-Durbin recursion, solves the Yule-Walker system of the Toeplitz matrix of r.

y[0] = -r[0]; for k >= 1: beta = (1 - alpha^2) beta, alpha = -(r[k] + sum_i r[k-i-1] y[i]) / beta,
y[:k] += alpha * reversed(y[:k]), y[k] = alpha.

`kernel_numpy` follows NPBench's formulation: the reversed prefixes come from np.flip and the
dot product from np.dot. `kernel_restructured` reads them through negative-step slices
(r[k - 1::-1]) and uses @.
"""

import numpy as np

from bench.kernels._dace import dace, float64, symbols

NAME = "durbin"
SIZES = {
    "test": dict(N=8),
    "S": dict(N=1000),
    "M": dict(N=6000),
}
OUTPUTS = ()


def init(N):
    # A decaying autocorrelation sequence keeps |alpha| < 1, so the recursion stays stable.
    k = np.arange(N, dtype=np.float64)
    r = 0.6 ** (k + 1) * np.cos(0.3 * k) / (1.0 + k / N)
    return (r,)


def kernel_numpy(r):
    y = np.empty_like(r)
    alpha = -r[0]
    beta = 1.0
    y[0] = -r[0]
    for k in range(1, r.shape[0]):
        beta *= 1.0 - alpha * alpha
        alpha = -(r[k] + np.dot(np.flip(r[:k]), y[:k])) / beta
        y[:k] += alpha * np.flip(y[:k])
        y[k] = alpha
    return y


def kernel_restructured(r):
    N = r.shape[0]
    y = np.empty_like(r)
    y[0] = -r[0]
    beta = 1.0
    alpha = -r[0]
    for k in range(1, N):
        beta *= 1.0 - alpha * alpha
        alpha = -(r[k] + r[k - 1::-1] @ y[:k]) / beta
        y[:k] += alpha * y[k - 1::-1]
        y[k] = alpha
    return y


def kernel_reference(r):
    N = r.shape[0]
    y = np.zeros(N)
    z = np.zeros(N)
    y[0] = -r[0]
    beta = 1.0
    alpha = -r[0]
    for k in range(1, N):
        beta = (1.0 - alpha * alpha) * beta
        s = 0.0
        for i in range(k):
            s += r[k - i - 1] * y[i]
        alpha = -(r[k] + s) / beta
        for i in range(k):
            z[i] = y[i] + alpha * y[k - i - 1]
        for i in range(k):
            y[i] = z[i]
        y[k] = alpha
    return y


# The sizes in kernel_dace's annotations (DaCe symbols).
(_N,) = symbols("N")


def kernel_dace(r: float64[_N]):
    # Reversed slices (r[k - 1::-1]) are not in DaCe's subset: index k - 1 - i explicitly.
    y = np.empty((_N,), dtype=np.float64)
    z = np.empty((_N,), dtype=np.float64)
    y[0] = -r[0]
    beta = 1.0
    alpha = -r[0]
    for k in range(1, _N):
        beta *= 1.0 - alpha * alpha
        dot = 0.0
        for i in range(k):
            dot += r[k - 1 - i] * y[i]
        alpha = -(r[k] + dot) / beta
        for i in dace.map[0:k]:
            z[i] = y[i] + alpha * y[k - 1 - i]
        y[0:k] = z[0:k]
        y[k] = alpha
    return y


def kernel_jax(r):
    import jax.numpy as jnp
    from jax import lax

    N = r.shape[0]
    idx = jnp.arange(N)

    def step(k, state):
        y, alpha, beta = state
        head = idx < k
        mirrored = jnp.clip(k - 1 - idx, 0, N - 1)  # k-1-i for i < k
        beta = beta * (1.0 - alpha * alpha)
        alpha = -(r[k] + jnp.sum(jnp.where(head, r[mirrored] * y, 0.0))) / beta
        y = jnp.where(head, y + alpha * y[mirrored], y)
        return y.at[k].set(alpha), alpha, beta

    y0 = jnp.zeros_like(r).at[0].set(-r[0])
    y, _, _ = lax.fori_loop(1, N, step, (y0, -r[0], jnp.ones((), dtype=r.dtype)))
    return y
