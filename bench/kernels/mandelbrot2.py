"""mandelbrot2: escape iterations of z -> z^2 + c over a grid of c, computed only for the
points still inside: the arrays of live points shrink every iteration (`Z = Z[inside]`),
as NPBench writes it. Returns, per grid point (transposed), the value of z when it left
the horizon and the iteration after which it left (0 and 0 for points that never left)."""

import numpy as np

NAME = "mandelbrot2"
SIZES = {
    "test": dict(xmin=-2.0, xmax=0.5, XN=7, ymin=-1.25, ymax=1.25, YN=6, maxiter=9),
    "S": dict(xmin=-2.0, xmax=0.5, XN=200, ymin=-1.25, ymax=1.25, YN=200, maxiter=40),
    "M": dict(xmin=-2.0, xmax=0.5, XN=500, ymin=-1.25, ymax=1.25, YN=500, maxiter=80),
}
OUTPUTS = ()


def init(xmin, xmax, XN, ymin, ymax, YN, maxiter):
    return xmin, xmax, ymin, ymax, XN, YN, maxiter, 2.0


def kernel_numpy(xmin, xmax, ymin, ymax, xn, yn, maxiter, horizon):
    ix, iy = np.mgrid[0:xn, 0:yn]
    re = np.linspace(xmin, xmax, xn, dtype=np.float64)[ix]
    im = np.linspace(ymin, ymax, yn, dtype=np.float64)[iy]
    C = re + im * 1j
    steps = np.zeros(C.shape, dtype=np.int64)
    left = np.zeros(C.shape, dtype=np.complex128)
    ix.shape = iy.shape = C.shape = xn * yn
    Z = np.zeros(C.shape, np.complex128)
    for it in range(maxiter):
        if not len(Z):
            break
        np.multiply(Z, Z, Z)
        np.add(Z, C, Z)
        out = abs(Z) > horizon
        steps[ix[out], iy[out]] = it + 1
        left[ix[out], iy[out]] = Z[out]
        np.logical_not(out, out)
        Z = Z[out]
        ix, iy = ix[out], iy[out]
        C = C[out]
    return left.T, steps.T


def kernel_reference(xmin, xmax, ymin, ymax, xn, yn, maxiter, horizon):
    re = np.linspace(xmin, xmax, xn)
    im = np.linspace(ymin, ymax, yn)
    left = np.zeros((yn, xn), dtype=np.complex128)
    steps = np.zeros((yn, xn), dtype=np.int64)
    for j in range(yn):
        for i in range(xn):
            c = complex(re[i], im[j])
            z = 0j
            for it in range(maxiter):
                z = z * z + c
                if abs(z) > horizon:
                    left[j, i] = z
                    steps[j, i] = it + 1
                    break
    return left, steps


def kernel_jax(xmin, xmax, ymin, ymax, xn, yn, maxiter, horizon):
    import jax.numpy as jnp
    from jax import lax

    C = jnp.linspace(xmin, xmax, xn)[:, None] + 1j * jnp.linspace(ymin, ymax, yn)[None, :]

    def step(it, state):
        Z, left, steps, live = state
        Z = jnp.where(live, Z * Z + C, Z)
        out = live & (jnp.abs(Z) > horizon)
        return (Z, jnp.where(out, Z, left), jnp.where(out, it + 1, steps), live & ~out)

    zeros = jnp.zeros_like(C)
    state = (zeros, zeros, jnp.zeros(C.shape, jnp.int64), jnp.ones(C.shape, bool))
    _, left, steps, _ = lax.fori_loop(0, maxiter, step, state)
    return left.T, steps.T
