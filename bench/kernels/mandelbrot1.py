"""mandelbrot1: escape iterations of z -> z^2 + c over a grid of c in the complex plane;
returns the final z and the last iteration each point was still inside the horizon
(0 for points that never left)."""

import numpy as np

NAME = "mandelbrot1"
SIZES = {
    "test": dict(xmin=-1.75, xmax=0.25, XN=6, ymin=-1.0, ymax=1.0, YN=5, maxiter=8),
    "S": dict(xmin=-1.75, xmax=0.25, XN=125, ymin=-1.0, ymax=1.0, YN=125, maxiter=60),
    "M": dict(xmin=-1.75, xmax=0.25, XN=250, ymin=-1.0, ymax=1.0, YN=250, maxiter=150),
}
OUTPUTS = ()


def init(xmin, xmax, XN, ymin, ymax, YN, maxiter):
    return xmin, xmax, ymin, ymax, XN, YN, maxiter, 2.0


def kernel_numpy(xmin, xmax, ymin, ymax, xn, yn, maxiter, horizon):
    re = np.linspace(xmin, xmax, xn)
    im = np.linspace(ymin, ymax, yn)
    C = re[np.newaxis, :] + 1j * im[:, np.newaxis]
    N = np.zeros((yn, xn), dtype=np.int64)
    Z = np.zeros((yn, xn), dtype=np.complex128)
    for n in range(maxiter):
        inside = np.abs(Z) < horizon
        N[inside] = n
        Z[inside] = Z[inside] ** 2 + C[inside]
    N[N == maxiter - 1] = 0
    return Z, N


def kernel_reference(xmin, xmax, ymin, ymax, xn, yn, maxiter, horizon):
    Z = np.zeros((yn, xn), dtype=np.complex128)
    N = np.zeros((yn, xn), dtype=np.int64)
    for r in range(yn):
        y = ymin + r * ((ymax - ymin) / (yn - 1)) if r < yn - 1 else ymax
        for c in range(xn):
            x = xmin + c * ((xmax - xmin) / (xn - 1)) if c < xn - 1 else xmax
            z = 0j
            last = 0
            for n in range(maxiter):
                if abs(z) < horizon:
                    last = n
                    z = z * z + complex(x, y)
            Z[r, c] = z
            N[r, c] = 0 if last == maxiter - 1 else last
    return Z, N


def kernel_jax(xmin, xmax, ymin, ymax, xn, yn, maxiter, horizon):
    import jax.numpy as jnp
    from jax import lax

    C = jnp.linspace(xmin, xmax, xn)[None, :] + 1j * jnp.linspace(ymin, ymax, yn)[:, None]

    def step(n, state):
        Z, N = state
        inside = jnp.abs(Z) < horizon
        return jnp.where(inside, Z * Z + C, Z), jnp.where(inside, n, N)

    Z, N = lax.fori_loop(0, maxiter, step, (jnp.zeros_like(C), jnp.zeros(C.shape, jnp.int64)))
    return Z, jnp.where(N == maxiter - 1, 0, N)
