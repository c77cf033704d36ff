"""stockham_fft: the discrete Fourier transform of x (N = R^K points) by the radix-R Stockham
algorithm, K passes of stride permutation, twiddle factors and R-point DFTs; written to y."""

import numpy as np

NAME = "stockham_fft"
SIZES = {
    "test": dict(R=2, K=3),
    "S": dict(R=2, K=15),
    "M": dict(R=2, K=18),
}
OUTPUTS = (4,)


def init(R, K):
    rng = np.random.default_rng(42)
    N = R**K
    x = rng.random(N) + 1j * rng.random(N)
    y = np.zeros(N, dtype=np.complex128)
    return N, R, K, x, y


def kernel_numpy(N, R, K, x, y):
    rows, cols = np.mgrid[0:R, 0:R]
    dft = np.exp(-2.0j * np.pi * rows * cols / R)  # the R-point DFT matrix
    y[:] = x
    for s in range(K):
        L = R**s  # length of the transforms done so far
        M = N // (L * R)
        # Stride permutation: element (l, r, m) of y goes to (r, l, m).
        t = np.transpose(np.reshape(y, (L, R, M)), (1, 0, 2))
        r, l = np.mgrid[0:R, 0:L]
        t = t * np.exp(-2.0j * np.pi * r * l / (R * L))[:, :, np.newaxis]
        y[:] = np.reshape(dft @ np.reshape(t, (R, L * M)), (N,))


def kernel_reference(N, R, K, x, y):
    for i in range(N):
        y[i] = x[i]
    tmp = np.empty(N, dtype=np.complex128)
    for s in range(K):
        L = R**s
        M = N // (L * R)
        for r in range(R):
            for l in range(L):
                w = np.exp(-2.0j * np.pi * (r * l) / (R * L))
                for m in range(M):
                    tmp[(r * L + l) * M + m] = y[(l * R + r) * M + m] * w
        for u in range(R):
            for c in range(L * M):
                acc = 0j
                for r in range(R):
                    acc += np.exp(-2.0j * np.pi * (u * r) / R) * tmp[r * L * M + c]
                y[u * L * M + c] = acc


def kernel_jax(N, R, K, x, y):
    import jax.numpy as jnp

    idx = jnp.arange(R)
    dft = jnp.exp(-2.0j * jnp.pi * idx[:, None] * idx[None, :] / R)
    y = x
    for s in range(K):
        L = R**s
        M = N // (L * R)
        t = jnp.transpose(jnp.reshape(y, (L, R, M)), (1, 0, 2))
        tw = jnp.exp(-2.0j * jnp.pi * idx[:, None] * jnp.arange(L)[None, :] / (R * L))
        y = jnp.reshape(dft @ jnp.reshape(t * tw[:, :, None], (R, L * M)), (N,))
    return y
