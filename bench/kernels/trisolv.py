"""trisolv: forward substitution, solve L x = b for lower-triangular L."""

import numpy as np

NAME = "trisolv"
SIZES = {
    "test": dict(N=7),
    "S": dict(N=1000),
    "M": dict(N=6000),
}
OUTPUTS = (1,)


def init(N):
    i = np.arange(N).reshape(N, 1)
    j = np.arange(N).reshape(1, N)
    L = np.where(j <= i, (i + N - j + 1) * 2.0 / N, 0.0)
    x = np.full(N, -999.0)
    b = np.arange(N, dtype=np.float64)
    return L, x, b


def kernel_numpy(L, x, b):
    for i in range(x.shape[0]):
        x[i] = (b[i] - L[i, :i] @ x[:i]) / L[i, i]


def kernel_reference(L, x, b):
    N = x.shape[0]
    for i in range(N):
        x[i] = b[i]
        for j in range(i):
            x[i] -= L[i, j] * x[j]
        x[i] = x[i] / L[i, i]


def kernel_jax(L, x, b):
    import jax.numpy as jnp
    from jax import lax

    N = x.shape[0]
    idx = jnp.arange(N)

    def substitute(i, x):
        known = jnp.where(idx < i, L[i] * x, 0.0)
        return x.at[i].set((b[i] - jnp.sum(known)) / L[i, i])

    return lax.fori_loop(0, N, substitute, x)
