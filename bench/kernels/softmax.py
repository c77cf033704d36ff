"""softmax: numerically stable softmax over the last axis, exp(x - max) / sum(exp(x - max))."""

import numpy as np

from bench.kernels._dace import float64, symbols

NAME = "softmax"
SIZES = {
    "test": dict(N=2, H=3, SM=5),
    "S": dict(N=8, H=16, SM=128),
    "M": dict(N=20, H=16, SM=256),
}
OUTPUTS = ()


def init(N, H, SM):
    rng = np.random.default_rng(42)
    x = rng.random((N, H, SM, SM))
    return (x,)


def kernel_numpy(x):
    tmp_max = np.max(x, axis=-1, keepdims=True)
    tmp_out = np.exp(x - tmp_max)
    tmp_sum = np.sum(tmp_out, axis=-1, keepdims=True)
    return tmp_out / tmp_sum


def kernel_reference(x):
    N, H, SM, _ = x.shape
    out = np.zeros_like(x)
    for n in range(N):
        for h in range(H):
            for i in range(SM):
                m = x[n, h, i, 0]
                for j in range(SM):
                    m = max(m, x[n, h, i, j])
                s = 0.0
                for j in range(SM):
                    out[n, h, i, j] = np.exp(x[n, h, i, j] - m)
                    s += out[n, h, i, j]
                for j in range(SM):
                    out[n, h, i, j] /= s
    return out


# The sizes in kernel_dace's annotations (DaCe symbols).
_N, _H, _SM = symbols("N H SM")


def kernel_dace(x: float64[_N, _H, _SM, _SM]):
    # No keepdims in DaCe's np.max / np.sum: broadcast the reduced axis back by hand.
    tmp_max = np.max(x, axis=3)
    tmp_out = np.exp(x - tmp_max[:, :, :, np.newaxis])
    tmp_sum = np.sum(tmp_out, axis=3)
    return tmp_out / tmp_sum[:, :, :, np.newaxis]


def kernel_jax(x):
    import jax.numpy as jnp

    tmp_out = jnp.exp(x - jnp.max(x, axis=-1, keepdims=True))
    return tmp_out / jnp.sum(tmp_out, axis=-1, keepdims=True)
