"""hdiff: COSMO horizontal diffusion, 4th-order with flux limiting, on an (I+4) x (J+4) x K field.

With c = in_field and (i, j) an output point (input point (i+2, j+2)):
lap(p, q) = 4 c(p, q) - c(p+1, q) - c(p-1, q) - c(p, q+1) - c(p, q-1);
flx(p, q) = lap(p+1, q) - lap(p, q), set to 0 where flx * (c(p+1, q) - c(p, q)) > 0;
fly(p, q) = lap(p, q+1) - lap(p, q), set to 0 where fly * (c(p, q+1) - c(p, q)) > 0;
out = c - coeff * (flx(p, q) - flx(p-1, q) + fly(p, q) - fly(p, q-1)).
"""

import numpy as np

from bench.kernels._dace import float64, symbols

NAME = "hdiff"
SIZES = {
    "test": dict(I=4, J=5, K=3),
    "S": dict(I=64, J=64, K=60),
    "M": dict(I=100, J=100, K=160),
}
OUTPUTS = (1,)


def init(I, J, K):
    rng = np.random.default_rng(42)
    in_field = rng.random((I + 4, J + 4, K))
    out_field = rng.random((I, J, K))
    coeff = rng.random((I, J, K))
    return in_field, out_field, coeff


def kernel_numpy(in_field, out_field, coeff):
    I, J, K = out_field.shape
    c = in_field
    # lap[a, b] is the Laplacian at input point (a + 1, b + 1).
    lap = 4.0 * c[1:-1, 1:-1] - (c[2:, 1:-1] + c[:-2, 1:-1] + c[1:-1, 2:] + c[1:-1, :-2])
    # flx[a, b] at input point (a + 1, b + 2), a in [0, I + 1).
    flx = lap[1:I + 2, 1:J + 1] - lap[:I + 1, 1:J + 1]
    flx = np.where(flx * (c[2:I + 3, 2:J + 2] - c[1:I + 2, 2:J + 2]) > 0, 0.0, flx)
    # fly[a, b] at input point (a + 2, b + 1), b in [0, J + 1).
    fly = lap[1:I + 1, 1:J + 2] - lap[1:I + 1, :J + 1]
    fly = np.where(fly * (c[2:I + 2, 2:J + 3] - c[2:I + 2, 1:J + 2]) > 0, 0.0, fly)
    out_field[:] = c[2:I + 2, 2:J + 2] - coeff * (flx[1:] - flx[:-1] + fly[:, 1:] - fly[:, :-1])


def kernel_reference(in_field, out_field, coeff):
    I, J, K = out_field.shape
    c = in_field

    def lap(p, q, k):
        return 4.0 * c[p, q, k] - c[p + 1, q, k] - c[p - 1, q, k] - c[p, q + 1, k] - c[p, q - 1, k]

    def flx(p, q, k):
        f = lap(p + 1, q, k) - lap(p, q, k)
        return 0.0 if f * (c[p + 1, q, k] - c[p, q, k]) > 0 else f

    def fly(p, q, k):
        f = lap(p, q + 1, k) - lap(p, q, k)
        return 0.0 if f * (c[p, q + 1, k] - c[p, q, k]) > 0 else f

    for i in range(I):
        for j in range(J):
            for k in range(K):
                p = i + 2
                q = j + 2
                out_field[i, j, k] = c[p, q, k] - coeff[i, j, k] * (
                    flx(p, q, k) - flx(p - 1, q, k) + fly(p, q, k) - fly(p, q - 1, k)
                )


# The sizes in kernel_dace's annotations (DaCe symbols).
_I, _J, _K = symbols("I J K")


def kernel_dace(in_field: float64[_I + 4, _J + 4, _K], out_field: float64[_I, _J, _K],
                coeff: float64[_I, _J, _K]):
    # Slices with explicit symbolic bounds, so DaCe can tell the operand shapes match.
    c = in_field
    lap = 4.0 * c[1:_I + 3, 1:_J + 3] - (
        c[2:_I + 4, 1:_J + 3] + c[0:_I + 2, 1:_J + 3] + c[1:_I + 3, 2:_J + 4]
        + c[1:_I + 3, 0:_J + 2]
    )
    flx = lap[1:_I + 2, 1:_J + 1] - lap[0:_I + 1, 1:_J + 1]
    dcx = c[2:_I + 3, 2:_J + 2] - c[1:_I + 2, 2:_J + 2]
    flx_lim = np.where(flx * dcx > 0, 0.0, flx)
    fly = lap[1:_I + 1, 1:_J + 2] - lap[1:_I + 1, 0:_J + 1]
    dcy = c[2:_I + 2, 2:_J + 3] - c[2:_I + 2, 1:_J + 2]
    fly_lim = np.where(fly * dcy > 0, 0.0, fly)
    div = flx_lim[1:_I + 1] - flx_lim[0:_I] + fly_lim[:, 1:_J + 1] - fly_lim[:, 0:_J]
    out_field[:] = c[2:_I + 2, 2:_J + 2] - coeff * div


def kernel_jax(in_field, out_field, coeff):
    import jax.numpy as jnp

    I, J, K = out_field.shape
    c = in_field
    lap = 4.0 * c[1:-1, 1:-1] - (c[2:, 1:-1] + c[:-2, 1:-1] + c[1:-1, 2:] + c[1:-1, :-2])
    flx = lap[1:I + 2, 1:J + 1] - lap[:I + 1, 1:J + 1]
    flx = jnp.where(flx * (c[2:I + 3, 2:J + 2] - c[1:I + 2, 2:J + 2]) > 0, 0.0, flx)
    fly = lap[1:I + 1, 1:J + 2] - lap[1:I + 1, :J + 1]
    fly = jnp.where(fly * (c[2:I + 2, 2:J + 3] - c[2:I + 2, 1:J + 2]) > 0, 0.0, fly)
    return c[2:I + 2, 2:J + 2] - coeff * (flx[1:] - flx[:-1] + fly[:, 1:] - fly[:, :-1])
